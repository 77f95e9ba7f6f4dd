-- POR-2 / FEE-3: the channels that reach owners, tenants and merchants, and the messages sent
-- to them through those channels (SQLite). Keep in step with migrations/postgres.

-- One row per channel of a company: e-mail through its SMTP server, or a webhook into an SMS
-- or IM gateway. `settings` is JSON without the secret; `secret` (the SMTP password or the
-- webhook signing key) is never shown back on a page, in the API or in a log.
CREATE TABLE notification_channels (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL CHECK (kind IN ('email','webhook')),
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    secret TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES staff(id),
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, name)
);

-- Messages to parties. Written in the transaction of the action that sends them; the delivery
-- job takes due rows (moving `deliver_after` ahead as a lease, so the network call happens
-- outside any transaction), sends them and records the outcome. One message per channel,
-- party and subject (a payment notice: `unit_id/period`), so sending a period twice does not
-- send it twice.
CREATE TABLE party_messages (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    party_id INTEGER NOT NULL REFERENCES parties(id),
    channel_id INTEGER NOT NULL REFERENCES notification_channels(id),
    address TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('payment_notice')),
    entity_key TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES staff(id),
    created_at TEXT NOT NULL,
    deliver_after TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (channel_id, party_id, kind, entity_key)
);
CREATE INDEX party_messages_due ON party_messages(deliver_after, id) WHERE sent_at IS NULL;
CREATE INDEX party_messages_subject ON party_messages(project_id, kind, entity_key);

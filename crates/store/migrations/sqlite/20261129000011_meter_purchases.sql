-- FEE-8: prepaid electricity purchases (paid and receipted, then loaded by the electrician)
-- and the outbox's new message kind for the electrician's task (SQLite). Keep in step with
-- migrations/postgres of the same name.
CREATE TABLE meter_purchases (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    meter_id INTEGER NOT NULL REFERENCES meters(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    -- Receipt number {project code}/SJ{seq}: the project's one receipt book.
    receipt_no TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    -- kWh bought, in hundredths, at the price (ten-thousandths of a yuan) of the day.
    kwh INTEGER NOT NULL CHECK (kwh > 0),
    price INTEGER NOT NULL CHECK (price > 0),
    method TEXT NOT NULL CHECK (method IN ('cash','transfer','pos','online')),
    reference TEXT NOT NULL DEFAULT '',
    paid_on TEXT NOT NULL,
    received_by INTEGER NOT NULL REFERENCES staff(id),
    status TEXT NOT NULL CHECK (status IN ('paid','loaded','refunded')),
    loaded_by INTEGER REFERENCES staff(id),
    loaded_at TEXT,
    refunded_by INTEGER REFERENCES staff(id),
    refunded_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, receipt_no)
);
CREATE INDEX meter_purchases_meter ON meter_purchases(meter_id, id);
-- The electrician's list of meters still to load.
CREATE INDEX meter_purchases_open ON meter_purchases(project_id, id) WHERE status = 'paid';

-- FEE-8: the electrician's task is a new message kind; the outbox is rebuilt as in
-- 20261128000012 (a CHECK cannot be altered on SQLite; the inbox goes with it, ids kept).
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    project_id INTEGER REFERENCES projects(id),
    recipient_staff_id INTEGER NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL CHECK (kind IN ('online_complaint','important_complaint','major_complaint','dispatched','reopened','callback_assigned',
        'emergency_repair','repair_dispatched','rectification','meter_load')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    deliver_after TEXT NOT NULL,
    delivered_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
INSERT INTO outbox_new (id, company_id, project_id, recipient_staff_id, kind, subject, body, link, entity, entity_id, created_at, deliver_after,
    delivered_at, attempts, last_error)
SELECT id, company_id, project_id, recipient_staff_id, kind, subject, body, link, entity, entity_id, created_at, deliver_after,
    delivered_at, attempts, last_error FROM outbox;
CREATE TABLE inbox_new (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox_new(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    project_id INTEGER REFERENCES projects(id),
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    read_at TEXT
);
INSERT INTO inbox_new (id, outbox_id, company_id, project_id, staff_id, kind, subject, body, link, entity, entity_id, created_at, delivered_at, read_at)
SELECT id, outbox_id, company_id, project_id, staff_id, kind, subject, body, link, entity, entity_id, created_at, delivered_at, read_at FROM inbox;
DROP TABLE inbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
ALTER TABLE inbox_new RENAME TO inbox;
CREATE INDEX outbox_due ON outbox(deliver_after, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_entity ON outbox(entity, entity_id);
CREATE INDEX inbox_staff ON inbox(staff_id, id);
-- The unread count in the top bar of every page.
CREATE INDEX inbox_unread ON inbox(staff_id, project_id) WHERE read_at IS NULL;

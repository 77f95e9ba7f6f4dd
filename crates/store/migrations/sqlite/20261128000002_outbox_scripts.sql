-- Notification outbox, staff inbox, department heads and per-project scripts (SQLite).
-- Keep in step with migrations/postgres of the same name.

-- CMP-16 / dispatch: the heads of a department (a department may have more than one).
ALTER TABLE staff ADD COLUMN department_head INTEGER NOT NULL DEFAULT 0;

-- DESIGN.md: an ops transaction enqueues its messages here, in the same transaction as the
-- change; the delivery job moves due rows to their channel (today the staff inbox).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    project_id INTEGER REFERENCES projects(id),
    recipient_staff_id INTEGER NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL CHECK (kind IN ('online_complaint','important_complaint','major_complaint','dispatched','reopened','callback_assigned')),
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
-- The delivery job reads only undelivered rows, oldest due first.
CREATE INDEX outbox_due ON outbox(deliver_after, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_entity ON outbox(entity, entity_id);

-- The staff inbox: one row per delivered message; outbox_id makes a repeated delivery a no-op.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox(id),
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
CREATE INDEX inbox_staff ON inbox(staff_id, id);
-- The unread count in the top bar of every page.
CREATE INDEX inbox_unread ON inbox(staff_id, project_id) WHERE read_at IS NULL;

-- RCP-5: a project's own text for a script moment; no row means the default.
CREATE TABLE scripts (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    moment TEXT NOT NULL CHECK (moment IN ('greeting','visitor','complaint','callback_open','callback_questions','farewell')),
    text TEXT NOT NULL,
    updated_by INTEGER REFERENCES staff(id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, moment)
);

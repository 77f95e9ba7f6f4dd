-- REP-8/REP-9/REP-5: repair callbacks live in `callbacks` (subject 'repair', already allowed by
-- its CHECK); rectification notices from callbacks; the outbox learns the repair notices
-- (SQLite). Keep in step with migrations/postgres of the same name.

-- REP-9: a problem found at a repair callback becomes a written rectification notice
-- (整改通知单) to the repair staff, due within 24 hours; closing it records the fix.
CREATE TABLE rectifications (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    work_order_id INTEGER NOT NULL REFERENCES work_orders(id),
    callback_id INTEGER REFERENCES callbacks(id),
    department_id INTEGER REFERENCES departments(id),
    assignee_id INTEGER REFERENCES staff(id),
    problem TEXT NOT NULL,
    issued_by INTEGER REFERENCES staff(id),
    issued_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open','done')),
    fix TEXT NOT NULL DEFAULT '',
    done_at TEXT,
    done_by INTEGER REFERENCES staff(id),
    on_time INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rectifications_work_order ON rectifications(work_order_id, id);
-- The board and lists: a project's open notices by deadline.
CREATE INDEX rectifications_project_status ON rectifications(project_id, status, due_at);

-- REP-5: new message kinds. A CHECK cannot be altered on SQLite, so the outbox is rebuilt:
-- new table, copy, drop, rename, indexes — inside this migration's transaction. `inbox`
-- references the outbox, and dropping a referenced table with rows would fail its foreign
-- key, so the inbox is rebuilt with it: its copy references the new outbox, the old inbox goes,
-- then the old outbox, and the renames carry the reference over (SQLite rewrites foreign keys
-- on RENAME). Every id is kept.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    project_id INTEGER REFERENCES projects(id),
    recipient_staff_id INTEGER NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL CHECK (kind IN ('online_complaint','important_complaint','major_complaint','dispatched','reopened','callback_assigned',
        'emergency_repair','repair_dispatched','rectification')),
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

-- Callbacks, board and reports (SQLite). Keep in step with migrations/postgres of the same name.

-- CBK-7: the manager's quality check of a sampled callback.
ALTER TABLE callbacks ADD COLUMN check_note TEXT NOT NULL DEFAULT '';
ALTER TABLE callbacks ADD COLUMN checked_by INTEGER REFERENCES staff(id);
ALTER TABLE callbacks ADD COLUMN checked_at TEXT;
CREATE INDEX callbacks_done ON callbacks(project_id, status, done_at);

-- CMP-2: when the automatic pass raised a complaint; marks the rows of one set-based pass so
-- their events are written with INSERT … SELECT.
ALTER TABLE complaints ADD COLUMN escalated_at TEXT;
CREATE INDEX complaints_escalated ON complaints(escalated_at) WHERE escalated_at IS NOT NULL;
-- Lists filtered by project and status, newest first (first page without a sort).
CREATE INDEX complaints_project_status_time ON complaints(project_id, status, received_at, id);
-- CMP-13: monthly classified statistics read this index only.
CREATE INDEX complaints_classes ON complaints(project_id, received_at, severity, important_kind, major_reason, status);

-- CMP-15: the month's public notice of common complaints and how they were handled.
CREATE TABLE public_notices (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    month TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft','published')),
    published_by INTEGER REFERENCES staff(id),
    published_by_name TEXT NOT NULL DEFAULT '',
    published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, month)
);

-- Background jobs on several nodes: the node holding a job's lease runs its pass.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL
);

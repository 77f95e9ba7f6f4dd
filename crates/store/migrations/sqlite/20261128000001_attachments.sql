-- Attachments (CMP-3 evidence now, repair photos, signatures and PDFs next) and the CMP-9
-- disagreement → decision step (SQLite). Keep in step with migrations/postgres of the same name.

-- A file attached to any record: `entity` + `entity_id` name the owner (the entity codes
-- are checked by the domain's AttachmentEntity, not by a CHECK here, so a new owner module
-- needs no table rebuild). The bytes live on disk under the attachments directory at
-- `storage_key` (a path derived from `sha256`); the row is written only after the file is.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    storage_key TEXT NOT NULL,
    uploaded_by INTEGER REFERENCES staff(id),
    uploaded_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attachments_owner ON attachments(entity, entity_id, id);

-- CMP-9: a complaint waiting for a head's decision. A nullable time rather than a new
-- status: the complaint keeps its status (dispatched / in progress / received) and its
-- department parts while it waits, and a new status would mean rebuilding `complaints`
-- (SQLite cannot alter a CHECK) with every table that references it.
ALTER TABLE complaints ADD COLUMN decision_requested_at TEXT;

-- CMP-9: each disagreement with the departments' opinions as customer service summarised
-- them, and the head's decision: who remains responsible and who is released.
CREATE TABLE complaint_decisions (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    -- JSON array of {"department_id", "department_name", "opinion"}.
    opinions TEXT NOT NULL,
    requested_by INTEGER REFERENCES staff(id),
    requested_by_name TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decision TEXT,
    -- JSON arrays of department ids.
    responsible TEXT,
    released TEXT,
    decided_by INTEGER REFERENCES staff(id),
    decided_by_name TEXT,
    decided_at TEXT,
    CHECK ((decided_at IS NULL) = (decision IS NULL))
);
CREATE INDEX complaint_decisions_complaint ON complaint_decisions(complaint_id, id);
-- One open disagreement per complaint.
CREATE UNIQUE INDEX complaint_decisions_open ON complaint_decisions(complaint_id) WHERE decided_at IS NULL;

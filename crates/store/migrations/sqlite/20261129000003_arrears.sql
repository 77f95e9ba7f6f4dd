-- FEE-5/FEE-6: an arrears case per overdue payer and project, its cause (a service failure names
-- the complaint or work order) and every step of the collection ladder with who, how and what
-- was said (SQLite). Keep in step with migrations/postgres of the same name.
CREATE TABLE arrears_cases (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    payer_id INTEGER NOT NULL REFERENCES parties(id),
    status TEXT NOT NULL CHECK (status IN ('notice','reminder','contact','interview','lawyer_letter','lawsuit','paid','written_off')),
    cause TEXT NOT NULL DEFAULT 'unknown' CHECK (cause IN ('unknown','own','service_failure','third_party')),
    linked_entity TEXT CHECK (linked_entity IS NULL OR linked_entity IN ('complaint','work_order')),
    linked_id INTEGER,
    -- What was overdue when the case opened (fen), for the record; the live balance is the lines'.
    opened_balance INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
-- One open case per payer and project.
CREATE UNIQUE INDEX arrears_cases_open ON arrears_cases(project_id, payer_id) WHERE status NOT IN ('paid','written_off');
CREATE INDEX arrears_cases_project_status ON arrears_cases(project_id, status, opened_at);
CREATE INDEX arrears_cases_payer ON arrears_cases(payer_id);

CREATE TABLE arrears_steps (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES arrears_cases(id),
    action TEXT NOT NULL,
    -- The ladder's step after the action.
    status TEXT NOT NULL,
    method TEXT,
    note TEXT NOT NULL DEFAULT '',
    -- FEE-3: the courier's waybill number kept as evidence.
    courier_no TEXT NOT NULL DEFAULT '',
    staff_id INTEGER REFERENCES staff(id),
    at TEXT NOT NULL
);
CREATE INDEX arrears_steps_case ON arrears_steps(case_id, id);

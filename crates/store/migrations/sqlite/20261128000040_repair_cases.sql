-- REP-13: repair case write-ups (维修案例) from closed work orders, for later design,
-- construction and sales (001 11.2.10.2), and their search index (SQLite). Keep in step with
-- migrations/postgres of the same name.
CREATE TABLE repair_cases (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    -- One write-up per repair: a second would split what was learnt from it.
    work_order_id INTEGER NOT NULL UNIQUE REFERENCES work_orders(id),
    title TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('water','electric','door_window','wall_floor','leak','public_facility','other')),
    problem TEXT NOT NULL,
    cause TEXT NOT NULL,
    handling TEXT NOT NULL,
    -- What later projects should do differently; at least one of the three is written.
    lesson_design TEXT NOT NULL DEFAULT '',
    lesson_construction TEXT NOT NULL DEFAULT '',
    lesson_sales TEXT NOT NULL DEFAULT '',
    written_by INTEGER REFERENCES staff(id),
    written_by_name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX repair_cases_project ON repair_cases(project_id, id);

-- The grams of the work-order number, title, problem, cause, handling and lessons (built in
-- Rust by propdesk_domain::search, as for complaints), rowid = repair_cases.id. Written with
-- the case, so a new table needs no backfill.
CREATE VIRTUAL TABLE repair_case_search USING fts5(grams, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

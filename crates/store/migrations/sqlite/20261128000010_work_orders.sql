-- REP: work orders (维修工单), one row per repair request, with each stage's deadline and its
-- on-time result (SQLite). Keep in step with migrations/postgres of the same name.
CREATE TABLE work_orders (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    -- REP-10: {project code}/WXWT{seq}, sequential per project (counters.name = 'work_order').
    number TEXT NOT NULL,
    -- RCP-3: the repair reception record that started it; RCP-7 closes that record with it.
    reception_id INTEGER REFERENCES reception_records(id),
    unit_id INTEGER REFERENCES units(id),
    party_id INTEGER REFERENCES parties(id),
    -- REP-1: location, owner, phone, what is wrong, when the owner is at home.
    location_kind TEXT NOT NULL CHECK (location_kind IN ('in_unit','public_area')),
    location TEXT NOT NULL DEFAULT '',
    owner_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    content TEXT NOT NULL,
    available_times TEXT NOT NULL DEFAULT '',
    -- REP-2: the appointment the owner chose (the on-site deadline when given).
    appointment_at TEXT,
    category TEXT NOT NULL CHECK (category IN ('water','electric','door_window','wall_floor','leak','public_facility','other')),
    emergency INTEGER NOT NULL DEFAULT 0,
    -- REP-5: an emergency's shut-off decision and the evidence kept, recorded on arrival.
    shut_off TEXT CHECK (shut_off IS NULL OR shut_off IN ('not_needed','water','power','both')),
    evidence TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('new','dispatched','on_site','in_repair','awaiting_sign_off','awaiting_callback','closed','cancelled')),
    department_id INTEGER REFERENCES departments(id),
    assignee_id INTEGER REFERENCES staff(id),
    received_at TEXT NOT NULL,
    -- Each stage's deadline, stored when the stage starts.
    accept_due TEXT,
    on_site_due TEXT,
    finish_due TEXT,
    sign_off_due TEXT,
    callback_due TEXT,
    -- The running stage's deadline, kept with every change so lists filter "overdue" by index.
    next_due TEXT,
    -- Each stage's on-time result, fixed when the stage completes (NULL: not completed).
    accept_on_time INTEGER,
    on_site_on_time INTEGER,
    finish_on_time INTEGER,
    sign_off_on_time INTEGER,
    callback_on_time INTEGER,
    dispatched_at TEXT,
    arrived_at TEXT,
    started_at TEXT,
    finished_at TEXT,
    signed_off_at TEXT,
    closed_at TEXT,
    plan TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '',
    -- REP-7: who signed and the drawn signature (a PNG data URL, as callbacks keep it).
    signed_by TEXT NOT NULL DEFAULT '',
    signature TEXT,
    cancel_reason TEXT NOT NULL DEFAULT '',
    reopened INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
-- The list: newest first within a project, optionally by status or emergencies only.
CREATE INDEX work_orders_project_time ON work_orders(project_id, received_at, id);
-- All of a user's projects at once: walk the time index backwards and keep their projects.
CREATE INDEX work_orders_time ON work_orders(received_at, id);
CREATE INDEX work_orders_project_status ON work_orders(project_id, status, received_at);
CREATE INDEX work_orders_project_emergency ON work_orders(project_id, emergency, received_at);
-- "Overdue": the running deadline of open orders (closed and cancelled keep next_due NULL).
CREATE INDEX work_orders_project_due ON work_orders(project_id, next_due);
CREATE INDEX work_orders_unit ON work_orders(unit_id, received_at);
CREATE INDEX work_orders_reception ON work_orders(reception_id);

-- The reception desk (SQLite): the state of what a reception record started, written replies
-- and the CMP-16 flag (RCP-3, RCP-4, RCP-7); the shift log and handover (RCP-6); the
-- lost-and-found register (FD-3). Keep in step with migrations/postgres of the same name.

-- RCP-3/RCP-7: what a record started besides a complaint (a return slip, a work order awaiting
-- the repair module, a service order, a praise to verify, a suggestion for the manager):
-- 'none' when it started nothing of its own, 'pending' until it is done.
ALTER TABLE reception_records ADD COLUMN follow_up_state TEXT NOT NULL DEFAULT 'none' CHECK (follow_up_state IN ('none','pending','done'));
ALTER TABLE reception_records ADD COLUMN follow_up_done_at TEXT;
-- RCP-4: the written reply to a letter, e-mail or online message.
ALTER TABLE reception_records ADD COLUMN replied_at TEXT;
-- CMP-16: an online complaint goes at once to the responsible department head.
ALTER TABLE reception_records ADD COLUMN report_to TEXT NOT NULL DEFAULT '' CHECK (report_to IN ('', 'department_head'));

-- RCP-7 asks, for every record, whether the complaint it started is closed.
CREATE INDEX complaints_reception ON complaints(reception_id) WHERE reception_id IS NOT NULL;

-- RCP-6: a shift at a project's desk, its log lines, and the handover to the next person.
CREATE TABLE shifts (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    status TEXT NOT NULL CHECK (status IN ('on_duty','handed_over')),
    started_at TEXT NOT NULL,
    -- The shift this one took over (its handover), if any; taken over once.
    prev_shift_id INTEGER REFERENCES shifts(id),
    handed_to INTEGER REFERENCES staff(id),
    handover_note TEXT NOT NULL DEFAULT '',
    ended_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX shifts_project ON shifts(project_id, started_at);
CREATE UNIQUE INDEX shifts_one_on_duty ON shifts(project_id, staff_id) WHERE status = 'on_duty';
CREATE UNIQUE INDEX shifts_taken_over_once ON shifts(prev_shift_id) WHERE prev_shift_id IS NOT NULL;

CREATE TABLE shift_entries (
    id INTEGER PRIMARY KEY,
    shift_id INTEGER NOT NULL REFERENCES shifts(id),
    at TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX shift_entries_shift ON shift_entries(shift_id, at);

-- The open reception records a handover passed to the next shift.
CREATE TABLE shift_carried (
    shift_id INTEGER NOT NULL REFERENCES shifts(id),
    reception_id INTEGER NOT NULL REFERENCES reception_records(id),
    PRIMARY KEY (shift_id, reception_id)
);

-- FD-3: the lost-and-found register (失物招领登记表, 004 4.6).
CREATE TABLE lost_found (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    reception_id INTEGER REFERENCES reception_records(id),
    item TEXT NOT NULL,
    found_where TEXT NOT NULL DEFAULT '',
    found_at TEXT NOT NULL,
    kept_where TEXT NOT NULL,
    reported_by TEXT NOT NULL DEFAULT '',
    registered_by INTEGER REFERENCES staff(id),
    status TEXT NOT NULL CHECK (status IN ('kept','claimed')),
    claimed_by TEXT,
    claimed_phone TEXT,
    claimed_at TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE INDEX lost_found_project ON lost_found(project_id, status, found_at);
CREATE INDEX lost_found_reception ON lost_found(reception_id) WHERE reception_id IS NOT NULL;

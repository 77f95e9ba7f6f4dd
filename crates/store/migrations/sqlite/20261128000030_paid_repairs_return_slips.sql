-- REP-12 paid repairs (fee lines, quote agreed, collection, hand-over, receipt) and RCP-3
-- after-sales return slips (物业返修联系单) (SQLite). Keep in step with migrations/postgres.

-- REP-12: the fee of a paid repair, one row per work order, created with its first line.
-- Money is integer fen; `total` is always the sum of the lines (written in the same transaction).
CREATE TABLE repair_fees (
    work_order_id INTEGER PRIMARY KEY REFERENCES work_orders(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    status TEXT NOT NULL CHECK (status IN ('quoting','agreed','collected','handed_over')),
    total INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
    agreed_by TEXT NOT NULL DEFAULT '',
    agreed_at TEXT,
    amount INTEGER CHECK (amount >= 0),
    method TEXT CHECK (method IN ('cash','transfer','pos','online')),
    reference TEXT NOT NULL DEFAULT '',
    collected_by INTEGER REFERENCES staff(id),
    collected_at TEXT,
    -- {project code}/SJ{seq}, sequential per project (counters.name = 'repair_receipt').
    receipt_no TEXT UNIQUE,
    handed_over_to INTEGER REFERENCES staff(id),
    handed_over_by INTEGER REFERENCES staff(id),
    handed_over_at TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- The list of paid repairs awaiting collection or hand-over.
CREATE INDEX repair_fees_project_status ON repair_fees(project_id, status);

CREATE TABLE repair_fee_lines (
    id INTEGER PRIMARY KEY,
    work_order_id INTEGER NOT NULL REFERENCES repair_fees(work_order_id),
    kind TEXT NOT NULL CHECK (kind IN ('labour','materials','other')),
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price INTEGER NOT NULL CHECK (unit_price > 0),
    amount INTEGER NOT NULL CHECK (amount = quantity * unit_price),
    created_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL
);
CREATE INDEX repair_fee_lines_order ON repair_fee_lines(work_order_id, id);

-- RCP-3: an after-sales reception record's return slip, numbered {code}/FXD{seq} per project
-- (counters.name = 'return_slip'); each step's deadline is stored when the step starts.
CREATE TABLE return_slips (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    reception_id INTEGER NOT NULL UNIQUE REFERENCES reception_records(id),
    unit_id INTEGER REFERENCES units(id),
    owner_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sent','acknowledged','in_repair','done')),
    sent_by INTEGER REFERENCES staff(id),
    sent_at TEXT NOT NULL,
    feedback_due TEXT,
    start_due TEXT,
    finish_due TEXT,
    next_due TEXT,
    feedback_on_time INTEGER,
    start_on_time INTEGER,
    finish_on_time INTEGER,
    reply TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT,
    started_at TEXT,
    confirmed_by TEXT NOT NULL DEFAULT '',
    done_note TEXT NOT NULL DEFAULT '',
    done_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE INDEX return_slips_project_status ON return_slips(project_id, status, next_due);
CREATE INDEX return_slips_next_due ON return_slips(next_due);

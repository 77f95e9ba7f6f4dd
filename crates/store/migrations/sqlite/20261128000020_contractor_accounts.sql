-- REP-11: a contractor's accounts (SQLite). Keep in step with migrations/postgres of the same
-- name. The period evaluation (维修商评估表), deductions (扣款通知单), temporary labour slips
-- (临时用工单), the settlement statement (工程结算表) with its lines, and the payment request
-- (请款申请书). All belong to a project: each site (地盘) settles its own contractors, and
-- every read is scoped by the caller's projects.

-- The amount agreed with the contractor for a work order (fen; NULL: not yet agreed).
ALTER TABLE work_orders ADD COLUMN agreed_amount INTEGER CHECK (agreed_amount IS NULL OR agreed_amount >= 0);

-- SM03-19: the numbers are copied from the work orders when the evaluation is recorded, so the
-- paper keeps what the evaluator saw.
CREATE TABLE contractor_evaluations (
    id INTEGER PRIMARY KEY,
    contractor_id INTEGER NOT NULL REFERENCES contractors(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    jobs INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    rated INTEGER NOT NULL,
    quality_sum INTEGER NOT NULL,
    speed_sum INTEGER NOT NULL,
    attitude_sum INTEGER NOT NULL,
    rectifications INTEGER NOT NULL,
    grade TEXT NOT NULL CHECK (grade IN ('excellent','good','pass','fail')),
    opinion TEXT NOT NULL,
    -- The evaluator's decision on the register: keep approved, or suspend.
    keep_approved INTEGER NOT NULL,
    evaluated_by INTEGER REFERENCES staff(id),
    evaluated_at TEXT NOT NULL
);
CREATE INDEX contractor_evaluations_contractor ON contractor_evaluations(contractor_id, project_id, period_to);

-- SM03-13: one statement per contractor, project and period; the UNIQUE makes generating the
-- same one twice a conflict rather than a second bill.
CREATE TABLE settlements (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    contractor_id INTEGER NOT NULL REFERENCES contractors(id),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    gross INTEGER NOT NULL CHECK (gross >= 0),
    deductions INTEGER NOT NULL CHECK (deductions >= 0),
    payable INTEGER NOT NULL CHECK (payable >= 0),
    created_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    UNIQUE (project_id, number),
    UNIQUE (project_id, contractor_id, period_from, period_to)
);
CREATE INDEX settlements_contractor ON settlements(contractor_id, project_id, period_to);

-- Each work order is settled once, whatever the periods: the UNIQUE on work_order_id.
CREATE TABLE settlement_lines (
    id INTEGER PRIMARY KEY,
    settlement_id INTEGER NOT NULL REFERENCES settlements(id),
    work_order_id INTEGER NOT NULL UNIQUE REFERENCES work_orders(id),
    amount INTEGER NOT NULL CHECK (amount >= 0)
);
CREATE INDEX settlement_lines_settlement ON settlement_lines(settlement_id, id);

-- SM03-22/24: charged to the party REP-3 named on the work order; numbered {code}/KK{seq}.
CREATE TABLE deductions (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    work_order_id INTEGER NOT NULL REFERENCES work_orders(id),
    party TEXT NOT NULL CHECK (party IN ('contractor','developer')),
    -- Set exactly when the party is a contractor.
    contractor_id INTEGER REFERENCES contractors(id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft','approved','charged','cancelled')),
    created_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    approved_by INTEGER REFERENCES staff(id),
    approved_at TEXT,
    cancel_reason TEXT NOT NULL DEFAULT '',
    settlement_id INTEGER REFERENCES settlements(id),
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number),
    CHECK ((party = 'contractor') = (contractor_id IS NOT NULL)),
    CHECK ((status = 'charged') = (settlement_id IS NOT NULL))
);
CREATE INDEX deductions_contractor ON deductions(contractor_id, project_id, status);
CREATE INDEX deductions_work_order ON deductions(work_order_id, id);

-- SM03-23: numbered like the commission, per project ({code}/LSYG{seq}, 001 12.2.1.1.2).
CREATE TABLE labour_slips (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    work_order_id INTEGER NOT NULL REFERENCES work_orders(id),
    worker_names TEXT NOT NULL,
    workers INTEGER NOT NULL CHECK (workers > 0),
    unit TEXT NOT NULL CHECK (unit IN ('day','hour')),
    -- Days or hours per worker, in hundredths (1.5 days = 150).
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    rate INTEGER NOT NULL CHECK (rate > 0),
    amount INTEGER NOT NULL CHECK (amount > 0),
    work TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft','approved','cancelled')),
    created_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    approved_by INTEGER REFERENCES staff(id),
    approved_at TEXT,
    cancel_reason TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE INDEX labour_slips_work_order ON labour_slips(work_order_id, id);

-- SM03-25: a request for the settlement's payable; at most one live (not rejected) per settlement.
CREATE TABLE payment_requests (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    settlement_id INTEGER NOT NULL REFERENCES settlements(id),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('submitted','approved','paid','rejected')),
    submitted_by INTEGER REFERENCES staff(id),
    submitted_at TEXT NOT NULL,
    approved_by INTEGER REFERENCES staff(id),
    approved_at TEXT,
    paid_by INTEGER REFERENCES staff(id),
    paid_at TEXT,
    reject_reason TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE UNIQUE INDEX payment_requests_live ON payment_requests(settlement_id) WHERE status <> 'rejected';

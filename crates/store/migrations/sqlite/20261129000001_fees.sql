-- FEE-1/FEE-2: fee items per project, the bill lines of each period (one per payer × item ×
-- period: the receivables ledger, 物业服务费台账), billing runs and the ledger's reconciliation with
-- finance (SQLite). Keep in step with migrations/postgres of the same name.
CREATE TABLE fee_items (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('property_service','rent','land_rent','water','electricity','gas','parking','management','fitout_deposit','construction_bond','paid_service')),
    basis TEXT NOT NULL CHECK (basis IN ('area','fixed','metered')),
    area_basis TEXT NOT NULL DEFAULT 'building' CHECK (area_basis IN ('building','usable','shared','land')),
    cycle TEXT NOT NULL CHECK (cycle IN ('month','quarter','year')),
    payer TEXT NOT NULL CHECK (payer IN ('owner','occupant')),
    -- Prices in ten-thousandths of a yuan: [{"up_to": centi-units or null, "price": n}, …]; one
    -- open-ended tier for a flat price (per m² per month, per period for a fixed amount).
    tiers TEXT NOT NULL,
    -- Days after the period's first day when a line falls due (0: payable in advance).
    due_days INTEGER NOT NULL DEFAULT 0 CHECK (due_days BETWEEN 0 AND 366),
    -- Unit kinds it applies to, comma-separated (empty: all).
    unit_kinds TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, name)
);

-- One row per run of a period: re-runs only add what is missing.
CREATE TABLE billing_runs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    cycle TEXT NOT NULL CHECK (cycle IN ('month','quarter','year')),
    period_key TEXT NOT NULL,
    run_by INTEGER REFERENCES staff(id),
    run_at TEXT NOT NULL,
    units INTEGER NOT NULL,
    lines_added INTEGER NOT NULL,
    amount_added INTEGER NOT NULL
);
CREATE INDEX billing_runs_project ON billing_runs(project_id, period_key, id);

CREATE TABLE bill_lines (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    run_id INTEGER NOT NULL REFERENCES billing_runs(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    payer_id INTEGER NOT NULL REFERENCES parties(id),
    item_id INTEGER NOT NULL REFERENCES fee_items(id),
    kind TEXT NOT NULL,
    cycle TEXT NOT NULL CHECK (cycle IN ('month','quarter','year')),
    period_key TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    -- Days charged (part periods) and the area or consumption in hundredths.
    days INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    description TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    paid INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0 AND paid <= amount),
    due_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    -- A period is billed once per payer × item × unit, however often it is run.
    UNIQUE (unit_id, payer_id, item_id, period_key)
);
CREATE INDEX bill_lines_project_period ON bill_lines(project_id, period_key, unit_id);
CREATE INDEX bill_lines_payer ON bill_lines(payer_id, due_date);
CREATE INDEX bill_lines_unit ON bill_lines(unit_id, period_start);
-- What is still owed, by due date (arrears, FEE-5).
CREATE INDEX bill_lines_open ON bill_lines(project_id, due_date) WHERE paid < amount;

-- FEE-2: finance's reconciliation of a period's ledger, with the total it agreed.
CREATE TABLE ledger_reconciliations (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    cycle TEXT NOT NULL CHECK (cycle IN ('month','quarter','year')),
    period_key TEXT NOT NULL,
    lines INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    reconciled_by INTEGER NOT NULL REFERENCES staff(id),
    reconciled_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, cycle, period_key)
);

-- REP-11: the company's approved contractors (维修商) with their qualifications; REP-3 warranty
-- periods per project and the cause/responsibility on the work order; REP-4 the repairer chosen;
-- REP-6 the witnessed tests (SQLite). Keep in step with migrations/postgres of the same name.
CREATE TABLE contractors (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    -- The unified social credit code (or old 15-digit registration number), as `LicenceNo` checks it.
    licence_no TEXT NOT NULL,
    -- Trade codes, comma-separated (water, electric, waterproofing, general).
    trades TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    approved INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, licence_no)
);
CREATE INDEX contractors_company_name ON contractors(company_id, name, id);

-- A contractor may be chosen for a trade only while a qualification for it has not expired.
CREATE TABLE contractor_qualifications (
    id INTEGER PRIMARY KEY,
    contractor_id INTEGER NOT NULL REFERENCES contractors(id),
    trade TEXT NOT NULL CHECK (trade IN ('water','electric','waterproofing','general')),
    name TEXT NOT NULL,
    certificate_no TEXT NOT NULL DEFAULT '',
    expires_on TEXT NOT NULL
);
CREATE INDEX contractor_qualifications_contractor ON contractor_qualifications(contractor_id, trade);

-- REP-3: a project's own warranty years per component; missing rows take the legal minimums.
CREATE TABLE warranty_periods (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    component TEXT NOT NULL CHECK (component IN ('structure','waterproofing','electric','plumbing','fit_out')),
    years INTEGER NOT NULL CHECK (years > 0),
    PRIMARY KEY (project_id, component)
);

-- REP-3: the cause found, whether the report fell in the warranty (NULL: no handover date) and
-- who is responsible; an owner's fault is a paid repair (charged in the REP-12 slice).
ALTER TABLE work_orders ADD COLUMN cause TEXT CHECK (cause IS NULL OR cause IN ('defect','owner_use','fit_out'));
ALTER TABLE work_orders ADD COLUMN cause_note TEXT NOT NULL DEFAULT '';
ALTER TABLE work_orders ADD COLUMN in_warranty INTEGER;
ALTER TABLE work_orders ADD COLUMN responsibility TEXT CHECK (responsibility IS NULL OR responsibility IN ('contractor','developer','owner'));
ALTER TABLE work_orders ADD COLUMN paid_repair INTEGER NOT NULL DEFAULT 0;
-- REP-4: the contractor sent in (NULL: our own engineering staff).
ALTER TABLE work_orders ADD COLUMN contractor_id INTEGER REFERENCES contractors(id);
-- REP-6: the last witnessed test passed (reset when the repair is reopened).
ALTER TABLE work_orders ADD COLUMN test_passed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX work_orders_contractor ON work_orders(contractor_id, received_at);

-- REP-6: every witnessed test, passed or failed, with who was there.
CREATE TABLE work_order_tests (
    id INTEGER PRIMARY KEY,
    work_order_id INTEGER NOT NULL REFERENCES work_orders(id),
    owner_present INTEGER NOT NULL,
    office_present INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    tested_by INTEGER REFERENCES staff(id),
    tested_at TEXT NOT NULL
);
CREATE INDEX work_order_tests_order ON work_order_tests(work_order_id, tested_at);

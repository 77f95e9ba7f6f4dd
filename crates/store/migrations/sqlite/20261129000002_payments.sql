-- FEE-4: payments with their receipts, how each settles bill lines, the invoice hand-off to
-- finance, and the month's reconciliation of payments with finance (SQLite). Keep in step with
-- migrations/postgres of the same name.
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    payer_id INTEGER NOT NULL REFERENCES parties(id),
    -- The unit paid for, when the payer named one (NULL: the payer's oldest lines).
    unit_id INTEGER REFERENCES units(id),
    -- Receipt number {project code}/SJ{seq}, sequential per project.
    receipt_no TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    -- What settled bill lines, and the surplus kept as a prepayment (confirmed by the user).
    allocated INTEGER NOT NULL CHECK (allocated >= 0),
    prepaid INTEGER NOT NULL DEFAULT 0 CHECK (prepaid >= 0 AND allocated + prepaid = amount),
    method TEXT NOT NULL CHECK (method IN ('cash','transfer','pos','online')),
    reference TEXT NOT NULL DEFAULT '',
    paid_on TEXT NOT NULL,
    received_by INTEGER NOT NULL REFERENCES staff(id),
    note TEXT NOT NULL DEFAULT '',
    -- FEE-4: the receipt exchanged for an invoice at finance.
    invoice_requested_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, receipt_no)
);
CREATE INDEX payments_project_day ON payments(project_id, paid_on, id);
CREATE INDEX payments_payer ON payments(payer_id, paid_on);

CREATE TABLE payment_allocations (
    id INTEGER PRIMARY KEY,
    payment_id INTEGER NOT NULL REFERENCES payments(id),
    line_id INTEGER NOT NULL REFERENCES bill_lines(id),
    amount INTEGER NOT NULL CHECK (amount > 0)
);
CREATE INDEX payment_allocations_payment ON payment_allocations(payment_id);
CREATE INDEX payment_allocations_line ON payment_allocations(line_id);

-- FEE-4: each month's payments signed off with finance (count and total agreed), and the
-- unpaid total handed to the manager at that moment.
CREATE TABLE payment_reconciliations (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    month TEXT NOT NULL,
    payments INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    unpaid_lines INTEGER NOT NULL,
    unpaid_amount INTEGER NOT NULL,
    signed_by INTEGER NOT NULL REFERENCES staff(id),
    signed_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, month)
);

-- FEE-3: how each payment notice (缴费通知单) reached its payer — by hand or by courier, with the
-- courier's waybill number kept as evidence (SQLite). Keep in step with migrations/postgres.
CREATE TABLE notice_deliveries (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    payer_id INTEGER NOT NULL REFERENCES parties(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    period_key TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('hand','courier')),
    courier_no TEXT NOT NULL DEFAULT '',
    delivered_on TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES staff(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (project_id, payer_id, unit_id, period_key)
);

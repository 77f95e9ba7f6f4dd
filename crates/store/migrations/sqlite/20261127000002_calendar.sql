-- Working-day calendar per company and per-project working hours and deadline policies (SQLite).
-- Keep in step with migrations/postgres of the same name.

-- The exception days: statutory holidays (working = 0) and make-up working days (working = 1).
-- Any other date follows the weekday rule.
CREATE TABLE calendar_days (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    date TEXT NOT NULL,
    working INTEGER NOT NULL CHECK (working IN (0, 1)),
    name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, date)
);

-- The years someone has entered (or that were shipped); a year not listed falls back to the
-- weekday rule and the pages say so.
CREATE TABLE calendar_years (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    year INTEGER NOT NULL,
    PRIMARY KEY (company_id, year)
);

ALTER TABLE projects ADD COLUMN working_start TEXT NOT NULL DEFAULT '09:00';
ALTER TABLE projects ADD COLUMN working_end TEXT NOT NULL DEFAULT '18:00';
-- JSON of propdesk_domain::sla::Policies; missing fields (and '{}') mean the DOMAIN.md defaults.
ALTER TABLE projects ADD COLUMN policies TEXT NOT NULL DEFAULT '{}';

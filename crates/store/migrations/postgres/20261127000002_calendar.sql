-- Working-day calendar per company and per-project working hours and deadline policies (PostgreSQL).
-- Keep in step with migrations/sqlite of the same name.

-- The exception days: statutory holidays (working = FALSE) and make-up working days (working = TRUE).
-- Any other date follows the weekday rule.
CREATE TABLE calendar_days (
    company_id BIGINT NOT NULL REFERENCES companies(id),
    date DATE NOT NULL,
    working BOOLEAN NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, date)
);

-- The years someone has entered (or that were shipped); a year not listed falls back to the
-- weekday rule and the pages say so.
CREATE TABLE calendar_years (
    company_id BIGINT NOT NULL REFERENCES companies(id),
    year BIGINT NOT NULL,
    PRIMARY KEY (company_id, year)
);

ALTER TABLE projects ADD COLUMN working_start TEXT NOT NULL DEFAULT '09:00';
ALTER TABLE projects ADD COLUMN working_end TEXT NOT NULL DEFAULT '18:00';
-- JSON of propdesk_domain::sla::Policies; missing fields (and '{}') mean the DOMAIN.md defaults.
ALTER TABLE projects ADD COLUMN policies TEXT NOT NULL DEFAULT '{}';

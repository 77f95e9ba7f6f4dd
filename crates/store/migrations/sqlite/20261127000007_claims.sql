-- CMP-12 claims, attached to a complaint (SQLite). Keep in step with migrations/postgres.
CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    number TEXT NOT NULL,
    claimant TEXT NOT NULL,
    claimed_amount INTEGER NOT NULL CHECK (claimed_amount >= 0),
    offered_amount INTEGER CHECK (offered_amount IS NULL OR offered_amount >= 0),
    status TEXT NOT NULL CHECK (status IN ('received','responded','opinions_gathered','plan_drafted','legal_advised','agreed','reported','approved','executed','withdrawn')),
    plan TEXT NOT NULL DEFAULT '',
    legal_advice TEXT NOT NULL DEFAULT '',
    responsibility TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES staff(id),
    decided_at TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE INDEX claims_complaint ON claims(complaint_id);
CREATE INDEX claims_project_status ON claims(project_id, status);

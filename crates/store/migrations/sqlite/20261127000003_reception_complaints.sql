-- Reception records, complaints, the departments they go to, and callbacks (SQLite).
-- Keep in step with migrations/postgres of the same name.
CREATE TABLE reception_records (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone','visit','letter','email','online','patrol','staff')),
    category TEXT NOT NULL CHECK (category IN ('after_sales','repair','complaint','service','praise','suggestion','inquiry','other')),
    unit_id INTEGER REFERENCES units(id),
    party_id INTEGER REFERENCES parties(id),
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL,
    taken_by INTEGER REFERENCES staff(id),
    received_at TEXT NOT NULL,
    acknowledged_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('open','closed')),
    follow_up TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    idempotency_key TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE INDEX reception_project_time ON reception_records(project_id, received_at);
CREATE INDEX reception_project_status ON reception_records(project_id, status, received_at);
CREATE UNIQUE INDEX reception_idempotency ON reception_records(project_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    number TEXT NOT NULL,
    reception_id INTEGER REFERENCES reception_records(id),
    unit_id INTEGER REFERENCES units(id),
    party_id INTEGER REFERENCES parties(id),
    complainant TEXT NOT NULL,
    contact_phone TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL CHECK (channel IN ('phone','visit','letter','email','online','patrol','staff')),
    content TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('general','important','major')),
    important_kind TEXT CHECK (important_kind IS NULL OR important_kind IN ('safety','consistency','attitude','timeliness')),
    major_reason TEXT CHECK (major_reason IS NULL OR major_reason IN ('unresolved_month','promise_broken','emergency','unauthorised_charge','serious_loss','legal','media','collective')),
    status TEXT NOT NULL CHECK (status IN ('received','dispatched','in_progress','resolved','invalid','awaiting_callback','closed')),
    received_at TEXT NOT NULL,
    -- The earliest open deadline, kept with every change so boards sort and filter by index.
    next_due TEXT,
    callback_due TEXT,
    resolved_at TEXT,
    closed_at TEXT,
    reopened INTEGER NOT NULL DEFAULT 0,
    typical_case INTEGER NOT NULL DEFAULT 0,
    parent_id INTEGER REFERENCES complaints(id),
    -- CMP-2: complaints on the same issue share a topic key (building + normalised subject).
    topic TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE INDEX complaints_project_status ON complaints(project_id, status, next_due);
CREATE INDEX complaints_project_time ON complaints(project_id, received_at);
CREATE INDEX complaints_open_time ON complaints(status, received_at);
CREATE INDEX complaints_topic ON complaints(project_id, topic, received_at);

CREATE TABLE complaint_departments (
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    status TEXT NOT NULL CHECK (status IN ('pending','accepted','returned','planned','done')),
    acceptance_due TEXT,
    plan_due TEXT,
    completion_due TEXT,
    plan TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (complaint_id, department_id)
);
CREATE INDEX complaint_departments_dept ON complaint_departments(department_id, status);

CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    subject TEXT NOT NULL CHECK (subject IN ('complaint','repair','service','move_in')),
    subject_id INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    assigned_role TEXT NOT NULL CHECK (assigned_role IN ('manager','supervisor','assistant')),
    assigned_to INTEGER REFERENCES staff(id),
    status TEXT NOT NULL CHECK (status IN ('pending','done','waived')),
    method TEXT CHECK (method IS NULL OR method IN ('phone','visit')),
    satisfied INTEGER,
    quality INTEGER CHECK (quality IS NULL OR quality BETWEEN 1 AND 5),
    speed INTEGER CHECK (speed IS NULL OR speed BETWEEN 1 AND 5),
    attitude INTEGER CHECK (attitude IS NULL OR attitude BETWEEN 1 AND 5),
    effect TEXT NOT NULL DEFAULT '',
    shortcomings TEXT NOT NULL DEFAULT '',
    suggestions TEXT NOT NULL DEFAULT '',
    signature TEXT,
    waiver_reason TEXT,
    done_at TEXT,
    done_by INTEGER REFERENCES staff(id),
    sampled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX callbacks_project_status ON callbacks(project_id, status, due_at);
CREATE INDEX callbacks_subject ON callbacks(subject, subject_id);

-- Per-project counters for human numbers (JD…, TS…), incremented inside the creating transaction.
CREATE TABLE counters (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (project_id, name)
);

-- Foundation schema (SQLite). Keep in step with migrations/postgres of the same name.
CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('commercial','residential','office')),
    address TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    floors INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, code)
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    unit_no TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('residence','shop','office','parking','storage')),
    use_purpose TEXT NOT NULL DEFAULT '',
    floor INTEGER NOT NULL DEFAULT 1,
    building_area INTEGER NOT NULL CHECK (building_area > 0),
    usable_area INTEGER CHECK (usable_area IS NULL OR usable_area > 0),
    land_area INTEGER CHECK (land_area IS NULL OR land_area > 0),
    facilities TEXT NOT NULL DEFAULT '',
    handover_date TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (building_id, unit_no)
);
CREATE INDEX units_project ON units(project_id, building_id, floor, unit_no);

CREATE TABLE parties (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL CHECK (kind IN ('person','company')),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT,
    id_card_no TEXT,
    licence_no TEXT,
    tax_no TEXT,
    org_code TEXT,
    legal_rep TEXT,
    business_type TEXT,
    key_customer INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX parties_project_name ON parties(project_id, name);
CREATE INDEX parties_phone ON parties(phone);
CREATE UNIQUE INDEX parties_licence ON parties(project_id, licence_no) WHERE licence_no IS NOT NULL;

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    party_id INTEGER NOT NULL REFERENCES parties(id),
    kind TEXT NOT NULL CHECK (kind IN ('emergency','occupant','contact')),
    name TEXT NOT NULL,
    relation TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX contacts_party ON contacts(party_id);

CREATE TABLE ownerships (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    party_id INTEGER NOT NULL REFERENCES parties(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    certificate_no TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX ownerships_unit ON ownerships(unit_id, start_date);
CREATE INDEX ownerships_party ON ownerships(party_id);
-- One current owner record per unit.
CREATE UNIQUE INDEX ownerships_current ON ownerships(unit_id) WHERE end_date IS NULL;

CREATE TABLE leases (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    party_id INTEGER NOT NULL REFERENCES parties(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    fitout TEXT NOT NULL CHECK (fitout IN ('bare','fitting','done')),
    monthly_rent INTEGER CHECK (monthly_rent IS NULL OR monthly_rent >= 0),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX leases_unit ON leases(unit_id, start_date);
CREATE INDEX leases_party ON leases(party_id);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    role TEXT NOT NULL CHECK (role IN ('admin','manager','supervisor','specialist','tax_specialist','receptionist','engineering','security','cleaning','finance','leasing','planning')),
    phone TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE staff_projects (
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    PRIMARY KEY (staff_id, project_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_staff ON sessions(staff_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    locked_until TEXT
);

-- SEC-1: append-only history of every change.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL,
    project_id INTEGER,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    at TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_entity ON events(entity, entity_id, id);
CREATE INDEX events_project ON events(project_id, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

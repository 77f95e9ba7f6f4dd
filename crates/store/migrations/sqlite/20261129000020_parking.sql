-- FEE-9: parking spaces per project (sold or not), their rentals and the monthly check list
-- (月度车位核对) (SQLite). Keep in step with migrations/postgres of the same name.
CREATE TABLE parking_spaces (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    code TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('standard','large','mechanical','charging','accessible')),
    -- Sold spaces belong to their buyer: both or neither.
    sold_to INTEGER REFERENCES parties(id),
    sold_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK ((sold_to IS NULL) = (sold_on IS NULL)),
    UNIQUE (project_id, code)
);

CREATE TABLE parking_rentals (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    space_id INTEGER NOT NULL REFERENCES parking_spaces(id),
    renter_id INTEGER NOT NULL REFERENCES parties(id),
    unit_id INTEGER REFERENCES units(id),
    plate_no TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    -- NULL: open-ended.
    end_date TEXT,
    monthly_fee INTEGER NOT NULL CHECK (monthly_fee >= 0),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','cancelled')),
    created_by INTEGER NOT NULL REFERENCES staff(id),
    created_at TEXT NOT NULL,
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX parking_rentals_space ON parking_rentals(space_id, start_date);

-- A space is never rented twice for overlapping days (the domain checks first; this is the
-- guarantee). Dates are ISO text, so text comparison is date order; '9999-12-31' stands for no end.
CREATE TRIGGER parking_rentals_no_overlap_insert BEFORE INSERT ON parking_rentals
WHEN NEW.status = 'active'
BEGIN
    SELECT RAISE(ABORT, 'parking_rental_overlap')
    WHERE EXISTS (SELECT 1 FROM parking_rentals r WHERE r.space_id = NEW.space_id AND r.status = 'active'
        AND r.start_date <= COALESCE(NEW.end_date, '9999-12-31') AND COALESCE(r.end_date, '9999-12-31') >= NEW.start_date);
END;
CREATE TRIGGER parking_rentals_no_overlap_update BEFORE UPDATE OF space_id, start_date, end_date, status ON parking_rentals
WHEN NEW.status = 'active'
BEGIN
    SELECT RAISE(ABORT, 'parking_rental_overlap')
    WHERE EXISTS (SELECT 1 FROM parking_rentals r WHERE r.space_id = NEW.space_id AND r.status = 'active' AND r.id <> NEW.id
        AND r.start_date <= COALESCE(NEW.end_date, '9999-12-31') AND COALESCE(r.end_date, '9999-12-31') >= NEW.start_date);
END;

-- One check list per project and month; its lines copy each space's register state on the check day.
CREATE TABLE parking_checks (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    month TEXT NOT NULL,
    check_day TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES staff(id),
    created_at TEXT NOT NULL,
    UNIQUE (project_id, month)
);

CREATE TABLE parking_check_lines (
    id INTEGER PRIMARY KEY,
    check_id INTEGER NOT NULL REFERENCES parking_checks(id),
    space_id INTEGER NOT NULL REFERENCES parking_spaces(id),
    register_state TEXT NOT NULL CHECK (register_state IN ('vacant','rented','sold')),
    observed_state TEXT CHECK (observed_state IN ('vacant','rented','sold')),
    plate_seen TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    mismatch INTEGER NOT NULL DEFAULT 0,
    checked_by INTEGER REFERENCES staff(id),
    checked_at TEXT,
    UNIQUE (check_id, space_id)
);

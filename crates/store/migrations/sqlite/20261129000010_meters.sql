-- FEE-7: the meter register per unit (replacements close the old meter), one reading per meter
-- per month with its check, the payer's confirmation, and the month's meter totals signed off
-- with finance (SQLite). Keep in step with migrations/postgres of the same name.
CREATE TABLE meters (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('water','electricity','gas')),
    meter_no TEXT NOT NULL,
    -- Readings in hundredths of a unit (kWh, m³).
    start_reading INTEGER NOT NULL CHECK (start_reading >= 0),
    installed_on TEXT NOT NULL,
    -- FEE-8: a prepaid electricity meter is loaded by purchases, never billed from readings.
    prepaid INTEGER NOT NULL DEFAULT 0 CHECK (prepaid = 0 OR kind = 'electricity'),
    -- The meter this one replaced; a replaced meter carries its removal day and final reading.
    replaces_id INTEGER REFERENCES meters(id),
    removed_on TEXT,
    final_reading INTEGER,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, meter_no)
);
CREATE INDEX meters_unit ON meters(unit_id, kind);

CREATE TABLE meter_readings (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    meter_id INTEGER NOT NULL REFERENCES meters(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('water','electricity','gas')),
    -- The reading round it belongs to (YYYY-MM); the billing month of its consumption.
    month TEXT NOT NULL,
    read_on TEXT NOT NULL,
    reading INTEGER NOT NULL CHECK (reading >= 0),
    consumption INTEGER NOT NULL CHECK (consumption >= 0),
    -- Far above the meter's usual use: charged only once someone confirmed it.
    outlier INTEGER NOT NULL DEFAULT 0,
    checked INTEGER NOT NULL,
    checked_by INTEGER REFERENCES staff(id),
    checked_at TEXT,
    -- The meter's final reading at its replacement.
    is_final INTEGER NOT NULL DEFAULT 0,
    read_by INTEGER NOT NULL REFERENCES staff(id),
    -- The payer confirmed (signed) the reading: who signed, recorded by whom and when.
    payer_name TEXT,
    payer_recorded_by INTEGER REFERENCES staff(id),
    payer_confirmed_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (meter_id, month)
);
CREATE INDEX meter_readings_round ON meter_readings(project_id, month, unit_id);

-- FEE-7: month-end totals per meter kind, agreed with finance once per project and month.
CREATE TABLE meter_signoffs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    month TEXT NOT NULL,
    -- JSON: [{"kind": "water", "readings": n, "consumption": centi, "amount": fen}, …]
    totals TEXT NOT NULL,
    signed_by INTEGER NOT NULL REFERENCES staff(id),
    signed_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, month)
);

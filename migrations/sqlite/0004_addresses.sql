-- wangge schema, SQLite flavour: the operator's standard address base
-- (标准地址), an edition of the village-level gazetteer, and bulk geocoding
-- jobs. Kept column-for-column equal to migrations/postgres/0004_addresses.sql.

-- Standard addresses: buildings or gates with their five-level division
-- chain (12-digit statistical codes as text; the deepest given decides),
-- road, house number and WGS-84 coordinates. Not tied to a territory: the
-- division codes say where they are.
CREATE TABLE standard_addresses (
    id            INTEGER PRIMARY KEY,
    -- The source's id, unique; a re-import replaces the row.
    code          TEXT    NOT NULL UNIQUE,
    province_code TEXT    CHECK (length(province_code) = 2),
    city_code     TEXT    CHECK (length(city_code) = 4),
    county_code   TEXT    CHECK (length(county_code) = 6),
    town_code     TEXT    CHECK (length(town_code) = 9),
    village_code  TEXT    CHECK (length(village_code) = 12),
    road          TEXT    NOT NULL,
    house_number  TEXT,
    compound      TEXT,
    building      TEXT,
    lon           REAL    NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat           REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
    -- A standard address names a road or a compound.
    CHECK (road <> '' OR compound IS NOT NULL)
);
CREATE INDEX standard_addresses_county ON standard_addresses (county_code);

-- Village-level divisions (村/社区, 12 digits) loaded by `wangge gazetteer
-- import`; they replace the embedded Hubei edition for their towns.
CREATE TABLE gazetteer_villages (
    code      TEXT    PRIMARY KEY CHECK (length(code) = 12),
    name      TEXT    NOT NULL,
    town_code TEXT    NOT NULL CHECK (length(town_code) = 9)
);

-- Bulk geocoding jobs (HTTP uploads). The input and the result live in
-- files next to the database; the row says how far the job got, so a job
-- cut by a restart is resumed or reported as interrupted.
CREATE TABLE geocode_jobs (
    id            INTEGER PRIMARY KEY,
    -- Random public id used in URLs.
    public_id     TEXT    NOT NULL UNIQUE,
    submitted_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    state         TEXT    NOT NULL
                  CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    column_name   TEXT    NOT NULL,
    input_path    TEXT    NOT NULL,
    result_path   TEXT,
    rows_total    INTEGER NOT NULL DEFAULT 0 CHECK (rows_total >= 0),
    rows_done     INTEGER NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
    matched       INTEGER NOT NULL DEFAULT 0,
    partial       INTEGER NOT NULL DEFAULT 0,
    ambiguous     INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

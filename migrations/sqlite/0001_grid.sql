-- wangge schema, SQLite flavour. Kept column-for-column equal to
-- migrations/postgres/0001_grid.sql: the store runs one set of SQL on both.
--
-- Type notes (SQLite): booleans are INTEGER 0/1 (the sqlx Any driver cannot
-- read a column declared BOOLEAN from SQLite), times are INTEGER unix
-- milliseconds, geometry is GeoJSON TEXT stored exactly as given.

-- The company's whole area (e.g. the Shiyan branch). It owns the grid.
CREATE TABLE territories (
    id   INTEGER PRIMARY KEY,
    code TEXT    NOT NULL UNIQUE,
    name TEXT    NOT NULL
);

-- The table of the 20 network-cell types. Data, not code: an operator may
-- change a type's category. Seeded by the store from the model's default
-- table when empty.
CREATE TABLE cell_types (
    code     TEXT    PRIMARY KEY CHECK (length(code) = 2),
    name_zh  TEXT    NOT NULL,
    name_en  TEXT    NOT NULL,
    category TEXT    NOT NULL
             CHECK (category IN ('industry', 'cluster', 'non_cluster', 'community', 'vacant', 'rural')),
    zhengqi  INTEGER NOT NULL DEFAULT 0 CHECK (zhengqi IN (0, 1))
);

-- Business outlets (营业厅): points that support level-3 grids.
CREATE TABLE outlets (
    id           INTEGER PRIMARY KEY,
    territory_id INTEGER NOT NULL REFERENCES territories (id),
    code         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    lon          REAL    NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat          REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
    address      TEXT,
    UNIQUE (territory_id, code)
);

-- All four levels in one table; level 4 is the network cell (网元).
--
-- The hierarchy is enforced by the database, not only by the store:
--   * (parent_id, parent_level, territory_id) references (id, level,
--     territory_id), so the recorded parent level is the parent's real level
--     and the parent lies in the same territory;
--   * the CHECK says level 1 has no parent and level n has parent level n-1.
-- Together a level-n grid's parent is always a level n-1 grid.
CREATE TABLE grids (
    id             INTEGER PRIMARY KEY,
    territory_id   INTEGER NOT NULL REFERENCES territories (id),
    code           TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    parent_id      INTEGER,
    parent_level   INTEGER,
    -- Required for cells (level 4), absent for levels 1-3.
    cell_type      TEXT    REFERENCES cell_types (code),
    -- GeoJSON geometry object (Polygon or MultiPolygon), byte-exact.
    geometry       TEXT    NOT NULL,
    -- Bounding box in degrees, for bbox queries without parsing geometry.
    min_lon        REAL    NOT NULL,
    min_lat        REAL    NOT NULL,
    max_lon        REAL    NOT NULL,
    max_lat        REAL    NOT NULL,
    area_m2        REAL    NOT NULL,
    -- Invalid geometry is stored flagged with its reason, never "fixed".
    valid          INTEGER NOT NULL CHECK (valid IN (0, 1)),
    invalid_reason TEXT,
    -- Other properties of the source feature, a JSON object.
    properties     TEXT,
    -- The outlet supporting a level-3 grid.
    outlet_id      INTEGER REFERENCES outlets (id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (territory_id, code),
    -- Target of the composite parent key below.
    UNIQUE (id, level, territory_id),
    FOREIGN KEY (parent_id, parent_level, territory_id) REFERENCES grids (id, level, territory_id),
    CONSTRAINT grids_hierarchy CHECK (
        (level = 1 AND parent_id IS NULL AND parent_level IS NULL)
        OR (level > 1 AND parent_id IS NOT NULL AND parent_level = level - 1)
    ),
    CONSTRAINT grids_cell_type CHECK ((level = 4) = (cell_type IS NOT NULL)),
    CONSTRAINT grids_validity CHECK ((valid = 1) = (invalid_reason IS NULL)),
    CONSTRAINT grids_outlet_level CHECK (outlet_id IS NULL OR level = 3)
);

CREATE INDEX grids_level_code ON grids (level, code);
CREATE INDEX grids_parent ON grids (parent_id);
CREATE INDEX grids_cell_type ON grids (cell_type);
CREATE INDEX grids_outlet ON grids (outlet_id);
-- Bbox queries: range on min_lon/max_lon narrows first, lat filters the rest.
CREATE INDEX grids_bbox_lon ON grids (min_lon, max_lon, min_lat, max_lat);
CREATE INDEX grids_bbox_max_lon ON grids (max_lon, min_lon);

-- People who use wangge. The password hash (argon2 PHC) never leaves the store
-- except for login checks.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL
                  CHECK (role IN ('admin', 'supervisor', 'grid_manager', 'ops', 'clerk', 'viewer')),
    kind          TEXT    CHECK (kind IN ('zhengqi', 'community')),
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL
);

-- The grids a supervisor or grid manager is responsible for.
CREATE TABLE user_scopes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    grid_id INTEGER NOT NULL REFERENCES grids (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, grid_id)
);
CREATE INDEX user_scopes_grid ON user_scopes (grid_id);

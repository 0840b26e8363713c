-- wangge schema, SQLite flavour: what lies in the grid (customers, network
-- resources, buildings, business opportunities) and where each was placed.
-- Kept column-for-column equal to migrations/postgres/0002_entities.sql.
--
-- Codes are the source system's ids, unique per territory; rows keep their
-- database id when a later import updates them (placements point at ids).
--
-- Coordinates: lon/lat are WGS-84 degrees, stored as given, out-of-range
-- values included (the placement engine reports them as
-- invalid_coordinates). A number that is not finite (NaN, ±inf) cannot be
-- stored alike on both backends (SQLite turns a NaN into NULL, PostgreSQL
-- keeps it), so when either given coordinate is not finite, lon and lat hold
-- only the finite one(s) and raw_coordinates holds the pair as given, as
-- text 'lon,lat' ('NaN,32.6', ',inf'; empty = not given). The store reads
-- raw_coordinates back first, so NaN stays NaN and never becomes "no
-- location".

CREATE TABLE customers (
    id                 INTEGER PRIMARY KEY,
    territory_id       INTEGER NOT NULL REFERENCES territories (id),
    code               TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    segment            TEXT,
    product_type       TEXT,
    -- Install address as written (geocoded later).
    address            TEXT,
    lon                REAL,
    lat                REAL,
    raw_coordinates    TEXT,
    monthly_spend_yuan REAL,
    staff_count        INTEGER,
    -- Key-customer class (A and B reviewed monthly, C quarterly).
    class              TEXT    CHECK (class IN ('A', 'B', 'C')),
    -- A competitor's customer (他网客户).
    other_operator     INTEGER NOT NULL CHECK (other_operator IN (0, 1)),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (territory_id, code)
);
-- Pages ordered by code.
CREATE INDEX customers_code ON customers (code);

-- Network resources. A resource may hang on another (a box on a cabinet);
-- a device without coordinates is placed through that parent.
CREATE TABLE resources (
    id              INTEGER PRIMARY KEY,
    territory_id    INTEGER NOT NULL REFERENCES territories (id),
    code            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL
                    CHECK (kind IN ('cabinet', 'distribution_box', 'splitter', 'olt', 'base_station', 'port_group')),
    capacity_ports  INTEGER CHECK (capacity_ports >= 0),
    ports_in_use    INTEGER CHECK (ports_in_use >= 0),
    -- Deleting a parent leaves its children without one, not deleted. The
    -- store refuses cycles (a resource cannot be its own ancestor).
    parent_id       INTEGER REFERENCES resources (id) ON DELETE SET NULL
                    CHECK (parent_id <> id),
    address         TEXT,
    lon             REAL,
    lat             REAL,
    raw_coordinates TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (territory_id, code)
);
CREATE INDEX resources_code ON resources (code);
CREATE INDEX resources_parent ON resources (parent_id);

-- Buildings (楼宇) with who builds and runs them.
CREATE TABLE buildings (
    id               INTEGER PRIMARY KEY,
    territory_id     INTEGER NOT NULL REFERENCES territories (id),
    code             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    address          TEXT,
    lon              REAL,
    lat              REAL,
    raw_coordinates  TEXT,
    developer        TEXT,
    property_manager TEXT,
    -- JSON array of {"name", "role", "phone"} objects.
    contacts         TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (territory_id, code)
);
CREATE INDEX buildings_code ON buildings (code);

-- Business opportunities (商机), optionally tied to a building and a customer.
CREATE TABLE opportunities (
    id              INTEGER PRIMARY KEY,
    territory_id    INTEGER NOT NULL REFERENCES territories (id),
    code            TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    building_id     INTEGER REFERENCES buildings (id) ON DELETE SET NULL,
    customer_id     INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    stage           TEXT,
    value_yuan      REAL,
    lon             REAL,
    lat             REAL,
    raw_coordinates TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (territory_id, code)
);
CREATE INDEX opportunities_code ON opportunities (code);
CREATE INDEX opportunities_building ON opportunities (building_id);
CREATE INDEX opportunities_customer ON opportunities (customer_id);

-- Where each entity was placed: its cell and the cell's level-3/2/1
-- ancestors, or a status saying why not, with the nearest cell as a
-- suggestion when one is near. entity_id is the id in the table that
-- entity_kind names (no foreign key: one column serves four tables).
-- Deleting a grid leaves the placement with NULL there until the next run.
CREATE TABLE placements (
    entity_kind           TEXT    NOT NULL
                          CHECK (entity_kind IN ('customer', 'resource', 'building', 'opportunity')),
    entity_id             INTEGER NOT NULL,
    status                TEXT    NOT NULL
                          CHECK (status IN ('assigned', 'via_parent', 'in_gap', 'outside', 'no_location', 'invalid_coordinates')),
    cell_id               INTEGER REFERENCES grids (id) ON DELETE SET NULL,
    l3_id                 INTEGER REFERENCES grids (id) ON DELETE SET NULL,
    l2_id                 INTEGER REFERENCES grids (id) ON DELETE SET NULL,
    l1_id                 INTEGER REFERENCES grids (id) ON DELETE SET NULL,
    suggestion_cell_id    INTEGER REFERENCES grids (id) ON DELETE SET NULL,
    suggestion_distance_m REAL,
    reason                TEXT,
    PRIMARY KEY (entity_kind, entity_id)
);
-- One index per grid level, each covering (kind, status): the rates of a
-- level are one GROUP BY streamed over its index with no sort and no table
-- access; the listing of a cell and the ON DELETE SET NULL of a grid use
-- them too. The bulk writer drops and recreates these (as written here) around
-- a large replace; see placements.rs.
CREATE INDEX placements_cell ON placements (cell_id, entity_kind, status);
CREATE INDEX placements_l3 ON placements (l3_id, entity_kind, status);
CREATE INDEX placements_l2 ON placements (l2_id, entity_kind, status);
CREATE INDEX placements_l1 ON placements (l1_id, entity_kind, status);
CREATE INDEX placements_suggestion ON placements (suggestion_cell_id)
    WHERE suggestion_cell_id IS NOT NULL;
-- The unplaced lists: small, since nearly everything is 'assigned'.
CREATE INDEX placements_unplaced ON placements (entity_kind, status)
    WHERE status <> 'assigned';

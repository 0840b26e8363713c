-- wangge schema, SQLite flavour: login sessions, claim rules, claims of
-- cells by grid managers, cell locks and the append-only claim history.
-- Kept column-for-column equal to migrations/postgres/0003_claims.sql.

-- Login sessions. Only the SHA-256 of a bearer token is stored (hex), so a
-- copy of the database does not give anyone a usable token.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_sha256 TEXT    NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL CHECK (expires_at > created_at),
    -- Set by logout (or a password change); a revoked session stays revoked.
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Claim rules, part 1: per cell type, which manager kinds may claim it and
-- whether a claim waits for a supervisor. Seeded from DOMAIN.md's 政企
-- column: types 01-13 are 政企 (zhengqi managers, approval needed), 14-20
-- the rest (community managers, granted at once). No foreign key to
-- cell_types: that table is filled by the store after the migrations run.
CREATE TABLE claim_type_rules (
    cell_type      TEXT    PRIMARY KEY CHECK (length(cell_type) = 2),
    zhengqi        INTEGER NOT NULL CHECK (zhengqi IN (0, 1)),
    community      INTEGER NOT NULL CHECK (community IN (0, 1)),
    needs_approval INTEGER NOT NULL CHECK (needs_approval IN (0, 1))
);
INSERT INTO claim_type_rules (cell_type, zhengqi, community, needs_approval) VALUES
    ('01', 1, 0, 1), ('02', 1, 0, 1), ('03', 1, 0, 1), ('04', 1, 0, 1),
    ('05', 1, 0, 1), ('06', 1, 0, 1), ('07', 1, 0, 1), ('08', 1, 0, 1),
    ('09', 1, 0, 1), ('10', 1, 0, 1), ('11', 1, 0, 1), ('12', 1, 0, 1),
    ('13', 1, 0, 1), ('14', 0, 1, 0), ('15', 0, 1, 0), ('16', 0, 1, 0),
    ('17', 0, 1, 0), ('18', 0, 1, 0), ('19', 0, 1, 0), ('20', 0, 1, 0);

-- Claim rules, part 2: one row of limits and value-tier thresholds.
CREATE TABLE claim_settings (
    id                        INTEGER PRIMARY KEY CHECK (id = 1),
    -- NULL: no limit (DOMAIN.md gives no norm for cells per manager).
    max_cells_per_manager     INTEGER CHECK (max_cells_per_manager > 0),
    -- NULL: no limit on all customers together (the tier norms still apply).
    max_customers_per_manager INTEGER CHECK (max_customers_per_manager > 0),
    -- Refuse a claim that takes a manager above a tier norm's maximum.
    enforce_customer_norms    INTEGER NOT NULL CHECK (enforce_customer_norms IN (0, 1)),
    -- May a manager claim cells outside the level-3 grids of their scope?
    claim_outside_scope       INTEGER NOT NULL CHECK (claim_outside_scope IN (0, 1)),
    -- Value tiers (DOMAIN.md): top 5 % spend + medium size = high value,
    -- the rest of medium size = potential, top 20 % spend + small = medium
    -- value, the rest = low. Medium size = at least this many staff.
    high_spend_top_pct        REAL    NOT NULL CHECK (high_spend_top_pct > 0 AND high_spend_top_pct <= 100),
    medium_spend_top_pct      REAL    NOT NULL CHECK (medium_spend_top_pct > 0 AND medium_spend_top_pct <= 100),
    medium_size_min_staff     INTEGER NOT NULL CHECK (medium_size_min_staff > 0),
    updated_at                INTEGER,
    updated_by                INTEGER REFERENCES users (id)
);
INSERT INTO claim_settings (id, max_cells_per_manager, max_customers_per_manager,
    enforce_customer_norms, claim_outside_scope, high_spend_top_pct,
    medium_spend_top_pct, medium_size_min_staff)
VALUES (1, NULL, NULL, 1, 0, 5, 20, 50);

-- Workload norms (DOMAIN.md): customers of a tier one manager looks after.
CREATE TABLE workload_norms (
    tier          TEXT    PRIMARY KEY CHECK (tier IN ('high', 'potential', 'medium', 'low')),
    min_customers INTEGER CHECK (min_customers >= 0),
    max_customers INTEGER CHECK (max_customers >= 0),
    CHECK (min_customers IS NULL OR max_customers IS NULL OR min_customers <= max_customers)
);
INSERT INTO workload_norms (tier, min_customers, max_customers) VALUES
    ('high', 30, 40), ('potential', 100, 120), ('medium', 120, 150);

-- Claims of cells. A claim is pending (waiting for a supervisor), active
-- (the manager owns the cell), or closed: rejected, released, transferred.
-- (cell_id, cell_level, territory_id) references the grid with its level,
-- so the database itself refuses a claim of anything but a level-4 cell.
CREATE TABLE claims (
    id           INTEGER PRIMARY KEY,
    territory_id INTEGER NOT NULL,
    cell_id      INTEGER NOT NULL,
    cell_level   INTEGER NOT NULL CHECK (cell_level = 4),
    manager_id   INTEGER NOT NULL REFERENCES users (id),
    status       TEXT    NOT NULL
                 CHECK (status IN ('pending', 'active', 'rejected', 'released', 'transferred')),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    requested_at INTEGER NOT NULL,
    -- Who approved or rejected, when; NULL decided_by = granted by the rules.
    decided_by   INTEGER REFERENCES users (id),
    decided_at   INTEGER,
    ended_by     INTEGER REFERENCES users (id),
    ended_at     INTEGER,
    reason       TEXT,
    FOREIGN KEY (cell_id, cell_level, territory_id) REFERENCES grids (id, level, territory_id),
    CHECK (status <> 'pending' OR decided_at IS NULL),
    CHECK ((status IN ('pending', 'active')) = (ended_at IS NULL))
);
-- THE rule: at most one open (pending or active) claim per cell. Two
-- managers claiming at the same instant cannot both get the cell, whatever
-- the code above does.
CREATE UNIQUE INDEX claims_one_open_per_cell ON claims (cell_id)
    WHERE status IN ('pending', 'active');
CREATE INDEX claims_manager ON claims (manager_id, status);
CREATE INDEX claims_status ON claims (status, cell_id);

-- A locked cell is settled: nobody claims it, its owner cannot release it
-- and it is not transferred until a supervisor unlocks it.
CREATE TABLE cell_locks (
    cell_id   INTEGER PRIMARY KEY REFERENCES grids (id),
    locked_by INTEGER NOT NULL REFERENCES users (id),
    locked_at INTEGER NOT NULL,
    reason    TEXT
);

-- Every step of the workflow: who, when, from whom, to whom, why.
-- Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE claim_history (
    id              INTEGER PRIMARY KEY,
    cell_id         INTEGER NOT NULL REFERENCES grids (id),
    claim_id        INTEGER REFERENCES claims (id),
    action          TEXT    NOT NULL
                    CHECK (action IN ('claim', 'approve', 'reject', 'release', 'transfer', 'lock', 'unlock')),
    actor_id        INTEGER NOT NULL REFERENCES users (id),
    from_manager_id INTEGER REFERENCES users (id),
    to_manager_id   INTEGER REFERENCES users (id),
    -- Status of the claim after the step; NULL for lock and unlock.
    status          TEXT    CHECK (status IN ('pending', 'active', 'rejected', 'released', 'transferred')),
    reason          TEXT,
    at              INTEGER NOT NULL
);
CREATE INDEX claim_history_cell ON claim_history (cell_id, id);

CREATE TRIGGER claim_history_no_update BEFORE UPDATE ON claim_history
BEGIN
    SELECT RAISE(ABORT, 'claim_history is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER claim_history_no_delete BEFORE DELETE ON claim_history
BEGIN
    SELECT RAISE(ABORT, 'claim_history is append-only: DELETE is not allowed');
END;

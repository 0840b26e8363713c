-- wangge schema, SQLite flavour. Kept equal (table, column, index and
-- trigger names) to migrations/postgres/0007_revisions.sql.
--
-- The revisions of what the servers keep in memory, one row per name,
-- raised by triggers on every change of the tables behind it, whoever
-- writes (a server, the CLI, psql). A server keys every in-memory thing by
-- the revisions it was built from and rebuilds it when they move; equal
-- revisions mean the same data. Names and the tables behind them:
--   grids              grids
--   customers          customers
--   resources          resources
--   buildings          buildings
--   opportunities      opportunities
--   placements         placements
--   standard_addresses standard_addresses
--   villages           gazetteer_villages
--   claim_rules        claim_type_rules, claim_settings, workload_norms
--   claims             claims, cell_locks
--   users              users, user_scopes
--   sessions           sessions
--   outlets            outlets
--   cell_types         cell_types
-- `grid_changes` logs which grids a grids revision touched, so a server
-- re-reads only those (an incremental rebuild of its snapshot).
-- Replaces the grid_revision table of 0005 (its number is carried over).
--
-- SQLite has row triggers only: a statement writing n rows raises its
-- revision n times (still one value at commit; the cost is in README).

CREATE TABLE revisions (
    name     TEXT    PRIMARY KEY,
    revision INTEGER NOT NULL
);
INSERT INTO revisions (name, revision) SELECT 'grids', revision FROM grid_revision WHERE id = 1;
INSERT INTO revisions (name, revision) VALUES
    ('customers', 0),
    ('resources', 0),
    ('buildings', 0),
    ('opportunities', 0),
    ('placements', 0),
    ('standard_addresses', 0),
    ('villages', 0),
    ('claim_rules', 0),
    ('claims', 0),
    ('users', 0),
    ('sessions', 0),
    ('outlets', 0),
    ('cell_types', 0);

CREATE TABLE grid_changes (
    revision INTEGER NOT NULL,
    grid_id  INTEGER NOT NULL
);
CREATE INDEX grid_changes_revision ON grid_changes (revision);

DROP TRIGGER grid_revision_insert;
DROP TRIGGER grid_revision_update;
DROP TRIGGER grid_revision_delete;
DROP TABLE grid_revision;

-- The grids: raise the revision, then log the row under the new number.
CREATE TRIGGER grids_revision_insert AFTER INSERT ON grids
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'grids';
    INSERT INTO grid_changes (revision, grid_id)
        SELECT revision, NEW.id FROM revisions WHERE name = 'grids';
END;

CREATE TRIGGER grids_revision_update AFTER UPDATE ON grids
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'grids';
    INSERT INTO grid_changes (revision, grid_id)
        SELECT revision, OLD.id FROM revisions WHERE name = 'grids';
    INSERT INTO grid_changes (revision, grid_id)
        SELECT revision, NEW.id FROM revisions WHERE name = 'grids' AND NEW.id <> OLD.id;
END;

CREATE TRIGGER grids_revision_delete AFTER DELETE ON grids
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'grids';
    INSERT INTO grid_changes (revision, grid_id)
        SELECT revision, OLD.id FROM revisions WHERE name = 'grids';
END;

-- Every other table: raise its name's revision.
CREATE TRIGGER customers_revision_insert AFTER INSERT ON customers
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'customers';
END;
CREATE TRIGGER customers_revision_update AFTER UPDATE ON customers
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'customers';
END;
CREATE TRIGGER customers_revision_delete AFTER DELETE ON customers
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'customers';
END;

CREATE TRIGGER resources_revision_insert AFTER INSERT ON resources
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'resources';
END;
CREATE TRIGGER resources_revision_update AFTER UPDATE ON resources
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'resources';
END;
CREATE TRIGGER resources_revision_delete AFTER DELETE ON resources
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'resources';
END;

CREATE TRIGGER buildings_revision_insert AFTER INSERT ON buildings
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'buildings';
END;
CREATE TRIGGER buildings_revision_update AFTER UPDATE ON buildings
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'buildings';
END;
CREATE TRIGGER buildings_revision_delete AFTER DELETE ON buildings
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'buildings';
END;

CREATE TRIGGER opportunities_revision_insert AFTER INSERT ON opportunities
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'opportunities';
END;
CREATE TRIGGER opportunities_revision_update AFTER UPDATE ON opportunities
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'opportunities';
END;
CREATE TRIGGER opportunities_revision_delete AFTER DELETE ON opportunities
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'opportunities';
END;

CREATE TRIGGER placements_revision_insert AFTER INSERT ON placements
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'placements';
END;
CREATE TRIGGER placements_revision_update AFTER UPDATE ON placements
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'placements';
END;
CREATE TRIGGER placements_revision_delete AFTER DELETE ON placements
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'placements';
END;

CREATE TRIGGER standard_addresses_revision_insert AFTER INSERT ON standard_addresses
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'standard_addresses';
END;
CREATE TRIGGER standard_addresses_revision_update AFTER UPDATE ON standard_addresses
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'standard_addresses';
END;
CREATE TRIGGER standard_addresses_revision_delete AFTER DELETE ON standard_addresses
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'standard_addresses';
END;

CREATE TRIGGER gazetteer_villages_revision_insert AFTER INSERT ON gazetteer_villages
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'villages';
END;
CREATE TRIGGER gazetteer_villages_revision_update AFTER UPDATE ON gazetteer_villages
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'villages';
END;
CREATE TRIGGER gazetteer_villages_revision_delete AFTER DELETE ON gazetteer_villages
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'villages';
END;

CREATE TRIGGER claim_type_rules_revision_insert AFTER INSERT ON claim_type_rules
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;
CREATE TRIGGER claim_type_rules_revision_update AFTER UPDATE ON claim_type_rules
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;
CREATE TRIGGER claim_type_rules_revision_delete AFTER DELETE ON claim_type_rules
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;

CREATE TRIGGER claim_settings_revision_insert AFTER INSERT ON claim_settings
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;
CREATE TRIGGER claim_settings_revision_update AFTER UPDATE ON claim_settings
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;
CREATE TRIGGER claim_settings_revision_delete AFTER DELETE ON claim_settings
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;

CREATE TRIGGER workload_norms_revision_insert AFTER INSERT ON workload_norms
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;
CREATE TRIGGER workload_norms_revision_update AFTER UPDATE ON workload_norms
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;
CREATE TRIGGER workload_norms_revision_delete AFTER DELETE ON workload_norms
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claim_rules';
END;

CREATE TRIGGER claims_revision_insert AFTER INSERT ON claims
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claims';
END;
CREATE TRIGGER claims_revision_update AFTER UPDATE ON claims
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claims';
END;
CREATE TRIGGER claims_revision_delete AFTER DELETE ON claims
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claims';
END;

CREATE TRIGGER cell_locks_revision_insert AFTER INSERT ON cell_locks
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claims';
END;
CREATE TRIGGER cell_locks_revision_update AFTER UPDATE ON cell_locks
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claims';
END;
CREATE TRIGGER cell_locks_revision_delete AFTER DELETE ON cell_locks
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'claims';
END;

CREATE TRIGGER users_revision_insert AFTER INSERT ON users
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'users';
END;
CREATE TRIGGER users_revision_update AFTER UPDATE ON users
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'users';
END;
CREATE TRIGGER users_revision_delete AFTER DELETE ON users
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'users';
END;

CREATE TRIGGER user_scopes_revision_insert AFTER INSERT ON user_scopes
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'users';
END;
CREATE TRIGGER user_scopes_revision_update AFTER UPDATE ON user_scopes
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'users';
END;
CREATE TRIGGER user_scopes_revision_delete AFTER DELETE ON user_scopes
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'users';
END;

CREATE TRIGGER sessions_revision_insert AFTER INSERT ON sessions
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'sessions';
END;
CREATE TRIGGER sessions_revision_update AFTER UPDATE ON sessions
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'sessions';
END;
CREATE TRIGGER sessions_revision_delete AFTER DELETE ON sessions
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'sessions';
END;

CREATE TRIGGER outlets_revision_insert AFTER INSERT ON outlets
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'outlets';
END;
CREATE TRIGGER outlets_revision_update AFTER UPDATE ON outlets
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'outlets';
END;
CREATE TRIGGER outlets_revision_delete AFTER DELETE ON outlets
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'outlets';
END;

CREATE TRIGGER cell_types_revision_insert AFTER INSERT ON cell_types
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'cell_types';
END;
CREATE TRIGGER cell_types_revision_update AFTER UPDATE ON cell_types
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'cell_types';
END;
CREATE TRIGGER cell_types_revision_delete AFTER DELETE ON cell_types
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'cell_types';
END;

-- wangge schema, PostgreSQL flavour. Kept equal (table, column, index and
-- trigger names) to migrations/sqlite/0007_revisions.sql.
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
-- PostgreSQL raises a revision once per statement, after it: the row lock
-- on the revision is then held until commit, so two writers of one name
-- are numbered in commit order, and the grids a statement changed (its
-- transition tables) are logged under the number their transaction
-- commits with. Every raise sends NOTIFY wangge_revisions (payload: the
-- name), delivered at commit; the servers LISTEN and also poll, in case a
-- notification is lost. TRUNCATE raises too, except on grids (its rows
-- cannot be logged; a grid truncate cascades over every table anyway).

CREATE TABLE revisions (
    name     TEXT   PRIMARY KEY,
    revision BIGINT NOT NULL
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
    revision BIGINT NOT NULL,
    grid_id  BIGINT NOT NULL
);
CREATE INDEX grid_changes_revision ON grid_changes (revision);

DROP TRIGGER grid_revision_change ON grids;
DROP FUNCTION grid_revision_bump();
DROP TABLE grid_revision;

-- TG_ARGV[0]: the revision's name.
CREATE FUNCTION revision_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = TG_ARGV[0];
    PERFORM pg_notify('wangge_revisions', TG_ARGV[0]);
    RETURN NULL;
END
$$;

-- The grids: raise the revision, then log the statement's rows under it.
CREATE FUNCTION grids_revision_raise() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    raised BIGINT;
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'grids'
        RETURNING revision INTO raised;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO grid_changes (revision, grid_id) SELECT raised, id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO grid_changes (revision, grid_id)
            SELECT raised, id FROM old_rows UNION SELECT raised, id FROM new_rows;
    ELSE
        INSERT INTO grid_changes (revision, grid_id) SELECT raised, id FROM old_rows;
    END IF;
    PERFORM pg_notify('wangge_revisions', 'grids');
    RETURN NULL;
END
$$;

CREATE TRIGGER grids_revision_insert AFTER INSERT ON grids
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grids_revision_raise();
CREATE TRIGGER grids_revision_update AFTER UPDATE ON grids
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grids_revision_raise();
CREATE TRIGGER grids_revision_delete AFTER DELETE ON grids
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grids_revision_raise();

-- Every other table: raise its name's revision.
CREATE TRIGGER customers_revision_insert AFTER INSERT ON customers
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('customers');
CREATE TRIGGER customers_revision_update AFTER UPDATE ON customers
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('customers');
CREATE TRIGGER customers_revision_delete AFTER DELETE OR TRUNCATE ON customers
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('customers');

CREATE TRIGGER resources_revision_insert AFTER INSERT ON resources
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('resources');
CREATE TRIGGER resources_revision_update AFTER UPDATE ON resources
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('resources');
CREATE TRIGGER resources_revision_delete AFTER DELETE OR TRUNCATE ON resources
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('resources');

CREATE TRIGGER buildings_revision_insert AFTER INSERT ON buildings
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('buildings');
CREATE TRIGGER buildings_revision_update AFTER UPDATE ON buildings
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('buildings');
CREATE TRIGGER buildings_revision_delete AFTER DELETE OR TRUNCATE ON buildings
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('buildings');

CREATE TRIGGER opportunities_revision_insert AFTER INSERT ON opportunities
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('opportunities');
CREATE TRIGGER opportunities_revision_update AFTER UPDATE ON opportunities
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('opportunities');
CREATE TRIGGER opportunities_revision_delete AFTER DELETE OR TRUNCATE ON opportunities
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('opportunities');

CREATE TRIGGER placements_revision_insert AFTER INSERT ON placements
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('placements');
CREATE TRIGGER placements_revision_update AFTER UPDATE ON placements
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('placements');
CREATE TRIGGER placements_revision_delete AFTER DELETE OR TRUNCATE ON placements
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('placements');

CREATE TRIGGER standard_addresses_revision_insert AFTER INSERT ON standard_addresses
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('standard_addresses');
CREATE TRIGGER standard_addresses_revision_update AFTER UPDATE ON standard_addresses
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('standard_addresses');
CREATE TRIGGER standard_addresses_revision_delete AFTER DELETE OR TRUNCATE ON standard_addresses
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('standard_addresses');

CREATE TRIGGER gazetteer_villages_revision_insert AFTER INSERT ON gazetteer_villages
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('villages');
CREATE TRIGGER gazetteer_villages_revision_update AFTER UPDATE ON gazetteer_villages
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('villages');
CREATE TRIGGER gazetteer_villages_revision_delete AFTER DELETE OR TRUNCATE ON gazetteer_villages
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('villages');

CREATE TRIGGER claim_type_rules_revision_insert AFTER INSERT ON claim_type_rules
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');
CREATE TRIGGER claim_type_rules_revision_update AFTER UPDATE ON claim_type_rules
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');
CREATE TRIGGER claim_type_rules_revision_delete AFTER DELETE OR TRUNCATE ON claim_type_rules
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');

CREATE TRIGGER claim_settings_revision_insert AFTER INSERT ON claim_settings
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');
CREATE TRIGGER claim_settings_revision_update AFTER UPDATE ON claim_settings
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');
CREATE TRIGGER claim_settings_revision_delete AFTER DELETE OR TRUNCATE ON claim_settings
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');

CREATE TRIGGER workload_norms_revision_insert AFTER INSERT ON workload_norms
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');
CREATE TRIGGER workload_norms_revision_update AFTER UPDATE ON workload_norms
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');
CREATE TRIGGER workload_norms_revision_delete AFTER DELETE OR TRUNCATE ON workload_norms
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claim_rules');

CREATE TRIGGER claims_revision_insert AFTER INSERT ON claims
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claims');
CREATE TRIGGER claims_revision_update AFTER UPDATE ON claims
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claims');
CREATE TRIGGER claims_revision_delete AFTER DELETE OR TRUNCATE ON claims
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claims');

CREATE TRIGGER cell_locks_revision_insert AFTER INSERT ON cell_locks
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claims');
CREATE TRIGGER cell_locks_revision_update AFTER UPDATE ON cell_locks
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claims');
CREATE TRIGGER cell_locks_revision_delete AFTER DELETE OR TRUNCATE ON cell_locks
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('claims');

CREATE TRIGGER users_revision_insert AFTER INSERT ON users
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('users');
CREATE TRIGGER users_revision_update AFTER UPDATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('users');
CREATE TRIGGER users_revision_delete AFTER DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('users');

CREATE TRIGGER user_scopes_revision_insert AFTER INSERT ON user_scopes
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('users');
CREATE TRIGGER user_scopes_revision_update AFTER UPDATE ON user_scopes
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('users');
CREATE TRIGGER user_scopes_revision_delete AFTER DELETE OR TRUNCATE ON user_scopes
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('users');

CREATE TRIGGER sessions_revision_insert AFTER INSERT ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('sessions');
CREATE TRIGGER sessions_revision_update AFTER UPDATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('sessions');
CREATE TRIGGER sessions_revision_delete AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('sessions');

CREATE TRIGGER outlets_revision_insert AFTER INSERT ON outlets
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('outlets');
CREATE TRIGGER outlets_revision_update AFTER UPDATE ON outlets
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('outlets');
CREATE TRIGGER outlets_revision_delete AFTER DELETE OR TRUNCATE ON outlets
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('outlets');

CREATE TRIGGER cell_types_revision_insert AFTER INSERT ON cell_types
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('cell_types');
CREATE TRIGGER cell_types_revision_update AFTER UPDATE ON cell_types
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('cell_types');
CREATE TRIGGER cell_types_revision_delete AFTER DELETE OR TRUNCATE ON cell_types
    FOR EACH STATEMENT EXECUTE FUNCTION revision_raise('cell_types');

-- wangge schema, PostgreSQL flavour: a revision number of the grid, raised by
-- a trigger on every statement that changes the grids table, whoever runs
-- it. Caches of what is computed from the grid (the coverage report) compare
-- it instead of the geometry; several servers sharing this database see the
-- same number. Kept equal to migrations/sqlite/0005_grid_revision.sql.

CREATE TABLE grid_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT  NOT NULL
);
INSERT INTO grid_revision (id, revision) VALUES (1, 0);

CREATE FUNCTION grid_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grid_revision SET revision = revision + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER grid_revision_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grids
    FOR EACH STATEMENT EXECUTE FUNCTION grid_revision_bump();

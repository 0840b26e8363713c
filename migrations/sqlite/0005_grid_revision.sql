-- wangge schema, SQLite flavour: a revision number of the grid, raised by
-- triggers on every change of the grids table, whoever writes it. Caches of
-- what is computed from the grid (the coverage report) compare it instead
-- of the geometry. Kept equal to migrations/postgres/0005_grid_revision.sql.

CREATE TABLE grid_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO grid_revision (id, revision) VALUES (1, 0);

-- SQLite has row triggers only: an import of n grids raises it n times.
CREATE TRIGGER grid_revision_insert AFTER INSERT ON grids
BEGIN
    UPDATE grid_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER grid_revision_update AFTER UPDATE ON grids
BEGIN
    UPDATE grid_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER grid_revision_delete AFTER DELETE ON grids
BEGIN
    UPDATE grid_revision SET revision = revision + 1 WHERE id = 1;
END;

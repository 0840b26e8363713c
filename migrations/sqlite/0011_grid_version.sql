-- wangge schema, SQLite flavour: a version number per grid row, raised by a
-- trigger on every update of the row, whoever writes it. A grid edit (split,
-- merge, rename, type change) compares it, inside its write transaction,
-- with the version the caller read or previewed and refuses the edit when
-- the row changed in between (a concurrent split and merge of one cell).
-- Kept equal to migrations/postgres/0011_grid_version.sql.

ALTER TABLE grids ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- SQLite cannot assign NEW in a trigger: the row is updated once more
-- (recursive triggers are off, and the WHEN clause stops a second round).
CREATE TRIGGER grids_version_bump AFTER UPDATE ON grids
    FOR EACH ROW WHEN NEW.version = OLD.version
BEGIN
    UPDATE grids SET version = OLD.version + 1 WHERE id = NEW.id;
END;

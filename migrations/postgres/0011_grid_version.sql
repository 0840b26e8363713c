-- wangge schema, PostgreSQL flavour: a version number per grid row, raised by
-- a trigger on every update of the row, whoever writes it. A grid edit (split,
-- merge, rename, type change) compares it, inside its write transaction,
-- with the version the caller read or previewed and refuses the edit when
-- the row changed in between (a concurrent split and merge of one cell).
-- Kept equal to migrations/sqlite/0011_grid_version.sql.

ALTER TABLE grids ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE FUNCTION grids_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER grids_version_bump BEFORE UPDATE ON grids
    FOR EACH ROW EXECUTE FUNCTION grids_version_bump();

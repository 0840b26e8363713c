-- wangge schema, PostgreSQL flavour. Kept equal (table, column, index and
-- trigger names) to migrations/sqlite/0013_revision_once_per_transaction.sql.
--
-- 1. A revision is raised once per transaction, not once per statement.
--    Every raise updated the one `revisions` row again; inside one
--    transaction each update leaves a row version that the next must step
--    over, so a transaction of n statements (a seeding that wrote standard
--    addresses row by row) cost O(n²): most of the demo's store step on
--    PostgreSQL. The first raise of a name in a transaction notes the new
--    number in a transaction-local setting; later statements of the same
--    transaction find it and log their grids under the same number. A
--    rolled-back savepoint takes its setting with it, and so its raise.
--    Readers see one number per commit, as before.
-- 2. `grid_changes` is pruned: a server that is behind by more than the
--    kept revisions rebuilds in full. `grid_changes_pruned` says up to
--    which grids revision the log was deleted.

CREATE OR REPLACE FUNCTION revision_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('wangge.raised_' || TG_ARGV[0], true), '') = '' THEN
        UPDATE revisions SET revision = revision + 1 WHERE name = TG_ARGV[0];
        PERFORM set_config('wangge.raised_' || TG_ARGV[0], 'yes', true);
        PERFORM pg_notify('wangge_revisions', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION grids_revision_raise() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    raised BIGINT;
BEGIN
    raised := nullif(coalesce(current_setting('wangge.raised_grids', true), ''), '')::BIGINT;
    IF raised IS NULL THEN
        UPDATE revisions SET revision = revision + 1 WHERE name = 'grids'
            RETURNING revision INTO raised;
        PERFORM set_config('wangge.raised_grids', raised::TEXT, true);
        PERFORM pg_notify('wangge_revisions', 'grids');
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO grid_changes (revision, grid_id) SELECT raised, id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO grid_changes (revision, grid_id)
            SELECT raised, id FROM old_rows UNION SELECT raised, id FROM new_rows;
    ELSE
        INSERT INTO grid_changes (revision, grid_id) SELECT raised, id FROM old_rows;
    END IF;
    RETURN NULL;
END
$$;

CREATE TABLE grid_changes_pruned (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    -- The log holds no change at or below this grids revision.
    through_revision BIGINT  NOT NULL
);
INSERT INTO grid_changes_pruned (id, through_revision) VALUES (1, 0);

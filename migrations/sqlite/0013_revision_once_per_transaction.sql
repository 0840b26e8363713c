-- wangge schema, SQLite flavour. Kept equal (table, column, index and
-- trigger names) to migrations/postgres/0013_revision_once_per_transaction.sql.
--
-- PostgreSQL's revision functions change here (one raise per transaction);
-- SQLite's row triggers update the revisions row in place, so they stay.
-- Both get the floor of the pruned `grid_changes` log: a server that is
-- behind by more than the kept revisions rebuilds in full.

CREATE TABLE grid_changes_pruned (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    -- The log holds no change at or below this grids revision.
    through_revision INTEGER NOT NULL
);
INSERT INTO grid_changes_pruned (id, through_revision) VALUES (1, 0);

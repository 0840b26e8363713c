-- wangge schema, SQLite flavour: the progress of seeding the demo, so that
-- a seeding killed at any moment is finished (resumed) or refused, never
-- served half-made. Kept column-for-column equal to
-- migrations/postgres/0012_demo_seed.sql.

-- One row, written before the demo's first data and marked complete after
-- its last (users, placements). Seeds are decimal text: they are u64.
CREATE TABLE demo_seed (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    seed               TEXT    NOT NULL,
    customers_per_copy INTEGER NOT NULL CHECK (customers_per_copy >= 0),
    copies             INTEGER NOT NULL CHECK (copies >= 1),
    -- NULL: the users' passwords are random (a test may ask for a seed).
    password_seed      TEXT,
    started_at         INTEGER NOT NULL,
    -- Territory, grids and outlets stored.
    grids_stored_at    INTEGER,
    -- Copies whose entities are stored (0 .. copies).
    copies_stored      INTEGER NOT NULL DEFAULT 0 CHECK (copies_stored >= 0),
    -- Users set and everything placed: the demo may be served.
    completed_at       INTEGER
);

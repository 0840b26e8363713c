-- wangge schema, SQLite flavour: the login throttle, shared by every server
-- instance on this database (it used to live in each process's memory).
-- Kept column-for-column equal to migrations/postgres/0009_login_throttle.sql.

-- Login attempts per user name (scope 'user') and per client address
-- (scope 'address'). An attempt is reserved here BEFORE its password check
-- (in_flight + 1, refused when locked or over the limit) and its outcome
-- recorded after it, so simultaneous attempts cannot all be checked. Times
-- are unix milliseconds.
CREATE TABLE login_attempts (
    scope           TEXT    NOT NULL CHECK (scope IN ('user', 'address')),
    subject         TEXT    NOT NULL CHECK (length(subject) > 0),
    -- Failed checks since the last success (or since they were forgotten).
    failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_failure_at INTEGER,
    -- Checks reserved and not finished yet; abandoned after a minute.
    in_flight       INTEGER NOT NULL DEFAULT 0 CHECK (in_flight >= 0),
    reserved_at     INTEGER NOT NULL,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, subject)
);
-- Forgetting quiet rows.
CREATE INDEX login_attempts_last_failure ON login_attempts (last_failure_at);

-- Who logged in successfully from which client address: while an address
-- is locked for spraying many names, these users may still log in from it.
CREATE TABLE login_known_clients (
    user_name       TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    last_success_at INTEGER NOT NULL,
    PRIMARY KEY (user_name, address)
);
CREATE INDEX login_known_clients_last_success ON login_known_clients (last_success_at);

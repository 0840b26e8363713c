-- wangge schema, PostgreSQL flavour: long jobs (bulk geocoding) are rows, and
-- their files (the upload, the result, the failures) are chunks in the
-- database, so that any instance reports, serves, resumes or cancels them.
-- Kept equal to migrations/sqlite/0008_jobs.sql.

-- The process-local jobs of 0004 (their files lived in one server's temp
-- directory) cannot be resumed anywhere: they go.
DROP TABLE geocode_jobs;

CREATE TABLE jobs (
    -- Random public id used in URLs (16 hex digits).
    id              TEXT    PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('geocode')),
    state           TEXT    NOT NULL
                    CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    created_by      BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    created_at_ms   BIGINT  NOT NULL,
    -- What the job was asked (JSON: for geocoding the address column, its
    -- index, the header's width and the city hint).
    params_json     TEXT    NOT NULL,
    rows_total      BIGINT  NOT NULL CHECK (rows_total >= 0),
    rows_done       BIGINT  NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
    -- The input chunks (seq 1..chunks_total); the first chunks_done of them
    -- have their result committed.
    chunks_total    BIGINT  NOT NULL CHECK (chunks_total >= 0),
    chunks_done     BIGINT  NOT NULL DEFAULT 0 CHECK (chunks_done >= 0),
    -- Rows per status (JSON object), as of chunks_done.
    counts_json     TEXT    NOT NULL,
    -- The instance running it and until when its claim holds; another
    -- instance takes the job over once lease_until_ms has passed.
    owner_instance  TEXT,
    lease_until_ms  BIGINT,
    heartbeat_at_ms BIGINT,
    -- How many times an instance claimed it (a job that kills its
    -- instances is stopped after a few).
    attempts        BIGINT  NOT NULL DEFAULT 0,
    -- Why it failed or was interrupted.
    error           TEXT,
    finished_at_ms  BIGINT,
    CHECK (chunks_done <= chunks_total)
);
-- Picking work: queued jobs and running ones whose lease ran out.
CREATE INDEX jobs_runnable ON jobs (state, lease_until_ms);
-- Expiry after the retention.
CREATE INDEX jobs_finished ON jobs (finished_at_ms);

CREATE TABLE job_chunks (
    job_id  TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    -- input: the upload's rows, chunk by chunk (seq from 1); result and
    -- failures: the header at seq 0, then the output of input chunk seq.
    part    TEXT    NOT NULL CHECK (part IN ('input', 'result', 'failures')),
    seq     BIGINT  NOT NULL CHECK (seq >= 0),
    bytes   BYTEA   NOT NULL,
    PRIMARY KEY (job_id, part, seq)
);

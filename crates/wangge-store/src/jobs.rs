//! Long jobs as rows (`jobs`) with their files as chunks (`job_chunks`), so
//! that every instance can report, serve, resume and cancel any job.
//!
//! The life of a job: [`Store::create_job`] stores it `queued` with its
//! input chunks; an instance's worker [`Store::claim_job`]s it (a queued
//! job, or a running one whose lease ran out because its instance died),
//! extends its lease ([`Store::heartbeat_job`]) and commits one processed
//! input chunk at a time ([`Store::commit_job_chunk`]): the output chunks
//! and the progress in one transaction, guarded on the job still being
//! this instance's and running, the last one marking it done. A cancel
//! ([`Store::cancel_job`]) through any instance makes the next guard fail.
//! Finished jobs go after the retention ([`Store::expire_jobs`]).

use std::fmt;
use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::row::get_parsed;
use crate::{Backend, Store, StoreError};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Stored, no instance has claimed it yet.
    Queued,
    /// Claimed by an instance (`owner_instance`) until `lease_until_ms`.
    Running,
    Done,
    /// Stopped by an error (the reason in `error`).
    Failed,
    Cancelled,
    /// Cannot go on (its input is gone, or it stopped its instances too
    /// often): the reason in `error`.
    Interrupted,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Interrupted => "interrupted",
        }
    }

    /// Queued or running: not finished.
    pub fn is_open(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            "interrupted" => JobState::Interrupted,
            other => return Err(format!("unknown job state {other:?}")),
        })
    }
}

/// The files of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobPart {
    /// The upload, in chunks of whole rows (seq from 1).
    Input,
    /// The result file: the header at seq 0, then one chunk per input chunk.
    Result,
    /// The failures file, laid out like the result (empty chunks omitted).
    Failures,
}

impl JobPart {
    pub fn as_str(self) -> &'static str {
        match self {
            JobPart::Input => "input",
            JobPart::Result => "result",
            JobPart::Failures => "failures",
        }
    }
}

/// One chunk of a job's file.
#[derive(Debug, Clone, Copy)]
pub struct JobChunk<'a> {
    pub part: JobPart,
    pub seq: i64,
    pub bytes: &'a [u8],
}

/// A job to store, with its first chunks (the input, and whatever the
/// outputs start with: their headers at seq 0).
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: &'a str,
    /// What it does (`geocode`).
    pub kind: &'a str,
    pub created_by: Option<i64>,
    pub created_at_ms: i64,
    pub params_json: &'a str,
    pub rows_total: i64,
    pub counts_json: &'a str,
    pub chunks: &'a [JobChunk<'a>],
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub state: JobState,
    pub created_by: Option<i64>,
    pub created_at_ms: i64,
    pub params_json: String,
    pub rows_total: i64,
    pub rows_done: i64,
    /// Input chunks: seq 1..=`chunks_total`; the first `chunks_done` are processed.
    pub chunks_total: i64,
    pub chunks_done: i64,
    pub counts_json: String,
    pub owner_instance: Option<String>,
    pub lease_until_ms: Option<i64>,
    pub heartbeat_at_ms: Option<i64>,
    /// How many times an instance claimed it.
    pub attempts: i64,
    pub error: Option<String>,
    pub finished_at_ms: Option<i64>,
}

/// One processed input chunk, to commit.
#[derive(Debug, Clone, Copy)]
pub struct ChunkCommit<'a> {
    pub job_id: &'a str,
    /// The instance that claimed the job.
    pub instance: &'a str,
    /// The input chunk processed (the next after `chunks_done`).
    pub seq: i64,
    /// Its rows.
    pub rows: i64,
    /// The job's counts including this chunk.
    pub counts_json: &'a str,
    pub result: &'a [u8],
    /// Omitted when empty.
    pub failures: &'a [u8],
    pub now_ms: i64,
    /// The lease is extended to `now_ms + lease_ms`.
    pub lease_ms: i64,
}

/// The parameters of a job whose upload is still arriving.
pub const UPLOADING: &str = r#"{"uploading":true}"#;

/// A job whose input is about to be streamed in ([`Store::start_upload_job`]).
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub created_by: Option<i64>,
    /// The instance receiving the upload.
    pub instance: &'a str,
}

/// An upload that is whole, to queue ([`Store::queue_uploaded_job`]).
#[derive(Debug, Clone, Copy)]
pub struct UploadedJob<'a> {
    pub id: &'a str,
    pub instance: &'a str,
    pub params_json: &'a str,
    pub rows_total: i64,
    /// Input chunks stored: seq 1..=n.
    pub chunks_total: i64,
    pub counts_json: &'a str,
    /// The first output chunks (the headers at seq 0).
    pub chunks: &'a [JobChunk<'a>],
}

const JOB_COLUMNS: &str = "id, kind, state, created_by, created_at_ms, params_json, rows_total, \
     rows_done, chunks_total, chunks_done, counts_json, owner_instance, lease_until_ms, \
     heartbeat_at_ms, attempts, error, finished_at_ms";

/// Runnable: queued, or running under a lease that has run out.
const RUNNABLE: &str = "(state = 'queued' OR (state = 'running' AND lease_until_ms < $1))";

fn job_from_row(row: &AnyRow) -> Result<JobRecord, StoreError> {
    Ok(JobRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: get_parsed(row, "state", "job state")?,
        created_by: row.try_get("created_by")?,
        created_at_ms: row.try_get("created_at_ms")?,
        params_json: row.try_get("params_json")?,
        rows_total: row.try_get("rows_total")?,
        rows_done: row.try_get("rows_done")?,
        chunks_total: row.try_get("chunks_total")?,
        chunks_done: row.try_get("chunks_done")?,
        counts_json: row.try_get("counts_json")?,
        owner_instance: row.try_get("owner_instance")?,
        lease_until_ms: row.try_get("lease_until_ms")?,
        heartbeat_at_ms: row.try_get("heartbeat_at_ms")?,
        attempts: row.try_get("attempts")?,
        error: row.try_get("error")?,
        finished_at_ms: row.try_get("finished_at_ms")?,
    })
}

impl Store {
    /// Stores a queued job with its chunks, in one transaction.
    /// `chunks_total` is the number of input chunks given (seq 1..=n).
    pub async fn create_job(&self, job: &NewJob<'_>) -> Result<(), StoreError> {
        let inputs = job
            .chunks
            .iter()
            .filter(|c| c.part == JobPart::Input)
            .count();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO jobs (id, kind, state, created_by, created_at_ms, params_json, \
             rows_total, chunks_total, counts_json) \
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8)",
        )
        .bind(job.id)
        .bind(job.kind)
        .bind(job.created_by)
        .bind(job.created_at_ms)
        .bind(job.params_json)
        .bind(job.rows_total)
        .bind(i64::try_from(inputs).unwrap_or(i64::MAX))
        .bind(job.counts_json)
        .execute(&mut *tx)
        .await?;
        for chunk in job.chunks {
            insert_chunk(&mut tx, job.id, chunk.part, chunk.seq, chunk.bytes).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Starts a job whose input arrives in pieces (a streamed upload): it
    /// is stored `running` under `instance`'s lease with no input yet, so
    /// no worker takes it while its chunks come in
    /// ([`Store::add_upload_chunk`]), and if the receiving instance dies the
    /// lease runs out and a worker ends it (its parameters say
    /// `{"uploading": true}`). [`Store::queue_uploaded_job`] queues it once
    /// the upload is whole, [`Store::discard_upload_job`] drops it.
    pub async fn start_upload_job(
        &self,
        upload: &NewUpload<'_>,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO jobs (id, kind, state, created_by, created_at_ms, params_json, \
             rows_total, chunks_total, counts_json, owner_instance, lease_until_ms, heartbeat_at_ms) \
             VALUES ($1, $2, 'running', $3, $4, $5, 0, 0, '{}', $6, $7, $4)",
        )
        .bind(upload.id)
        .bind(upload.kind)
        .bind(upload.created_by)
        .bind(now_ms)
        .bind(UPLOADING)
        .bind(upload.instance)
        .bind(now_ms.saturating_add(lease_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores input chunk `seq` of an upload `instance` receives and extends
    /// its lease, in one short transaction. False (nothing written) when the
    /// job is no longer that upload (its lease ran out and a worker ended it).
    pub async fn add_upload_chunk(
        &self,
        id: &str,
        instance: &str,
        seq: i64,
        bytes: &[u8],
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE jobs SET heartbeat_at_ms = $3, lease_until_ms = $4 \
             WHERE id = $1 AND owner_instance = $2 AND state = 'running' AND params_json = $5",
        )
        .bind(id)
        .bind(instance)
        .bind(now_ms)
        .bind(now_ms.saturating_add(lease_ms))
        .bind(UPLOADING)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if !bytes.is_empty() {
            insert_chunk(&mut tx, id, JobPart::Input, seq, bytes).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Queues an upload that is whole: its parameters, row and chunk
    /// counts, and the first output chunks (the headers), in one
    /// transaction. False when the job is no longer that upload.
    pub async fn queue_uploaded_job(&self, job: &UploadedJob<'_>) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE jobs SET state = 'queued', owner_instance = NULL, lease_until_ms = NULL, \
             heartbeat_at_ms = NULL, params_json = $3, rows_total = $4, chunks_total = $5, \
             counts_json = $6 \
             WHERE id = $1 AND owner_instance = $2 AND state = 'running' AND params_json = $7",
        )
        .bind(job.id)
        .bind(job.instance)
        .bind(job.params_json)
        .bind(job.rows_total)
        .bind(job.chunks_total)
        .bind(job.counts_json)
        .bind(UPLOADING)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for chunk in job.chunks {
            insert_chunk(&mut tx, job.id, chunk.part, chunk.seq, chunk.bytes).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes an upload that was refused or abandoned, with its chunks.
    pub async fn discard_upload_job(&self, id: &str, instance: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let owned = sqlx::query(
            "SELECT id FROM jobs WHERE id = $1 AND owner_instance = $2 AND state = 'running' \
             AND params_json = $3",
        )
        .bind(id)
        .bind(instance)
        .bind(UPLOADING)
        .fetch_optional(&mut *tx)
        .await?;
        if owned.is_some() {
            delete_chunks(&mut tx, id).await?;
            sqlx::query("DELETE FROM jobs WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn job(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Is any job waiting for an instance? A read, so that idle workers
    /// do not take the write lock to find nothing.
    pub async fn has_runnable_job(&self, now_ms: i64) -> Result<bool, StoreError> {
        let row = sqlx::query(&format!("SELECT id FROM jobs WHERE {RUNNABLE} LIMIT 1"))
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Takes the oldest runnable job for `instance` until `now_ms +
    /// lease_ms`: a queued one, or a running one whose lease ran out (its
    /// instance died). Two instances never get the same job: on
    /// `PostgreSQL` the row is picked `FOR UPDATE SKIP LOCKED`, on `SQLite`
    /// the one statement runs under the single writer lock, and on both
    /// the UPDATE re-checks that the job is still runnable.
    pub async fn claim_job(
        &self,
        instance: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<JobRecord>, StoreError> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', owner_instance = $2, lease_until_ms = $3, \
             heartbeat_at_ms = $1, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE {RUNNABLE} \
                         ORDER BY created_at_ms, id LIMIT 1{lock}) \
             AND {RUNNABLE} \
             RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(now_ms)
            .bind(instance)
            .bind(now_ms.saturating_add(lease_ms))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Extends the lease of a job `instance` runs. False when the job is no
    /// longer its own and running (cancelled, or taken over): stop.
    pub async fn heartbeat_job(
        &self,
        id: &str,
        instance: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET heartbeat_at_ms = $3, lease_until_ms = $4 \
             WHERE id = $1 AND owner_instance = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(instance)
        .bind(now_ms)
        .bind(now_ms.saturating_add(lease_ms))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Commits one processed input chunk: its output chunks, the progress
    /// and a longer lease in one transaction; the last chunk marks the job
    /// done. False (and nothing written) when the job is no longer this
    /// instance's running job or `seq` is not the next chunk.
    pub async fn commit_job_chunk(&self, c: &ChunkCommit<'_>) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Guard first: on PostgreSQL it also locks the row until commit.
        let updated = sqlx::query(
            "UPDATE jobs SET rows_done = rows_done + $4, chunks_done = $3, counts_json = $5, \
             heartbeat_at_ms = $6, lease_until_ms = $7, \
             state = CASE WHEN chunks_total = $3 THEN 'done' ELSE state END, \
             finished_at_ms = CASE WHEN chunks_total = $3 THEN $6 ELSE finished_at_ms END \
             WHERE id = $1 AND owner_instance = $2 AND state = 'running' \
             AND chunks_done + 1 = $3",
        )
        .bind(c.job_id)
        .bind(c.instance)
        .bind(c.seq)
        .bind(c.rows)
        .bind(c.counts_json)
        .bind(c.now_ms)
        .bind(c.now_ms.saturating_add(c.lease_ms))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_chunk(&mut tx, c.job_id, JobPart::Result, c.seq, c.result).await?;
        if !c.failures.is_empty() {
            insert_chunk(&mut tx, c.job_id, JobPart::Failures, c.seq, c.failures).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a job with every chunk processed (or none to process) done.
    pub async fn finish_job(
        &self,
        id: &str,
        instance: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at_ms = $3 \
             WHERE id = $1 AND owner_instance = $2 AND state = 'running' \
             AND chunks_done = chunks_total",
        )
        .bind(id)
        .bind(instance)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a job `instance` runs as failed or interrupted with the reason;
    /// its chunks go (a result is served whole or not at all).
    pub async fn end_job(
        &self,
        id: &str,
        instance: &str,
        state: JobState,
        reason: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        if !matches!(state, JobState::Failed | JobState::Interrupted) {
            return Err(StoreError::InvalidField {
                kind: "job",
                code: id.to_owned(),
                field: "state",
                value: state.to_string(),
                reason: "a worker ends a job as failed or interrupted",
            });
        }
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE jobs SET state = $3, error = $4, finished_at_ms = $5 \
             WHERE id = $1 AND owner_instance = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(instance)
        .bind(state.as_str())
        .bind(reason)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        delete_chunks(&mut tx, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Cancels a queued or running job, whichever instance runs it (its
    /// next commit or heartbeat fails), and drops its chunks. False when
    /// the job is not open.
    pub async fn cancel_job(&self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE jobs SET state = 'cancelled', finished_at_ms = $2 \
             WHERE id = $1 AND state IN ('queued', 'running')",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        delete_chunks(&mut tx, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// One chunk of a job's file.
    pub async fn job_chunk(
        &self,
        id: &str,
        part: JobPart,
        seq: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query(
            "SELECT bytes FROM job_chunks WHERE job_id = $1 AND part = $2 AND seq = $3",
        )
        .bind(id)
        .bind(part.as_str())
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("bytes")).transpose()?)
    }

    /// The first chunk of a job's file after `after_seq` (`-1`: from the
    /// start), with its seq: a download reads one chunk at a time.
    pub async fn next_job_chunk(
        &self,
        id: &str,
        part: JobPart,
        after_seq: i64,
    ) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT seq, bytes FROM job_chunks WHERE job_id = $1 AND part = $2 AND seq > $3 \
             ORDER BY seq LIMIT 1",
        )
        .bind(id)
        .bind(part.as_str())
        .bind(after_seq)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("seq")?, r.try_get("bytes")?)))
            .transpose()
    }

    /// Deletes the jobs finished before `finished_before_ms`, with their
    /// chunks; how many went.
    pub async fn expire_jobs(&self, finished_before_ms: i64) -> Result<u64, StoreError> {
        // A read first: most calls find nothing and take no write lock.
        let any = sqlx::query("SELECT id FROM jobs WHERE finished_at_ms < $1 LIMIT 1")
            .bind(finished_before_ms)
            .fetch_optional(&self.pool)
            .await?;
        if any.is_none() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM job_chunks WHERE job_id IN \
             (SELECT id FROM jobs WHERE finished_at_ms < $1)",
        )
        .bind(finished_before_ms)
        .execute(&mut *tx)
        .await?;
        let gone = sqlx::query("DELETE FROM jobs WHERE finished_at_ms < $1")
            .bind(finished_before_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(gone.rows_affected())
    }
}

async fn insert_chunk(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    part: JobPart,
    seq: i64,
    bytes: &[u8],
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO job_chunks (job_id, part, seq, bytes) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(part.as_str())
        .bind(seq)
        .bind(bytes.to_vec())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn delete_chunks(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM job_chunks WHERE job_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

//! Bulk geocoding over HTTP: `POST /api/v1/geocode/jobs` (a CSV upload) →
//! a job; its progress, cancel and result download, through any instance.
//!
//! A job is a row of the store and its files are chunks there
//! (`wangge_store::jobs`): the upload is streamed into chunks of whole rows
//! as it arrives (a row at most [`JobConfig::max_row_bytes`], the file at
//! most [`JobConfig::max_upload_bytes`], else 413), its encoding decided
//! once the whole file is in (`wangge_io::encoding`: a BOM, a whole-file
//! UTF-8 check, else GBK), then queued; every instance runs a worker ([`JobRunner`])
//! that claims runnable jobs — new ones, or running ones whose lease ran
//! out because their instance died — and commits one chunk at a time: the
//! chunk's result and failures rows with the progress in one transaction.
//! A job taken over resumes after its last committed chunk, so its result
//! has every row once. The result and failures files are served only when
//! the job is done (never half-written), streamed chunk by chunk. A cancel
//! through any instance makes the running instance's next commit or
//! heartbeat fail, and it stops. Finished jobs are deleted after the
//! retention ([`JobConfig::retention_ms`]).

use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::Notify;
use wangge_assign::{address_column, ChunkOutput, RowCounts, TableGeocoder};
use wangge_geocode::crs::Crs;
use wangge_geocode::{DivisionCode, Geocoder, Hints, NamedPlaces};
use wangge_io::csv_stream::{byte_size, RowSplitter};
use wangge_io::encoding::{decode_field_lossy, Encoding};
use wangge_io::{decode_field, detect_encoding, shown_columns, EncodingDetector};
use wangge_spatial::index::CellIndex;
use wangge_store::{
    ChunkCommit, JobChunk, JobPart, JobRecord, JobState, NewUpload, Store, UploadedJob, UPLOADING,
};

use crate::auth::{Action, CurrentUser, Decision, Target};
use crate::params::{self, Params};
use crate::{ApiError, AppState, Inner};

/// The kind of the jobs of this module in the `jobs` table.
const KIND: &str = "geocode";
/// A job claimed this many times (each claim after the first means an
/// instance died under it) is interrupted rather than tried again: it may
/// be what kills them.
const MAX_ATTEMPTS: i64 = 5;

/// How this instance runs jobs.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Rows per chunk: the unit of commit, resume and download.
    pub chunk_rows: usize,
    /// How long a claim holds without a heartbeat; another instance takes
    /// a job over after that.
    pub lease_ms: i64,
    /// How often an idle worker looks for work.
    pub poll_ms: u64,
    /// How long a finished job and its files are kept.
    pub retention_ms: i64,
    /// Largest upload accepted (413 above).
    pub max_upload_bytes: usize,
    /// Longest row of an upload accepted (413 above): the bound on what
    /// one row can make the server hold.
    pub max_row_bytes: usize,
    /// A chunk is cut at `chunk_rows` rows or at this many bytes.
    pub chunk_bytes: usize,
}

impl Default for JobConfig {
    fn default() -> Self {
        JobConfig {
            chunk_rows: 1_000,
            lease_ms: 30_000,
            poll_ms: 1_000,
            retention_ms: 7 * 24 * 3_600_000,
            max_upload_bytes: 256 << 20,
            max_row_bytes: 64 << 10,
            chunk_bytes: 1 << 20,
        }
    }
}

/// This instance's side of the jobs: its id (the owner in the store), its
/// settings and its worker task.
pub struct JobRunner {
    instance_id: String,
    config: RwLock<JobConfig>,
    worker: Mutex<Option<tokio::task::AbortHandle>>,
    /// Wakes the worker at once when a job is submitted here.
    wake: Notify,
}

impl Default for JobRunner {
    fn default() -> Self {
        JobRunner {
            instance_id: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
            config: RwLock::new(JobConfig::default()),
            worker: Mutex::new(None),
            wake: Notify::new(),
        }
    }
}

impl JobRunner {
    fn config(&self) -> JobConfig {
        self.config.read().map(|c| c.clone()).unwrap_or_default()
    }
}

impl AppState {
    /// With these job settings (`wangge serve --job-retention-hours`; tests
    /// use small chunks and short leases).
    #[must_use]
    pub fn with_job_config(self, config: JobConfig) -> Self {
        if let Ok(mut guard) = self.jobs().config.write() {
            *guard = config;
        }
        self
    }

    /// The id this instance claims jobs under.
    pub fn job_instance_id(&self) -> &str {
        &self.jobs().instance_id
    }

    /// Starts this instance's job worker on the current Tokio runtime,
    /// unless it runs. The job routes start it too, so a router serves
    /// jobs without it being called; `wangge serve` calls it at start so
    /// that an idle instance takes over the jobs of a dead one.
    pub fn start_job_worker(&self) {
        let Ok(mut worker) = self.jobs().worker.lock() else {
            return;
        };
        if worker.as_ref().is_some_and(|w| !w.is_finished()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!("no Tokio runtime: the job worker cannot start");
            return;
        };
        let task = runtime.spawn(worker_loop(Arc::downgrade(&self.inner)));
        *worker = Some(task.abort_handle());
    }

    /// Stops the worker where it is, as if the instance died: nothing more
    /// is committed, and the lease of its job runs out. (Tests; a later
    /// job request starts it again.)
    pub fn stop_job_worker(&self) {
        if let Ok(mut worker) = self.jobs().worker.lock() {
            if let Some(w) = worker.take() {
                w.abort();
            }
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        error: "conflict",
        message: message.into(),
        ..Default::default()
    }
}

/// What a geocoding job was asked, stored as the job's `params_json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct GeocodeParams {
    /// The address column as named in the request (empty: detected).
    column: String,
    column_index: usize,
    /// Fields of the header: a row with another number is rejected.
    header_fields: usize,
    /// 4-digit city code that breaks ties.
    city: Option<String>,
    /// The upload's encoding, decided on the whole file
    /// (`wangge_io::encoding`); missing in jobs stored before it was kept.
    #[serde(default)]
    encoding: Option<String>,
}

fn too_large(message: String) -> ApiError {
    ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        error: "payload_too_large",
        message,
        ..Default::default()
    }
}

fn no_column(column: Option<&str>, names: &[String]) -> ApiError {
    ApiError::bad_request(format!(
        "no {} column; columns found: {}",
        column.map_or_else(|| "address (地址)".to_owned(), |c| format!("{c:?}")),
        shown_columns(names)
    ))
}

/// Deletes an upload's job and chunks unless the upload was queued: on a
/// refusal, and when the client goes away mid-upload (the handler is
/// dropped).
struct UploadGuard {
    store: Store,
    id: String,
    instance: String,
    queued: bool,
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        if self.queued {
            return;
        }
        let (store, id, instance) = (
            self.store.clone(),
            std::mem::take(&mut self.id),
            std::mem::take(&mut self.instance),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.discard_upload_job(&id, &instance).await {
                    tracing::warn!(error = %e, job = %id, "discarding a refused upload");
                }
            });
        }
    }
}

/// A streamed upload being cut into input chunks of whole rows and stored
/// chunk by chunk under the job, its encoding decided on the whole file.
struct Spool<'a> {
    store: &'a Store,
    id: &'a str,
    instance: &'a str,
    config: &'a JobConfig,
    column: Option<&'a str>,
    detector: EncodingDetector,
    splitter: RowSplitter,
    header: Option<Vec<Vec<u8>>>,
    /// Rows of the chunk being filled, as in the file.
    chunk: Vec<u8>,
    chunk_rows: usize,
    /// Input chunks stored.
    chunks: i64,
    rows: usize,
    received: usize,
    started: bool,
}

impl Spool<'_> {
    /// The next piece of the body.
    async fn take(&mut self, mut piece: &[u8]) -> Result<(), ApiError> {
        self.received = self.received.saturating_add(piece.len());
        if self.received > self.config.max_upload_bytes {
            return Err(too_large(format!(
                "the upload is larger than the limit of {} per file: split it into smaller files",
                byte_size(self.config.max_upload_bytes)
            )));
        }
        self.detector.feed(piece);
        if !self.started && !piece.is_empty() {
            self.started = true;
            piece = piece.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(piece);
        }
        // In slices, so that one huge piece never makes one huge chunk.
        for slice in piece.chunks(64 << 10) {
            self.split(|s, on_row| s.feed(slice, on_row))?;
            self.check_header()?;
            if self.chunk_rows >= self.config.chunk_rows.max(1)
                || self.chunk.len() >= self.config.chunk_bytes
            {
                self.flush().await?;
            }
        }
        Ok(())
    }

    fn split(
        &mut self,
        step: impl FnOnce(
            &mut RowSplitter,
            &mut dyn FnMut(wangge_io::csv_stream::Row<'_>),
        ) -> Result<(), wangge_io::csv_stream::RowLimit>,
    ) -> Result<(), ApiError> {
        let (header, chunk, chunk_rows, rows) = (
            &mut self.header,
            &mut self.chunk,
            &mut self.chunk_rows,
            &mut self.rows,
        );
        let mut on_row = |row: wangge_io::csv_stream::Row<'_>| {
            if header.is_none() {
                *header = Some(row.fields().map(<[u8]>::to_vec).collect());
            } else {
                chunk.extend_from_slice(row.raw);
                if !row.raw.ends_with(b"\n") && !row.raw.ends_with(b"\r") {
                    chunk.push(b'\n'); // the last row, without a line end
                }
                *chunk_rows += 1;
                *rows += 1;
            }
        };
        step(&mut self.splitter, &mut on_row).map_err(|e| too_large(e.to_string()))
    }

    /// Refuses an upload without the address column as soon as its header
    /// is in: found under neither encoding, it cannot be there.
    fn check_header(&self) -> Result<(), ApiError> {
        let Some(header) = &self.header else {
            return Ok(());
        };
        if self.rows > 0 || self.chunk_rows > 0 {
            return Ok(()); // checked when the header came
        }
        let names = |encoding: Encoding| -> Vec<String> {
            header
                .iter()
                .map(|f| decode_field_lossy(f, encoding).trim().to_owned())
                .collect()
        };
        let (utf8, gb) = (names(Encoding::Utf8), names(Encoding::Gb18030));
        if address_column(&utf8, self.column).is_none()
            && address_column(&gb, self.column).is_none()
        {
            let guess = if header.iter().all(|f| std::str::from_utf8(f).is_ok()) {
                utf8
            } else {
                gb
            };
            return Err(no_column(self.column, &guess));
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), ApiError> {
        if self.chunk_rows == 0 {
            return Ok(());
        }
        self.chunks += 1;
        let stored = self
            .store
            .add_upload_chunk(
                self.id,
                self.instance,
                self.chunks,
                &self.chunk,
                now_ms(),
                self.config.lease_ms,
            )
            .await?;
        if !stored {
            return Err(conflict(
                "the upload was stopped by the server (it took too long); submit the file again",
            ));
        }
        self.chunk.clear();
        self.chunk_rows = 0;
        Ok(())
    }

    /// The end of the body: the last chunk stored, the encoding decided.
    async fn finish(mut self) -> Result<SpooledUpload, ApiError> {
        self.split(|s, on_row| s.finish(on_row))?;
        self.check_header()?;
        self.flush().await?;
        let Some(header) = self.header else {
            return Err(ApiError::bad_request("the upload has no header"));
        };
        let encoding = self.detector.finish();
        let mut names = Vec::with_capacity(header.len());
        for (i, field) in header.iter().enumerate() {
            let name = decode_field(field, encoding).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "the header's column {} is not {encoding} text",
                    i + 1
                ))
            })?;
            names.push(name.trim().trim_start_matches('\u{feff}').to_owned());
        }
        let column_index =
            address_column(&names, self.column).ok_or_else(|| no_column(self.column, &names))?;
        Ok(SpooledUpload {
            names,
            column_index,
            encoding,
            rows: self.rows,
            chunks: self.chunks,
        })
    }
}

/// An upload stored whole.
struct SpooledUpload {
    names: Vec<String>,
    column_index: usize,
    encoding: Encoding,
    rows: usize,
    chunks: i64,
}

/// The first bytes of the body (up to 8 KiB), for the checks that refuse
/// an upload before anything is stored.
async fn first_bytes(
    frames: &mut (impl futures_util::Stream<Item = Result<Bytes, axum::Error>> + Unpin),
) -> Result<(Vec<Bytes>, bool), ApiError> {
    use futures_util::StreamExt;
    let (mut head, mut len) = (Vec::new(), 0usize);
    while len < 8192 {
        match frames.next().await {
            None => return Ok((head, true)),
            Some(Ok(frame)) => {
                len += frame.len();
                head.push(frame);
            }
            Some(Err(e)) => return Err(broken_off(&e)),
        }
    }
    Ok((head, false))
}

fn broken_off(e: &axum::Error) -> ApiError {
    ApiError::bad_request(format!("the upload broke off: {e}"))
}

/// `POST /api/v1/geocode/jobs?column=地址&city=4203` with the CSV as body.
///
/// The body is streamed: cut into chunks of whole rows and stored under
/// the job as it arrives (memory holds a chunk, whatever the file's size),
/// each row at most [`JobConfig::max_row_bytes`] and the file at most
/// [`JobConfig::max_upload_bytes`] (else 413 naming the limit). The
/// encoding is decided once the whole file is in, and the job queued then.
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Params>,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    use futures_util::StreamExt;
    state.start_job_worker();
    let column = params::optional::<String>(&q, "column")?;
    let city = params::optional::<String>(&q, "city")?;
    if let Some(c) = &city {
        c.parse::<DivisionCode>()
            .map_err(|e| ApiError::bad_request(format!("city {c:?}: {e}")))?;
    }
    let config = state.jobs().config();
    let mut frames = body.into_data_stream();
    let (head, ended) = first_bytes(&mut frames).await?;
    let first: Vec<u8> = head
        .iter()
        .flat_map(|b| b.iter().copied())
        .take(8192)
        .collect();
    if ended && head.iter().all(|b| b.iter().all(u8::is_ascii_whitespace)) {
        return Err(ApiError::bad_request(
            "the upload is empty: a CSV with a header and an address column is expected",
        ));
    }
    if first.contains(&0) {
        return Err(ApiError::bad_request(
            "the upload is not a text CSV file: it holds binary data (an .xlsx? save it as CSV)",
        ));
    }
    let store = state.store();
    let instance = state.job_instance_id().to_owned();
    let id = format!("{:016x}", rand::random::<u64>());
    store
        .start_upload_job(
            &NewUpload {
                id: &id,
                kind: KIND,
                created_by: Some(user.id),
                instance: &instance,
            },
            now_ms(),
            config.lease_ms,
        )
        .await?;
    let mut guard = UploadGuard {
        store: store.clone(),
        id: id.clone(),
        instance: instance.clone(),
        queued: false,
    };
    let mut spool = Spool {
        store,
        id: &id,
        instance: &instance,
        config: &config,
        column: column.as_deref(),
        detector: EncodingDetector::new(),
        splitter: RowSplitter::new(config.max_row_bytes),
        header: None,
        chunk: Vec::new(),
        chunk_rows: 0,
        chunks: 0,
        rows: 0,
        received: 0,
        started: false,
    };
    for frame in &head {
        spool.take(frame).await?;
    }
    if !ended {
        // A slow client must not lose the lease to another instance.
        let beat = Duration::from_millis(u64::try_from(config.lease_ms / 3).unwrap_or(1).max(1));
        loop {
            match tokio::time::timeout(beat, frames.next()).await {
                Err(_) => {
                    if !store
                        .heartbeat_job(&id, &instance, now_ms(), config.lease_ms)
                        .await?
                    {
                        return Err(conflict(
                            "the upload was stopped by the server; submit the file again",
                        ));
                    }
                }
                Ok(None) => break,
                Ok(Some(Ok(frame))) => spool.take(&frame).await?,
                Ok(Some(Err(e))) => return Err(broken_off(&e)),
            }
        }
    }
    let upload = spool.finish().await?;
    let (result_header, failures_header) = TableGeocoder::headers(&upload.names);
    let params = serde_json::to_string(&GeocodeParams {
        column: column.unwrap_or_default(),
        column_index: upload.column_index,
        header_fields: upload.names.len(),
        city,
        encoding: Some(upload.encoding.as_str().to_owned()),
    })
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let counts = serde_json::to_string(&RowCounts::default())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let rows_total = i64::try_from(upload.rows).unwrap_or(i64::MAX);
    let queued = store
        .queue_uploaded_job(&UploadedJob {
            id: &id,
            instance: &instance,
            params_json: &params,
            rows_total,
            chunks_total: upload.chunks,
            counts_json: &counts,
            chunks: &[
                JobChunk {
                    part: JobPart::Result,
                    seq: 0,
                    bytes: &result_header,
                },
                JobChunk {
                    part: JobPart::Failures,
                    seq: 0,
                    bytes: &failures_header,
                },
            ],
        })
        .await?;
    if !queued {
        return Err(conflict(
            "the upload was stopped by the server; submit the file again",
        ));
    }
    guard.queued = true;
    tracing::info!(job = %id, rows = rows_total, encoding = %upload.encoding, "geocode job queued");
    state.jobs().wake.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(
            json!({"id": id, "rows_total": rows_total, "encoding": upload.encoding.as_str(), "status_url": format!("/api/v1/geocode/jobs/{id}")}),
        ),
    ))
}

/// The worker of one instance: claims runnable jobs and runs them, and
/// deletes expired ones, until its `AppState` is gone or it is aborted.
async fn worker_loop(inner: Weak<Inner>) {
    loop {
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let state = AppState { inner };
        let config = state.jobs().config();
        if let Err(e) = work(&state, &config).await {
            tracing::error!(error = %e, "job worker");
        }
        let wake = state.jobs().wake.notified();
        tokio::select! {
            () = wake => {}
            () = tokio::time::sleep(Duration::from_millis(config.poll_ms)) => {}
        }
    }
}

/// One round: expiry, then every runnable job in turn.
async fn work(state: &AppState, config: &JobConfig) -> Result<(), String> {
    let store = state.store();
    let gone = store
        .expire_jobs(now_ms().saturating_sub(config.retention_ms))
        .await
        .map_err(|e| e.to_string())?;
    if gone > 0 {
        tracing::info!(jobs = gone, "expired finished jobs");
    }
    while store
        .has_runnable_job(now_ms())
        .await
        .map_err(|e| e.to_string())?
    {
        // Loaded before the claim: a slow first load does not eat the lease.
        let geocoder = state.geocoder().await.map_err(|e| e.message)?;
        let places = state.named_cells().await.map_err(|e| e.message)?;
        // The cells of the current snapshot, for the rows' cell_code.
        let index = state.index().await;
        let instance = state.job_instance_id();
        let Some(job) = store
            .claim_job(instance, now_ms(), config.lease_ms)
            .await
            .map_err(|e| e.to_string())?
        else {
            break;
        };
        tracing::info!(job = %job.id, attempt = job.attempts, from_chunk = job.chunks_done + 1, "running a job");
        if let Err(e) = run_job(store, instance, config, &geocoder, &places, index, &job).await {
            // A database error: the job stays running under a lease that
            // will run out, and an instance takes it over then.
            tracing::error!(error = %e, job = %job.id, "running a job");
        }
    }
    Ok(())
}

/// Runs a claimed job from its first uncommitted chunk to the end, or
/// until it is no longer ours (cancelled, or taken over after our lease
/// ran out).
async fn run_job(
    store: &Store,
    instance: &str,
    config: &JobConfig,
    geocoder: &Arc<Geocoder>,
    places: &Arc<NamedPlaces>,
    index: Option<Arc<CellIndex>>,
    job: &JobRecord,
) -> Result<(), wangge_store::StoreError> {
    let end = |state: JobState, reason: String| async move {
        tracing::warn!(job = %job.id, %state, %reason, "job ended");
        store
            .end_job(&job.id, instance, state, &reason, now_ms())
            .await
            .map(|_| ())
    };
    if job.attempts > MAX_ATTEMPTS {
        return end(
            JobState::Interrupted,
            format!(
                "the instances running it stopped {} times; submit the file again (in smaller parts)",
                job.attempts - 1
            ),
        )
        .await;
    }
    if job.kind != KIND {
        return end(JobState::Failed, format!("unknown job kind {:?}", job.kind)).await;
    }
    if job.params_json == UPLOADING {
        return end(
            JobState::Interrupted,
            "its upload did not arrive whole (the instance receiving it stopped); submit the file again"
                .to_owned(),
        )
        .await;
    }
    let read = serde_json::from_str::<GeocodeParams>(&job.params_json)
        .and_then(|p| serde_json::from_str::<RowCounts>(&job.counts_json).map(|c| (p, c)));
    let (params, mut counts) = match read {
        Ok(read) => read,
        Err(e) => {
            return end(
                JobState::Interrupted,
                format!("its stored parameters cannot be read ({e}); submit the file again"),
            )
            .await
        }
    };
    let city = match params.city.as_deref().map(str::parse::<DivisionCode>) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return end(JobState::Failed, format!("city: {e}")).await,
    };
    let hints = Arc::new(Hints {
        city_code: city,
        ..Hints::default()
    });
    let params = Arc::new(params);
    let mut rows_done = job.rows_done;
    for seq in job.chunks_done + 1..=job.chunks_total {
        let Some(input) = store.job_chunk(&job.id, JobPart::Input, seq).await? else {
            return end(
                JobState::Interrupted,
                format!(
                    "rows from chunk {seq} of {} of the upload are gone, so the job cannot resume; submit the file again",
                    job.chunks_total
                ),
            )
            .await;
        };
        let first_row = rows_done + 2; // the header is row 1
        let (g, pl, h, p, ix) = (
            geocoder.clone(),
            places.clone(),
            hints.clone(),
            params.clone(),
            index.clone(),
        );
        let task = tokio::task::spawn_blocking(move || {
            geocode_chunk(&g, &pl, ix.as_deref(), &h, &p, &input, first_row)
        });
        let Some(output) = with_heartbeats(store, instance, config, &job.id, task).await? else {
            return Ok(()); // no longer ours
        };
        let output = match output {
            Ok(output) => output,
            Err(e) => return end(JobState::Failed, e).await,
        };
        counts.add(output.counts);
        let counts_json = serde_json::to_string(&counts).unwrap_or_default();
        let committed = store
            .commit_job_chunk(&ChunkCommit {
                job_id: &job.id,
                instance,
                seq,
                rows: output.rows,
                counts_json: &counts_json,
                result: &output.result,
                failures: &output.failures,
                now_ms: now_ms(),
                lease_ms: config.lease_ms,
            })
            .await?;
        if !committed {
            tracing::info!(job = %job.id, seq, "the job is no longer ours (cancelled or taken over)");
            return Ok(());
        }
        rows_done += output.rows;
    }
    // Nothing was left to process (an empty upload, or the last commit
    // was made but the instance died before it knew): done.
    if job.chunks_done == job.chunks_total {
        store.finish_job(&job.id, instance, now_ms()).await?;
    }
    Ok(())
}

/// Waits for a chunk's geocoding, extending the lease meanwhile. `None`
/// when the job stopped being ours.
async fn with_heartbeats<T: Send + 'static>(
    store: &Store,
    instance: &str,
    config: &JobConfig,
    id: &str,
    mut task: tokio::task::JoinHandle<T>,
) -> Result<Option<T>, wangge_store::StoreError> {
    let every = Duration::from_millis(u64::try_from(config.lease_ms / 3).unwrap_or(1).max(1));
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            done = &mut task => {
                return done.map(Some).map_err(|e| wangge_store::StoreError::Conflict {
                    message: format!("the geocoding of a chunk of job {id} stopped: {e}"),
                });
            }
            _ = beat.tick() => {
                if !store.heartbeat_job(id, instance, now_ms(), config.lease_ms).await? {
                    task.abort();
                    return Ok(None);
                }
            }
        }
    }
}

/// Geocodes one chunk of rows ([`TableGeocoder::chunk`], as `wangge
/// geocode` does), in the encoding the job was stored with.
fn geocode_chunk(
    geocoder: &Geocoder,
    places: &NamedPlaces,
    index: Option<&CellIndex>,
    hints: &Hints,
    params: &GeocodeParams,
    input: &[u8],
    first_row: i64,
) -> Result<ChunkOutput, String> {
    let encoding = match params.encoding.as_deref().map(str::parse::<Encoding>) {
        Some(Ok(e)) => e,
        Some(Err(e)) => return Err(e),
        // A job stored before the encoding was kept: its chunk decides.
        None => detect_encoding(input),
    };
    TableGeocoder {
        geocoder,
        index,
        places: Some(places),
        hints,
        crs: Crs::Wgs84,
        encoding,
        column: params.column_index,
        width: params.header_fields,
    }
    .chunk(input, first_row)
}

/// The job, if this user may see it: administrators and operations see
/// every job, a clerk their own. Someone else's job is answered like an
/// unknown one (404), so ids cannot be probed.
async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<JobRecord, ApiError> {
    let unknown = || ApiError::not_found(format!("no geocode job {id}"));
    let job = state
        .store()
        .job(id)
        .await?
        .filter(|j| j.kind == KIND)
        .ok_or_else(unknown)?;
    let policy = state.auth().config.policy;
    match policy.can(Some(user), Action::BulkGeocode, Target::Global) {
        Decision::Allow => Ok(job),
        Decision::AllowOwn if job.created_by == Some(user.id) => Ok(job),
        Decision::AllowOwn => Err(unknown()),
        Decision::Deny(why) => Err(ApiError {
            status: StatusCode::FORBIDDEN,
            error: "forbidden",
            message: why.to_owned(),
            ..Default::default()
        }),
    }
}

fn describe(job: &JobRecord, retention_ms: i64) -> Value {
    let percent = if job.rows_total == 0 {
        if job.state == JobState::Done {
            100.0
        } else {
            0.0
        }
    } else {
        (job.rows_done as f64 * 100.0 / job.rows_total as f64).min(100.0)
    };
    let counts: RowCounts = serde_json::from_str(&job.counts_json).unwrap_or_default();
    let done = job.state == JobState::Done;
    json!({
        "id": job.id,
        "state": job.state.as_str(),
        "percent_done": percent,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "counts": counts,
        "error": job.error,
        "created_at_ms": job.created_at_ms,
        "finished_at_ms": job.finished_at_ms,
        // When the job and its files are deleted.
        "expires_at_ms": job.finished_at_ms.map(|t| t.saturating_add(retention_ms)),
        "result_url": done.then(|| format!("/api/v1/geocode/jobs/{}/result", job.id)),
        "failures_url": done.then(|| format!("/api/v1/geocode/jobs/{}/failures", job.id)),
        // The rows in the failures file (jobs stored before `to_fix` was
        // counted had only failed and ambiguous rows there).
        "failure_rows": counts.to_fix.max(counts.ambiguous + counts.failed),
    })
}

/// `GET /api/v1/geocode/jobs/{id}`
pub async fn status(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    state.start_job_worker();
    let job = load(&state, &user, &id).await?;
    Ok(Json(describe(&job, state.jobs().config().retention_ms)))
}

/// `POST /api/v1/geocode/jobs/{id}/cancel`: through any instance; the one
/// running the job stops at its next commit or heartbeat.
pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let job = load(&state, &user, &id).await?;
    if !state.store().cancel_job(&id, now_ms()).await? {
        let state_now = state.store().job(&id).await?.map_or(job.state, |j| j.state);
        return Err(conflict(format!(
            "job {id} is {state_now}; only a queued or running job can be cancelled"
        )));
    }
    tracing::info!(job = %id, user = %user.name, "job cancelled");
    let job = state.store().job(&id).await?.unwrap_or(job);
    Ok(Json(describe(&job, state.jobs().config().retention_ms)))
}

/// `GET /api/v1/geocode/jobs/{id}/result`: the CSV, once done.
pub async fn result(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let job = load(&state, &user, &id).await?;
    if job.state != JobState::Done {
        return Err(conflict(format!(
            "job {id} is {}: no result yet",
            job.state
        )));
    }
    Ok(download(
        state.store().clone(),
        id.clone(),
        JobPart::Result,
        &format!("geocode-{id}.csv"),
    ))
}

/// `GET /api/v1/geocode/jobs/{id}/failures`: the rows to fix
/// of a done job, as read plus `status,reason` (header only when none).
pub async fn failures(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let job = load(&state, &user, &id).await?;
    if job.state != JobState::Done {
        return Err(conflict(format!(
            "job {id} is {}: no failures file yet",
            job.state
        )));
    }
    Ok(download(
        state.store().clone(),
        id.clone(),
        JobPart::Failures,
        &format!("geocode-{id}.failures.csv"),
    ))
}

/// A file of a done job, streamed from the store one chunk at a time (a
/// download holds one chunk in memory, whatever the file's size). When
/// the job is deleted under the download (its retention ended) the body
/// ends with an error, so the client sees the file is not whole. It starts
/// with a UTF-8 BOM: the file goes to a clerk's Excel, which reads CSV
/// without one as GBK.
fn download(store: Store, id: String, part: JobPart, filename: &str) -> Response {
    let chunks = futures_util::stream::try_unfold(
        (store, id, -1_i64),
        move |(store, id, after)| async move {
            let failed = |e: wangge_store::StoreError| std::io::Error::other(e.to_string());
            if let Some((seq, bytes)) = store
                .next_job_chunk(&id, part, after)
                .await
                .map_err(failed)?
            {
                return Ok(Some((Bytes::from(bytes), (store, id, seq))));
            }
            if store.job(&id).await.map_err(failed)?.is_none() {
                return Err(std::io::Error::other(format!(
                    "job {id} was deleted during the download"
                )));
            }
            Ok(None)
        },
    );
    let bom = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b"\xEF\xBB\xBF"))
    });
    let chunks = futures_util::StreamExt::chain(bom, chunks);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}

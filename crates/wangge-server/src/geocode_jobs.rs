//! Bulk geocoding over HTTP: `POST /api/v1/geocode/jobs` (a CSV upload) →
//! a job; its progress, cancel and result download.
//!
//! The upload is saved next to the other job files, the job row records how
//! far it got, and the result is written to `ID.result.csv.tmp` and renamed
//! only when complete, so a result is never half-written. The rows that
//! failed or are ambiguous go, as read plus `status,reason` (the CLI's
//! failures file), to `ID.failures.csv.tmp`, renamed the same way before the
//! job is marked done: a done job has both files whole. A job that was
//! running when the server stopped is reported `interrupted` (its worker is
//! gone): the clerk submits it again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use wangge_geocode::{DivisionCode, Geocoder, Hints, Status};
use wangge_model::Role;
use wangge_store::GeocodeJobRecord;

use crate::auth::CurrentUser;
use crate::params::{self, Params};
use crate::{ApiError, AppState};

/// Progress is written to the store every this many rows.
const PROGRESS_EVERY_ROWS: usize = 2_000;
/// Names an address column goes by when `column` is not given.
const ADDRESS_NAMES: &[&str] = &["address", "地址", "装机地址", "安装地址", "详细地址"];
const ADDED: &str = "lon,lat,precision,confidence,province_code,city_code,county_code,town_code,village_code,status,reason";

/// Jobs running in this process: their cancel flags.
#[derive(Default)]
pub struct JobRegistry {
    running: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl JobRegistry {
    fn insert(&self, id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut m) = self.running.lock() {
            m.insert(id.to_owned(), flag.clone());
        }
        flag
    }
    fn get(&self, id: &str) -> Option<Arc<AtomicBool>> {
        self.running.lock().ok().and_then(|m| m.get(id).cloned())
    }
    fn remove(&self, id: &str) {
        if let Ok(mut m) = self.running.lock() {
            m.remove(id);
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn jobs_dir() -> PathBuf {
    std::env::temp_dir().join("wangge-geocode-jobs")
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        error: "conflict",
        message: message.into(),
    }
}

fn internal(detail: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %detail, "geocode job");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        error: "internal",
        message: "internal error; the server log has the details".into(),
    }
}

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// Checks the upload and finds the address column; counts the rows.
fn inspect(body: &[u8], column: Option<&str>) -> Result<(usize, usize), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the upload is empty: a CSV with a header and an address column is expected",
        ));
    }
    if body[..body.len().min(8192)].contains(&0) {
        return Err(ApiError::bad_request(
            "the upload is not a text CSV file: it holds binary data (an .xlsx? save it as CSV)",
        ));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut header = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut header)
        .map_err(|e| ApiError::bad_request(format!("the header cannot be read: {e}")))?
    {
        return Err(ApiError::bad_request("the upload has no header"));
    }
    let names: Vec<String> = header.iter().map(|b| decode(b).trim().to_owned()).collect();
    let norm = |s: &str| s.trim().to_lowercase();
    let col = match column {
        Some(w) => names.iter().position(|n| norm(n) == norm(w)),
        None => ADDRESS_NAMES
            .iter()
            .find_map(|a| names.iter().position(|n| norm(n) == norm(a))),
    };
    let Some(col) = col else {
        let shown: Vec<String> = names
            .iter()
            .take(20)
            .map(|n| n.chars().take(40).collect())
            .collect();
        return Err(ApiError::bad_request(format!(
            "no {} column; columns found: {}",
            column.map_or_else(|| "address (地址)".to_owned(), |c| format!("{c:?}")),
            shown.join(", ")
        )));
    };
    let mut rows = 0usize;
    let mut rec = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => rows += 1,
            Ok(false) => break,
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "row {} cannot be read: {e}",
                    rows + 2
                )))
            }
        }
    }
    Ok((col, rows))
}

/// `POST /api/v1/geocode/jobs?column=地址&city=4203` with the CSV as body.
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Params>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !matches!(user.role, Role::Admin | Role::Clerk | Role::Ops) {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            error: "forbidden",
            message: "bulk geocoding is for clerks, operations and admins".into(),
        });
    }
    let column = params::optional::<String>(&q, "column")?;
    let city = params::optional::<String>(&q, "city")?
        .map(|c| {
            c.parse::<DivisionCode>()
                .map_err(|e| ApiError::bad_request(format!("city {c:?}: {e}")))
        })
        .transpose()?;
    let (col, rows_total) = inspect(&body, column.as_deref())?;
    let id = format!("{:016x}", rand::random::<u64>());
    let dir = jobs_dir();
    std::fs::create_dir_all(&dir).map_err(|e| internal(&e))?;
    let input = dir.join(format!("{id}.in.csv"));
    std::fs::write(&input, &body).map_err(|e| internal(&e))?;
    let now = now_ms();
    let mut job = GeocodeJobRecord {
        public_id: id.clone(),
        submitted_by: Some(user.id),
        state: "running".into(),
        column_name: column.unwrap_or_default(),
        input_path: input.display().to_string(),
        result_path: None,
        rows_total: i64::try_from(rows_total).unwrap_or(i64::MAX),
        rows_done: 0,
        counts: [0; 4],
        error: None,
        created_at: now,
        updated_at: now,
    };
    state.store().insert_geocode_job(&job).await?;
    let geocoder = state.geocoder().await?;
    let cancel = state.jobs().insert(&id);
    let st = state.clone();
    let handle = tokio::runtime::Handle::current();
    let hints = Hints {
        city_code: city,
        ..Hints::default()
    };
    tokio::task::spawn_blocking(move || {
        let result = run_job(&st, &handle, &geocoder, &hints, &mut job, col, &cancel);
        if let Err(e) = result {
            job.state = "failed".into();
            job.error = Some(e);
        }
        job.updated_at = now_ms();
        if let Err(e) = handle.block_on(st.store().update_geocode_job(&job)) {
            tracing::error!(error = %e, job = %job.public_id, "saving a geocode job");
        }
        st.jobs().remove(&job.public_id);
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(
            json!({"id": id, "rows_total": rows_total, "status_url": format!("/api/v1/geocode/jobs/{id}")}),
        ),
    ))
}

fn run_job(
    state: &AppState,
    handle: &tokio::runtime::Handle,
    geocoder: &Geocoder,
    hints: &Hints,
    job: &mut GeocodeJobRecord,
    col: usize,
    cancel: &AtomicBool,
) -> Result<(), String> {
    let input = PathBuf::from(&job.input_path);
    let final_path = input.with_file_name(format!("{}.result.csv", job.public_id));
    let tmp = input.with_file_name(format!("{}.result.csv.tmp", job.public_id));
    let failures_path = failures_file(&input, &job.public_id);
    let failures_tmp = input.with_file_name(format!("{}.failures.csv.tmp", job.public_id));
    let bytes = std::fs::read(&input).map_err(|e| format!("reading the upload: {e}"))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let file = std::fs::File::create(&tmp).map_err(|e| format!("creating the result: {e}"))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let file =
        std::fs::File::create(&failures_tmp).map_err(|e| format!("creating the failures: {e}"))?;
    let mut failures = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let mut rec = csv::ByteRecord::new();
    let mut first = true;
    while reader
        .read_byte_record(&mut rec)
        .map_err(|e| e.to_string())?
    {
        let mut out: csv::ByteRecord = rec.iter().map(|f| decode(f).into_bytes()).collect();
        if first {
            first = false;
            let mut fail_header = out.clone();
            fail_header.push_field(b"status");
            fail_header.push_field(b"reason");
            failures
                .write_byte_record(&fail_header)
                .map_err(|e| e.to_string())?;
            for name in ADDED.split(',') {
                out.push_field(name.as_bytes());
            }
            writer.write_byte_record(&out).map_err(|e| e.to_string())?;
            continue;
        }
        if cancel.load(Ordering::Relaxed) {
            drop(writer);
            drop(failures);
            let _ = std::fs::remove_file(&tmp);
            let _ = std::fs::remove_file(&failures_tmp);
            job.state = "cancelled".into();
            return Ok(());
        }
        let r = geocoder.geocode(&decode(rec.get(col).unwrap_or_default()), hints);
        if matches!(r.status, Status::Failed | Status::Ambiguous) {
            let mut f = out.clone();
            f.push_field(r.status.as_str().as_bytes());
            f.push_field(r.reason.as_bytes());
            failures.write_byte_record(&f).map_err(|e| e.to_string())?;
        }
        let code = |c: Option<DivisionCode>| c.map(|c| c.to_string()).unwrap_or_default();
        let fields = [
            r.lon.map(|x| format!("{x:.6}")).unwrap_or_default(),
            r.lat.map(|y| format!("{y:.6}")).unwrap_or_default(),
            r.precision.as_str().to_owned(),
            format!("{:.2}", r.confidence),
            code(r.province_code),
            code(r.city_code),
            code(r.county_code),
            code(r.town_code),
            code(r.village_code),
            r.status.as_str().to_owned(),
            r.reason.clone(),
        ];
        for f in &fields {
            out.push_field(f.as_bytes());
        }
        writer.write_byte_record(&out).map_err(|e| e.to_string())?;
        job.counts[match r.status {
            Status::Matched => 0,
            Status::Partial => 1,
            Status::Ambiguous => 2,
            Status::Failed => 3,
        }] += 1;
        job.rows_done += 1;
        if job.rows_done % PROGRESS_EVERY_ROWS as i64 == 0 {
            job.updated_at = now_ms();
            handle
                .block_on(state.store().update_geocode_job(job))
                .map_err(|e| e.to_string())?;
        }
    }
    writer.flush().map_err(|e| e.to_string())?;
    drop(writer);
    failures.flush().map_err(|e| e.to_string())?;
    drop(failures);
    // Failures first: once the result is there, the job is all but done.
    std::fs::rename(&failures_tmp, &failures_path)
        .map_err(|e| format!("saving the failures: {e}"))?;
    std::fs::rename(&tmp, &final_path).map_err(|e| format!("saving the result: {e}"))?;
    job.result_path = Some(final_path.display().to_string());
    job.state = "done".into();
    Ok(())
}

async fn load(state: &AppState, id: &str) -> Result<GeocodeJobRecord, ApiError> {
    let mut job = state
        .store()
        .geocode_job(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no geocode job {id}")))?;
    // Running in the store but not here: the server restarted under it.
    if matches!(job.state.as_str(), "queued" | "running") && state.jobs().get(id).is_none() {
        job.state = "interrupted".into();
        job.error = Some("the server restarted while the job ran; submit the file again".into());
        job.updated_at = now_ms();
        state.store().update_geocode_job(&job).await?;
        if let Some(dir) = Path::new(&job.input_path).parent() {
            for tmp in ["result", "failures"] {
                let _ = std::fs::remove_file(dir.join(format!("{id}.{tmp}.csv.tmp")));
            }
        }
    }
    Ok(job)
}

fn describe(job: &GeocodeJobRecord) -> Value {
    let percent = if job.rows_total == 0 {
        100.0
    } else {
        (job.rows_done as f64 * 100.0 / job.rows_total as f64).min(100.0)
    };
    json!({
        "id": job.public_id,
        "state": job.state,
        "percent_done": percent,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "counts": {
            "matched": job.counts[0], "partial": job.counts[1],
            "ambiguous": job.counts[2], "failed": job.counts[3],
        },
        "error": job.error,
        "result_url": (job.state == "done").then(|| format!("/api/v1/geocode/jobs/{}/result", job.public_id)),
        "failures_url": (job.state == "done").then(|| format!("/api/v1/geocode/jobs/{}/failures", job.public_id)),
        // The rows in the failures file: ambiguous and failed.
        "failure_rows": job.counts[2] + job.counts[3],
    })
}

/// `GET /api/v1/geocode/jobs/{id}`
pub async fn status(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(describe(&load(&state, &id).await?)))
}

/// `POST /api/v1/geocode/jobs/{id}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let mut job = load(&state, &id).await?;
    if job.state != "running" {
        return Err(conflict(format!(
            "job {id} is {}; only a running job can be cancelled",
            job.state
        )));
    }
    if let Some(flag) = state.jobs().get(&id) {
        flag.store(true, Ordering::Relaxed);
    }
    job.state = "cancelled".into();
    job.updated_at = now_ms();
    state.store().update_geocode_job(&job).await?;
    Ok(Json(describe(&job)))
}

/// Where the failures of the job with this upload go once complete.
fn failures_file(input: &Path, id: &str) -> PathBuf {
    input.with_file_name(format!("{id}.failures.csv"))
}

/// `GET /api/v1/geocode/jobs/{id}/result`: the CSV, once done.
pub async fn result(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let job = load(&state, &id).await?;
    let Some(path) = job.result_path.as_deref().filter(|_| job.state == "done") else {
        return Err(conflict(format!(
            "job {id} is {}: no result yet",
            job.state
        )));
    };
    let bytes = std::fs::read(path).map_err(|e| internal(&e))?;
    Ok(csv_download(bytes, &format!("geocode-{id}.csv")))
}

/// `GET /api/v1/geocode/jobs/{id}/failures`: the failed and ambiguous rows
/// of a done job, as read plus `status,reason` (header only when none).
pub async fn failures(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let job = load(&state, &id).await?;
    if job.state != "done" {
        return Err(conflict(format!(
            "job {id} is {}: no failures file yet",
            job.state
        )));
    }
    let path = failures_file(Path::new(&job.input_path), &id);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::not_found(format!(
                "job {id} has no failures file (it ran before the server kept one, or the file was removed); submit the file again"
            )))
        }
        Err(e) => return Err(internal(&e)),
    };
    Ok(csv_download(bytes, &format!("geocode-{id}.failures.csv")))
}

fn csv_download(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

//! Geocoding jobs across instances: two `AppState`s (two `router()`s, two
//! pools) on one database — a `SQLite` file and `PostgreSQL`. A job
//! submitted to A is followed, downloaded and cancelled through B; when A's
//! worker dies mid-job B takes it over after the lease and finishes it
//! with the result of an uninterrupted run; job access by role; expiry.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic

mod claims_support;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::Value;
use wangge_model::Role;
use wangge_server::{router, AppState, JobConfig};
use wangge_store::{JobChunk, JobPart, JobState, NewJob, StandardAddressRecord, Store};
use wangge_tests::{log_line, postgres_url, BackendKind, TestStore, PG_URL_VAR};

use claims_support::{add_user, call, cheap_hash, login, seeded_store, Answer, PASSWORD};

/// Two instances on one database.
struct Two {
    a: AppState,
    b: AppState,
    ra: Router,
    rb: Router,
    store: Store,
    store_b: Store,
    test_store: TestStore,
}

impl Two {
    async fn finish(self) {
        self.a.stop_job_worker();
        self.b.stop_job_worker();
        self.store_b.close().await;
        self.test_store.finish().await;
    }
}

fn std_addr(code: &str, road: &str, number: &str, lon: f64, lat: f64) -> StandardAddressRecord {
    StandardAddressRecord {
        code: code.into(),
        province_code: None,
        city_code: None,
        county_code: None,
        town_code: Some("420302001".into()),
        village_code: None,
        road: road.into(),
        house_number: Some(number.into()),
        compound: None,
        building: Some("3栋".into()),
        lon,
        lat,
    }
}

/// The sample tree, its users plus a second clerk, two standard
/// addresses; instances A and B with `config`.
async fn two_instances(kind: BackendKind, config: &JobConfig) -> Two {
    let test_store = seeded_store(kind).await;
    let store = test_store.store.clone();
    add_user(
        &store,
        "clerk2",
        Role::Clerk,
        None,
        &[],
        &cheap_hash(PASSWORD),
    )
    .await;
    store
        .upsert_standard_addresses(&[
            std_addr("S1", "北京路", "12号", 110.7901, 32.6501),
            std_addr("S2", "北京路", "30号", 110.7950, 32.6520),
        ])
        .await
        .unwrap();
    let store_b = Store::connect(&test_store.url).await.unwrap();
    let a = AppState::new(store.clone()).with_job_config(config.clone());
    let b = AppState::new(store_b.clone()).with_job_config(config.clone());
    assert_ne!(a.job_instance_id(), b.job_instance_id());
    Two {
        ra: router(a.clone()),
        rb: router(b.clone()),
        a,
        b,
        store,
        store_b,
        test_store,
    }
}

/// Small chunks (many commits) and a short lease, polled often.
fn test_config() -> JobConfig {
    JobConfig {
        chunk_rows: 20,
        lease_ms: 600,
        poll_ms: 20,
        ..JobConfig::default()
    }
}

/// `rows` rows of every kind: matched, partial, ambiguous, failed, quoted
/// fields with commas, a GBK-free UTF-8 file; every 97th row is ragged.
fn upload_csv(rows: usize) -> Vec<u8> {
    let kinds = [
        "湖北十堰茅箭区武当路街道北京路12号3栋",
        "郧县城关镇",
        "鼓楼区",
        "\"不知道, 哪里\"",
        "十堰市茅箭区北京路30号3栋",
    ];
    let mut csv = String::from("客户,地址,备注\n");
    for i in 0..rows {
        if i % 97 == 96 {
            writeln!(csv, "客户{i},只有两列").unwrap();
        } else {
            writeln!(
                csv,
                "客户{i},{},\"第 {i} 行, 备注\"",
                kinds[i % kinds.len()]
            )
            .unwrap();
        }
    }
    csv.into_bytes()
}

async fn upload(app: &Router, token: &str, body: Vec<u8>) -> String {
    use tower::ServiceExt;
    let request = axum::http::Request::post("/api/v1/geocode/jobs")
        .header("accept-language", "en")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(axum::body::Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn get(app: &Router, token: &str, uri: &str) -> Answer {
    call(app, Method::GET, uri, Some(token), None).await
}

/// Polls the job through `app` until it is no longer queued or running.
async fn wait_finished(app: &Router, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_mins(2);
    while Instant::now() < deadline {
        let a = get(app, token, &format!("/api/v1/geocode/jobs/{id}")).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        if a.body["state"] != "running" && a.body["state"] != "queued" {
            return a.body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} not finished after 120 s");
}

/// The result and the failures file of a done job, through `app`.
async fn files(app: &Router, token: &str, id: &str) -> (String, String) {
    let result = get(app, token, &format!("/api/v1/geocode/jobs/{id}/result")).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.text);
    let failures = get(app, token, &format!("/api/v1/geocode/jobs/{id}/failures")).await;
    assert_eq!(failures.status, StatusCode::OK, "{}", failures.text);
    // Downloads go to Excel: each starts with a UTF-8 BOM.
    let without_bom = |text: &str| {
        text.strip_prefix('\u{feff}')
            .unwrap_or_else(|| panic!("no BOM: {}", &text[..text.len().min(40)]))
            .to_owned()
    };
    (without_bom(&result.text), without_bom(&failures.text))
}

/// Every row of the upload once, in order: by the `客户N` names.
fn assert_rows_once(result: &str, failures: &str, rows: usize) {
    let names = |text: &str| -> Vec<usize> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| r.unwrap()[0].trim_start_matches("客户").parse().unwrap())
            .collect()
    };
    let in_result = names(result);
    let ragged: Vec<usize> = (0..rows).filter(|i| i % 97 == 96).collect();
    let expected: Vec<usize> = (0..rows).filter(|i| i % 97 != 96).collect();
    assert_eq!(in_result, expected, "every row once, in order");
    let in_failures: HashSet<usize> = names(failures).into_iter().collect();
    for i in &ragged {
        assert!(in_failures.contains(i), "ragged row {i} is in the failures");
    }
}

async fn followed_and_downloaded_from_b(kind: BackendKind) {
    let two = two_instances(
        kind,
        &JobConfig {
            chunk_rows: 50,
            ..JobConfig::default()
        },
    )
    .await;
    let clerk = login(&two.ra, "clerk").await;
    let rows = 1_000;
    let id = upload(&two.ra, &clerk, upload_csv(rows)).await;
    // Followed through B (the token works there: sessions are rows too).
    let done = wait_finished(&two.rb, &clerk, &id).await;
    assert_eq!(done["state"], "done", "{kind}: {done}");
    assert_eq!(done["rows_done"], rows);
    assert_eq!(done["percent_done"], 100.0);
    let counts = &done["counts"];
    let total: i64 = ["matched", "partial", "ambiguous", "failed"]
        .iter()
        .map(|k| counts[k].as_i64().unwrap())
        .sum();
    assert_eq!(total, 1_000, "{kind}: {done}");
    assert!(counts["ambiguous"].as_i64().unwrap() > 0, "{done}");
    let (result_b, failures_b) = files(&two.rb, &clerk, &id).await;
    let (result_a, failures_a) = files(&two.ra, &clerk, &id).await;
    assert_eq!(result_a.as_bytes(), result_b.as_bytes(), "{kind}");
    assert_eq!(failures_a.as_bytes(), failures_b.as_bytes(), "{kind}");
    assert!(
        result_b.starts_with("客户,地址,备注,lon,lat,precision,confidence,"),
        "{}",
        &result_b[..80]
    );
    assert_rows_once(&result_b, &failures_b, rows);
    // The failures file: header, then the failed and ambiguous rows.
    let failure_lines = csv::Reader::from_reader(failures_b.as_bytes())
        .records()
        .count();
    assert_eq!(
        i64::try_from(failure_lines).unwrap(),
        done["failure_rows"].as_i64().unwrap()
    );
    assert!(failures_b.contains("row 98 has 2 fields where the header has 3"));
    two.finish().await;
}

/// One check as two tests, on a `SQLite` file and on `PostgreSQL`; the
/// latter says it ran (or that it was skipped: `.ci/run` fails on that).
macro_rules! on_both {
    ($check:ident, $sqlite:ident, $postgres:ident, $what:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $sqlite() {
            $check(BackendKind::SqliteFile).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $postgres() {
            if postgres_url().is_none() {
                log_line(&format!(
                    concat!("postgres jobs (", $what, "): SKIPPED ({} is not set)"),
                    PG_URL_VAR
                ));
                return;
            }
            $check(BackendKind::Postgres).await;
            log_line(concat!("postgres jobs (", $what, "): ran"));
        }
    };
}

on_both!(
    followed_and_downloaded_from_b,
    sqlite_a_job_on_a_is_followed_and_downloaded_from_b,
    postgres_a_job_on_a_is_followed_and_downloaded_from_b,
    "follow"
);

/// Stops A's worker once it has committed part of the job; B takes the job
/// over after the lease and finishes it from the next chunk.
async fn taken_over_after_a_dies(kind: BackendKind) {
    let two = two_instances(kind, &test_config()).await;
    let clerk = login(&two.ra, "clerk").await;
    let rows = 12_000;
    let id = upload(&two.ra, &clerk, upload_csv(rows)).await;
    // B runs no worker yet: A alone works. Stop A once it is part-way.
    let deadline = Instant::now() + Duration::from_mins(1);
    let stopped_at = loop {
        let job = two.store.job(&id).await.unwrap().unwrap();
        if job.state == JobState::Running && job.chunks_done > 0 {
            two.a.stop_job_worker();
            break job.chunks_done;
        }
        assert!(
            job.state.is_open(),
            "{kind}: A finished before it was stopped"
        );
        assert!(Instant::now() < deadline, "{kind}: A never started");
        tokio::task::yield_now().await;
    };
    let job = two.store.job(&id).await.unwrap().unwrap();
    assert!(
        job.chunks_done < job.chunks_total,
        "{kind}: stopped at chunk {stopped_at} of {}",
        job.chunks_total
    );
    assert_eq!(job.owner_instance.as_deref(), Some(two.a.job_instance_id()));
    // B's worker; it claims the job once A's lease has run out.
    two.b.start_job_worker();
    let done = wait_finished(&two.rb, &clerk, &id).await;
    assert_eq!(done["state"], "done", "{kind}: {done}");
    let job = two.store.job(&id).await.unwrap().unwrap();
    assert_eq!(job.owner_instance.as_deref(), Some(two.b.job_instance_id()));
    assert_eq!(job.attempts, 2, "claimed by A, then by B");
    assert_eq!(job.rows_done, i64::try_from(rows).unwrap());
    let (result, failures) = files(&two.rb, &clerk, &id).await;
    assert_rows_once(&result, &failures, rows);
    // The same file as an uninterrupted run.
    let again = upload(&two.rb, &clerk, upload_csv(rows)).await;
    let done_again = wait_finished(&two.rb, &clerk, &again).await;
    assert_eq!(done_again["state"], "done");
    assert_eq!(done_again["counts"], done["counts"]);
    let (result_again, failures_again) = files(&two.ra, &clerk, &again).await;
    assert_eq!(result.as_bytes(), result_again.as_bytes(), "{kind}");
    assert_eq!(failures.as_bytes(), failures_again.as_bytes(), "{kind}");
    log_line(&format!(
        "{kind}: A stopped after chunk {stopped_at} of {}; B finished",
        job.chunks_total
    ));
    two.finish().await;
}

on_both!(
    taken_over_after_a_dies,
    sqlite_b_takes_over_the_job_of_a_dead_instance,
    postgres_b_takes_over_the_job_of_a_dead_instance,
    "takeover"
);

/// A cancel through B stops A's run: the job stays cancelled, leaves no
/// result, and A goes on with other work.
async fn cancelled_through_b(kind: BackendKind) {
    let two = two_instances(
        kind,
        &JobConfig {
            chunk_rows: 20,
            poll_ms: 20,
            ..JobConfig::default()
        },
    )
    .await;
    let clerk = login(&two.ra, "clerk").await;
    let id = upload(&two.ra, &clerk, upload_csv(12_000)).await;
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let job = two.store.job(&id).await.unwrap().unwrap();
        if job.chunks_done > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{kind}: A never started");
        tokio::task::yield_now().await;
    }
    let a = call(
        &two.rb,
        Method::POST,
        &format!("/api/v1/geocode/jobs/{id}/cancel"),
        Some(&clerk),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{kind}: {}", a.text);
    assert_eq!(a.body["state"], "cancelled");
    // A moves on: a job submitted after the cancel is done by A ...
    let next = upload(&two.ra, &clerk, upload_csv(30)).await;
    let done = wait_finished(&two.ra, &clerk, &next).await;
    assert_eq!(done["state"], "done");
    let next_job = two.store.job(&next).await.unwrap().unwrap();
    assert_eq!(
        next_job.owner_instance.as_deref(),
        Some(two.a.job_instance_id())
    );
    // ... and the cancelled one stayed cancelled, with nothing stored.
    let job = two.store.job(&id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Cancelled, "{kind}");
    assert!(job.chunks_done < job.chunks_total);
    for part in [JobPart::Input, JobPart::Result, JobPart::Failures] {
        assert!(two
            .store
            .next_job_chunk(&id, part, -1)
            .await
            .unwrap()
            .is_none());
    }
    for app in [&two.ra, &two.rb] {
        for file in ["result", "failures"] {
            let a = get(app, &clerk, &format!("/api/v1/geocode/jobs/{id}/{file}")).await;
            assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
        }
        let a = call(
            app,
            Method::POST,
            &format!("/api/v1/geocode/jobs/{id}/cancel"),
            Some(&clerk),
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    }
    two.finish().await;
}

on_both!(
    cancelled_through_b,
    sqlite_a_cancel_through_b_stops_a,
    postgres_a_cancel_through_b_stops_a,
    "cancel"
);

/// A job is its creator's: another clerk gets 404, operations and admins
/// see it, viewers, grid managers and supervisors are refused.
async fn access_by_role(kind: BackendKind) {
    let two = two_instances(kind, &test_config()).await;
    let clerk = login(&two.ra, "clerk").await;
    let id = upload(&two.ra, &clerk, upload_csv(30)).await;
    assert_eq!(wait_finished(&two.rb, &clerk, &id).await["state"], "done");
    let paths = [
        format!("/api/v1/geocode/jobs/{id}"),
        format!("/api/v1/geocode/jobs/{id}/result"),
        format!("/api/v1/geocode/jobs/{id}/failures"),
    ];
    for (user, want) in [
        ("clerk", StatusCode::OK),
        ("ops", StatusCode::OK),
        ("admin", StatusCode::OK),
        ("clerk2", StatusCode::NOT_FOUND),
        ("viewer", StatusCode::FORBIDDEN),
        ("west.c", StatusCode::FORBIDDEN),
        ("sup.west", StatusCode::FORBIDDEN),
    ] {
        let token = login(&two.rb, user).await;
        for path in &paths {
            let a = get(&two.rb, &token, path).await;
            assert_eq!(a.status, want, "{kind}: {user} GET {path}: {}", a.text);
        }
    }
    for path in &paths {
        let a = call(&two.rb, Method::GET, path, None, None).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    // Cancel: another clerk's 404 and a viewer's 403 leave the job alone;
    // operations may cancel anyone's job. (A queued job of the clerk's,
    // with no worker to run it.)
    two.a.stop_job_worker();
    two.b.stop_job_worker();
    let users = two.store.users().await.unwrap();
    let clerk_id = users.iter().find(|u| u.name == "clerk").unwrap().id;
    let running = "c0ffee";
    two.store
        .create_job(&NewJob {
            id: running,
            kind: "geocode",
            created_by: Some(clerk_id),
            created_at_ms: 1,
            params_json: "{}",
            rows_total: 1,
            counts_json: "{}",
            chunks: &[JobChunk {
                part: JobPart::Input,
                seq: 1,
                bytes: b"x\n",
            }],
        })
        .await
        .unwrap();
    let cancel = format!("/api/v1/geocode/jobs/{running}/cancel");
    for (user, want) in [
        ("clerk2", StatusCode::NOT_FOUND),
        ("viewer", StatusCode::FORBIDDEN),
        ("west.c", StatusCode::FORBIDDEN),
        ("ops", StatusCode::OK),
    ] {
        let token = login(&two.rb, user).await;
        let a = call(&two.rb, Method::POST, &cancel, Some(&token), None).await;
        assert_eq!(a.status, want, "{kind}: {user} cancel: {}", a.text);
    }
    let job = two.store.job(running).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Cancelled);
    // Submitting: clerks, operations and admins only.
    for user in ["viewer", "west.c", "sup.west"] {
        let token = login(&two.rb, user).await;
        let a = call(
            &two.rb,
            Method::POST,
            "/api/v1/geocode/jobs",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{user}: {}", a.text);
    }
    two.finish().await;
}

on_both!(
    access_by_role,
    sqlite_jobs_belong_to_their_creator,
    postgres_jobs_belong_to_their_creator,
    "access"
);

/// A finished job and its files go after the retention: the store's
/// expiry keeps what finished later, the worker runs it.
async fn expired_after_the_retention(kind: BackendKind) {
    let two = two_instances(kind, &test_config()).await;
    let clerk = login(&two.ra, "clerk").await;
    let id = upload(&two.ra, &clerk, upload_csv(30)).await;
    let done = wait_finished(&two.rb, &clerk, &id).await;
    assert_eq!(done["state"], "done");
    let finished = done["finished_at_ms"].as_i64().unwrap();
    let week = 7 * 24 * 3_600_000;
    assert_eq!(done["expires_at_ms"].as_i64().unwrap(), finished + week);
    assert_eq!(two.store.expire_jobs(finished).await.unwrap(), 0);
    assert!(two.store.job(&id).await.unwrap().is_some());
    // An instance with a retention of 1 ms deletes it at its next round.
    let short = AppState::new(two.store_b.clone()).with_job_config(JobConfig {
        retention_ms: 1,
        ..test_config()
    });
    short.start_job_worker();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let a = get(&two.ra, &clerk, &format!("/api/v1/geocode/jobs/{id}")).await;
        if a.status == StatusCode::NOT_FOUND {
            break;
        }
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert!(Instant::now() < deadline, "{kind}: job {id} never expired");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for part in [JobPart::Input, JobPart::Result, JobPart::Failures] {
        assert!(two
            .store
            .next_job_chunk(&id, part, -1)
            .await
            .unwrap()
            .is_none());
    }
    short.stop_job_worker();
    two.finish().await;
}

on_both!(
    expired_after_the_retention,
    sqlite_finished_jobs_expire_after_the_retention,
    postgres_finished_jobs_expire_after_the_retention,
    "expiry"
);

/// Two instances claiming at once never get the same job (`PostgreSQL`:
/// `FOR UPDATE SKIP LOCKED`; `SQLite`: one guarded UPDATE).
async fn claims_never_overlap(kind: BackendKind) {
    let two = two_instances(kind, &test_config()).await;
    let jobs = 24;
    for i in 0..jobs {
        two.store
            .create_job(&NewJob {
                id: &format!("job{i:02}"),
                kind: "geocode",
                created_by: None,
                created_at_ms: i,
                params_json: "{}",
                rows_total: 1,
                counts_json: "{}",
                chunks: &[JobChunk {
                    part: JobPart::Input,
                    seq: 1,
                    bytes: b"x\n",
                }],
            })
            .await
            .unwrap();
    }
    let now = 1_000;
    let mut tasks = Vec::new();
    for (n, store) in [&two.store, &two.store_b, &two.store, &two.store_b]
        .into_iter()
        .enumerate()
    {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(job) = store
                .claim_job(&format!("instance{n}"), now, 60_000)
                .await
                .unwrap()
            {
                assert_eq!(
                    job.owner_instance.as_deref(),
                    Some(format!("instance{n}").as_str())
                );
                got.push(job.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 24, "{kind}: every job claimed once: {all:?}");
    assert_eq!(unique.len(), 24, "{kind}");
    // Leases held: nothing runnable until they run out.
    assert!(!two.store.has_runnable_job(now + 59_999).await.unwrap());
    assert!(two.store.has_runnable_job(now + 60_001).await.unwrap());
    two.finish().await;
}

on_both!(
    claims_never_overlap,
    sqlite_two_instances_never_claim_the_same_job,
    postgres_two_instances_never_claim_the_same_job,
    "claims"
);

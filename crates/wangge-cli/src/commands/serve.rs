use std::sync::Arc;

use anyhow::Context;
use wangge_demo::DemoState;
use wangge_server::auth::{AuthConfig, SystemClock, TrustedProxies};
use wangge_server::config::{Basemap, ClientConfig};
use wangge_server::{router, AppState, JobConfig};
use wangge_store::Store;

use crate::args::ServeArgs;

pub async fn run(store: &Store, db_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    // Never serve a half-seeded demo: finish it (--demo) or refuse.
    match wangge_demo::demo_state(store).await? {
        DemoState::Unfinished(unfinished) if args.demo => {
            super::demo::finish(store, db_url, &unfinished).await?;
        }
        DemoState::Unfinished(unfinished) => {
            return Err(super::demo::refuse_unfinished(db_url, &unfinished));
        }
        DemoState::Empty if args.demo => {
            tracing::info!("database is empty: seeding the demo territory");
            super::demo::seed_default(store, db_url).await?;
        }
        DemoState::Empty | DemoState::Complete(_) | DemoState::OtherData => {}
    }
    // What an import or a seeding killed after loading left unplaced.
    super::assign::place_not_placed_yet(store).await?;
    let basemap = args
        .basemap_url
        .as_deref()
        .filter(|url| !url.is_empty())
        .map(|url| Basemap::new(url, args.basemap_attribution.as_deref()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--basemap-url: {e}"))?;
    if let Some(b) = &basemap {
        tracing::info!(url = %b.url, "raster base map");
    }
    if !args.trusted_proxies.is_empty() {
        let proxies: Vec<String> = args
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        tracing::info!(proxies = %proxies.join(","), "X-Forwarded-For believed from these proxies");
    }
    let auth = AuthConfig {
        trusted_proxies: TrustedProxies::new(args.trusted_proxies),
        ..AuthConfig::default()
    };
    let state = AppState::with_auth(store.clone(), auth, Arc::new(SystemClock))
        .with_client_config(ClientConfig { basemap })
        .with_job_config(JobConfig {
            retention_ms: i64::from(args.job_retention_hours) * 3_600_000,
            ..JobConfig::default()
        });
    state
        .refresh()
        .await
        .map_err(anyhow::Error::msg)
        .context("loading the grid into memory")?;
    // Runs the jobs submitted here and takes over those of a dead instance.
    state.start_job_worker();
    tokio::spawn(prune_grid_changes(store.clone(), args.grid_changes_kept));
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = %super::redact(db_url), "serving");
    outln!(
        "wangge serving http://{address}/  (database {})",
        super::redact(db_url)
    )?;
    // With the socket peer: the login throttle counts per client address too.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    tracing::info!("stopped");
    Ok(())
}

/// Keeps the grid change log short: every minute, all but the last `kept`
/// grid revisions go. Any instance may do it; errors are logged and retried.
async fn prune_grid_changes(store: Store, kept: u32) {
    let mut tick = tokio::time::interval(std::time::Duration::from_mins(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.prune_grid_changes(i64::from(kept)).await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, kept, "pruned the grid change log"),
            Err(e) => tracing::warn!(error = %e, "pruning the grid change log failed; retrying"),
        }
    }
}

/// Ctrl-C or SIGTERM: finish the requests in flight, then stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested: finishing requests in flight");
}

use anyhow::Context;
use wangge_demo::DemoConfig;
use wangge_server::config::{Basemap, ClientConfig};
use wangge_server::{router, AppState};
use wangge_store::Store;

use crate::args::ServeArgs;

pub async fn run(store: &Store, db_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    if args.demo && store.is_empty().await? {
        tracing::info!("database is empty: seeding the demo territory");
        super::demo::seed_and_place(store, DemoConfig::default()).await?;
    }
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
    let state = AppState::new(store.clone()).with_client_config(ClientConfig { basemap });
    state
        .refresh()
        .await
        .map_err(anyhow::Error::msg)
        .context("loading the grid into memory")?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = %super::redact(db_url), "serving");
    println!(
        "wangge serving http://{address}/  (database {})",
        super::redact(db_url)
    );
    // With the client address: the login throttle counts per address too.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    tracing::info!("stopped");
    Ok(())
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

//! The worker's own HTTP server: `/metrics` (Prometheus) and `/healthz` (DB + Redis).

use std::future::Future;

use poem::{
    EndpointExt, IntoResponse, Response, Route, Server, get, handler,
    http::StatusCode,
    listener::{Acceptor, TcpAcceptor},
    web::{Data, Json},
};
use shared::{config::Settings, telemetry};
use tokio::task::JoinHandle;

use crate::JobContext;

#[handler]
fn metrics() -> String {
    telemetry::record_process_metrics();
    telemetry::metrics_handle().render()
}

#[handler]
async fn healthz(ctx: Data<&JobContext>) -> Response {
    let db = shared::db::ping(&ctx.db).await.is_ok();
    let mut conn = ctx.queue.conn().clone();
    let redis = redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .is_ok();
    let healthy = db && redis;
    let up = |ok: bool| if ok { "up" } else { "down" };
    Json(serde_json::json!({
        "status": if healthy { "healthy" } else { "unhealthy" },
        "database": up(db),
        "redis": up(redis),
    }))
    .with_status(if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    })
    .into_response()
}

/// Binds `WORKER_PORT` and serves until `shutdown` resolves.
pub async fn serve(
    settings: &Settings,
    ctx: JobContext,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<JoinHandle<std::io::Result<()>>> {
    let listener =
        tokio::net::TcpListener::bind((settings.host.as_str(), settings.worker_port)).await?;
    let acceptor = TcpAcceptor::from_tokio(listener)?;
    tracing::info!(addr = ?acceptor.local_addr(), "worker health server listening");
    let app = Route::new()
        .at("/metrics", get(metrics))
        .at("/healthz", get(healthz))
        .data(ctx);
    Ok(tokio::spawn(
        Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(app, shutdown, None),
    ))
}

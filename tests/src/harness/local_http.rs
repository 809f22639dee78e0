//! Stand-in servers of the outside world (channel calendars, Graph API, Mercado Pago): poem
//! apps on a free loopback port inside the test process.

use poem::{Endpoint, Server, listener::TcpAcceptor};
use tokio::task::JoinHandle;

/// A listener on a free loopback port and the base URL it answers at (`what` names it in a
/// failure).
pub async fn bind(what: &str) -> (TcpAcceptor, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind the {what}: {e}"));
    let port = listener.local_addr().expect("local address").port();
    let acceptor = TcpAcceptor::from_tokio(listener).expect("acceptor");
    (acceptor, format!("http://127.0.0.1:{port}"))
}

/// Serves `app` on `acceptor` until the returned task is aborted.
pub fn serve(acceptor: TcpAcceptor, app: impl Endpoint + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor).run(app).await;
    })
}

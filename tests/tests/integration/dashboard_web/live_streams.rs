//! How long a live-update stream (`GET /admin/eventos`) stays open.

use chrono::Duration;
use futures::StreamExt;
use poem::http::StatusCode;

use super::{log_in, open_stream};
use tests::harness::TestApp;

#[tokio::test]
async fn a_live_stream_ends_when_its_session_expires() {
    // Arrange: a session whose token (24 hours, the default) has 3 seconds left by the app's
    // clock, which is what the token's expiry is checked against.
    let app = TestApp::new().await;
    let session = log_in(&app).await;
    app.clock
        .advance(Duration::hours(i64::from(app.settings.jwt_ttl_hours)) - Duration::seconds(3));

    // Act
    let stream = open_stream(&app, &session).await;
    assert_eq!(stream.0.status(), StatusCode::OK);
    let mut body = stream.0.into_body().into_bytes_stream();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut chunks = 0;
    let ended = loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => break false,
            Ok(None) => break true,
            Ok(Some(chunk)) => {
                chunk.expect("a chunk");
                chunks += 1;
            }
        }
    };

    // Assert: the stream ended by itself; the next connection is sent to log in again.
    assert!(
        ended,
        "the stream was still open after 20 s ({chunks} chunks)"
    );
    app.clock.advance(Duration::seconds(5));
    let again = open_stream(&app, &session).await;
    assert_eq!(again.0.status(), StatusCode::SEE_OTHER);
}

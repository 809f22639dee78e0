//! The real server on port 0 cuts clients that send headers or bodies too slowly, and serves
//! at most `HTTP_MAX_CONNECTIONS` connections at once (the rest wait until one closes).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use shared::{clock::OffsetClock, config::Settings};
use tests::harness::{TestDb, TestRedis, app::test_settings, servers::RunningSystem};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn start(tweak: impl FnOnce(&mut Settings)) -> (RunningSystem, TestDb, TestRedis) {
    let db = TestDb::new(4).await;
    let redis = TestRedis::new().await;
    let mut settings = test_settings(&db, &redis);
    tweak(&mut settings);
    let system = RunningSystem::start(settings, Arc::new(OffsetClock::default())).await;
    (system, db, redis)
}

async fn connect(system: &RunningSystem) -> TcpStream {
    let addr = system.api_url.trim_start_matches("http://");
    TcpStream::connect(addr).await.expect("connect")
}

/// Reads until the server closes the connection (or `deadline` passes); what it sent.
async fn read_to_close(stream: &mut TcpStream, deadline: Duration) -> Option<String> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(deadline, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_after_the_header_timeout() {
    // Arrange: a 1-second header deadline.
    let (system, _db, _redis) = start(|s| s.header_read_timeout_seconds = 1).await;
    let mut slow = connect(&system).await;
    let started = Instant::now();

    // Act: one header byte every 100 ms, never the blank line (each byte would reset an
    // idle timeout); stop as soon as the server hangs up.
    let header = b"GET /api/v1/healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut cut = false;
    for byte in header {
        if slow.write_all(&[*byte]).await.is_err() {
            cut = true;
            break;
        }
        let mut probe = [0u8; 64];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(100), slow.read(&mut probe)).await
        {
            cut = true;
            break;
        }
    }

    // Assert: cut after about a second, long before the 8.5 s the header would take.
    let elapsed = started.elapsed();
    assert!(cut, "the server kept a trickling client for {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    // A prompt client is still served on the same server, and may keep its connection.
    let resp = system
        .http
        .get(format!("{}/api/v1/readyz", system.api_url))
        .send()
        .await
        .expect("prompt client");
    assert_eq!(resp.status(), 200);
    system.stop().await;
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_408_after_the_body_timeout() {
    // Arrange: a 1-second body deadline.
    let (system, _db, _redis) = start(|s| s.body_read_timeout_seconds = 1).await;
    let mut slow = connect(&system).await;

    // Act: complete headers announcing 100 bytes, then only 10.
    slow.write_all(
        b"POST /api/v1/quotes HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"check_in",
    )
    .await
    .expect("write");
    let started = Instant::now();
    let answer = read_to_close(&mut slow, Duration::from_secs(10))
        .await
        .expect("the server answers and closes within 10 s");

    // Assert
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(answer.contains("\"trace_id\""), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    system.stop().await;
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    // Arrange: two connections at most; two idle clients take both.
    let (system, _db, _redis) = start(|s| {
        s.http_max_connections = 2;
        s.header_read_timeout_seconds = 60;
    })
    .await;
    let first = connect(&system).await;
    let _second = connect(&system).await;
    let url = format!("{}/api/v1/readyz", system.api_url);
    let http = reqwest::Client::new();
    let mut third = tokio::spawn(async move { http.get(url).send().await.map(|r| r.status()) });

    // Act + Assert: the third is not served while both are open ...
    assert!(
        tokio::time::timeout(Duration::from_secs(1), &mut third)
            .await
            .is_err(),
        "a third connection was served past the cap"
    );
    // ... and is served once one closes.
    drop(first);
    let status = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("served within 10 s of a slot freeing up")
        .expect("task")
        .expect("response");
    assert_eq!(status, 200);
    system.stop().await;
}

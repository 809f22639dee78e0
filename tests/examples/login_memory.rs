//! Benchmark: memory of the API process under a burst of admin logins. Run through
//! `ops/bench/login_memory.sh` (release build, loopback only, bounded by the login count and
//! a deadline).
//!
//! It creates an admin in a throwaway database, starts the given `api` binary on a free
//! loopback port with the given `ADMIN_LOGIN_HASH_CONCURRENCY`, fires N concurrent logins
//! with the right password (each one a real Argon2id check), and reads the process's
//! `/proc/PID/status`: `VmRSS` before, `VmHWM` (peak) and `VmRSS` two seconds after the
//! burst. Prints one Markdown table row.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use shared::{auth::role::AdminRole, service::admin_auth};
use tests::harness::{TestDb, redis_ns::redis_url};

/// Gives up after this long, whatever happened.
const DEADLINE: Duration = Duration::from_secs(120);
const EMAIL: &str = "bench-owner@cabanas.test";
const PASSWORD: &str = "bench-owner-password";

/// `VmRSS`/`VmHWM` of `pid` in MiB.
fn status_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("field in /proc status");
    kib / 1024.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct Api(Child);

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args
        .next()
        .expect("usage: login_memory API_BINARY PERMITS LOGINS LABEL");
    let permits: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2);
    let logins: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let label = args.next().unwrap_or_else(|| "system".into());

    let db = TestDb::new(4).await;
    admin_auth::create_or_reset(&db.conn, EMAIL, PASSWORD, AdminRole::Owner)
        .await
        .expect("create admin");
    let port = free_port();
    let api = Api(Command::new(&binary)
        .arg("serve")
        .env_clear()
        .env("APP_ENV", "test")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", &db.url)
        .env("REDIS_URL", redis_url())
        .env("REDIS_NAMESPACE", format!("bench-login-{port}"))
        .env("JWT_SECRET", "bench-jwt-secret-0123456789abcdef-0123456789")
        .env("RATE_LIMIT_PER_MINUTE", "0")
        .env("LOGIN_RATE_LIMIT_PER_MINUTE", "0")
        .env("ADMIN_LOGIN_HASH_CONCURRENCY", permits.to_string())
        .env("ADMIN_LOGIN_HASH_WAIT_MS", "30000")
        // Every login of the burst comes from 127.0.0.1 and is counted before its check: with
        // more checks in flight than this, the rest would be refused as locked (after the same
        // dummy hash work) until the first success clears the count.
        .env("ADMIN_MAX_FAILED_LOGINS", "100000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the api binary"));
    let pid = api.0.id();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let started = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < DEADLINE, "the API did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let before = status_mib(pid, "VmRSS:");
    let burst = Instant::now();
    let calls = (0..logins).map(|_| {
        let (http, url) = (http.clone(), format!("{base}/admin/login"));
        async move {
            let sent = Instant::now();
            let status = http
                .post(url)
                .json(&serde_json::json!({ "email": EMAIL, "password": PASSWORD }))
                .timeout(DEADLINE)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            (status, sent.elapsed())
        }
    });
    let mut results = futures::future::join_all(calls).await;
    let took = burst.elapsed();
    let peak = status_mib(pid, "VmHWM:");
    // Let the allocator settle, then see what the process kept.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = status_mib(pid, "VmRSS:");

    results.sort_by_key(|(_, t)| *t);
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let busy = results.iter().filter(|(s, _)| *s == 429).count();
    let p50 = results[results.len() / 2].1;
    let max = results.last().map(|(_, t)| *t).unwrap_or_default();
    println!(
        "| {label} | {permits} | {logins} | {ok} | {busy} | {:.1} s | {:.0} ms / {:.0} ms | {before:.1} | {peak:.1} | {after:.1} |",
        took.as_secs_f64(),
        p50.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0,
    );
}

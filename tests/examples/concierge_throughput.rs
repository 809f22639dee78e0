//! Benchmark: the WhatsApp concierge end to end (issue 9). Run through `ops/bench/concierge.sh`
//! (release build, loopback only, bounded by a deadline).
//!
//!     concierge_throughput [GUESTS] [RATE]     (defaults: 2000 guests, RATE 0 = all at once)
//!
//! GUESTS distinct guests each send one text message (the mix in [`MIX`], round-robin) as a
//! signed Meta webhook over loopback HTTP to the real API app (served in this process on
//! 127.0.0.1); the real worker (in process, its own pool) stores and answers them; the Graph
//! stand-in answers every call after 50 ms. With RATE 0 the webhooks go out as fast as
//! `SENDERS` connections allow (throughput); with RATE > 0 one starts every 1/RATE s whatever
//! happened to the previous ones (an open loop, for latency at a given load).
//!
//! Measured: messages/s from the first webhook accepted (202) to the last reply received by
//! the stand-in; per guest, from its webhook's 202 to the stand-in receiving its first and its
//! last reply (p50/p95/p99/max); the 202 itself; and the CPU used meanwhile by this process
//! (API + worker + stand-ins), by PostgreSQL and by Redis. Worker settings come from the
//! environment as in production (`WORKER_WHATSAPP_CONCURRENCY`, `DATABASE_MAX_CONNECTIONS`,
//! `WORKER_POLL_MS`); unset, the test harness's values.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use futures::StreamExt;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use shared::{domain::whatsapp::MessageState, entities::whatsapp_message};
use tests::harness::{
    concierge::ConciergeApp,
    local_http,
    webhooks::{WA_PATH, meta_signature},
};

/// Gives up after this long, whatever happened.
const DEADLINE: Duration = Duration::from_secs(240);
/// The Graph stand-in's answer time.
const GRAPH_LATENCY: Duration = Duration::from_millis(50);
/// Webhooks in flight at once when sending as fast as possible.
const SENDERS: usize = 64;
/// What the guests write, one message each, round-robin.
const MIX: [&str; 4] = [
    "hola",
    "¿tienen lugar para 4 del 15 al 17 de enero?",
    "cuánto sale la noche?",
    "somos 2 este finde",
];

/// One guest's webhook: when it was posted and when the API answered 202.
struct Sent {
    guest: String,
    wamid: String,
    posted: Instant,
    accepted: Instant,
}

fn arg<T: std::str::FromStr>(n: usize, default: T) -> T {
    std::env::args()
        .nth(n)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() {
    let guests: usize = arg(1, 2000);
    let rate: f64 = arg(2, 0.0);
    let env = ConciergeApp::start_with(|s| {
        if let Some(n) = env("WORKER_WHATSAPP_CONCURRENCY") {
            s.worker_whatsapp_concurrency = n;
        }
        if let Some(n) = env("DATABASE_MAX_CONNECTIONS") {
            s.database_max_connections = n;
        }
        if let Some(ms) = env("WORKER_POLL_MS") {
            s.worker_poll_ms = ms;
        }
    })
    .await;
    env.graph.set_latency(GRAPH_LATENCY);
    let settings = &env.app.settings;
    eprintln!(
        "worker: whatsapp concurrency {}, pool {}, poll {} ms; graph latency {GRAPH_LATENCY:?}",
        settings.worker_whatsapp_concurrency,
        settings.database_max_connections,
        settings.worker_poll_ms
    );
    let (acceptor, api_url) = local_http::bind("API").await;
    let _api = local_http::serve(acceptor, api::startup::build_app(env.app.state.clone()));
    let url = format!("{api_url}{WA_PATH}");
    let client = reqwest::Client::new();

    let bodies: Vec<(String, String, Vec<u8>)> = (0..guests)
        .map(|i| {
            let guest = format!("5492945{i:06}");
            let text = MIX[i % MIX.len()];
            let (body, wamid) = env.body(&guest, json!({"type": "text", "text": {"body": text}}));
            (guest, wamid, body)
        })
        .collect();
    let commits_before = commits(&env).await;
    let cpu_before = cpu::snapshot();
    let started = Instant::now();
    let post = |(guest, wamid, body): (String, String, Vec<u8>), at: Option<Instant>| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            if let Some(at) = at {
                tokio::time::sleep_until(at.into()).await;
            }
            let posted = Instant::now();
            let status = client
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", meta_signature(&body))
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16());
            assert_eq!(status.ok(), Some(202), "webhook of {guest} not accepted");
            Sent {
                guest,
                wamid,
                posted,
                accepted: Instant::now(),
            }
        }
    };
    let sent: Vec<Sent> = if rate > 0.0 {
        let tasks: Vec<_> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                let at = started + Duration::from_secs_f64(i as f64 / rate);
                tokio::spawn(post(b, Some(at)))
            })
            .collect();
        futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(|r| r.expect("sender"))
            .collect()
    } else {
        futures::stream::iter(bodies.into_iter().map(|b| post(b, None)))
            .buffer_unordered(SENDERS)
            .collect()
            .await
    };
    let all_sent = started.elapsed();

    let finished = wait_for_replies(&env, guests).await;
    let cpu_after = cpu::snapshot();
    let replies = env.graph.sent();
    // Backends report their statistics when idle for 10 s at the latest.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let statements = commits(&env).await - commits_before;
    let stored = stored_at(&env).await;
    let queued: Vec<f64> = sent
        .iter()
        .filter_map(|s| stored.get(&s.wamid).map(|at| ms(s.accepted, *at)))
        .collect();
    eprintln!(
        "202 → the worker takes the job (queue wait) p50/p95/p99/max: {}",
        percentiles(queued)
    );
    let last_reply: HashMap<&str, Instant> = replies.iter().fold(HashMap::new(), |mut m, r| {
        let at = m.entry(r.to.as_str()).or_insert(r.received);
        *at = (*at).max(r.received);
        m
    });
    let working: Vec<f64> = sent
        .iter()
        .filter_map(|s| {
            Some(ms(
                *stored.get(&s.wamid)?,
                *last_reply.get(s.guest.as_str())?,
            ))
        })
        .collect();
    let busy = working.iter().sum::<f64>() / 1000.0;
    eprintln!(
        "the worker takes the job → last reply p50/p95/p99/max: {}; jobs in progress on average: {:.1}",
        percentiles(working),
        busy / (finished.unwrap_or_else(Instant::now) - started).as_secs_f64()
    );
    eprintln!(
        "PostgreSQL transactions (autocommitted statements count one each) per message: {:.1}",
        statements as f64 / guests as f64
    );
    let window = finished.unwrap_or_else(Instant::now) - started;
    let cpu = cpu_after.since(&cpu_before, window.as_secs_f64());
    report(&sent, &replies, finished, all_sent, rate, &cpu);
    env.stop().await;
    assert!(
        finished.is_some(),
        "not every guest was answered before the deadline"
    );
}

/// Waits until every guest has a reply and nothing is left unanswered or queued; `None` at
/// the deadline.
async fn wait_for_replies(env: &ConciergeApp, guests: usize) -> Option<Instant> {
    let give_up = Instant::now() + DEADLINE;
    while Instant::now() < give_up {
        if env.graph.sent_count() >= guests {
            let answered: std::collections::HashSet<String> =
                env.graph.sent().into_iter().map(|m| m.to).collect();
            if answered.len() >= guests && outstanding(env).await == 0 {
                return Some(Instant::now());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Committed transactions of the bench database so far (PostgreSQL's statistics).
async fn commits(env: &ConciergeApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()";
    let row = env
        .app
        .conn()
        .query_one_raw(Statement::from_string(
            env.app.conn().get_database_backend(),
            sql,
        ))
        .await
        .expect("pg_stat_database")
        .expect("row");
    row.try_get_by_index(0).expect("xact_commit")
}

/// When the worker took up each inbound message (its `received_at`, by wamid), on this
/// process's clock.
async fn stored_at(env: &ConciergeApp) -> HashMap<String, Instant> {
    use whatsapp_message::Column;
    let (now, wall) = (Instant::now(), std::time::SystemTime::now());
    whatsapp_message::Entity::find()
        .filter(Column::Direction.eq(shared::domain::whatsapp::MessageDirection::Inbound))
        .all(env.app.conn())
        .await
        .expect("messages")
        .into_iter()
        .filter_map(|m| {
            let at = std::time::SystemTime::from(m.received_at.to_utc());
            let ago = wall.duration_since(at).ok()?;
            Some((m.wamid?, now.checked_sub(ago)?))
        })
        .collect()
}

/// Guest messages not answered yet plus replies not sent yet.
async fn outstanding(env: &ConciergeApp) -> u64 {
    use whatsapp_message::Column;
    whatsapp_message::Entity::find()
        .filter(Column::State.is_in([MessageState::Unanswered, MessageState::Queued]))
        .count(env.app.conn())
        .await
        .expect("count")
}

/// The percentiles of `values` (ms) as `p50 / p95 / p99 / max`.
fn percentiles(mut values: Vec<f64>) -> String {
    if values.is_empty() {
        return "–".into();
    }
    values.sort_by(f64::total_cmp);
    let at =
        |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    format!(
        "{:.0} / {:.0} / {:.0} / {:.0} ms",
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0)
    )
}

fn ms(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

fn report(
    sent: &[Sent],
    replies: &[tests::harness::graph_stub::SentMessage],
    finished: Option<Instant>,
    all_sent: Duration,
    rate: f64,
    cpu: &str,
) {
    let mut by_guest: HashMap<&str, (Instant, Instant, usize)> = HashMap::new();
    for reply in replies {
        let entry =
            by_guest
                .entry(reply.to.as_str())
                .or_insert((reply.received, reply.received, 0));
        entry.0 = entry.0.min(reply.received);
        entry.1 = entry.1.max(reply.received);
        entry.2 += 1;
    }
    let first_accepted = sent.iter().map(|s| s.accepted).min().expect("sent");
    let last_reply = replies
        .iter()
        .map(|r| r.received)
        .max()
        .unwrap_or(first_accepted);
    let span = last_reply
        .saturating_duration_since(first_accepted)
        .as_secs_f64();
    let answered = sent
        .iter()
        .filter(|s| by_guest.contains_key(s.guest.as_str()))
        .count();
    let (mut first, mut last) = (Vec::new(), Vec::new());
    for s in sent {
        if let Some((f, l, _)) = by_guest.get(s.guest.as_str()) {
            first.push(ms(s.accepted, *f));
            last.push(ms(s.accepted, *l));
        }
    }
    let ack = sent.iter().map(|s| ms(s.posted, s.accepted)).collect();
    let mode = if rate > 0.0 {
        format!("paced {rate:.0}/s")
    } else {
        format!("burst ({SENDERS} senders)")
    };
    eprintln!(
        "{} guests answered of {}; {} replies; webhooks all accepted after {:.2} s; {}",
        answered,
        sent.len(),
        replies.len(),
        all_sent.as_secs_f64(),
        if finished.is_some() {
            "done"
        } else {
            "DEADLINE"
        }
    );
    eprintln!("202 latency p50/p95/p99/max: {}", percentiles(ack));
    eprintln!("CPU over the run (100 % = one core): {cpu}");
    println!(
        "| Mode | Guests | Answered | Replies | Time | Messages/s | First reply p50 / p95 / p99 / max | Last reply p50 / p95 / p99 / max | CPU |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    println!(
        "| {mode} | {} | {answered} | {} | {span:.2} s | {:.0} | {} | {} | {cpu} |",
        sent.len(),
        replies.len(),
        answered as f64 / span.max(f64::EPSILON),
        percentiles(first),
        percentiles(last),
    );
}

/// CPU time from `/proc`: this process (API, worker, stand-ins), PostgreSQL's processes, Redis,
/// and the whole machine.
mod cpu {
    use std::fs;

    /// Clock ticks per second of `/proc` times (Linux's USER_HZ).
    const TICKS: f64 = 100.0;

    /// CPU ticks used so far.
    pub struct Snapshot {
        this: u64,
        postgres: u64,
        redis: u64,
        machine: u64,
    }

    fn ticks(stat: &str) -> Option<(String, u64)> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some((name, utime + stime))
    }

    /// Now.
    pub fn snapshot() -> Snapshot {
        let mut snap = Snapshot {
            this: 0,
            postgres: 0,
            redis: 0,
            machine: 0,
        };
        let me = std::process::id().to_string();
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            match ticks(&stat) {
                Some((_, t)) if pid == me => snap.this += t,
                Some((name, t)) if name == "postgres" => snap.postgres += t,
                Some((name, t)) if name.starts_with("redis-server") => snap.redis += t,
                _ => {}
            }
        }
        let machine = fs::read_to_string("/proc/stat").unwrap_or_default();
        if let Some(line) = machine.lines().next() {
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            // Busy = everything but idle and iowait.
            snap.machine = v.iter().sum::<u64>()
                - v.get(3).copied().unwrap_or(0)
                - v.get(4).copied().unwrap_or(0);
        }
        snap
    }

    impl Snapshot {
        /// The CPU used between `before` and this snapshot over `seconds`, as percentages.
        pub fn since(&self, before: &Snapshot, seconds: f64) -> String {
            let pct = |a: u64, b: u64| (a.saturating_sub(b)) as f64 / TICKS / seconds * 100.0;
            let (this, pg, redis, machine) = (
                pct(self.this, before.this),
                pct(self.postgres, before.postgres),
                pct(self.redis, before.redis),
                pct(self.machine, before.machine),
            );
            format!(
                "bench process {this:.0} %, PostgreSQL {pg:.0} %, Redis {redis:.0} %, machine {machine:.0} %"
            )
        }
    }
}

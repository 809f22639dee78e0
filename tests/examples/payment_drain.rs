//! Benchmark: how fast the worker drains `payment_reconcile` jobs against the local Mercado
//! Pago stand-in. Run through `ops/bench/payment_drain.sh` (release build, loopback only,
//! bounded by the job count and a deadline).
//!
//! It makes N pre-reservations in a throwaway database, serves an approved payment for each
//! from the stand-in, enqueues N jobs, starts the real worker and times until every
//! reservation is confirmed. Each job re-fetches its payment over HTTP and confirms the
//! booking in one transaction, as in production.

use std::time::{Duration, Instant};

use chrono::Duration as Days;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use shared::{
    domain::{Channel, ReservationStatus},
    entities::reservation,
    jobs::payments::ReconcilePayment,
    service::{
        HoldPolicy,
        booking::{self, BookingRequest},
        quote::QuoteRequest,
    },
};
use tests::harness::{mercadopago_stub::payment_json, payments::PaymentsApp, worker::TestWorker};

/// Gives up after this long, whatever happened.
const DEADLINE: Duration = Duration::from_secs(300);

async fn confirmed(env: &PaymentsApp) -> u64 {
    reservation::Entity::find()
        .filter(reservation::Column::Status.eq(ReservationStatus::Confirmed))
        .count(env.app.conn())
        .await
        .expect("count")
}

#[tokio::main]
async fn main() {
    let jobs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    let env = PaymentsApp::start().await;
    for i in 0..jobs {
        let check_in = env.app.today() + Days::days(10 + 2 * i64::try_from(i).expect("count"));
        let request = BookingRequest {
            stay: QuoteRequest {
                accommodation_id: env.cabin.id,
                check_in: check_in.to_string(),
                check_out: (check_in + Days::days(1)).to_string(),
                guests: 2,
            },
            guest_name: format!("Huésped {i}"),
            guest_phone: format!("+54911{:08}", i),
            guest_email: None,
            channel: Channel::Web,
            notes: None,
            rejected: Vec::new(),
        };
        let hold = booking::pre_reserve(
            env.app.conn(),
            &env.app.state.rules,
            &request,
            HoldPolicy::Exempt,
        )
        .await
        .expect("hold");
        let id = format!("{}", 7_000_000 + i);
        let deposit = hold.deposit_amount.to_string();
        env.stub.set_payment(
            &id,
            payment_json(&id, hold.code.as_str(), "approved", &deposit),
        );
        env.app
            .state
            .queue
            .push(ReconcilePayment {
                payment_id: id,
                webhook_event_id: None,
                trace: None,
            })
            .await
            .expect("enqueue");
    }
    let started = Instant::now();
    let worker = TestWorker::start(env.app.settings.clone(), env.app.clock.clone()).await;
    let target = u64::try_from(jobs).expect("count");
    let mut done = 0;
    while started.elapsed() < DEADLINE {
        done = confirmed(&env).await;
        if done >= target {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    worker.stop().await;
    let fetches = env.stub.requests().len();
    println!(
        "| {jobs} | {done} | {:.2} s | {:.0} jobs/s | {fetches} |",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(
        done, target,
        "not every job was drained before the deadline"
    );
}

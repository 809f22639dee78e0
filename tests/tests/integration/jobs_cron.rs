//! Cron slots: every schedule enqueues its job once per slot, however many worker machines
//! tick it.

use apalis::prelude::Data;
use apalis_cron::Tick;
use shared::jobs::{
    calendar::SyncIcalFeeds,
    maintenance::{
        ExpireIdempotencyKeys, ExpirePreReservations, PurgeWebhookPayloads, Scheduled,
        SweepWebhookEvents,
    },
};
use tests::harness::TestApp;
use worker::{JobContext, jobs::schedule::tick};

async fn ticks_twice_per_slot<J: Scheduled>(app: &TestApp, ctx: &JobContext) {
    let slot = 1_764_000_000u64;
    for _machine in 0..2 {
        tick::<J>(Tick::new(slot), Data::new(ctx.clone()))
            .await
            .expect("tick");
    }
    tick::<J>(Tick::new(slot + 60), Data::new(ctx.clone()))
        .await
        .expect("next slot");
    assert_eq!(
        app.state.queue.depth(J::NAME).await.expect("depth"),
        2,
        "{}: one job per slot",
        J::NAME
    );
}

#[tokio::test]
async fn every_schedule_enqueues_one_job_per_slot_across_machines() {
    let app = TestApp::new().await;
    let ctx = JobContext::new(
        app.conn().clone(),
        app.state.queue.clone(),
        app.clock.clone(),
        app.settings.clone(),
    )
    .expect("job context");
    ticks_twice_per_slot::<ExpirePreReservations>(&app, &ctx).await;
    ticks_twice_per_slot::<ExpireIdempotencyKeys>(&app, &ctx).await;
    ticks_twice_per_slot::<SweepWebhookEvents>(&app, &ctx).await;
    ticks_twice_per_slot::<PurgeWebhookPayloads>(&app, &ctx).await;
    ticks_twice_per_slot::<SyncIcalFeeds>(&app, &ctx).await;
}

//! Metrics tests: `GET /metrics` on the internal port counts exactly what happened.
//!
//! The Prometheus recorder is global to a process, and `cargo test` runs the tests of one
//! binary as threads of one process. So this binary holds a single test that runs each
//! scenario in turn, and every scenario asserts the change of a counter between two
//! snapshots, not its absolute value: the counts hold under `cargo nextest` and `cargo test`
//! alike, and whatever ran before.

mod scenarios;

#[tokio::test]
async fn metrics_count_exactly_what_happened() {
    scenarios::request_metrics_are_labelled_by_route_template_and_status().await;
    scenarios::booking_metrics_count_creations_and_overlaps_by_channel().await;
    scenarios::made_up_methods_share_one_other_series().await;
    scenarios::bad_webhook_signatures_are_counted_and_process_gauges_are_served().await;
}

//! Many guests at once: the database lets exactly one of them have each night.

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use futures::future::join_all;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;
use tests::harness::{TestApp, fixtures, reply};

/// Pairs of active reservations of one accommodation that share a night (must be zero).
const OVERLAPPING_ACTIVE_PAIRS: &str = "
    SELECT count(*)::bigint
    FROM reservations a
    JOIN reservations b
      ON a.accommodation_id = b.accommodation_id
     AND a.id < b.id
     AND daterange(a.check_in, a.check_out, '[)') && daterange(b.check_in, b.check_out, '[)')
    WHERE a.status IN ('pre_reserved', 'confirmed')
      AND b.status IN ('pre_reserved', 'confirmed')";

/// Counts of responses by status.
fn tally(statuses: &[u16]) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for status in statuses {
        *counts.entry(*status).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_guests_asking_for_the_same_nights_at_once_get_one_hold_and_forty_nine_conflicts() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(20);
    let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(3));

    // Act
    let responses = join_all((0..50).map(|_| {
        app.client
            .post("/api/v1/reservations")
            .body_json(&body)
            .send()
    }))
    .await;
    let mut replies = Vec::new();
    for resp in responses {
        replies.push(reply(resp).await);
    }

    // Assert
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        tally(&statuses),
        BTreeMap::from([(201, 1), (409, 49)]),
        "{:?}",
        replies
            .iter()
            .filter(|r| r.status != 201 && r.status != 409)
            .map(|r| &r.text)
            .collect::<Vec<_>>()
    );
    assert!(
        replies
            .iter()
            .filter(|r| r.status == 409)
            .all(|r| r.body["code"] == "date_overlap")
    );
    let winner = replies
        .iter()
        .find(|r| r.status == 201)
        .expect("one winner");
    let rows = fixtures::reservations(app.conn()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(Some(rows[0].code.as_str()), winner.body["code"].as_str());
    assert_eq!(rows[0].status.as_str(), "pre_reserved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_random_overlapping_requests_never_leave_two_active_stays_on_one_night() {
    // Arrange: 200 stays of 1 to 7 nights starting within the next 60 days, from a fixed seed
    // so a failure can be replayed.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let today = app.today();
    let mut rng = StdRng::seed_from_u64(0x00CA_BA5A);
    let bodies: Vec<Value> = (0..200)
        .map(|_| {
            let check_in = today + Duration::days(rng.random_range(1..=60));
            let nights = rng.random_range(1..=7);
            fixtures::booking(cabin.id, check_in, check_in + Duration::days(nights))
        })
        .collect();

    // Act
    let responses = join_all(bodies.iter().map(|body| {
        app.client
            .post("/api/v1/reservations")
            .body_json(body)
            .send()
    }))
    .await;
    let mut replies = Vec::new();
    for resp in responses {
        replies.push(reply(resp).await);
    }

    // Assert: only 201s and 409s, in the right numbers.
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    let counts = tally(&statuses);
    let created = counts.get(&201).copied().unwrap_or_default();
    let conflicts = counts.get(&409).copied().unwrap_or_default();
    assert_eq!(created + conflicts, 200, "{counts:?}");
    assert!(created >= 1 && conflicts >= 1, "{counts:?}");
    // Assert: the database holds exactly the 201s, and no two of them share a night.
    assert_eq!(
        fixtures::scalar(app.conn(), OVERLAPPING_ACTIVE_PAIRS).await,
        0
    );
    let rows = fixtures::reservations(app.conn()).await;
    let stored: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    let answered: HashSet<&str> = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.body["code"].as_str().expect("code"))
        .collect();
    assert_eq!(answered.len(), created);
    assert_eq!(stored, answered);
    assert!(rows.iter().all(|r| r.status.as_str() == "pre_reserved"));
}

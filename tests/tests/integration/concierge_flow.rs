//! Scripted conversations through the real webhook → worker path, asserting what the bot
//! sent: the guest's bar (three actions from "hola" to a confirmed booking), missing dates,
//! too many guests, full nights, a race for the same nights, duplicates and ordering.

use chrono::NaiveDate;
use serde_json::json;
use shared::domain::ReservationStatus;
use tests::harness::{
    concierge::{ConciergeApp, GUEST, OTHER_GUEST},
    fixtures, wait_until,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_guest_actions_take_a_guest_from_hello_to_a_confirmed_booking() {
    // Arrange: two cabins; today is Monday 30 November 2026.
    let env = start().await;

    // Act 1: everything at once.
    env.say(GUEST, "hola, ¿tienen lugar para 4 del 15 al 17 de enero?")
        .await;

    // Assert 1: a greeting, then each cabin that fits with its price and a Reservar button.
    let sent = env.replies(GUEST, 3).await;
    assert_eq!(sent[0].kind, "text");
    assert_eq!(sent[0].text, "¡Hola, Ana! 👋 Te paso lo que tenemos:");
    assert_eq!(sent[1].kind, "buttons");
    assert!(
        sent[1].text.starts_with(
            "🏡 *Cabaña del Lago*\n📅 del vie 15/01 al dom 17/01 (2 noches)\n👥 4 personas"
        ),
        "{}",
        sent[1].text
    );
    assert_eq!(sent[1].buttons, ["Reservar", "Ver fotos", "Otras fechas"]);
    assert!(
        sent[2].text.starts_with("🏡 *Cabaña del Bosque*"),
        "{}",
        sent[2].text
    );

    // Act 2: one tap on Reservar under the first cabin.
    env.tap(GUEST, &sent[1].button_ids[0], "Reservar").await;

    // Assert 2: the hold and its deposit link, with until when the nights are held.
    let sent = env.replies(GUEST, 4).await;
    let hold = fixtures::reservations(env.app.conn()).await;
    assert_eq!(hold.len(), 1);
    let hold = &hold[0];
    assert_eq!(hold.status, ReservationStatus::PreReserved);
    assert_eq!(hold.accommodation_id, env.cabins[0].id);
    assert_eq!(hold.guest_name.as_str(), "Ana Pérez");
    assert!(
        sent[3].text.starts_with(&format!(
            "¡Listo! Te guardé las noches. 🙌 Tu código de reserva es *{}*.",
            hold.code
        )),
        "{}",
        sent[3].text
    );
    assert!(sent[3].text.contains("https://"), "{}", sent[3].text);

    // Act 3: the guest pays the deposit.
    env.pay(
        "7770001",
        hold.code.as_str(),
        &hold.deposit_amount.amount().to_string(),
    )
    .await;

    // Assert 3: the booking confirms itself and the guest is told, with check-in details.
    let sent = env.replies(GUEST, 5).await;
    assert!(
        sent[4].text.starts_with(&format!(
            "¡Recibimos tu pago! ✅ Tu reserva *{}* está confirmada.",
            hold.code
        )),
        "{}",
        sent[4].text
    );
    let code = hold.code.to_string();
    wait_until(
        "the booking to be confirmed",
        std::time::Duration::from_secs(5),
        || async {
            fixtures::reservation(env.app.conn(), &code).await.status
                == ReservationStatus::Confirmed
        },
    )
    .await;
    env.stop().await;
}

/// Today, for every scenario: Monday 30 November 2026.
async fn start() -> ConciergeApp {
    let env = ConciergeApp::start().await;
    env.app.travel_to(day(2026, 11, 30));
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_who_gives_no_dates_is_asked_only_for_them() {
    let env = start().await;

    env.say(GUEST, "Hola! somos 4, tienen lugar?").await;

    let sent = env.replies(GUEST, 2).await;
    assert_eq!(sent[0].kind, "list");
    assert!(
        sent[0]
            .text
            .starts_with("¡Hola, Ana! 👋 Gracias por escribirnos.")
    );
    assert_eq!(sent[0].rows, ["Cabaña del Lago", "Cabaña del Bosque"]);
    assert_eq!(
        sent[1].text,
        "¿Para qué fechas? Por ejemplo: «del 15 al 17 de enero» o «este finde»."
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_guests_than_any_cabin_holds_are_told_the_largest() {
    let env = start().await;

    env.say(GUEST, "somos 9 del 15 al 17 de enero").await;

    let sent = env.replies(GUEST, 2).await;
    assert_eq!(
        sent[1].text,
        "Uy, para 9 personas no tenemos una cabaña: la más grande es para 6 personas. Si \
         quieren, pueden repartirse en dos; decime y vemos fechas."
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_nights_get_the_nearest_free_dates() {
    // Arrange: both cabins taken from the 15th to the 17th of January.
    let env = start().await;
    for cabin in &env.cabins {
        let reply = env
            .app
            .book(&fixtures::booking(
                cabin.id,
                day(2027, 1, 15),
                day(2027, 1, 17),
            ))
            .await;
        assert_eq!(reply.status, 201);
    }

    env.say(GUEST, "hay lugar para 2 del 15 al 17 de enero?")
        .await;

    let sent = env.replies(GUEST, 2).await;
    assert_eq!(
        sent[1].text,
        "Qué pena, del vie 15/01 al dom 17/01 (2 noches) no nos queda lugar. 😕\n\
         Tenemos lugar en estas fechas:\n• del mié 13/01 al vie 15/01 (2 noches)\n\
         • del dom 17/01 al mar 19/01 (2 noches)\n• del mar 19/01 al jue 21/01 (2 noches)\n\
         ¿Te sirve alguna?"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_guests_racing_for_the_same_nights_one_holds_them_the_other_gets_the_other_cabin() {
    // Arrange: both guests were quoted the lake cabin for the same nights.
    let env = start().await;
    env.say(GUEST, "para 4 del 15 al 17 de enero").await;
    env.say(OTHER_GUEST, "para 4 del 15 al 17 de enero").await;
    let book = env.replies(GUEST, 3).await[1].button_ids[0].clone();
    assert_eq!(env.replies(OTHER_GUEST, 3).await[1].button_ids[0], book);

    // Act: both tap Reservar at once.
    tokio::join!(
        env.tap(GUEST, &book, "Reservar"),
        env.tap(OTHER_GUEST, &book, "Reservar")
    );

    // Assert: one hold on the lake cabin; the other guest hears so, with the forest cabin.
    let first = env.replies(GUEST, 4).await;
    let second = env.replies(OTHER_GUEST, 4).await;
    let holds = fixtures::reservations(env.app.conn()).await;
    assert_eq!(holds.len(), 1, "{holds:?}");
    let (winner, loser) =
        if holds[0].guest_phone.as_ref().map(|p| p.as_str()) == Some(&format!("+{GUEST}")) {
            (first, second)
        } else {
            (second, first)
        };
    assert!(winner[3].text.starts_with("¡Listo! Te guardé las noches."));
    assert_eq!(
        loser[3].text,
        "Uy, justo recién se reservaron esas noches. 😕 Te paso lo que queda:"
    );
    let loser = env.replies(&loser[3].to, 5).await;
    assert!(
        loser[4].text.starts_with("🏡 *Cabaña del Bosque*"),
        "{}",
        loser[4].text
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_message_delivered_twice_is_answered_once() {
    let env = start().await;
    let (body, _) = env.body(
        GUEST,
        json!({"type": "text", "text": {"body": "para 2 del 15 al 17 de enero"}}),
    );

    env.deliver(body.clone()).await;
    env.deliver(body).await;

    env.settled("whatsapp_inbound.v1", 2).await;
    assert_eq!(env.graph.sent_to(GUEST).len(), 3);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_messages_arriving_together_are_answered_in_their_order_across_workers() {
    // Arrange: two worker machines; one delivery with two messages, the later one first.
    let mut env = start().await;
    env.add_worker().await;
    let (first, _) = env.body(GUEST, json!({"type": "text", "text": {"body": "somos 4"}}));
    let (second, _) = env.body(
        GUEST,
        json!({"type": "text", "text": {"body": "del 15 al 17 de enero"}}),
    );
    let message = |body: &[u8]| -> serde_json::Value {
        let parsed: serde_json::Value = serde_json::from_slice(body).expect("json");
        parsed["entry"][0]["changes"][0]["value"]["messages"][0].clone()
    };
    let mut batch: serde_json::Value = serde_json::from_slice(&first).expect("json");
    batch["entry"][0]["changes"][0]["value"]["messages"] =
        json!([message(&second), message(&first)]);

    env.deliver(batch.to_string().into_bytes()).await;

    // Assert: "somos 4" first (asks for dates), then the dates (quotes).
    let sent = env.replies(GUEST, 4).await;
    assert_eq!(sent[0].kind, "list");
    assert!(
        sent[1].text.starts_with("¿Para qué fechas?"),
        "{}",
        sent[1].text
    );
    assert!(
        sent[2].text.starts_with("🏡 *Cabaña del Lago*"),
        "{}",
        sent[2].text
    );
    assert!(
        sent[3].text.starts_with("🏡 *Cabaña del Bosque*"),
        "{}",
        sent[3].text
    );
    env.stop().await;
}

//! The guest's bar: everything at once in the first message, one tap, one payment — three
//! actions from "hola" to a confirmed booking, through the real webhook → worker path.

use chrono::NaiveDate;
use shared::domain::ReservationStatus;
use tests::harness::{
    concierge::{ConciergeApp, GUEST},
    fixtures, wait_until,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_guest_actions_take_a_guest_from_hello_to_a_confirmed_booking() {
    // Arrange: two cabins; today is Monday 30 November 2026.
    let env = ConciergeApp::start().await;
    env.app.travel_to(day(2026, 11, 30));

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

//! «Reenviar el link de pago» on a reservation's page (`POST /admin/reservas/:code/reenviar-link`).

use chrono::Duration;
use poem::http::StatusCode;
use serde_json::json;
use shared::{jobs::Job, jobs::notifications::GuestNotice, service::payment_link_resend};
use tests::harness::{TestApp, admin::booking_body, fixtures};

use super::{Page, get, log_in, post_form};

/// A hold booked by the owner for a guest, `extra` fields added; its code.
async fn hold(app: &TestApp, name: &str, extra: serde_json::Value) -> String {
    let cabin = fixtures::cabin(&format!("Cabaña {name}"))
        .insert(app.conn())
        .await;
    let start = app.today() + Duration::days(9);
    app.admin()
        .await
        .book(&booking_body(
            cabin.id,
            start,
            start + Duration::days(2),
            name,
            extra,
        ))
        .await
}

/// Guest notices waiting on their queue.
async fn queued(app: &TestApp) -> u64 {
    app.state
        .queue
        .depth(GuestNotice::NAME)
        .await
        .expect("queue depth")
}

/// Sends the resend form of `code`'s page as `session`, with `csrf`.
async fn resend(app: &TestApp, session: &str, code: &str, csrf: &str) -> Page {
    let path = format!("/admin/reservas/{code}/reenviar-link");
    post_form(app, &path, session, &[("csrf", csrf)]).await
}

#[tokio::test]
async fn the_owner_resends_the_payment_link_and_a_second_click_within_minutes_sends_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let code = hold(
        &app,
        "Ana Gómez",
        json!({ "guest_email": "ana@example.com" }),
    )
    .await;
    let session = log_in(&app).await;
    let page = get(&app, &format!("/admin/reservas/{code}"), Some(&session)).await;
    let csrf = page.csrf_field();
    let before = queued(&app).await;

    // Act
    let forged = resend(&app, &session, &code, "00").await;
    let sent = resend(&app, &session, &code, &csrf).await;
    let again = resend(&app, &session, &code, &csrf).await;
    let after_one = queued(&app).await;
    app.clock
        .advance(payment_link_resend::RESEND_COOLDOWN + Duration::seconds(1));
    let later = resend(&app, &session, &code, &csrf).await;

    // Assert: the form is there, behind a confirmation step.
    assert!(
        page.body
            .contains(&format!("action=\"/admin/reservas/{code}/reenviar-link\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<summary>Reenviar el link de pago</summary>")
    );
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // The first resend queues one notice and says so on the page, with a line in the history.
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.location.expect("back to the page");
    assert_eq!(location, format!("/admin/reservas/{code}?hecho=link-email"));
    let shown = get(&app, &location, Some(&session)).await;
    assert!(shown.body.contains("Link de pago reenviado por email."));
    assert!(
        shown.body.contains("· Link de pago reenviado ·"),
        "{}",
        shown.body
    );
    // A second click at once is refused in Spanish and queues nothing.
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again
            .body
            .contains("El link ya se reenvió hace menos de 5 minutos"),
        "{}",
        again.body
    );
    assert_eq!(after_one, before + 1);
    // After the pause the link may go again, as its own notice.
    assert_eq!(later.status, StatusCode::SEE_OTHER, "{}", later.body);
    assert_eq!(queued(&app).await, before + 2);
}

#[tokio::test]
async fn the_link_is_resent_only_for_a_hold_with_its_deposit_owed_and_a_way_to_reach_the_guest() {
    // Arrange: a confirmed stay, a hold without email or conversation, a hold that lapsed.
    let app = TestApp::new().await;
    let confirmed = hold(
        &app,
        "Luis Paz",
        json!({ "guest_email": "luis@example.com", "confirm": true }),
    )
    .await;
    let unreachable = hold(&app, "Eva Sol", json!({})).await;
    let lapsing = hold(&app, "Ada Río", json!({ "guest_email": "ada@example.com" })).await;
    let session = log_in(&app).await;
    let csrf = get(&app, &format!("/admin/reservas/{lapsing}"), Some(&session))
        .await
        .csrf_field();
    let before = queued(&app).await;

    // Act
    let shown = get(
        &app,
        &format!("/admin/reservas/{confirmed}"),
        Some(&session),
    )
    .await;
    let not_a_hold = resend(&app, &session, &confirmed, &csrf).await;
    let nowhere = resend(&app, &session, &unreachable, &csrf).await;
    let unknown = resend(&app, &session, "RES000000XXXXXX", &csrf).await;
    app.clock
        .advance(Duration::minutes(i64::from(app.settings.hold_minutes) + 1));
    let lapsed_page = get(&app, &format!("/admin/reservas/{lapsing}"), Some(&session)).await;
    let lapsed = resend(&app, &session, &lapsing, &csrf).await;

    // Assert: no form where it cannot work, a clear refusal, nothing queued.
    assert!(!shown.body.contains("/reenviar-link\""), "{}", shown.body);
    assert_eq!(
        not_a_hold.status,
        StatusCode::CONFLICT,
        "{}",
        not_a_hold.body
    );
    assert!(
        not_a_hold
            .body
            .contains("Solo se reenvía el link de una pre-reserva con la seña sin pagar.")
    );
    assert_eq!(nowhere.status, StatusCode::CONFLICT, "{}", nowhere.body);
    assert!(
        nowhere
            .body
            .contains("no tiene email ni conversación de WhatsApp")
    );
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(!lapsed_page.body.contains("/reenviar-link\""));
    assert_eq!(lapsed.status, StatusCode::CONFLICT, "{}", lapsed.body);
    assert!(
        lapsed.body.contains("La pre-reserva ya venció"),
        "{}",
        lapsed.body
    );
    assert_eq!(queued(&app).await, before);
}

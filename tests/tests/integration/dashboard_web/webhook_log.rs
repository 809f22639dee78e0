//! Operación's webhook log (`/admin/operacion/webhooks`): filters, pages and replay.

use poem::http::StatusCode;
use sea_orm::ConnectionTrait;
use tests::harness::{
    TestApp,
    webhooks::{post_signed_whatsapp, text_message},
};

use super::{Page, get, log_in, post_form, staff_session};

const LOG: &str = "/admin/operacion/webhooks";

/// A signed WhatsApp delivery that failed (received 2026-11-20), a refused one (2026-11-15)
/// and 26 processed Mercado Pago ones (2026-11-10): 28 in all.
async fn seed(app: &TestApp) {
    let body = text_message("wamid.LOG1", "5491112345678", "Hola");
    post_signed_whatsapp(&app.client, body).await;
    app.conn()
        .execute_unprepared(
            "UPDATE webhook_events SET state = 'failed', last_error = 'graph <down>', \
                    received_at = '2026-11-20 15:00Z'; \
             INSERT INTO webhook_events (provider, received_at, signature_valid, status_returned, state) \
             VALUES ('whatsapp', '2026-11-15 15:00Z', false, 401, 'rejected'); \
             INSERT INTO webhook_events (provider, received_at, signature_valid, status_returned, state, raw_payload) \
             SELECT 'mercadopago', '2026-11-10 12:00Z'::timestamptz + n * interval '1 minute', true, 202, \
                    'processed', '{}' FROM generate_series(1, 26) AS n",
        )
        .await
        .expect("webhook events");
}

/// The number of deliveries the page says it found.
fn total(page: &Page) -> String {
    let (_, rest) = page
        .body
        .split_once("data-total=\"")
        .unwrap_or_else(|| panic!("no total in {}", page.body));
    rest.split('"').next().expect("a total").to_owned()
}

/// The value of the hidden `name` field of the page's first form that has one.
fn field(page: &Page, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let (_, rest) = page
        .body
        .split_once(&marker)
        .unwrap_or_else(|| panic!("no {name} field in {}", page.body));
    rest.split('"')
        .next()
        .expect("a value")
        .replace("&#38;", "&")
}

#[tokio::test]
async fn the_webhook_log_filters_by_provider_state_and_days_a_page_at_a_time() {
    // Arrange
    let app = TestApp::new().await;
    seed(&app).await;
    let owner = log_in(&app).await;
    let log = |query: &'static str| {
        let owner = owner.clone();
        let app = &app;
        async move { get(app, &format!("{LOG}{query}"), Some(&owner)).await }
    };

    // Act
    let all = log("").await;
    let second = log("?page=2").await;
    let whatsapp = log("?provider=whatsapp").await;
    let rejected = log("?state=rejected").await;
    let one_day = log("?provider=mercadopago&from=2026-11-10&to=2026-11-10").await;
    let since = log("?from=2026-11-11").await;
    let until = log("?to=2026-11-09").await;
    let lost = log("?state=lost").await;
    let backwards = log("?from=2026-11-12&to=2026-11-11").await;
    let operacion = get(&app, "/admin/operacion", Some(&owner)).await;

    // Assert
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(total(&all), "28");
    assert!(all.body.contains("página 1 de 2"), "{}", all.body);
    assert!(
        all.body
            .contains(&format!("href=\"{LOG}?page=2\" rel=\"next\""))
    );
    assert!(all.body.contains("graph &#60;down&#62;"), "escaped error");
    assert_eq!(all.body.matches("<tr data-webhook=").count(), 25);
    assert_eq!(second.body.matches("<tr data-webhook=").count(), 3);
    assert!(second.body.contains("rel=\"prev\""));
    assert_eq!(total(&whatsapp), "2");
    assert!(
        whatsapp
            .body
            .contains("<option value=\"whatsapp\" selected>WhatsApp<")
    );
    assert_eq!(total(&rejected), "1");
    assert!(rejected.body.contains("Rechazado (firma inválida)"));
    assert!(
        !rejected.body.contains("/reenviar"),
        "a refused delivery is not replayable"
    );
    assert_eq!(total(&one_day), "26");
    assert_eq!(total(&since), "2");
    assert_eq!(total(&until), "0");
    assert!(until.body.contains("No hay webhooks con estos filtros."));
    assert_eq!(lost.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(lost.body.contains("Ese estado no existe."), "{}", lost.body);
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        backwards
            .body
            .contains("«Hasta» no puede ser anterior a «Desde»")
    );
    assert!(
        operacion.body.contains(&format!("href=\"{LOG}\"")),
        "linked from Operación"
    );
}

#[tokio::test]
async fn the_owner_replays_a_delivery_from_the_log_and_comes_back_to_the_same_filter() {
    // Arrange
    let app = TestApp::new().await;
    seed(&app).await;
    let owner = log_in(&app).await;
    let staff = staff_session(&app).await;
    let failed = get(
        &app,
        &format!("{LOG}?provider=whatsapp&state=failed"),
        Some(&owner),
    )
    .await;
    assert_eq!(total(&failed), "1", "{}", failed.body);
    let action = failed.action_ending("/reenviar");
    let csrf = field(&failed, "csrf");
    let back = field(&failed, "back");

    // Act
    let forged = post_form(&app, &action, &owner, &[("csrf", "00"), ("back", &back)]).await;
    let by_staff = post_form(&app, &action, &staff, &[("csrf", &csrf), ("back", &back)]).await;
    let replayed = post_form(&app, &action, &owner, &[("csrf", &csrf), ("back", &back)]).await;
    let from_operacion = post_form(&app, &action, &owner, &[("csrf", &csrf)]).await;

    // Assert: back to the same filter with the message; the delivery is pending again.
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(by_staff.status, StatusCode::FORBIDDEN);
    assert_eq!(replayed.status, StatusCode::SEE_OTHER, "{}", replayed.body);
    let location = replayed.location.expect("a redirect");
    assert_eq!(
        location,
        format!("{LOG}?provider=whatsapp&state=failed&hecho=reenviado")
    );
    let after = get(&app, &location, Some(&owner)).await;
    assert!(after.body.contains("El webhook se volvió a procesar."));
    assert_eq!(total(&after), "0", "no longer failed");
    let pending = get(&app, &format!("{LOG}?state=pending"), Some(&owner)).await;
    assert_eq!(total(&pending), "1");
    assert_eq!(
        from_operacion.location.as_deref(),
        Some("/admin/operacion?hecho=reenviado")
    );
}

#[tokio::test]
async fn the_way_back_after_a_replay_is_rebuilt_from_the_known_filters_only() {
    // Arrange
    let app = TestApp::new().await;
    seed(&app).await;
    let owner = log_in(&app).await;
    let page = get(&app, LOG, Some(&owner)).await;
    let action = page.action_ending("/reenviar");
    let csrf = field(&page, "csrf");

    // Act: a tampered way back.
    let replayed = post_form(
        &app,
        &action,
        &owner,
        &[
            ("csrf", &csrf),
            ("back", "//evil.example/&state=failed&x=\r\nSet-Cookie: a=b"),
        ],
    )
    .await;

    // Assert
    assert_eq!(replayed.status, StatusCode::SEE_OTHER, "{}", replayed.body);
    assert_eq!(
        replayed.location.as_deref(),
        Some("/admin/operacion/webhooks?state=failed&hecho=reenviado")
    );
}

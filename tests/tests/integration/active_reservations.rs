//! The `active_reservations` gauge the worker sets every minute counts open holds and
//! confirmed stays not yet over, nothing else.

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use shared::service::expiry;
use tests::harness::{TestApp, fixtures};

#[tokio::test]
async fn open_holds_and_confirmed_stays_not_yet_over_are_active() {
    // Arrange: three holds booked through the API, then one confirmed, one lapsed; a confirmed
    // stay that ended yesterday and a cancelled one.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Activa").insert(app.conn()).await;
    let mut codes = Vec::new();
    for week in 1..=3 {
        let check_in = app.today() + Duration::weeks(week);
        let mut body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));
        body["guest_phone"] = format!("+54911333000{week:02}").into();
        let reply = app.book(&body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        codes.push(reply.body["code"].as_str().expect("code").to_owned());
    }
    let sql = |sql: String| Statement::from_string(DatabaseBackend::Postgres, sql);
    let db = app.conn();
    for statement in [
        format!("UPDATE reservations SET status = 'confirmed', expires_at = NULL WHERE code = '{}'", codes[0]),
        format!("UPDATE reservations SET expires_at = now() - interval '1 minute' WHERE code = '{}'", codes[1]),
        format!(
            "INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name, guests,
                 nights, price_per_night, total_price, deposit_amount, status, channel)
             VALUES ('RES261130PASTAA', {id}, current_date - 5, current_date - 1, 'Ana', 2, 4, 1, 4, 1,
                     'confirmed', 'web'),
                    ('RES261130CANCEL', {id}, current_date + 60, current_date + 62, 'Ana', 2, 2, 1, 2,
                     1, 'cancelled', 'web')",
            id = cabin.id
        ),
    ] {
        db.execute_raw(sql(statement)).await.expect("arrange");
    }

    // Act
    let active = expiry::record_active(db, app.clock.as_ref(), app.settings.timezone())
        .await
        .expect("count");

    // Assert: the confirmed future stay and the open hold; not the lapsed hold, the past stay
    // or the cancelled one.
    assert_eq!(active, 2);
}

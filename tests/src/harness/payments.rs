//! A test app wired to the Mercado Pago stub, with helpers for payment tests.

use chrono::Duration;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use shared::{
    config::Secret,
    domain::ReservationCode,
    entities::{accommodation, payment, reservation},
    service::payments::{ReconcileOutcome, reconcile_payment},
    store,
};

use super::{TestApp, fixtures, mercadopago_stub::MercadoPagoStub};

/// The access token the app sends to the stub.
pub const TEST_TOKEN: &str = "TEST-0000-access-token";
/// `PUBLIC_BASE_URL` of payment tests.
pub const PUBLIC_BASE_URL: &str = "https://cabanas.example.com";

/// An app whose Mercado Pago is the stub, with one cabin.
pub struct PaymentsApp {
    /// The app.
    pub app: TestApp,
    /// Mercado Pago's stand-in.
    pub stub: MercadoPagoStub,
    /// A cabin for 4 at 50000.00 a weekday night.
    pub cabin: accommodation::Model,
}

/// A pre-reservation just made through the API.
#[derive(Clone, Debug)]
pub struct Hold {
    /// Its code.
    pub code: String,
    /// Deposit due.
    pub deposit: Decimal,
    /// Total price.
    pub total: Decimal,
}

impl PaymentsApp {
    /// Starts the stub and an app pointed at it.
    pub async fn start() -> Self {
        Self::start_with_pool(10).await
    }

    /// Like [`PaymentsApp::start`], with a database pool of `max_connections`.
    pub async fn start_with_pool(max_connections: u32) -> Self {
        let stub = MercadoPagoStub::start().await;
        let base = stub.url();
        let app = TestApp::with_pool(max_connections, |s| {
            s.mercadopago_api_base = base;
            s.mercadopago_access_token = Secret::new(TEST_TOKEN);
            s.public_base_url = PUBLIC_BASE_URL.into();
            s.mercadopago_timeout_seconds = 5;
        })
        .await;
        let cabin = fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
        Self { app, stub, cabin }
    }

    /// Pre-reserves `nights` nights starting `days_ahead` days from today.
    pub async fn hold(&self, days_ahead: i64, nights: i64) -> Hold {
        let check_in = self.app.today() + Duration::days(days_ahead);
        let body = fixtures::booking(self.cabin.id, check_in, check_in + Duration::days(nights));
        let response = self
            .app
            .client
            .post("/api/v1/reservations")
            .body_json(&body)
            .send()
            .await;
        response.assert_status(poem::http::StatusCode::CREATED);
        let json: Value = response.json().await.value().deserialize();
        let decimal = |key: &str| json[key].as_str().expect(key).parse().expect(key);
        Hold {
            code: json["code"].as_str().expect("code").to_owned(),
            deposit: decimal("deposit_amount"),
            total: decimal("total_price"),
        }
    }

    /// The reservation row.
    pub async fn reservation(&self, code: &str) -> reservation::Model {
        let code = ReservationCode::parse(code).expect("code");
        store::reservations::find_by_code(self.app.conn(), &code)
            .await
            .expect("query")
            .expect("reservation exists")
    }

    /// Every `payments` row (links and payments) of a reservation, oldest first.
    pub async fn payment_rows(&self, code: &str) -> Vec<payment::Model> {
        let reservation = self.reservation(code).await;
        payment::Entity::find()
            .filter(payment::Column::ReservationId.eq(reservation.id))
            .order_by_asc(payment::Column::Id)
            .all(self.app.conn())
            .await
            .expect("payments")
    }

    /// Kinds of the open payment alerts, newest first.
    pub async fn alert_kinds(&self) -> Vec<String> {
        shared::service::payments::list_payment_alerts(self.app.conn(), false, 100)
            .await
            .expect("alerts")
            .into_iter()
            .map(|a| a.kind.as_str().to_owned())
            .collect()
    }

    /// Reconciles payment `id` the way the worker job will.
    pub async fn reconcile(&self, id: &str) -> shared::Result<ReconcileOutcome> {
        reconcile_payment(
            self.app.conn(),
            &self.app.state.mercadopago,
            self.app.clock.as_ref(),
            id,
        )
        .await
    }
}

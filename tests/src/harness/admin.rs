//! Admin accounts and authenticated calls for the admin API tests.
//!
//! An admin is created through the same service the `api admin create` command uses, and its
//! token is obtained by logging in through `POST /api/v1/admin/login`, so every admin test
//! also exercises the real login path.

use chrono::NaiveDate;
use poem::{
    http::{Method, StatusCode},
    test::TestResponse,
};
use serde_json::{Value, json};
use shared::{
    auth::role::AdminRole,
    entities::{accommodation, admin_user},
    service::admin_auth,
};

use super::TestApp;

/// Email of the default test admin.
pub const ADMIN_EMAIL: &str = "owner@cabanas.test";
/// Password of the default test admin.
pub const ADMIN_PASSWORD: &str = "correct-horse-battery-staple";
/// Email of the test staff member.
pub const STAFF_EMAIL: &str = "staff@cabanas.test";
/// Password of the test staff member.
pub const STAFF_PASSWORD: &str = "staff-horse-battery-staple";

/// A response read whole: status, `X-Request-ID` and the JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// The trace id the app gave the request.
    pub request_id: String,
    /// The body as JSON (`Value::Null` for an empty body).
    pub body: Value,
}

impl Reply {
    /// Reads a test response whole.
    pub async fn read(resp: TestResponse) -> Self {
        let status = resp.0.status();
        let request_id = resp
            .0
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = resp.0.into_body().into_vec().await.expect("read body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "body is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Self {
            status,
            request_id,
            body,
        }
    }
}

/// An admin logged in through the API, with its bearer token.
pub struct AdminSession<'a> {
    /// The app it talks to.
    pub app: &'a TestApp,
    /// The admin's email.
    pub email: String,
    /// The access token.
    pub token: String,
}

impl TestApp {
    /// Creates (or resets) an owner account as the CLI does.
    pub async fn create_admin(&self, email: &str, password: &str) -> admin_user::Model {
        self.create_admin_with_role(email, password, AdminRole::Owner)
            .await
    }

    /// Creates (or resets) an admin account with `role` as the CLI does.
    pub async fn create_admin_with_role(
        &self,
        email: &str,
        password: &str,
        role: AdminRole,
    ) -> admin_user::Model {
        admin_auth::create_or_reset(self.conn(), email, password, role)
            .await
            .expect("create admin")
    }

    /// A staff member, created and logged in.
    pub async fn staff(&self) -> AdminSession<'_> {
        self.create_admin_with_role(STAFF_EMAIL, STAFF_PASSWORD, AdminRole::Staff)
            .await;
        self.session(STAFF_EMAIL, STAFF_PASSWORD).await
    }

    /// `POST /api/v1/admin/login`.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.request(
            Method::POST,
            "/api/v1/admin/login",
            None,
            Some(&serde_json::json!({ "email": email, "password": password })),
        )
        .await
    }

    /// Any request to the app, optionally with a bearer token and a JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut builder = self.client.request(method, path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            builder = builder.body_json(body);
        }
        Reply::read(builder.send().await).await
    }

    /// The default admin, created and logged in.
    pub async fn admin(&self) -> AdminSession<'_> {
        self.admin_as(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// An admin with these credentials, created and logged in.
    pub async fn admin_as(&self, email: &str, password: &str) -> AdminSession<'_> {
        self.create_admin(email, password).await;
        self.session(email, password).await
    }

    /// Logs an existing admin in (asserting it works).
    pub async fn session(&self, email: &str, password: &str) -> AdminSession<'_> {
        let reply = self.login(email, password).await;
        assert_eq!(reply.status, StatusCode::OK, "login failed: {}", reply.body);
        AdminSession {
            app: self,
            email: email.to_owned(),
            token: reply.body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
        }
    }
}

impl TestApp {
    /// Cabaña Alerce with a confirmed stay of `guest_name` arriving today (2 nights,
    /// $ 150.000) and a guest's hold in 10 days: what the dashboard tests read.
    pub async fn an_arrival_and_a_hold(&self, guest_name: &str) -> accommodation::Model {
        let cabin = super::fixtures::cabin("Cabaña Alerce")
            .insert(self.conn())
            .await;
        let today = self.today();
        self.admin()
            .await
            .book(&booking_body(
                cabin.id,
                today,
                today + chrono::Duration::days(2),
                guest_name,
                json!({ "confirm": true, "total_price": "150000.00" }),
            ))
            .await;
        let hold = super::fixtures::booking(
            cabin.id,
            today + chrono::Duration::days(10),
            today + chrono::Duration::days(12),
        );
        assert_eq!(self.book(&hold).await.status, 201);
        cabin
    }
}

/// The body of an admin booking of `[check_in, check_out)` for 2 guests named `guest_name`,
/// with the fields of `extra` (an object) added or replacing the defaults.
pub fn booking_body(
    accommodation_id: i32,
    check_in: NaiveDate,
    check_out: NaiveDate,
    guest_name: &str,
    extra: Value,
) -> Value {
    let mut body = json!({
        "accommodation_id": accommodation_id,
        "check_in": check_in.to_string(),
        "check_out": check_out.to_string(),
        "guests": 2,
        "guest_name": guest_name,
    });
    for (key, value) in extra.as_object().expect("extra fields are an object") {
        body[key] = value.clone();
    }
    body
}

impl AdminSession<'_> {
    /// `POST /api/v1/admin/reservations` with `body`, asserting 201; the new code.
    pub async fn book(&self, body: &Value) -> String {
        let reply = self.post("/admin/reservations", body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["code"].as_str().expect("code").to_owned()
    }

    /// `GET /api/v1{path}` with this admin's token.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    /// `POST /api/v1{path}` with this admin's token and a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    /// `POST /api/v1{path}` with this admin's token and no body.
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.send(Method::POST, path, None).await
    }

    /// `PATCH /api/v1{path}` with this admin's token and a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.app
            .request(method, &format!("/api/v1{path}"), Some(&self.token), body)
            .await
    }
}

/// The claims of a JWT, decoded from its payload without checking the signature.
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(&base64url_decode(payload)).expect("JWT payload is JSON")
}

/// Decodes unpadded base64url (RFC 4648 §5), as JWT parts are encoded. Hand-written so the
/// tests do not need another dependency for ten lines.
fn base64url_decode(input: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url: {c}"),
        }
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in input.trim_end_matches('=').bytes() {
        acc = (acc << 6) | value(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).expect("a byte"));
        }
    }
    out
}

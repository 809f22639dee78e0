//! The owner's dashboard pages at `/admin`: login with a cookie session and CSRF tokens,
//! Inicio's figures, logout, and what every page answer carries. Larger features have a file
//! of their own under `dashboard_web/`, sharing the helpers here.

mod live_streams;
mod resend_link;
mod staff_navigation;
mod webhook_log;

use chrono::{Datelike, Duration};
use poem::http::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, ADMIN_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD, booking_body},
    fixtures,
};

/// A page as the browser gets it.
struct Page {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    csp: Option<String>,
    cache: Option<String>,
    body: String,
}

async fn read(resp: poem::test::TestResponse) -> Page {
    let header = |name: &str| {
        resp.0
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header("location");
    let csp = header("content-security-policy");
    let cache = header("cache-control");
    let cookies = resp
        .0
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let status = resp.0.status();
    let body = resp.0.into_body().into_string().await.expect("a text body");
    Page {
        status,
        location,
        cookies,
        csp,
        cache,
        body,
    }
}

impl Page {
    /// The value `name` is set to by this answer.
    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find_map(|c| {
            let (pair, _) = c.split_once(';')?;
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    /// The address of the first form that posts to an address ending with `suffix`.
    fn action_ending(&self, suffix: &str) -> String {
        self.body
            .split("action=\"")
            .filter_map(|rest| rest.split('"').next())
            .find(|a| a.ends_with(suffix))
            .unwrap_or_else(|| panic!("no form posting to …{suffix} in {}", self.body))
            .to_owned()
    }

    /// The value of the hidden `csrf` field of the first form.
    fn csrf_field(&self) -> String {
        let (_, rest) = self
            .body
            .split_once("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        rest.split('"').next().expect("a value").to_owned()
    }
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> Page {
    let mut req = app.client.get(path);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    read(req.send().await).await
}

async fn post_form(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> Page {
    read(
        app.client
            .post(path)
            .header("cookie", cookie)
            .form(&form)
            .send()
            .await,
    )
    .await
}

/// Logs the default owner in through the login page; the session cookie header.
async fn log_in(app: &TestApp) -> String {
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    log_in_as(app, ADMIN_EMAIL, ADMIN_PASSWORD).await
}

/// A staff member, created and logged in through the login page; the session cookie header.
async fn staff_session(app: &TestApp) -> String {
    app.create_admin_with_role(
        STAFF_EMAIL,
        STAFF_PASSWORD,
        shared::auth::role::AdminRole::Staff,
    )
    .await;
    log_in_as(app, STAFF_EMAIL, STAFF_PASSWORD).await
}

/// Logs an existing admin in through the login page; the session cookie header.
async fn log_in_as(app: &TestApp, email: &str, password: &str) -> String {
    let form = get(app, "/admin/login", None).await;
    let token = form.cookie("cabanas_login_csrf").expect("a form cookie");
    let csrf = form.csrf_field();
    let done = post_form(
        app,
        "/admin/login",
        &format!("cabanas_login_csrf={token}"),
        &[("email", email), ("password", password), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    format!(
        "cabanas_admin={}",
        done.cookie("cabanas_admin").expect("a session cookie")
    )
}

#[tokio::test]
async fn without_a_session_every_page_sends_the_browser_to_the_login_page() {
    let app = TestApp::new().await;

    for cookie in [None, Some("cabanas_admin=not-a-token")] {
        for path in ["/admin", "/admin/", "/admin/inicio/datos"] {
            let page = get(&app, path, cookie).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(page.location.as_deref(), Some("/admin/login"), "{path}");
        }
    }
}

#[tokio::test]
async fn the_login_form_sets_a_strict_form_cookie_and_refuses_a_forged_submit() {
    // Arrange
    let app = TestApp::new().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act
    let form = get(&app, "/admin/login", None).await;
    let token = form.cookie("cabanas_login_csrf").expect("a form cookie");
    let forged = post_form(
        &app,
        "/admin/login",
        "",
        &[
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
            ("csrf", &form.csrf_field()),
        ],
    )
    .await;
    let wrong = post_form(
        &app,
        "/admin/login",
        &format!("cabanas_login_csrf={token}"),
        &[
            ("email", ADMIN_EMAIL),
            ("password", "wrong password"),
            ("csrf", &token),
        ],
    )
    .await;

    // Assert: the page is Spanish, cached nowhere, and allows only its own files.
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<html lang=\"es-AR\">"), "{}", form.body);
    assert!(form.body.contains("Contraseña"));
    let set = form
        .cookies
        .iter()
        .find(|c| c.starts_with("cabanas_login_csrf="))
        .expect("the form cookie");
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/admin"] {
        assert!(set.contains(flag), "{flag} missing in {set}");
    }
    assert_eq!(form.cache.as_deref(), Some("no-store"));
    let csp = form.csp.expect("a CSP");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.cookie("cabanas_admin").is_none());
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.body.contains("Email o contraseña incorrectos"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains(ADMIN_EMAIL),
        "the email is kept in the form"
    );
    assert!(wrong.cookie("cabanas_admin").is_none());
}

#[tokio::test]
async fn inicio_shows_the_figures_of_the_stored_reservations_escaped() {
    // Arrange: a confirmed stay arriving today for a guest with markup in the name, and a hold.
    let app = TestApp::new().await;
    let cabin = app.an_arrival_and_a_hold("Ana <b>Gómez</b>").await;
    let session = log_in(&app).await;

    // Act
    let page = get(&app, "/admin", Some(&session)).await;
    let panels = get(&app, "/admin/inicio/datos", Some(&session)).await;

    // Assert
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("data-kpi=\"revenue-month\">$ 150.000<"),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-kpi=\"open-holds\">1<"));
    assert!(page.body.contains("data-status=\"confirmed\">1<"));
    assert!(
        page.body.contains("Ana &#60;b&#62;Gómez&#60;/b&#62;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<b>Gómez</b>"));
    assert!(page.body.contains("Cabaña Alerce"));
    let holds = page
        .body
        .split_once("id=\"kpi-holds\"")
        .expect("the holds panel")
        .1;
    assert!(
        holds.contains("<td data-left>29 minutos</td>")
            || holds.contains("<td data-left>30 minutos</td>"),
        "{holds}"
    );
    let airbnb = format!("id=\"airbnb-{}\" readonly value=\"http", cabin.id);
    assert!(page.body.contains(&airbnb), "the cabin's Airbnb export URL");
    assert!(page.body.contains("/api/v1/ical/") && page.body.contains("data-copy="));
    assert_eq!(panels.status, StatusCode::OK);
    assert!(
        panels.body.starts_with("<div class=\"panels\""),
        "{}",
        panels.body
    );
    assert!(panels.body.contains("data-kpi=\"open-holds\">1<"));
}

#[tokio::test]
async fn logout_needs_the_session_token_and_ends_the_session() {
    // Arrange
    let app = TestApp::new().await;
    let session = log_in(&app).await;
    let home = get(&app, "/admin", Some(&session)).await;
    let csrf = home.csrf_field();

    // Act
    let forged = post_form(&app, "/admin/logout", &session, &[("csrf", "00")]).await;
    let still_in = get(&app, "/admin", Some(&session)).await;
    let out = post_form(&app, "/admin/logout", &session, &[("csrf", &csrf)]).await;
    let after = get(&app, "/admin", Some(&session)).await;

    // Assert
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(still_in.status, StatusCode::OK);
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/admin/login"));
    assert_eq!(out.cookie("cabanas_admin").as_deref(), Some(""));
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the token is revoked");
}

#[tokio::test]
async fn the_stylesheet_and_script_are_served_and_nothing_else() {
    let app = TestApp::new().await;

    let css = get(&app, "/admin/assets/app.css", None).await;
    let js = get(&app, "/admin/assets/app.js", None).await;
    let other = get(&app, "/admin/assets/..%2F..%2FCargo.toml", None).await;

    assert_eq!(css.status, StatusCode::OK);
    assert!(css.body.contains(".panels"));
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("data-refresh") || js.body.contains("dataset.refresh"));
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reservas_filters_searches_sorts_pages_and_exports_what_it_shows() {
    // Arrange: 26 stays of one cabin (one confirmed, for Marta), another cabin's stay.
    let app = TestApp::new().await;
    let alerce = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let coihue = fixtures::cabin("Cabaña Coihue").insert(app.conn()).await;
    let admin = app.admin().await;
    let start = app.today() + Duration::days(7);
    for i in 0..26 {
        let check_in = start + Duration::days(2 * i);
        let (name, extra) = if i == 3 {
            (
                "Marta Quiroga",
                json!({ "confirm": true, "total_price": "90000.00" }),
            )
        } else {
            ("Ana Gómez", json!({}))
        };
        admin
            .book(&booking_body(
                alerce.id,
                check_in,
                check_in + Duration::days(1),
                name,
                extra,
            ))
            .await;
    }
    admin
        .book(&booking_body(
            coihue.id,
            start,
            start + Duration::days(2),
            "Luis Paz",
            json!({}),
        ))
        .await;
    let session = log_in(&app).await;

    // Act
    let first = get(&app, "/admin/reservas", Some(&session)).await;
    let second = get(&app, "/admin/reservas?page=2", Some(&session)).await;
    let confirmed = get(&app, "/admin/reservas?status=confirmed", Some(&session)).await;
    let searched = get(&app, "/admin/reservas?q=luis", Some(&session)).await;
    let by_cabin = get(
        &app,
        &format!("/admin/reservas?cabin={}&sort=-check_in", coihue.id),
        Some(&session),
    )
    .await;
    let sorted = get(&app, "/admin/reservas?sort=-guest_name", Some(&session)).await;
    let bad = get(
        &app,
        "/admin/reservas?from=2027-02-10&to=2027-01-01&status=lost&page=0",
        Some(&session),
    )
    .await;
    let csv = get(&app, "/admin/reservas/export.csv?q=marta", Some(&session)).await;
    let bad_csv = get(
        &app,
        "/admin/reservas/export.csv?channel=fax",
        Some(&session),
    )
    .await;

    // Assert: pages of 25, with links both ways.
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("data-total=\"27\""), "{}", first.body);
    assert_eq!(first.body.matches("<tr>").count(), 1 + 25);
    assert!(
        first
            .body
            .contains("href=\"/admin/reservas?page=2\" rel=\"next\"")
    );
    assert_eq!(second.body.matches("<tr>").count(), 1 + 2);
    assert!(second.body.contains("rel=\"prev\""));
    // Filters, search and sort.
    assert!(confirmed.body.contains("data-total=\"1\""));
    assert!(confirmed.body.contains("Marta Quiroga"));
    assert!(
        confirmed
            .body
            .contains("<option value=\"confirmed\" selected>")
    );
    assert!(searched.body.contains("data-total=\"1\"") && searched.body.contains("Luis Paz"));
    assert!(by_cabin.body.contains("data-total=\"1\"") && by_cabin.body.contains("Luis Paz"));
    assert!(by_cabin.body.contains("aria-sort=\"descending\""));
    let at = |name: &str| sorted.body.find(name).unwrap_or_else(|| panic!("{name}"));
    assert!(at("Marta Quiroga") < at("Luis Paz") && at("Luis Paz") < at("Ana Gómez"));
    assert!(sorted.body.contains("aria-sort=\"descending\""));
    assert!(
        sorted
            .body
            .contains("href=\"/admin/reservas?sort=guest_name\"")
    );
    // Every bad field is named in Spanish, and marked.
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in [
        "Ese estado no existe.",
        "Las fechas no son válidas",
        "Esa página no existe.",
    ] {
        assert!(bad.body.contains(text), "{text} missing in {}", bad.body);
    }
    assert!(
        bad.body.contains(
            "id=\"from\" name=\"from\" type=\"date\" value=\"2027-02-10\" aria-invalid=\"true\""
        ) || bad.body.contains(
            "id=\"to\" name=\"to\" type=\"date\" value=\"2027-01-01\" aria-invalid=\"true\""
        ),
        "{}",
        bad.body
    );
    // The CSV holds what the filter selects.
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    assert!(csv.body.contains("Marta Quiroga"));
    assert_eq!(bad_csv.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_reservation_page_shows_everything_and_confirms_cancels_and_edits() {
    // Arrange: two holds of 2 nights at the cabin's price.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let start = app.today() + Duration::days(7);
    let book = |check_in: chrono::NaiveDate, name: &'static str| {
        booking_body(
            cabin.id,
            check_in,
            check_in + Duration::days(2),
            name,
            json!({}),
        )
    };
    let first = admin.book(&book(start, "Ana Gómez")).await;
    let second = admin
        .book(&book(start + Duration::days(5), "Luis Paz"))
        .await;
    let session = log_in(&app).await;
    let page = |code: String| {
        let session = session.clone();
        let app = &app;
        async move { get(app, &format!("/admin/reservas/{code}"), Some(&session)).await }
    };
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let session = session.clone();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, &path, &session, &pairs).await
        }
    };
    let shown = page(first.clone()).await;
    let csrf = shown.csrf_field();

    // Act + Assert: the page.
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("data-status=\"pre_reserved\""));
    assert!(shown.body.contains("data-field=\"guest_name\">Ana Gómez<"));
    assert!(shown.body.contains("<li><time>"), "an audit line");
    assert!(shown.body.contains("Creada"));
    assert_eq!(
        page("RES000000XXXXXX".into()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(page("nope".into()).await.status, StatusCode::NOT_FOUND);

    // Confirm: a forged form changes nothing; the real one confirms.
    let url = |code: &str, action: &str| format!("/admin/reservas/{code}/{action}");
    let forged = post(url(&first, "confirmar"), vec![("csrf", "00".into())]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        page(first.clone())
            .await
            .body
            .contains("data-status=\"pre_reserved\"")
    );
    let confirmed = post(url(&first, "confirmar"), vec![("csrf", csrf.clone())]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        confirmed.location.as_deref(),
        Some(format!("/admin/reservas/{first}?hecho=confirmada").as_str())
    );
    let after = get(
        &app,
        confirmed.location.as_deref().expect("location"),
        Some(&session),
    )
    .await;
    assert!(after.body.contains("Reserva confirmada."));
    assert!(after.body.contains("data-status=\"confirmed\""));
    assert!(
        !after.body.contains("/confirmar\""),
        "no confirm form once confirmed"
    );
    let again = post(url(&first, "confirmar"), vec![("csrf", csrf.clone())]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("cambió de estado"), "{}", again.body);

    // Cancel: the reason is required, then kept.
    let no_reason = post(
        url(&second, "cancelar"),
        vec![("csrf", csrf.clone()), ("reason", "  ".into())],
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("El motivo es obligatorio"));
    let cancelled = post(
        url(&second, "cancelar"),
        vec![
            ("csrf", csrf.clone()),
            ("reason", "Viaje suspendido".into()),
        ],
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let after = page(second.clone()).await;
    assert!(after.body.contains("data-status=\"cancelled\""));
    assert!(after.body.contains("Viaje suspendido"));

    // Edit: a bad phone stores nothing; a good edit is saved.
    let edit = |name: &str, phone: &str, notes: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("guest_name", name.to_owned()),
            ("guest_phone", phone.to_owned()),
            ("guest_email", "ana@example.com".to_owned()),
            ("notes", notes.to_owned()),
        ]
    };
    let bad = post(url(&first, "editar"), edit("Ana María Gómez", "12", "x")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("El teléfono no es válido"),
        "{}",
        bad.body
    );
    assert!(
        page(first.clone())
            .await
            .body
            .contains("data-field=\"guest_name\">Ana Gómez<")
    );
    let saved = post(
        url(&first, "editar"),
        edit("Ana María Gómez", "+54 9 294 412 3456", "Llega tarde"),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = page(first.clone()).await;
    assert!(
        after
            .body
            .contains("data-field=\"guest_name\">Ana María Gómez<")
    );
    assert!(after.body.contains("data-field=\"notes\">Llega tarde<"));
    assert!(after.body.contains("Editada"));
}

#[tokio::test]
async fn staff_may_confirm_but_not_edit() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let start = app.today() + Duration::days(7);
    let code = admin
        .book(&booking_body(
            cabin.id,
            start,
            start + Duration::days(2),
            "Ana Gómez",
            json!({}),
        ))
        .await;
    let session = staff_session(&app).await;

    // Act
    let shown = get(&app, &format!("/admin/reservas/{code}"), Some(&session)).await;
    let csrf = shown.csrf_field();
    let edit = post_form(
        &app,
        &format!("/admin/reservas/{code}/editar"),
        &session,
        &[("csrf", &csrf), ("guest_name", "Otro Nombre")],
    )
    .await;

    // Assert
    assert!(shown.body.contains("/confirmar\""));
    assert!(!shown.body.contains("/editar\""), "no edit form for staff");
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let after = get(&app, &format!("/admin/reservas/{code}"), Some(&session)).await;
    assert!(after.body.contains("data-field=\"guest_name\">Ana Gómez<"));
}

#[tokio::test]
async fn the_calendar_shows_every_night_of_every_cabin_and_one_cabin_as_a_month() {
    // Arrange: in the month after next, a confirmed stay (10th–12th) in Alerce with an open
    // iCal conflict on it, and a hold (15th–16th) in Coihue.
    let app = TestApp::new().await;
    let alerce = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let coihue = fixtures::cabin("Cabaña Coihue").insert(app.conn()).await;
    let admin = app.admin().await;
    let first = app
        .today()
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(2)))
        .expect("the month after next");
    let month = first.format("%Y-%m").to_string();
    let day = |n: u64| first + chrono::Days::new(n - 1);
    let confirmed = admin
        .book(&booking_body(
            alerce.id,
            day(10),
            day(12),
            "Ana Gómez",
            json!({ "confirm": true }),
        ))
        .await;
    admin
        .book(&booking_body(
            coihue.id,
            day(15),
            day(16),
            "Luis Paz",
            json!({}),
        ))
        .await;
    app.conn()
        .execute_unprepared(&format!(
            "INSERT INTO ical_conflicts (accommodation_id, external_uid, check_in, check_out, reservation_id) \
             SELECT {}, 'airbnb-1@airbnb.com', '{}', '{}', id FROM reservations WHERE code = '{confirmed}'",
            alerce.id,
            day(11),
            day(13)
        ))
        .await
        .expect("an open conflict");
    let session = log_in(&app).await;

    // Act
    let all = get(
        &app,
        &format!("/admin/calendario?mes={month}"),
        Some(&session),
    )
    .await;
    let one = get(
        &app,
        &format!("/admin/calendario?mes={month}&cabana={}", alerce.id),
        Some(&session),
    )
    .await;
    let bad_month = get(&app, "/admin/calendario?mes=2027-13", Some(&session)).await;
    let bad_cabin = get(&app, "/admin/calendario?cabana=99999", Some(&session)).await;

    // Assert: every cabin, night by night, with states, names, prices and links.
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.body.contains(&format!("data-month=\"{month}\"")));
    let nights = first
        .iter_days()
        .take_while(|d| d.month() == first.month())
        .count();
    assert_eq!(all.body.matches("class=\"day ").count(), 2 * nights);
    assert!(all.body.contains("class=\"day booked\" title=\""));
    assert!(
        all.body.contains("class=\"day booked conflict\""),
        "the conflict's night"
    );
    assert!(all.body.contains("class=\"day held\""));
    assert!(all.body.contains("Ana · Confirmada"));
    assert!(all.body.contains("Luis · Pre-reserva"));
    assert!(
        all.body
            .contains(&format!("href=\"/admin/reservas/{confirmed}\""))
    );
    assert!(all.body.contains("Hay 1 conflicto"));
    assert!(all.body.contains("rel=\"prev\"") && all.body.contains("rel=\"next\""));
    // One cabin: a month grid of its nights only.
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("<table class=\"month\">"));
    assert_eq!(one.body.matches("class=\"day ").count(), nights);
    assert!(!one.body.contains("Luis"));
    assert!(
        one.body
            .contains(&format!("cabana={}\" rel=\"next\"", alerce.id))
    );
    // Bad parameters are named, and the page still shows this month.
    assert_eq!(bad_month.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_month.body.contains("Ese mes no existe"));
    assert_eq!(bad_cabin.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_cabin.body.contains("Esa cabaña no existe"));
}

#[tokio::test]
async fn operacion_shows_the_checks_and_what_failed_to_the_owner_only() {
    // Arrange: a job given up on.
    let app = TestApp::new().await;
    app.conn()
        .execute_unprepared(
            "INSERT INTO failed_jobs (job_name, payload, error, attempts) \
             VALUES ('guest_notice.v1', '{}', 'smtp <down>', 6)",
        )
        .await
        .expect("a failed job");
    let owner = log_in(&app).await;
    let staff = staff_session(&app).await;

    // Act
    let page = get(&app, "/admin/operacion", Some(&owner)).await;
    let refused = get(&app, "/admin/operacion", Some(&staff)).await;

    // Assert
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "Base de datos",
        "Responde (",
        "Redis",
        "Cola de trabajos",
        "Worker",
    ] {
        assert!(page.body.contains(text), "{text} missing in {}", page.body);
    }
    assert!(
        page.body.contains("No hay ningún worker corriendo"),
        "no worker beats here"
    );
    assert!(page.body.contains("data-kpi=\"failed-jobs\">1<"));
    assert!(page.body.contains("guest_notice.v1"));
    assert!(page.body.contains("smtp &#60;down&#62;"), "escaped");
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The owner retries the job: a forged form does nothing, the real one queues it once.
    let action = page.action_ending("/reintentar");
    let csrf = page.csrf_field();
    let forged = post_form(&app, &action, &owner, &[("csrf", "00")]).await;
    let by_staff = post_form(&app, &action, &staff, &[("csrf", &csrf)]).await;
    let retried = post_form(&app, &action, &owner, &[("csrf", &csrf)]).await;
    let after = get(&app, "/admin/operacion?hecho=reintentado", Some(&owner)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(by_staff.status, StatusCode::FORBIDDEN);
    assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.body);
    assert!(after.body.contains("El trabajo volvió a la cola."));
    assert!(
        !after.body.contains("/reintentar"),
        "a retried job is not offered again"
    );
    let depth = app
        .state
        .queue
        .depth("guest_notice.v1")
        .await
        .expect("queue depth");
    assert_eq!(depth, 1);
}

#[tokio::test]
async fn configuracion_shows_the_settings_without_secrets_and_exports_them() {
    // Arrange
    let app = TestApp::with_settings(|s| {
        s.smtp_password = shared::config::Secret::new("smtp-password-value");
    })
    .await;
    let owner = log_in(&app).await;
    let staff = staff_session(&app).await;

    // Act
    let page = get(&app, "/admin/configuracion", Some(&owner)).await;
    let json = get(&app, "/admin/configuracion.json", Some(&owner)).await;
    let refused = get(&app, "/admin/configuracion", Some(&staff)).await;

    // Assert
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-secret=\"SMTP_PASSWORD\">cargado<"));
    assert!(
        page.body
            .contains("data-secret=\"STT_API_KEY\">sin cargar<")
    );
    assert!(page.body.contains("ical_sync.v1") && page.body.contains("webhook_sweep.v1"));
    assert!(page.body.contains("<code>5/15 * * * * *</code>"));
    assert_eq!(json.status, StatusCode::OK);
    let exported: serde_json::Value = serde_json::from_str(&json.body).expect("JSON");
    assert_eq!(exported["settings"]["SMTP_PASSWORD"], "set");
    for body in [&page.body, &json.body] {
        assert!(!body.contains("smtp-password-value"));
        assert!(!body.contains(&app.db.name), "no database URL");
    }
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn conversaciones_puts_handed_off_guests_first_and_the_owner_replies_and_resolves() {
    use crate::admin_conversations::{LAURA, three_guests};
    use tests::harness::graph_stub::{self, GraphStub};

    // Arrange: Laura handed off (wants to cancel), Pedro with the bot, Ana wrote 30 h ago.
    let stub = GraphStub::start().await;
    let base = stub.base_url();
    let app = TestApp::with_settings(|s| {
        s.whatsapp_api_base = base;
        s.whatsapp_phone_id = graph_stub::PHONE_ID.into();
        s.whatsapp_access_token = shared::config::Secret::new(graph_stub::TOKEN);
    })
    .await;
    three_guests(&app, None).await;
    let session = log_in(&app).await;
    let laura = format!("/admin/conversaciones/{}", LAURA.trim_start_matches('+'));

    // Act
    let list = get(&app, "/admin/conversaciones", Some(&session)).await;
    let thread = get(&app, &laura, Some(&session)).await;
    let csrf = thread.csrf_field();
    let empty = post_form(
        &app,
        &format!("{laura}/responder"),
        &session,
        &[("csrf", &csrf), ("text", " ")],
    )
    .await;
    let sent = post_form(
        &app,
        &format!("{laura}/responder"),
        &session,
        &[
            ("csrf", &csrf),
            ("text", "Hola Laura, ya te cancelo <sin cargo>"),
        ],
    )
    .await;
    let after_reply = get(&app, &format!("{laura}?hecho=respondida"), Some(&session)).await;
    let resolved = post_form(
        &app,
        &format!("{laura}/resolver"),
        &session,
        &[("csrf", &csrf)],
    )
    .await;
    let after_resolve = get(&app, &laura, Some(&session)).await;
    let ana = get(&app, "/admin/conversaciones/5491155550303", Some(&session)).await;
    let unknown = get(&app, "/admin/conversaciones/123", Some(&session)).await;

    // Assert: Laura waits, with why; the others are recent.
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let (waiting, recent) = list
        .body
        .split_once("data-list=\"recent\"")
        .expect("two lists");
    assert!(waiting.contains("Laura Gómez") && waiting.contains("Quiere cancelar"));
    assert!(recent.contains("Pedro") && !recent.contains("Laura Gómez"));
    // The thread, the reply and the resolve.
    assert!(thread.body.contains("¿Me escuchan?"));
    assert!(thread.body.contains("data-handed-off"));
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Escribí un texto"));
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(after_reply.body.contains("Respuesta enviada."));
    assert!(
        after_reply
            .body
            .contains("ya te cancelo &#60;sin cargo&#62;"),
        "escaped"
    );
    assert_eq!(stub.sent_count(), 1, "one message to the guest");
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    assert!(!after_resolve.body.contains("data-handed-off"));
    // Outside the 24-hour window there is no reply box.
    assert_eq!(ana.status, StatusCode::OK, "{}", ana.body);
    assert!(ana.body.contains("Pasaron más de 24 horas"));
    assert!(!ana.body.contains("/responder"));
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

/// The `/admin` links of a page (`href` attributes), entities decoded.
fn admin_links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("/admin"))
        .map(|href| href.replace("&#38;", "&"))
        .collect()
}

/// Follows every dashboard link `session` is shown, breadth first, once each, from Inicio:
/// the pages reached, and those that did not answer 200.
async fn crawl(app: &TestApp, session: &str) -> (std::collections::BTreeSet<String>, Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = std::collections::VecDeque::from(["/admin".to_owned()]);
    let mut broken = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        assert!(seen.len() < 300, "too many pages: {seen:#?}");
        let page = get(app, &path, Some(session)).await;
        if page.status != StatusCode::OK {
            broken.push(format!("{path}: {}", page.status));
            continue;
        }
        // Months go on forever: the links of another month's page are not followed.
        if !path.contains("mes=") {
            queue.extend(
                admin_links(&page.body)
                    .into_iter()
                    .filter(|l| !seen.contains(l)),
            );
        }
    }
    (seen, broken)
}

#[tokio::test]
async fn every_link_of_every_page_answers() {
    // Arrange: one of everything a page links to.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let start = app.today() + Duration::days(3);
    let code = admin
        .book(&booking_body(
            cabin.id,
            start,
            start + Duration::days(2),
            "Laura Gómez",
            json!({ "guest_phone": crate::admin_conversations::LAURA }),
        ))
        .await;
    crate::admin_conversations::three_guests(&app, None).await;
    let session = log_in(&app).await;

    // Act
    let (seen, broken) = crawl(&app, &session).await;

    // Assert
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    let reservation = get(&app, &format!("/admin/reservas/{code}"), Some(&session)).await;
    assert!(
        reservation
            .body
            .contains("href=\"/admin/conversaciones/5491155550101\" data-conversation"),
        "the guest's conversation is linked"
    );
    for section in [
        "/admin/reservas",
        "/admin/calendario",
        "/admin/conversaciones",
        "/admin/operacion",
        "/admin/configuracion",
        "/admin/operacion/webhooks",
        "/admin/assets/app.css",
    ] {
        assert!(seen.contains(section), "{section} not reached: {seen:#?}");
    }
    assert!(seen.len() > 20, "only {} pages", seen.len());
}

/// `GET /admin/eventos` as `session`.
async fn open_stream(app: &TestApp, session: &str) -> poem::test::TestResponse {
    app.client
        .get("/admin/eventos")
        .header("cookie", session)
        .send()
        .await
}

/// Reads server-sent events from `body` until one's data contains `text` (10 s at most).
async fn an_event_saying(body: poem::Body, text: &str) -> String {
    use futures::StreamExt;
    let mut stream = body.into_bytes_stream();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !seen.contains(text) {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no event saying {text:?}; got {seen:?}"))
            .expect("the stream goes on")
            .expect("a chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

#[tokio::test]
async fn live_updates_reach_a_logged_in_dashboard_and_nobody_else() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let session = log_in(&app).await;
    let anonymous = get(&app, "/admin/eventos", None).await;

    // Act: a dashboard listens; a guest books through the public API.
    let stream = open_stream(&app, &session).await;
    assert_eq!(stream.0.status(), StatusCode::OK);
    let start = app.today() + Duration::days(5);
    let reply = app
        .book(&fixtures::booking(
            cabin.id,
            start,
            start + Duration::days(2),
        ))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let code = reply.body["code"].as_str().expect("a code").to_owned();
    let seen = an_event_saying(stream.0.into_body(), &code).await;

    // Assert
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(seen.contains("event: live"), "{seen}");
    assert!(
        seen.contains(&format!("Nueva pre-reserva {code}")),
        "{seen}"
    );
    assert!(seen.contains(&format!("/admin/reservas/{code}")), "{seen}");
}

#[tokio::test]
async fn the_owner_imports_and_removes_a_channel_calendar_from_operacion() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let owner = log_in(&app).await;
    let page = get(&app, "/admin/operacion", Some(&owner)).await;
    let csrf = page.csrf_field();
    let id = cabin.id.to_string();
    let add = |url: &'static str| {
        let (owner, csrf, id) = (owner.clone(), csrf.clone(), id.clone());
        let app = &app;
        async move {
            post_form(
                app,
                "/admin/operacion/calendarios",
                &owner,
                &[("csrf", &csrf), ("cabin", &id), ("url", url)],
            )
            .await
        }
    };

    // Act
    let bad = add("http://user:pass@example.com/cal.ics").await;
    let added = add("https://www.airbnb.com/calendar/ical/123.ics?s=abc").await;
    let again = add("https://www.airbnb.com/calendar/ical/123.ics?s=abc").await;
    let listed = get(&app, "/admin/operacion?hecho=agregado", Some(&owner)).await;
    let remove = listed
        .body
        .split("action=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|a| a.ends_with("/quitar"))
        .expect("a remove form")
        .to_owned();
    let removed = post_form(&app, &remove, &owner, &[("csrf", &csrf)]).await;
    let after = get(&app, "/admin/operacion?hecho=quitado", Some(&owner)).await;

    // Assert
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(listed.body.contains("Calendario agregado"));
    assert!(listed.body.contains("<td>Airbnb</td>"), "{}", listed.body);
    assert!(
        !listed.body.contains("s=abc"),
        "the feed's secret URL is not shown"
    );
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(after.body.contains("Calendario quitado"));
    assert!(!after.body.contains("<td>Airbnb</td>"));
}

#[tokio::test]
async fn the_owner_books_a_stay_for_a_guest_from_the_form() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let owner = log_in(&app).await;
    let staff = staff_session(&app).await;
    let form = get(&app, "/admin/reservas/nueva", Some(&owner)).await;
    let csrf = form.csrf_field();
    let start = app.today() + Duration::days(15);
    let (check_in, check_out) = (start.to_string(), (start + Duration::days(3)).to_string());
    let id = cabin.id.to_string();
    let submit = |phone: &'static str| {
        let (owner, csrf, id, check_in, check_out) = (
            owner.clone(),
            csrf.clone(),
            id.clone(),
            check_in.clone(),
            check_out.clone(),
        );
        let app = &app;
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("cabin", &id),
                ("check_in", &check_in),
                ("check_out", &check_out),
                ("guests", "2"),
                ("guest_name", "Rosa Díaz"),
                ("guest_phone", phone),
                ("confirm", "1"),
            ];
            post_form(app, "/admin/reservas/nueva", &owner, &fields).await
        }
    };

    // Act
    let bad = submit("12").await;
    let created = submit("+54 9 294 412 3456").await;
    let taken = submit("+54 9 294 412 3456").await;
    let refused = get(&app, "/admin/reservas/nueva", Some(&staff)).await;

    // Assert
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Cabaña Alerce"));
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("El teléfono no es válido"));
    assert!(
        bad.body.contains("value=\"Rosa Díaz\""),
        "what was typed is kept"
    );
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location.expect("the new reservation");
    assert!(location.ends_with("?hecho=creada"), "{location}");
    let page = get(&app, &location, Some(&owner)).await;
    assert!(page.body.contains("Reserva creada."));
    assert!(page.body.contains("data-status=\"confirmed\""));
    assert!(page.body.contains("data-field=\"guest_name\">Rosa Díaz<"));
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("Esas noches ya están tomadas"));
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

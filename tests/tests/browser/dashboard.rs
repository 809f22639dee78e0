//! Log in, read Inicio, log out; the page fits a 360 px phone and logs no console problem.

use std::time::Duration;

use chrono::Duration as Days;
use fantoccini::Locator;
use serde_json::json;
use shared::{
    clock::Clock,
    domain::{conversation::HandOffReason, whatsapp::MessageState},
};
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, ADMIN_PASSWORD, booking_body},
    app::test_settings,
    browser::Browser,
    conversation_fixtures as talk, fixtures,
    servers::RunningSystem,
};

/// The text of the first element matching `css`.
async fn text(browser: &Browser, css: &str) -> String {
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("its text")
}

async fn log_in(browser: &Browser, base: &str) {
    browser
        .client
        .goto(&format!("{base}/admin"))
        .await
        .expect("open the dashboard");
    let form = browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form[action='/admin/login']"))
        .await
        .expect("the login form, after the redirect");
    browser.screenshot("login").await;
    form.find(Locator::Id("email"))
        .await
        .expect("email field")
        .send_keys(ADMIN_EMAIL)
        .await
        .expect("type the email");
    form.find(Locator::Id("password"))
        .await
        .expect("password field")
        .send_keys(ADMIN_PASSWORD)
        .await
        .expect("type the password");
    form.find(Locator::Css("button[type=submit]"))
        .await
        .expect("the login button")
        .click()
        .await
        .expect("submit the login form");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_logs_in_reads_inicio_on_a_laptop_and_a_phone_and_logs_out() {
    // Arrange: the real system with an owner, a cabin, a confirmed arrival today and a hold.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let today = app.today();
    admin
        .book(&booking_body(
            cabin.id,
            today,
            today + Days::days(2),
            "Ana Gómez",
            json!({ "confirm": true, "total_price": "150000.00" }),
        ))
        .await;
    let hold = fixtures::booking(cabin.id, today + Days::days(10), today + Days::days(12));
    assert_eq!(app.book(&hold).await.status, 201);
    let now = app.clock.now();
    let laura = talk::guest(app.conn(), "+5491155550101", "Laura Gómez", now).await;
    talk::conversation(app.conn(), &laura, now, Some(HandOffReason::Human)).await;
    talk::inbound(
        app.conn(),
        &laura,
        "Hola, ¿puedo hablar con alguien?",
        now,
        MessageState::Unanswered,
    )
    .await;
    let system = RunningSystem::start(test_settings(&app.db, &app.redis), app.clock.clone()).await;
    let browser = Browser::start(1280, 900).await;

    // Act: log in through the form.
    log_in(&browser, &system.api_url).await;

    // Assert: Inicio shows the stored figures.
    assert_eq!(text(&browser, "h1").await, "Inicio");
    assert_eq!(
        text(&browser, "[data-kpi=revenue-month]").await,
        "$ 150.000"
    );
    assert_eq!(text(&browser, "[data-kpi=open-holds]").await, "1");
    assert!(
        text(&browser, "#kpi-moves + table")
            .await
            .contains("Ana Gómez")
    );
    browser.screenshot("inicio").await;

    // On a phone: nothing wider than the screen.
    browser
        .client
        .set_window_size(360, 780)
        .await
        .expect("phone size");
    let overflow = browser
        .eval("return document.documentElement.scrollWidth - window.innerWidth;")
        .await;
    assert!(
        overflow.as_i64().is_some_and(|px| px <= 0),
        "{overflow} px too wide at 360 px"
    );
    browser.screenshot("inicio-phone").await;

    // Reservas: search from the filter form.
    browser
        .client
        .set_window_size(1280, 900)
        .await
        .expect("laptop size");
    browser
        .client
        .find(Locator::LinkText("Reservas"))
        .await
        .expect("the Reservas link")
        .click()
        .await
        .expect("open Reservas");
    assert_eq!(text(&browser, "h1").await, "Reservas");
    assert_eq!(text(&browser, "[data-total]").await, "2");
    let search = browser
        .client
        .find(Locator::Id("q"))
        .await
        .expect("the search box");
    search.send_keys("ana").await.expect("type a name");
    browser
        .client
        .find(Locator::Css("form.filters button[type=submit]"))
        .await
        .expect("the filter button")
        .click()
        .await
        .expect("filter");
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-total='1']"))
        .await
        .expect("one reservation found");
    assert!(
        text(&browser, "table.list tbody")
            .await
            .contains("Ana Gómez")
    );
    browser.screenshot("reservas").await;

    // The reservation's page, from its code.
    browser
        .client
        .find(Locator::Css("table.list tbody a"))
        .await
        .expect("the reservation's link")
        .click()
        .await
        .expect("open the reservation");
    assert_eq!(text(&browser, "[data-field=guest_name]").await, "Ana Gómez");
    assert_eq!(text(&browser, "[data-field=balance]").await, "$ 150.000");
    browser.screenshot("reserva").await;

    // Calendario: every cabin's month, then one cabin's.
    browser
        .client
        .find(Locator::LinkText("Calendario"))
        .await
        .expect("the Calendario link")
        .click()
        .await
        .expect("open Calendario");
    assert_eq!(text(&browser, "h1").await, "Calendario");
    let booked = browser
        .client
        .find_all(Locator::Css("table.timeline td.booked"))
        .await
        .expect("booked nights");
    assert!(!booked.is_empty(), "the confirmed stay's nights");
    browser.screenshot("calendario").await;
    browser
        .client
        .find(Locator::Css("table.timeline th[scope=row] a"))
        .await
        .expect("a cabin's month")
        .click()
        .await
        .expect("open the cabin's month");
    text(&browser, "table.month").await;
    browser.screenshot("calendario-cabana").await;

    // Conversaciones: Laura waits for the owner; her thread.
    browser
        .client
        .find(Locator::LinkText("Conversaciones"))
        .await
        .expect("the Conversaciones link")
        .click()
        .await
        .expect("open Conversaciones");
    assert!(
        text(&browser, "[data-list=waiting]")
            .await
            .contains("Laura Gómez")
    );
    browser.screenshot("conversaciones").await;
    browser
        .client
        .find(Locator::Css("[data-list=waiting] a"))
        .await
        .expect("Laura's conversation")
        .click()
        .await
        .expect("open the thread");
    assert!(
        text(&browser, "ol.chat")
            .await
            .contains("¿puedo hablar con alguien?")
    );
    browser.screenshot("conversacion").await;

    // Operación: the checks.
    browser
        .client
        .find(Locator::LinkText("Operación"))
        .await
        .expect("the Operación link")
        .click()
        .await
        .expect("open Operación");
    assert_eq!(text(&browser, "h1").await, "Operación");
    browser.screenshot("operacion").await;

    // Configuración: read-only.
    browser
        .client
        .find(Locator::LinkText("Configuración"))
        .await
        .expect("the Configuración link")
        .click()
        .await
        .expect("open Configuración");
    assert_eq!(text(&browser, "h1").await, "Configuración");
    browser.screenshot("configuracion").await;

    // Log out: back to the login page, and the dashboard asks for it again.
    browser
        .client
        .find(Locator::Css("form.logout button"))
        .await
        .expect("the logout button")
        .click()
        .await
        .expect("log out");
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_url(&url::Url::parse(&format!("{}/admin/login", system.api_url)).expect("url"))
        .await
        .expect("the login page after logout");
    browser
        .client
        .goto(&format!("{}/admin", system.api_url))
        .await
        .expect("open the dashboard again");
    text(&browser, "form[action='/admin/login']").await;

    let problems = browser.console_problems().await;
    assert!(problems.is_empty(), "console problems: {problems:#?}");
    browser
        .client
        .clone()
        .close()
        .await
        .expect("close the browser");
    system.stop().await;
}

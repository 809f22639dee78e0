//! Log in, read Inicio, log out; the page fits a 360 px phone and logs no console problem.

use std::time::Duration;

use fantoccini::Locator;
use shared::{
    clock::Clock,
    domain::{conversation::HandOffReason, whatsapp::MessageState},
};
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, ADMIN_PASSWORD},
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

/// Clicks the first element `locator` finds (`what` names it in a failure).
async fn click(browser: &Browser, locator: Locator<'_>, what: &str) {
    browser
        .client
        .find(locator)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {what}: {e}"));
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
    let cabin = app.an_arrival_and_a_hold("Ana Gómez").await;
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

    // A guest books through the API: the dashboard says so at once, without a reload.
    let start = app.today() + chrono::Duration::days(20);
    let booked = system
        .http
        .post(format!("{}/api/v1/reservations", system.api_url))
        .json(&fixtures::booking(
            cabin.id,
            start,
            start + chrono::Duration::days(2),
        ))
        .send()
        .await
        .expect("a booking");
    assert_eq!(booked.status(), 201);
    let toast = text(&browser, ".toasts a.toast").await;
    assert!(toast.starts_with("Nueva pre-reserva RES"), "{toast}");
    browser.screenshot("inicio-en-vivo").await;

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
    click(&browser, Locator::LinkText("Reservas"), "the Reservas link").await;
    assert_eq!(text(&browser, "h1").await, "Reservas");
    assert_eq!(text(&browser, "[data-total]").await, "3");
    let search = browser
        .client
        .find(Locator::Id("q"))
        .await
        .expect("the search box");
    search.send_keys("ana").await.expect("type a name");
    click(
        &browser,
        Locator::Css("form.filters button[type=submit]"),
        "the filter button",
    )
    .await;
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
    click(
        &browser,
        Locator::Css("table.list tbody a"),
        "the reservation's link",
    )
    .await;
    assert_eq!(text(&browser, "[data-field=guest_name]").await, "Ana Gómez");
    assert_eq!(text(&browser, "[data-field=balance]").await, "$ 150.000");
    browser.screenshot("reserva").await;

    // Calendario: every cabin's month, then one cabin's.
    click(
        &browser,
        Locator::LinkText("Calendario"),
        "the Calendario link",
    )
    .await;
    assert_eq!(text(&browser, "h1").await, "Calendario");
    let booked = browser
        .client
        .find_all(Locator::Css("table.timeline td.booked"))
        .await
        .expect("booked nights");
    assert!(!booked.is_empty(), "the confirmed stay's nights");
    browser.screenshot("calendario").await;
    click(
        &browser,
        Locator::Css("table.timeline th[scope=row] a"),
        "a cabin's month",
    )
    .await;
    text(&browser, "table.month").await;
    browser.screenshot("calendario-cabana").await;

    // Conversaciones: Laura waits for the owner; her thread.
    click(
        &browser,
        Locator::LinkText("Conversaciones"),
        "the Conversaciones link",
    )
    .await;
    assert!(
        text(&browser, "[data-list=waiting]")
            .await
            .contains("Laura Gómez")
    );
    browser.screenshot("conversaciones").await;
    click(
        &browser,
        Locator::Css("[data-list=waiting] a"),
        "Laura's conversation",
    )
    .await;
    assert!(
        text(&browser, "ol.chat")
            .await
            .contains("¿puedo hablar con alguien?")
    );
    browser.screenshot("conversacion").await;

    // Operación: the checks.
    click(
        &browser,
        Locator::LinkText("Operación"),
        "the Operación link",
    )
    .await;
    assert_eq!(text(&browser, "h1").await, "Operación");
    browser.screenshot("operacion").await;

    // Configuración: read-only.
    click(
        &browser,
        Locator::LinkText("Configuración"),
        "the Configuración link",
    )
    .await;
    assert_eq!(text(&browser, "h1").await, "Configuración");
    browser.screenshot("configuracion").await;

    // Log out: back to the login page, and the dashboard asks for it again.
    click(
        &browser,
        Locator::Css("form.logout button"),
        "the logout button",
    )
    .await;
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

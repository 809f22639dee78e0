//! Guest emails: each lifecycle notice goes through the real worker to a real SMTP server
//! (aiosmtpd, started per test), asserting recipients, subject and body, and the outcome
//! recorded in `email_log`.

use std::time::Duration;

use chrono::Duration as ChronoDuration;
use serde_json::{Value, json};
use shared::{
    clock::Clock,
    config::Secret,
    config_email::SmtpTls,
    domain::{ReservationCode, ReservationStatus},
    entities::{
        accommodation,
        email_log::{EmailOutcome, Model as EmailLog},
        reservation,
    },
    jobs::{
        maintenance::ExpirePreReservations,
        notifications::{GuestNotice, HoldReminders, NoticeEvent},
        payments::ReconcilePayment,
    },
    providers::EmailSender,
    service::{
        audit::{Actor, AuditContext},
        guest_notices::{self, Delivery, Mailer},
        transitions,
    },
    store,
};
use tests::harness::{
    TestApp, fixtures,
    mercadopago_stub::{MercadoPagoStub, payment_json},
    payments::{PUBLIC_BASE_URL, TEST_TOKEN},
    smtp_server::{ReceivedEmail, SmtpServer, free_port},
    wait_until,
    worker::TestWorker,
};

const WAIT: Duration = Duration::from_secs(20);

struct Env {
    app: TestApp,
    stub: MercadoPagoStub,
    smtp: Option<SmtpServer>,
    cabin: accommodation::Model,
}

/// An app whose email goes to a fresh aiosmtpd (or, with `smtp_up` false, to a port nothing
/// listens on) and whose Mercado Pago is the stub.
async fn env(smtp_up: bool) -> Env {
    let stub = MercadoPagoStub::start().await;
    let smtp = if smtp_up {
        Some(SmtpServer::start().await)
    } else {
        None
    };
    let port = smtp.as_ref().map_or_else(free_port, SmtpServer::port);
    let base = stub.url();
    let app = TestApp::with_settings(|s| {
        s.mercadopago_api_base = base;
        s.mercadopago_access_token = Secret::new(TEST_TOKEN);
        s.public_base_url = PUBLIC_BASE_URL.into();
        s.mercadopago_timeout_seconds = 5;
        s.smtp_host = Some("127.0.0.1".into());
        s.smtp_port = port;
        s.smtp_tls = SmtpTls::None;
        s.smtp_timeout_seconds = 5;
        s.email_from = "Cabañas <reservas@example.com>".into();
        s.email_reply_to = Some("duenio@example.com".into());
    })
    .await;
    let cabin = fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
    Env {
        app,
        stub,
        smtp,
        cabin,
    }
}

impl Env {
    async fn worker(&self) -> TestWorker {
        TestWorker::start(self.app.settings.clone(), self.app.clock.clone()).await
    }

    /// Books 2 nights 12 days ahead; `extra` replaces fields of the fixture booking.
    async fn book(&self, extra: Value) -> reservation::Model {
        let check_in = self.app.today() + ChronoDuration::days(12);
        let mut body =
            fixtures::booking(self.cabin.id, check_in, check_in + ChronoDuration::days(2));
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                if v.is_null() {
                    body.remove(k);
                } else {
                    body.insert(k.clone(), v.clone());
                }
            }
        }
        let reply = self.app.book(&body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let code =
            ReservationCode::parse(reply.body["code"].as_str().expect("code")).expect("code");
        store::reservations::find_by_code(self.app.conn(), &code)
            .await
            .expect("query")
            .expect("reservation")
    }

    fn messages(&self) -> Vec<ReceivedEmail> {
        self.smtp
            .as_ref()
            .map(SmtpServer::messages)
            .unwrap_or_default()
    }

    async fn wait_for_messages(&self, n: usize, what: &str) -> Vec<ReceivedEmail> {
        wait_until(what, WAIT, || async { self.messages().len() >= n }).await;
        self.messages()
    }

    async fn log(&self, reservation_id: i64) -> Vec<EmailLog> {
        guest_notices::email_log_of(self.app.conn(), reservation_id)
            .await
            .expect("email log")
    }

    async fn wait_for_outcome(
        &self,
        id: i64,
        event: NoticeEvent,
        outcome: EmailOutcome,
        deadline: Duration,
    ) -> EmailLog {
        let matches = |l: &EmailLog| l.event == event && l.outcome == outcome;
        wait_until(
            &format!("{event:?} to be {outcome:?}"),
            deadline,
            || async { self.log(id).await.iter().any(matches) },
        )
        .await;
        self.log(id)
            .await
            .into_iter()
            .find(|l| matches(l))
            .expect("row")
    }

    fn mailer<'a>(&'a self, sender: &'a EmailSender) -> Mailer<'a> {
        Mailer {
            sender,
            clock: self.app.clock.as_ref(),
            timezone: self.app.settings.timezone(),
            payment_links: None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_with_an_email_gets_one_email_with_the_payment_link_and_the_local_expiry() {
    let env = env(true).await;
    let worker = env.worker().await;

    let hold = env.book(json!({})).await;

    let mails = env.wait_for_messages(1, "the hold email").await;
    let mail = &mails[0];
    assert_eq!(mail.rcpt_tos, vec!["martin@example.com".to_owned()]);
    assert!(mail.to.contains("martin@example.com"), "{}", mail.to);
    assert!(mail.reply_to.contains("duenio@example.com"));
    assert!(mail.subject.contains("Cabaña del Lago"), "{}", mail.subject);
    assert!(mail.text.contains("¡Hola, Martín!"), "{}", mail.text);
    assert!(
        mail.text
            .contains("https://www.mercadopago.com.ar/checkout/v1/redirect?pref_id="),
        "{}",
        mail.text
    );
    let expires = hold
        .expires_at
        .expect("hold expiry")
        .with_timezone(&env.app.settings.timezone());
    assert!(
        mail.text.contains(&expires.format("%H:%M").to_string()),
        "{}",
        mail.text
    );
    assert!(
        mail.html
            .contains("href=\"https://www.mercadopago.com.ar/checkout/v1/redirect?pref_id=")
    );
    let log = env
        .wait_for_outcome(hold.id, NoticeEvent::HoldCreated, EmailOutcome::Sent, WAIT)
        .await;
    assert_eq!(log.recipient.as_deref(), Some("martin@example.com"));
    assert_eq!(log.attempts, 1);
    assert!(log.sent_at.is_some());
    worker.stop().await;
    assert_eq!(env.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_payment_sends_the_confirmation_with_check_in_details() {
    let env = env(true).await;
    let worker = env.worker().await;
    let hold = env.book(json!({})).await;
    env.wait_for_messages(1, "the hold email").await;
    let deposit = hold.deposit_amount.amount().to_string();
    env.stub.set_payment(
        "7770001",
        payment_json("7770001", hold.code.as_str(), "approved", &deposit),
    );

    env.app
        .state
        .queue
        .push(ReconcilePayment {
            payment_id: "7770001".into(),
            webhook_event_id: None,
            trace: None,
        })
        .await
        .expect("enqueue");

    let mails = env.wait_for_messages(2, "the confirmation").await;
    let mail = &mails[1];
    assert!(
        mail.subject.starts_with("¡Reserva confirmada!"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Check-in:"), "{}", mail.text);
    assert!(mail.text.contains(hold.code.as_str()));
    assert_eq!(mail.rcpt_tos, vec!["martin@example.com".to_owned()]);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsing_hold_is_reminded_once_and_its_expiry_is_announced() {
    let env = env(true).await;
    let worker = env.worker().await;
    let hold = env.book(json!({})).await;
    env.wait_for_messages(1, "the hold email").await;
    let expires = hold.expires_at.expect("expiry").to_utc();

    // Five minutes before the hold lapses the scan finds it, once.
    env.app
        .clock
        .advance(expires - env.app.clock.now() - ChronoDuration::minutes(5));
    for _ in 0..2 {
        env.app
            .state
            .queue
            .push(HoldReminders {
                slot: env.app.clock.now(),
            })
            .await
            .expect("enqueue");
    }
    let mails = env.wait_for_messages(2, "the reminder").await;
    assert!(
        mails[1].subject.contains("vence en unos minutos"),
        "{}",
        mails[1].subject
    );

    // Past the expiry the sweep expires it and the guest is told.
    env.app.clock.advance(ChronoDuration::minutes(6));
    env.app
        .state
        .queue
        .push(ExpirePreReservations {
            slot: env.app.clock.now(),
        })
        .await
        .expect("enqueue");
    let mails = env.wait_for_messages(3, "the expiry email").await;
    assert!(
        mails[2].subject.starts_with("Se liberó tu reserva"),
        "{}",
        mails[2].subject
    );
    worker.stop().await;
    let events: Vec<NoticeEvent> = env.log(hold.id).await.iter().map(|l| l.event).collect();
    assert_eq!(
        events,
        vec![
            NoticeEvent::HoldCreated,
            NoticeEvent::Expiring,
            NoticeEvent::Expired
        ]
    );
    assert_eq!(
        env.messages().len(),
        3,
        "the second scan reminded nobody again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_is_announced() {
    let env = env(true).await;
    let worker = env.worker().await;
    let hold = env.book(json!({})).await;
    env.wait_for_messages(1, "the hold email").await;

    let audit = AuditContext {
        actor: Actor::System("test"),
        trace_id: None,
    };
    transitions::transition_notifying(
        env.app.conn(),
        env.app.clock.as_ref(),
        &audit,
        &hold.code,
        ReservationStatus::Cancelled,
        Some("pedido del huésped"),
        Some(&env.app.state.queue),
    )
    .await
    .expect("cancelled");

    let mails = env.wait_for_messages(2, "the cancellation").await;
    assert!(
        mails[1].subject.starts_with("Cancelamos tu reserva"),
        "{}",
        mails[1].subject
    );
    assert!(mails[1].text.contains("quedó cancelada"));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_without_email_is_skipped_and_nothing_is_sent() {
    let env = env(true).await;
    let worker = env.worker().await;

    let hold = env.book(json!({ "guest_email": null })).await;

    let log = env
        .wait_for_outcome(
            hold.id,
            NoticeEvent::HoldCreated,
            EmailOutcome::Skipped,
            WAIT,
        )
        .await;
    assert_eq!(log.recipient, None);
    assert!(log.error.as_deref().is_some_and(|e| e.contains("no email")));
    worker.stop().await;
    assert!(env.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_notice_twice_sends_one_email() {
    let env = env(true).await;
    let hold = env.book(json!({})).await; // no worker: the notice is delivered here
    let sender = EmailSender::from_settings(&env.app.settings).expect("sender");
    let notice = GuestNotice::new(hold.id, NoticeEvent::HoldCreated);

    let first = guest_notices::deliver(env.app.conn(), env.mailer(&sender), &notice)
        .await
        .expect("first");
    let second = guest_notices::deliver(env.app.conn(), env.mailer(&sender), &notice)
        .await
        .expect("second");

    assert_eq!(first, Delivery::Sent);
    assert_eq!(second, Delivery::AlreadyHandled);
    assert_eq!(env.messages().len(), 1);
    let log = env.log(hold.id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, EmailOutcome::Sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_mail_server_down_the_notice_is_retried_then_recorded_failed() {
    let env = env(false).await;
    let worker = env.worker().await;

    let hold = env.book(json!({})).await;

    let log = env
        .wait_for_outcome(
            hold.id,
            NoticeEvent::HoldCreated,
            EmailOutcome::Failed,
            WAIT,
        )
        .await;
    assert!(
        log.error
            .as_deref()
            .is_some_and(|e| e.contains("transient")),
        "{:?}",
        log.error
    );
    // Retried with backoff (1 s, 2 s, 4 s, 8 s ± 50 %) up to the job's attempts, then given up.
    let attempts = <GuestNotice as shared::jobs::Job>::MAX_ATTEMPTS;
    wait_until(
        "every attempt and the failed job",
        Duration::from_secs(60),
        || async {
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            use shared::entities::failed_job;
            failed_job::Entity::find()
                .filter(failed_job::Column::JobName.eq("guest_notice.v1"))
                .count(env.app.conn())
                .await
                .unwrap_or_default()
                == 1
        },
    )
    .await;
    let log = env.log(hold.id).await;
    assert_eq!(log[0].outcome, EmailOutcome::Failed);
    assert_eq!(
        usize::try_from(log[0].attempts).expect("attempts"),
        attempts
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_the_server_refuses_is_recorded_and_not_retried() {
    let env = env(true).await;
    let hold = env
        .book(json!({ "guest_email": "rechazado@example.com" }))
        .await;
    let sender = EmailSender::from_settings(&env.app.settings).expect("sender");
    let notice = GuestNotice::new(hold.id, NoticeEvent::HoldCreated);

    let outcome = guest_notices::deliver(env.app.conn(), env.mailer(&sender), &notice)
        .await
        .expect("a refusal is not a job error");

    assert!(matches!(outcome, Delivery::Refused(_)), "{outcome:?}");
    let log = env.log(hold.id).await;
    assert_eq!(log[0].outcome, EmailOutcome::Failed);
    assert_eq!(log[0].attempts, 1);
    assert!(env.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_guest_name_is_escaped_in_the_html() {
    let env = env(true).await;
    let hold = env
        .book(json!({ "guest_name": "<script>alert('x')</script> Ana & \"Co\"" }))
        .await;
    let sender = EmailSender::from_settings(&env.app.settings).expect("sender");

    guest_notices::deliver(
        env.app.conn(),
        env.mailer(&sender),
        &GuestNotice::new(hold.id, NoticeEvent::HoldCreated),
    )
    .await
    .expect("sent");

    let mails = env.messages();
    assert_eq!(mails.len(), 1);
    assert!(!mails[0].html.contains("<script>"), "{}", mails[0].html);
    assert!(
        mails[0].html.contains("&lt;script&gt;"),
        "{}",
        mails[0].html
    );
    assert!(
        mails[0].text.contains("<script>alert"),
        "the plain text is as typed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_resend_of_the_payment_link_emails_the_link_once_and_a_hasty_one_is_refused() {
    use shared::service::payment_link_resend::{
        Channels, RESEND_COOLDOWN, Resend, ResendRefusal, resend,
    };
    // Arrange: a hold whose first email went out.
    let env = env(true).await;
    let worker = env.worker().await;
    let hold = env.book(json!({})).await;
    env.wait_for_messages(1, "the hold email").await;
    let owner = AuditContext {
        actor: Actor::Admin("duenio@example.com".into()),
        trace_id: None,
    };
    let app = &env.app;
    let again = || {
        resend(
            app.conn(),
            app.clock.as_ref(),
            &owner,
            &hold.code,
            &app.state.queue,
        )
    };

    // Act
    let first = again().await.expect("first resend");
    let mails = env.wait_for_messages(2, "the resent link").await;
    let hasty = again().await.expect("hasty resend");
    app.clock
        .advance(RESEND_COOLDOWN + ChronoDuration::seconds(1));
    let second = again().await.expect("second resend");
    let mails_after = env.wait_for_messages(3, "the second resent link").await;
    let log = env
        .wait_for_outcome(
            hold.id,
            NoticeEvent::PaymentLinkResent,
            EmailOutcome::Sent,
            WAIT,
        )
        .await;

    // Assert
    let queued = Resend::Queued(Channels {
        email: true,
        whatsapp: false,
    });
    assert_eq!(first, queued);
    assert_eq!(second, queued);
    assert!(
        matches!(hasty, Resend::Refused(ResendRefusal::TooSoon { .. })),
        "{hasty:?}"
    );
    let mail = &mails[1];
    assert_eq!(mail.rcpt_tos, vec!["martin@example.com".to_owned()]);
    assert!(mail.subject.contains("Tu link de pago"), "{}", mail.subject);
    assert!(mail.text.contains("Te reenviamos el link"), "{}", mail.text);
    assert!(
        mail.text
            .contains("https://www.mercadopago.com.ar/checkout/v1/redirect?pref_id="),
        "{}",
        mail.text
    );
    assert_eq!(mails_after.len(), 3);
    assert_eq!(log.resend, 2, "the row is the latest resend's");
    assert_eq!(log.attempts, 1);
    worker.stop().await;
}

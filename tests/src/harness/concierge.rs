//! Scripted WhatsApp conversations: the in-process API (signed webhooks), a real worker, and
//! stand-ins for the Graph API, Mercado Pago and the transcription service. A guest says,
//! taps and speaks; the test reads back exactly what the bot sent.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use poem::http::StatusCode;
use serde_json::{Value, json};
use shared::{clock::Clock, config::Secret, entities::accommodation};

use super::{
    TestApp, fixtures,
    graph_stub::{self, GraphStub, SentMessage},
    mercadopago_stub::{MercadoPagoStub, payment_json},
    payments::{PUBLIC_BASE_URL, TEST_TOKEN},
    stt_stub::SttStub,
    webhooks::{post_mp_notification, post_signed_whatsapp},
    worker::TestWorker,
};

/// A guest's WhatsApp id.
pub const GUEST: &str = "5492944111111";
/// Another guest's WhatsApp id.
pub const OTHER_GUEST: &str = "5492944222222";
/// The guest's profile name.
pub const GUEST_NAME: &str = "Ana Pérez";
/// The lake cabin's photos.
pub const LAKE_PHOTOS: [&str; 2] = [
    "https://fotos.example.com/lago-1.jpg",
    "https://fotos.example.com/lago-2.jpg",
];
/// The approved template of the tests.
pub const TEMPLATE: &str = "retomar_conversacion";
/// How long a test waits for the bot.
const REPLY_DEADLINE: Duration = Duration::from_secs(15);

/// The system a guest talks to.
pub struct ConciergeApp {
    /// The app (its clock, database, in-process API).
    pub app: TestApp,
    /// The Graph API's stand-in: what the bot sent.
    pub graph: GraphStub,
    /// Mercado Pago's stand-in.
    pub mp: MercadoPagoStub,
    /// The transcription service's stand-in.
    pub stt: SttStub,
    /// "Cabaña del Lago" (4 guests, $ 50.000, two photos) and "Cabaña del Bosque" (6 guests,
    /// $ 80.000, none).
    pub cabins: Vec<accommodation::Model>,
    workers: Vec<TestWorker>,
    next_message: AtomicI64,
}

impl ConciergeApp {
    /// Starts everything, with two cabins and a worker.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// [`ConciergeApp::start`] with settings that `tweak` adjusts last (the benchmark sizes
    /// the worker with it).
    pub async fn start_with(tweak: impl FnOnce(&mut shared::config::Settings)) -> Self {
        let graph = GraphStub::start().await;
        let mp = MercadoPagoStub::start().await;
        let stt = SttStub::start().await;
        let (graph_url, mp_url, stt_url) = (graph.base_url(), mp.url(), stt.base_url());
        let app = TestApp::with_settings(|s| {
            s.whatsapp_api_base = graph_url;
            s.whatsapp_phone_id = graph_stub::PHONE_ID.into();
            s.whatsapp_access_token = Secret::new(graph_stub::TOKEN);
            s.whatsapp_template_name = TEMPLATE.into();
            s.mercadopago_api_base = mp_url;
            s.mercadopago_access_token = Secret::new(TEST_TOKEN);
            s.public_base_url = PUBLIC_BASE_URL.into();
            s.stt_base_url = Some(stt_url);
            tweak(s);
        })
        .await;
        let lake = fixtures::cabin("Cabaña del Lago")
            .capacity(4)
            .photos(&[LAKE_PHOTOS[0], LAKE_PHOTOS[1]])
            .base_price("50000.00")
            .insert(app.conn())
            .await;
        let forest = fixtures::cabin("Cabaña del Bosque")
            .capacity(6)
            .base_price("80000.00")
            .insert(app.conn())
            .await;
        let worker = TestWorker::start(app.settings.clone(), app.clock.clone()).await;
        let next_message = AtomicI64::new(app.clock.now().timestamp());
        Self {
            app,
            graph,
            mp,
            stt,
            cabins: vec![lake, forest],
            workers: vec![worker],
            next_message,
        }
    }

    /// A webhook body with one message from `from` (a fresh wamid, a later timestamp than
    /// the previous one); returns the body and the wamid.
    pub fn body(&self, from: &str, message: Value) -> (Vec<u8>, String) {
        let at = self.next_message.fetch_add(1, Ordering::SeqCst);
        let wamid = format!("wamid.test.{from}.{at}");
        let mut message = message;
        message["from"] = json!(from);
        message["id"] = json!(wamid);
        message["timestamp"] = json!(at.to_string());
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "5492944000000", "phone_number_id": graph_stub::PHONE_ID},
                "contacts": [{"profile": {"name": GUEST_NAME}, "wa_id": from}],
                "messages": [message]
            }}]}]
        });
        (body.to_string().into_bytes(), wamid)
    }

    /// Delivers a webhook body as Meta does; it must be acknowledged.
    pub async fn deliver(&self, body: Vec<u8>) {
        post_signed_whatsapp(&self.app.client, body)
            .await
            .assert_status(StatusCode::ACCEPTED);
    }

    /// The guest writes `text`; returns its wamid.
    pub async fn say(&self, from: &str, text: &str) -> String {
        let (body, wamid) = self.body(from, json!({"type": "text", "text": {"body": text}}));
        self.deliver(body).await;
        wamid
    }

    /// The guest taps the reply button `id` titled `title`.
    pub async fn tap(&self, from: &str, id: &str, title: &str) -> String {
        let message = json!({"type": "interactive", "interactive": {
            "type": "button_reply", "button_reply": {"id": id, "title": title}}});
        let (body, wamid) = self.body(from, message);
        self.deliver(body).await;
        wamid
    }

    /// The guest sends a voice note whose media id is `media_id` (add it to the Graph stub).
    pub async fn voice(&self, from: &str, media_id: &str) -> String {
        let message = json!({"type": "audio", "audio": {
            "id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": true}});
        let (body, wamid) = self.body(from, message);
        self.deliver(body).await;
        wamid
    }

    /// Meta's status callback `status` for our message `wamid` to `to`, with `errors[]`.
    pub async fn status(&self, to: &str, wamid: &str, status: &str, errors: Value) {
        let at = self.next_message.fetch_add(1, Ordering::SeqCst);
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "5492944000000", "phone_number_id": graph_stub::PHONE_ID},
                "statuses": [{"id": wamid, "status": status, "timestamp": at.to_string(),
                              "recipient_id": to, "errors": errors}]
            }}]}]
        });
        self.deliver(body.to_string().into_bytes()).await;
    }

    /// Waits until the worker has finished `count` jobs of `job` (e.g. `whatsapp_inbound.v1`):
    /// after that, whatever those jobs were going to send has been sent.
    pub async fn settled(&self, job: &str, count: u64) {
        let series = format!("jobs_processed_total{{job=\"{job}\"}} ");
        let give_up = std::time::Instant::now() + REPLY_DEADLINE;
        loop {
            let metrics = self.app.metrics().await;
            let done = metrics
                .lines()
                .find_map(|line| line.strip_prefix(series.as_str()))
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(0);
            if done >= count {
                return;
            }
            assert!(
                std::time::Instant::now() < give_up,
                "timed out waiting for {count} {job} jobs (done: {done})\nstored: {:#?}",
                self.stored().await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the bot has sent `to` at least `count` messages in all; returns them all.
    /// On timeout it fails with what was sent and what the conversation stored.
    pub async fn replies(&self, to: &str, count: usize) -> Vec<SentMessage> {
        let give_up = std::time::Instant::now() + REPLY_DEADLINE;
        while self.graph.sent_to(to).len() < count {
            if std::time::Instant::now() > give_up {
                panic!(
                    "timed out waiting for {count} messages to {to}\nsent: {:#?}\nstored: {:#?}",
                    self.graph.sent_to(to),
                    self.stored().await
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.graph.sent_to(to)
    }

    /// Every stored WhatsApp message as `direction type state text error`, oldest first.
    pub async fn stored(&self) -> Vec<String> {
        use sea_orm::{EntityTrait, QueryOrder};
        use shared::entities::whatsapp_message::{Column, Entity};
        Entity::find()
            .order_by_asc(Column::Id)
            .all(self.app.conn())
            .await
            .expect("messages")
            .into_iter()
            .map(|m| {
                format!(
                    "{:?} {} {:?} {:?} {:?}",
                    m.direction, m.message_type, m.state, m.text_body, m.error
                )
            })
            .collect()
    }

    /// Mercado Pago approves payment `id` of `amount` for reservation `code` and notifies.
    pub async fn pay(&self, id: &str, code: &str, amount: &str) {
        self.mp
            .set_payment(id, payment_json(id, code, "approved", amount));
        let status = post_mp_notification(&self.app, id, &format!("req-{id}")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }

    /// Starts one more worker process on the same queues (another machine).
    pub async fn add_worker(&mut self) {
        let worker = TestWorker::start(self.app.settings.clone(), self.app.clock.clone()).await;
        self.workers.push(worker);
    }

    /// Stops the workers.
    pub async fn stop(self) {
        for worker in self.workers {
            worker.stop().await;
        }
    }
}

//! Scripted conversations off the straight path: voice notes, the transcription service down,
//! hand-offs (asked for, or after three misunderstandings), pictures, the 24-hour window
//! (Meta's 131047 on a send or in a status callback, and a notice after a day of silence), and
//! the hold's reminder and expiry told on WhatsApp.

use chrono::{Duration, NaiveDate};
use sea_orm::EntityTrait;
use serde_json::json;
use shared::{
    domain::{conversation::HandOffReason, whatsapp::MessageState},
    entities::conversation,
    jobs::notifications::{GuestNotice, NoticeEvent},
    service::conversation as conversations,
};
use tests::harness::{
    concierge::{ConciergeApp, GUEST, LAKE_PHOTOS, TEMPLATE},
    conversation_fixtures, fixtures,
    graph_stub::Reply,
};

const VOICE_NOTE: &[u8] = include_bytes!("../../fixtures/voice-note-es.ogg");

async fn start() -> ConciergeApp {
    let env = ConciergeApp::start().await;
    env.app
        .travel_to(NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"));
    env
}

async fn the_conversation(env: &ConciergeApp) -> conversation::Model {
    let all = conversation::Entity::find()
        .all(env.app.conn())
        .await
        .expect("conversations");
    assert_eq!(all.len(), 1);
    all.into_iter().next().expect("one")
}

/// Quotes and taps Reservar on the first cabin: returns the messages so far (4) and the hold.
async fn hold(
    env: &ConciergeApp,
) -> (
    Vec<tests::harness::graph_stub::SentMessage>,
    shared::entities::reservation::Model,
) {
    env.say(GUEST, "para 2 del 15 al 17 de enero").await;
    let book = env.replies(GUEST, 3).await[1].button_ids[0].clone();
    env.tap(GUEST, &book, "Reservar").await;
    let sent = env.replies(GUEST, 4).await;
    let holds = fixtures::reservations(env.app.conn()).await;
    (sent, holds.into_iter().next().expect("a hold"))
}

async fn notice(env: &ConciergeApp, reservation_id: i64, event: NoticeEvent) {
    env.app
        .state
        .queue
        .push(GuestNotice::new(reservation_id, event))
        .await
        .expect("enqueue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_note_is_transcribed_and_booked_like_text() {
    let env = start().await;
    env.graph
        .add_media("880001", "audio/ogg; codecs=opus", VOICE_NOTE.to_vec());

    env.voice(GUEST, "880001").await;

    let sent = env.replies(GUEST, 3).await;
    assert_eq!(sent[0].text, "¡Hola, Ana! 👋 Te paso lo que tenemos:");
    assert!(
        sent[1].text.starts_with(
            "🏡 *Cabaña del Lago*\n📅 del vie 15/01 al dom 17/01 (2 noches)\n👥 4 personas"
        ),
        "{}",
        sent[1].text
    );
    let heard = env.stt.requests();
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].language.as_deref(), Some("es"));
    assert_eq!(heard[0].file_len, VOICE_NOTE.len());
    env.tap(GUEST, &sent[1].button_ids[0], "Reservar").await;
    let sent = env.replies(GUEST, 4).await;
    assert!(sent[3].text.starts_with("¡Listo! Te guardé las noches."));
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_transcription_service_down_the_guest_is_asked_to_write() {
    let env = start().await;
    env.graph
        .add_media("880002", "audio/ogg; codecs=opus", VOICE_NOTE.to_vec());
    env.stt.fail_all(true);

    env.voice(GUEST, "880002").await;

    let sent = env.replies(GUEST, 1).await;
    assert_eq!(
        sent[0].text,
        "Perdón, no pude entender bien el audio. 🙏 ¿Me lo escribís?"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_a_person_hands_the_conversation_over_and_the_bot_goes_quiet() {
    let env = start().await;

    env.say(GUEST, "quiero hablar con alguien").await;
    let sent = env.replies(GUEST, 1).await;
    env.say(GUEST, "hola? hay alguien?").await;
    env.settled("whatsapp_inbound.v1", 2).await;

    assert_eq!(
        sent[0].text,
        "Te paso con una persona del equipo, que te va a responder por acá lo antes posible. 🙋"
    );
    assert_eq!(env.graph.sent_to(GUEST).len(), 1);
    let talk = the_conversation(&env).await;
    assert!(talk.handed_off);
    assert_eq!(talk.hand_off_reason, Some(HandOffReason::Human));
    assert!(
        env.stored()
            .await
            .iter()
            .any(|m| m.starts_with("Inbound text Unanswered Some(\"hola? hay alguien?\")"))
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_misunderstood_messages_in_a_row_go_to_the_owner() {
    let env = start().await;

    for (i, text) in ["asdfgh", "qwerty uiop", "zxcvb"].iter().enumerate() {
        env.say(GUEST, text).await;
        env.replies(GUEST, i + 1).await;
    }

    let sent = env.graph.texts_to(GUEST);
    assert!(sent[0].starts_with("Perdón, no te entendí."), "{sent:?}");
    assert!(sent[1].starts_with("Perdón, no te entendí."), "{sent:?}");
    assert!(
        sent[2].starts_with("Te paso con una persona del equipo"),
        "{sent:?}"
    );
    let talk = the_conversation(&env).await;
    assert_eq!(talk.hand_off_reason, Some(HandOffReason::Misunderstood));
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_gets_a_polite_answer() {
    let env = start().await;
    let (body, _) = env.body(
        GUEST,
        json!({"type": "image", "image": {"id": "990001", "mime_type": "image/jpeg"}}),
    );

    env.deliver(body).await;

    let sent = env.replies(GUEST, 1).await;
    assert_eq!(
        sent[0].text,
        "¡Gracias por la imagen! Yo solo puedo leer texto: contame por escrito en qué te ayudo."
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_saying_the_window_closed_gets_the_template_instead() {
    // Arrange: Meta refuses with 131047 (the read receipt goes first and gets it too).
    let env = start().await;
    env.graph
        .fail_next([Reply::graph(400, 131_047), Reply::graph(400, 131_047)]);

    env.say(GUEST, "quiero hablar con alguien").await;

    let sent = env.replies(GUEST, 1).await;
    assert_eq!(sent[0].kind, "template");
    assert_eq!(sent[0].template.as_deref(), Some(TEMPLATE));
    assert_eq!(sent[0].parameters, ["Ana"]);
    assert!(
        env.stored()
            .await
            .iter()
            .any(|m| m.contains("Failed") && m.contains("window_closed"))
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_status_for_a_closed_window_sends_the_template() {
    let env = start().await;
    env.say(GUEST, "quiero hablar con alguien").await;
    let sent = env.replies(GUEST, 1).await;

    env.status(
        GUEST,
        &sent[0].wamid,
        "failed",
        json!([{"code": 131047, "title": "Re-engagement message"}]),
    )
    .await;

    let sent = env.replies(GUEST, 2).await;
    assert_eq!(sent[1].template.as_deref(), Some(TEMPLATE));
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_after_a_day_of_silence_goes_as_the_template_never_as_free_text() {
    let env = start().await;
    let (_, hold) = hold(&env).await;
    env.app.clock.advance(Duration::hours(25));

    notice(&env, hold.id, NoticeEvent::Expired).await;

    let sent = env.replies(GUEST, 5).await;
    assert_eq!(sent[4].kind, "template");
    assert_eq!(sent.len(), 5);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hold_reminder_and_expiry_are_told_and_the_guest_can_try_again() {
    let env = start().await;
    let (_, hold) = hold(&env).await;

    notice(&env, hold.id, NoticeEvent::Expiring).await;
    let sent = env.replies(GUEST, 5).await;
    assert!(
        sent[4].text.starts_with(&format!(
            "⏰ Te aviso que la reserva *{}* vence a las",
            hold.code
        )),
        "{}",
        sent[4].text
    );
    assert!(sent[4].text.contains("https://"), "{}", sent[4].text);

    fixtures::set_status(env.app.conn(), hold.code.as_str(), "expired").await;
    notice(&env, hold.id, NoticeEvent::Expired).await;
    let sent = env.replies(GUEST, 6).await;
    assert!(
        sent[5].text.starts_with(&format!(
            "La reserva *{}* (del vie 15/01 al dom 17/01 (2 noches)) venció",
            hold.code
        )),
        "{}",
        sent[5].text
    );
    assert_eq!(sent[5].buttons, ["Reservar de nuevo"]);

    // The same notice again tells nothing new.
    notice(&env, hold.id, NoticeEvent::Expired).await;
    env.settled("guest_notice.v1", 3).await;
    assert_eq!(env.graph.sent_to(GUEST).len(), 6);

    // "Reservar de nuevo" quotes the same stay again.
    env.tap(GUEST, &sent[5].button_ids[0], "Reservar de nuevo")
        .await;
    let sent = env.replies(GUEST, 7).await;
    assert!(
        sent[6]
            .text
            .starts_with("🏡 *Cabaña del Lago*\n📅 del vie 15/01 al dom 17/01"),
        "{}",
        sent[6].text
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ver_fotos_sends_the_cabins_photos_and_questions_get_answers() {
    let env = start().await;
    env.say(GUEST, "para 2 del 15 al 17 de enero").await;
    let photos = env.replies(GUEST, 3).await[1].button_ids[1].clone();

    env.tap(GUEST, &photos, "Ver fotos").await;
    let sent = env.replies(GUEST, 5).await;
    assert_eq!(
        (sent[3].kind.as_str(), sent[4].kind.as_str()),
        ("image", "image")
    );
    assert_eq!(sent[3].body["image"]["link"], LAKE_PHOTOS[0]);
    assert_eq!(sent[4].body["image"]["link"], LAKE_PHOTOS[1]);
    assert_eq!(sent[3].text, "Cabaña del Lago");

    env.say(GUEST, "y dónde quedan?").await;
    let sent = env.replies(GUEST, 6).await;
    assert_eq!(
        sent[5].text,
        "📍 Estamos acá:\n• Cabaña del Lago: Villa La Angostura\n• Cabaña del Bosque: Villa La Angostura"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_answers_stranded_messages_but_not_handed_off_or_old_ones() {
    // Arrange: three guests with a message unanswered for two minutes (one of them handed to
    // the owner) and one with a message from two hours ago — as a dead worker leaves them.
    let env = start().await;
    let db = env.app.conn();
    let now = shared::clock::Clock::now(env.app.clock.as_ref());
    let stranded = conversation_fixtures::guest(db, "+5492944333333", "Lía", now).await;
    conversation_fixtures::inbound(
        db,
        &stranded,
        "hola",
        now - Duration::minutes(2),
        MessageState::Unanswered,
    )
    .await;
    let owners = conversation_fixtures::guest(db, "+5492944444444", "Tomás", now).await;
    conversation_fixtures::conversation(db, &owners, now, Some(HandOffReason::Human)).await;
    conversation_fixtures::inbound(
        db,
        &owners,
        "hola",
        now - Duration::minutes(2),
        MessageState::Unanswered,
    )
    .await;
    let old = conversation_fixtures::guest(db, "+5492944555555", "Rita", now).await;
    conversation_fixtures::inbound(
        db,
        &old,
        "hola",
        now - Duration::hours(2),
        MessageState::Unanswered,
    )
    .await;

    // Act: a sweep (as the every-minute job runs it).
    let ctx = worker::JobContext::new(
        db.clone(),
        env.app.state.queue.clone(),
        env.app.clock.clone(),
        env.app.settings.clone(),
    )
    .expect("context");
    conversations::sweep(&ctx.concierge).await.expect("sweep");

    // Assert: the stranded guest is greeted; the owner's guest and the old message are not.
    let sent = env.replies("5492944333333", 1).await;
    assert!(
        sent[0].text.starts_with("¡Hola, Lía! 👋"),
        "{}",
        sent[0].text
    );
    assert!(env.graph.sent_to("5492944444444").is_empty());
    assert!(env.graph.sent_to("5492944555555").is_empty());
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_resend_of_the_payment_link_is_told_in_the_conversation_once() {
    let env = start().await;
    let (_, hold) = hold(&env).await;
    let queue = &env.app.state.queue;

    // The first resend delivered twice, then a second one.
    for resend in [1, 1, 2] {
        queue
            .push(GuestNotice::resend(hold.id, resend))
            .await
            .expect("enqueue");
    }

    let sent = env.replies(GUEST, 6).await;
    for reply in &sent[4..] {
        assert!(
            reply
                .text
                .starts_with("¡Hola! Te reenvío el link de pago de tu reserva *"),
            "{}",
            reply.text
        );
        assert!(reply.text.contains(hold.code.as_str()), "{}", reply.text);
        assert!(
            reply.text.contains("Para confirmarla, pagá la seña de $ "),
            "{}",
            reply.text
        );
        assert!(reply.text.contains("https://"), "{}", reply.text);
    }
    env.settled("guest_notice.v1", 3).await;
    assert_eq!(env.graph.sent_to(GUEST).len(), 6);
    env.stop().await;
}

//! The Graph API client against the local stand-in: each message kind's exact JSON, the
//! bearer token, the wamid, read receipts, media downloads and their limit, retries, the
//! closed 24-hour window and the circuit breaker.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use shared::{
    Error,
    clock::OffsetClock,
    config::{Secret, Settings},
    domain::{ListRow, OutboundMessage, ReplyButton},
    providers::whatsapp::{
        BreakerPolicy, CircuitState, GraphError, RetryPolicy, SendError, WhatsappClient,
    },
};
use tests::harness::graph_stub::{GraphStub, PHONE_ID, Reply, TOKEN};

const GUEST: &str = "5491155550000";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        budget: Duration::from_secs(5),
    }
}

fn client(stub: &GraphStub) -> WhatsappClient {
    let settings = Settings {
        whatsapp_api_base: stub.base_url(),
        whatsapp_phone_id: PHONE_ID.into(),
        whatsapp_access_token: Secret::new(TOKEN),
        whatsapp_template_name: "seguimiento_reserva".into(),
        ..Settings::default()
    };
    WhatsappClient::from_settings(&settings)
        .expect("client")
        .with_retry(fast_retries())
}

fn messages_path() -> String {
    format!("/v21.0/{PHONE_ID}/messages")
}

#[tokio::test]
async fn every_message_kind_goes_out_in_graphs_format_with_the_bearer_and_returns_the_wamid() {
    let stub = GraphStub::start().await;
    let client = client(&stub);
    let messages = [
        OutboundMessage::text("¡Hola! ¿Para qué fechas?").expect("valid"),
        OutboundMessage::buttons(
            "Cabaña Lago: $ 54.000",
            vec![
                ReplyButton::new("book:lago", "Reservar").expect("valid"),
                ReplyButton::new("other_dates", "Otras fechas").expect("valid"),
            ],
        )
        .expect("valid"),
        OutboundMessage::list(
            "Estas son nuestras cabañas",
            "Ver cabañas",
            "Nuestras cabañas",
            vec![
                ListRow::new("cabin:lago", "Cabaña Lago", Some("Hasta 4 personas")).expect("valid"),
            ],
        )
        .expect("valid"),
        OutboundMessage::image("https://cdn.example.com/lago.jpg", Some("Cabaña Lago"))
            .expect("valid"),
        client
            .window_template(&["Ana"])
            .expect("a template is configured"),
    ];

    let mut wamids = Vec::new();
    for message in &messages {
        wamids.push(
            client
                .send("+54 9 11 5555-0000", message)
                .await
                .expect("sent"),
        );
    }

    let requests = stub.requests();
    assert_eq!(requests.len(), 5);
    for (request, message) in requests.iter().zip(&messages) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, messages_path());
        assert_eq!(request.bearer.as_deref(), Some(TOKEN));
        assert_eq!(request.body, message.to_graph_json(GUEST));
    }
    assert_eq!(
        requests[0].body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": GUEST,
               "type": "text", "text": {"preview_url": false, "body": "¡Hola! ¿Para qué fechas?"}})
    );
    assert_eq!(
        requests[4].body["template"],
        json!({"name": "seguimiento_reserva", "language": {"code": "es_AR"},
               "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]})
    );
    let sent = stub.sent_to(GUEST);
    assert_eq!(
        sent.iter().map(|m| m.wamid.clone()).collect::<Vec<_>>(),
        wamids
    );
    assert!(wamids.iter().all(|w| w.starts_with("wamid.")));
    assert_eq!(
        sent.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(),
        ["text", "buttons", "list", "image", "template"]
    );
    assert_eq!(sent[1].buttons, ["Reservar", "Otras fechas"]);
    assert_eq!(sent[2].rows, ["Cabaña Lago"]);
    assert_eq!(sent[3].text, "Cabaña Lago");
    assert_eq!(
        stub.texts_to(GUEST)[4],
        "[seguimiento_reserva]",
        "templates read back by name"
    );
}

#[tokio::test]
async fn an_inbound_message_is_marked_read() {
    let stub = GraphStub::start().await;
    client(&stub)
        .mark_read("wamid.HBgLNTQ5MTE1NTU1MDAwMBUCABIYFDNBMDMwQzFCQzVFQTk0RTk1NkE2AA==")
        .await
        .expect("marked read");
    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, messages_path());
    assert_eq!(requests[0].bearer.as_deref(), Some(TOKEN));
    assert_eq!(
        requests[0].body,
        json!({"messaging_product": "whatsapp", "status": "read",
               "message_id": "wamid.HBgLNTQ5MTE1NTU1MDAwMBUCABIYFDNBMDMwQzFCQzVFQTk0RTk1NkE2AA=="})
    );
    assert!(stub.sent().is_empty(), "a read receipt is not a message");
}

#[tokio::test]
async fn a_voice_note_is_downloaded_with_the_bearer_in_two_steps() {
    let stub = GraphStub::start().await;
    let audio: Vec<u8> = (0..=255u8).cycle().take(40_000).collect();
    stub.add_media("1234567890", "audio/ogg; codecs=opus", audio.clone());

    let media = client(&stub)
        .download_media("1234567890")
        .await
        .expect("media");

    assert_eq!(media.bytes, audio);
    assert_eq!(media.mime_type, "audio/ogg; codecs=opus");
    let requests = stub.requests();
    assert_eq!(
        requests.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/v21.0/1234567890", "/media-files/1234567890"]
    );
    assert!(requests.iter().all(|r| r.bearer.as_deref() == Some(TOKEN)));
}

#[tokio::test]
async fn media_over_the_limit_or_unknown_is_refused() {
    let stub = GraphStub::start().await;
    stub.add_media("1", "audio/ogg", vec![7; 4096]);
    let client = client(&stub).with_max_media_bytes(2048);

    let too_large = client.download_media("1").await.expect_err("fails");
    assert!(
        matches!(&too_large, Error::Invalid(fields) if fields[0].code == "media_too_large"),
        "{too_large:?}"
    );
    assert_eq!(
        stub.requests().len(),
        1,
        "refused from the announced size, never fetched"
    );

    assert!(matches!(
        client.download_media("999").await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        client.download_media("../etc").await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test]
async fn server_errors_and_throttling_are_retried_until_the_send_succeeds() {
    let stub = GraphStub::start().await;
    stub.fail_next([Reply::graph(500, 131_000), Reply::graph(429, 130_429)]);

    let wamid = client(&stub)
        .send(GUEST, &OutboundMessage::text("Hola").expect("valid"))
        .await
        .expect("sent on the third attempt");

    assert_eq!(stub.requests().len(), 3);
    assert_eq!(stub.sent().len(), 1);
    assert_eq!(stub.sent()[0].wamid, wamid);
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let stub = GraphStub::start().await;
    stub.fail_next([Reply::Hang]);
    let client = WhatsappClient::new(
        &stub.base_url(),
        PHONE_ID,
        Secret::new(TOKEN),
        Duration::from_millis(300),
    )
    .expect("client")
    .with_retry(fast_retries());

    client
        .send(GUEST, &OutboundMessage::text("Hola").expect("valid"))
        .await
        .expect("sent on the second attempt");
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn retries_stop_after_the_attempts_with_unavailable() {
    let stub = GraphStub::start().await;
    stub.fail_all(Some(Reply::graph(503, 131_000)));

    let error = client(&stub)
        .send(GUEST, &OutboundMessage::text("Hola").expect("valid"))
        .await
        .expect_err("fails");

    assert!(
        matches!(error, SendError::Failed(Error::Unavailable(_))),
        "{error:?}"
    );
    assert_eq!(stub.requests().len(), 3);
}

#[tokio::test]
async fn a_closed_window_is_its_own_error_and_is_not_retried() {
    let stub = GraphStub::start().await;
    stub.fail_next([Reply::graph(400, 131_047)]);
    let client = client(&stub);

    let error = client
        .send(GUEST, &OutboundMessage::text("Hola").expect("valid"))
        .await
        .expect_err("fails");

    assert!(
        matches!(
            error,
            SendError::WindowClosed(GraphError::Status {
                code: Some(131_047),
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(stub.requests().len(), 1);
    // The caller falls back to the template, which goes through.
    let template = client.window_template(&["Ana"]).expect("template");
    client.send(GUEST, &template).await.expect("template sent");
    assert_eq!(
        stub.sent_to(GUEST)[0].template.as_deref(),
        Some("seguimiento_reserva")
    );
}

#[tokio::test]
async fn other_refusals_are_permanent_and_not_retried() {
    let stub = GraphStub::start().await;
    stub.fail_next([Reply::graph(401, 190)]);

    let error = client(&stub)
        .send(GUEST, &OutboundMessage::text("Hola").expect("valid"))
        .await
        .expect_err("fails");

    assert!(
        matches!(error, SendError::Failed(Error::Internal(_))),
        "{error:?}"
    );
    assert_eq!(stub.requests().len(), 1);
    assert!(matches!(
        client(&stub)
            .send("123", &OutboundMessage::text("x").expect("valid"))
            .await,
        Err(SendError::Failed(Error::Invalid(_)))
    ));
}

#[tokio::test]
async fn the_circuit_opens_after_repeated_failures_fails_fast_and_closes_after_a_probe() {
    let stub = GraphStub::start().await;
    let clock = Arc::new(OffsetClock::default());
    let client = client(&stub).with_breaker(
        BreakerPolicy {
            threshold: 3,
            cool_down: chrono::Duration::seconds(30),
        },
        clock.clone(),
    );
    let hello = OutboundMessage::text("Hola").expect("valid");
    stub.fail_all(Some(Reply::graph(502, 131_000)));

    assert!(client.send(GUEST, &hello).await.is_err());
    assert_eq!(stub.requests().len(), 3);
    assert_eq!(client.circuit_state(), CircuitState::Open);

    // Open: no request leaves, the caller learns at once that it must retry later.
    stub.fail_all(None);
    let fast = client.send(GUEST, &hello).await.expect_err("fails");
    let SendError::Failed(Error::Unavailable(source)) = &fast else {
        panic!("{fast:?}")
    };
    assert!(matches!(
        source.downcast_ref::<GraphError>(),
        Some(GraphError::CircuitOpen { .. })
    ));
    assert!(
        client.clone().mark_read("wamid.x").await.is_err(),
        "clones share the breaker"
    );
    assert_eq!(stub.requests().len(), 3);

    clock.advance(chrono::Duration::seconds(31));
    client
        .send(GUEST, &hello)
        .await
        .expect("the probe goes through");
    assert_eq!(client.circuit_state(), CircuitState::Closed);
    assert_eq!(stub.sent().len(), 1);
}

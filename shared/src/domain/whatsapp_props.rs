//! Property tests: the WhatsApp webhook parser never panics on arbitrary bytes or arbitrary
//! JSON (including Meta's envelope with arbitrary values inside), and refuses with a typed
//! `Invalid` error what is not JSON.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;

/// Keys Meta's body uses, so generated objects often hit the parser's paths.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "entry",
            "changes",
            "value",
            "messages",
            "statuses",
            "contacts",
            "id",
            "from",
            "type",
            "text",
            "body",
            "wa_id",
            "profile",
            "name",
            "status",
            "timestamp",
            "interactive",
            "button_reply",
            "list_reply",
            "audio",
            "image",
            "recipient_id",
            "errors",
        ])
        .prop_map(String::from),
        "[a-z_]{1,8}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Exercises everything a job reads from a parsed batch.
fn read_all(batch: &WebhookBatch) {
    for item in batch.items() {
        match item {
            BatchItem::Message { wamid } => {
                let _ = batch.message(&wamid);
            }
            BatchItem::Status { wamid, status } => {
                let _ = batch.status(&wamid, &status);
            }
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_non_json_is_invalid(
        raw in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        match WebhookBatch::parse(&raw) {
            Ok(batch) => read_all(&batch),
            Err(e) => prop_assert!(matches!(e, Error::Invalid(_)), "{e:?}"),
        }
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let raw = value.to_string().into_bytes();
        match WebhookBatch::parse(&raw) {
            Ok(batch) => read_all(&batch),
            Err(e) => prop_assert!(matches!(e, Error::Invalid(_)), "{e:?}"),
        }
    }

    #[test]
    fn meta_envelopes_with_arbitrary_messages_never_panic(
        messages in prop::collection::vec(json_value(), 0..4),
        statuses in prop::collection::vec(json_value(), 0..4),
        contacts in prop::collection::vec(json_value(), 0..3),
    ) {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
            "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "contacts": contacts, "messages": messages, "statuses": statuses}}]}]});
        match WebhookBatch::parse(body.to_string().as_bytes()) {
            Ok(batch) => read_all(&batch),
            Err(e) => prop_assert!(matches!(e, Error::Invalid(_)), "{e:?}"),
        }
    }
}

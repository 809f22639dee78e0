//! Limits of the outbound message builders: exact JSON, refusals, and properties (no panic on
//! any text, every limit holds after building).

use proptest::prelude::*;
use serde_json::json;

use super::*;

#[test]
fn a_text_message_is_graphs_text_format() {
    let message = OutboundMessage::text("  ¡Hola! 👋\n¿Para qué fechas?  ").expect("valid");
    assert_eq!(
        message.to_graph_json("5491155550000"),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "5491155550000",
            "type": "text",
            "text": {"preview_url": false, "body": "¡Hola! 👋\n¿Para qué fechas?"},
        })
    );
}

#[test]
fn a_text_with_a_link_asks_for_a_preview() {
    let message = OutboundMessage::text("Pagá acá: https://mpago.la/abc").expect("valid");
    assert_eq!(
        message.to_graph_json("1")["text"]["preview_url"],
        json!(true)
    );
}

#[test]
fn button_titles_are_cut_to_twenty_on_a_character_boundary() {
    let button = ReplyButton::new("book:1", "Reservar la cabaña del lago ñandú").expect("valid");
    assert_eq!(button.title(), "Reservar la cabaña…");
    assert!(units(button.title()) <= MAX_BUTTON_TITLE);
    let emoji = ReplyButton::new("x", &"😀".repeat(15)).expect("valid");
    assert_eq!(emoji.title(), format!("{}…", "😀".repeat(9)));
}

#[test]
fn more_than_three_buttons_or_none_are_refused() {
    let b = |i: usize| ReplyButton::new(&format!("b{i}"), &format!("Opción {i}")).expect("valid");
    assert_eq!(
        OutboundMessage::buttons("x", vec![]),
        Err(OutboundError::Count {
            field: "buttons",
            count: 0,
            max: 3
        })
    );
    assert!(OutboundMessage::buttons("x", (0..4).map(b).collect()).is_err());
    assert!(OutboundMessage::buttons("x", (0..3).map(b).collect()).is_ok());
}

#[test]
fn duplicate_button_ids_or_titles_are_refused() {
    let a = ReplyButton::new("a", "Reservar").expect("valid");
    let b = ReplyButton::new("a", "Otras fechas").expect("valid");
    let c = ReplyButton::new("c", "Reservar").expect("valid");
    assert_eq!(
        OutboundMessage::buttons("x", vec![a.clone(), b]),
        Err(OutboundError::Duplicate("button_id"))
    );
    assert_eq!(
        OutboundMessage::buttons("x", vec![a, c]),
        Err(OutboundError::Duplicate("button_title"))
    );
}

#[test]
fn ids_that_do_not_fit_are_refused_not_changed() {
    assert_eq!(
        ReplyButton::new("", "x"),
        Err(OutboundError::Empty("button_id"))
    );
    assert!(ReplyButton::new(&"a".repeat(257), "x").is_err());
    assert!(ReplyButton::new(&"a".repeat(256), "x").is_ok());
    assert!(ListRow::new(&"a".repeat(201), "x", None).is_err());
    assert!(ListRow::new("a\nb", "x", None).is_err());
}

#[test]
fn a_buttons_message_is_graphs_interactive_button_format() {
    let message = OutboundMessage::buttons(
        "Cabaña Lago: $ 54.000",
        vec![
            ReplyButton::new("book:lago", "Reservar").expect("valid"),
            ReplyButton::new("photos:lago", "Ver fotos").expect("valid"),
        ],
    )
    .expect("valid");
    assert_eq!(
        message.to_graph_json("54911")["interactive"],
        json!({
            "type": "button",
            "body": {"text": "Cabaña Lago: $ 54.000"},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": "book:lago", "title": "Reservar"}},
                {"type": "reply", "reply": {"id": "photos:lago", "title": "Ver fotos"}},
            ]},
        })
    );
    assert_eq!(message.to_graph_json("54911")["type"], json!("interactive"));
}

#[test]
fn a_list_message_is_graphs_interactive_list_format() {
    let rows = vec![
        ListRow::new(
            "cabin:1",
            "Cabaña del Bosque con vista al río",
            Some("Hasta 4 personas"),
        )
        .expect("valid"),
        ListRow::new("cabin:2", "Cabaña Lago", Some("   ")).expect("valid"),
    ];
    let message =
        OutboundMessage::list("Estas son nuestras cabañas", "Ver cabañas", "Cabañas", rows)
            .expect("valid");
    assert_eq!(
        message.to_graph_json("54911")["interactive"],
        json!({
            "type": "list",
            "body": {"text": "Estas son nuestras cabañas"},
            "action": {
                "button": "Ver cabañas",
                "sections": [{"title": "Cabañas", "rows": [
                    {"id": "cabin:1", "title": "Cabaña del Bosque con v…", "description": "Hasta 4 personas"},
                    {"id": "cabin:2", "title": "Cabaña Lago"},
                ]}],
            },
        })
    );
}

#[test]
fn lists_take_one_to_ten_rows_with_unique_ids() {
    let row = |i: usize| ListRow::new(&format!("r{i}"), &format!("Fila {i}"), None).expect("valid");
    assert!(OutboundMessage::list("b", "Ver", "S", (0..10).map(row).collect()).is_ok());
    assert!(OutboundMessage::list("b", "Ver", "S", (0..11).map(row).collect()).is_err());
    assert!(OutboundMessage::list("b", "Ver", "S", vec![]).is_err());
    assert_eq!(
        OutboundMessage::list("b", "Ver", "S", vec![row(1), row(1)]),
        Err(OutboundError::Duplicate("row_id"))
    );
}

#[test]
fn an_image_needs_a_link_and_its_caption_is_optional() {
    let message = OutboundMessage::image("https://cdn.example.com/lago.jpg", Some("Cabaña Lago"))
        .expect("valid");
    assert_eq!(
        message.to_graph_json("54911")["image"],
        json!({"link": "https://cdn.example.com/lago.jpg", "caption": "Cabaña Lago"})
    );
    let bare = OutboundMessage::image("https://cdn.example.com/lago.jpg", None).expect("valid");
    assert_eq!(
        bare.to_graph_json("1")["image"],
        json!({"link": "https://cdn.example.com/lago.jpg"})
    );
    assert!(OutboundMessage::image("ftp://x", None).is_err());
    assert!(OutboundMessage::image("https://x/a b.jpg", None).is_err());
}

#[test]
fn a_template_message_carries_its_body_parameters_one_line_each() {
    let message = OutboundMessage::template(
        "reserva_recordatorio",
        "es_AR",
        &["Ana\nMaría", "vie 15/01\t→ dom 17/01", ""],
    )
    .expect("valid");
    assert_eq!(
        message.to_graph_json("54911")["template"],
        json!({
            "name": "reserva_recordatorio",
            "language": {"code": "es_AR"},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": "Ana María"},
                {"type": "text", "text": "vie 15/01 → dom 17/01"},
                {"type": "text", "text": "-"},
            ]}],
        })
    );
    let bare = OutboundMessage::template("hello_world", "en_US", &[]).expect("valid");
    assert_eq!(
        bare.to_graph_json("1")["template"],
        json!({"name": "hello_world", "language": {"code": "en_US"}})
    );
    assert!(OutboundMessage::template("Hola Mundo", "es_AR", &[]).is_err());
    assert!(OutboundMessage::template("ok", "es AR", &[]).is_err());
    assert!(!bare.needs_open_window());
}

#[test]
fn empty_texts_are_refused() {
    assert_eq!(
        OutboundMessage::text(" \n\t "),
        Err(OutboundError::Empty("body"))
    );
    assert!(ReplyButton::new("a", "\u{0}\u{7}").is_err());
    let error: crate::Error = OutboundError::Empty("body").into();
    assert!(matches!(error, crate::Error::Invalid(_)));
}

#[test]
fn truncation_keeps_short_texts_and_marks_cut_ones() {
    assert_eq!(truncate("Reservar", 20), "Reservar");
    assert_eq!(truncate("abcdef", 4), "abc…");
    assert_eq!(truncate("ab", 0), "");
    assert_eq!(truncate("abc", 1), "…");
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zñáéíóú 😀\\n\\t\u{0}-\u{1f}]{0,200}",
        proptest::collection::vec(any::<char>(), 0..400).prop_map(|v| v.into_iter().collect()),
    ]
}

proptest! {
    #[test]
    fn building_never_panics_and_limits_always_hold(
        body in any_text(),
        titles in proptest::collection::vec(any_text(), 0..14),
        ids in proptest::collection::vec("[a-z0-9:]{0,210}", 0..14),
    ) {
        if let Ok(OutboundMessage::Text { body }) = OutboundMessage::text(&body) {
            prop_assert!(!body.is_empty() && units(&body) <= MAX_TEXT_BODY);
        }
        let buttons: Vec<ReplyButton> = titles.iter().zip(&ids)
            .filter_map(|(t, i)| ReplyButton::new(i, t).ok()).collect();
        for b in &buttons {
            prop_assert!(!b.title().is_empty() && units(b.title()) <= MAX_BUTTON_TITLE);
            prop_assert!(!b.title().contains('\n'));
        }
        if let Ok(OutboundMessage::Buttons { body, buttons }) = OutboundMessage::buttons(&body, buttons) {
            prop_assert!((1..=MAX_BUTTONS).contains(&buttons.len()));
            prop_assert!(units(&body) <= MAX_INTERACTIVE_BODY);
        }
        let rows: Vec<ListRow> = titles.iter().zip(&ids)
            .filter_map(|(t, i)| ListRow::new(i, t, Some(t)).ok()).collect();
        for r in &rows {
            prop_assert!(units(r.title()) <= MAX_ROW_TITLE);
            prop_assert!(r.description().is_none_or(|d| units(d) <= MAX_ROW_DESCRIPTION));
            prop_assert!(units(r.id()) <= MAX_ROW_ID);
        }
        if let Ok(message) = OutboundMessage::list(&body, &body, &body, rows) {
            let OutboundMessage::List { button, section, rows, .. } = &message else {
                unreachable!("list builds a list")
            };
            prop_assert!((1..=MAX_LIST_ROWS).contains(&rows.len()));
            prop_assert!(units(button) <= MAX_BUTTON_TITLE && units(section) <= MAX_ROW_TITLE);
            let _ = message.to_graph_json("1");
        }
        let params: Vec<&str> = titles.iter().map(String::as_str).collect();
        if let Ok(OutboundMessage::Template { parameters, .. }) =
            OutboundMessage::template("aviso", "es_AR", &params)
        {
            for p in parameters {
                prop_assert!(!p.is_empty() && !p.contains(['\n', '\t']) && !p.contains("    "));
                prop_assert!(units(&p) <= MAX_TEMPLATE_PARAMETER);
            }
        }
    }

    #[test]
    fn truncate_never_exceeds_the_limit(text in any_text(), max in 0usize..40) {
        let cut = truncate(&text, max);
        prop_assert!(units(&cut) <= max);
        if units(&text) <= max {
            prop_assert_eq!(cut, text);
        }
    }
}

//! One turn of a conversation: what the concierge answers to one guest message and what it
//! changes on the conversation (slots, state, misunderstandings, hand-off).
//!
//! Dispatch by message type: text (and template quick replies) goes through the es-AR
//! understanding; a tapped button or list row is a [`GuestAction`]; a voice note is downloaded,
//! transcribed and then read as text; pictures, stickers, locations, contacts and reactions
//! get a polite answer. The booking steps themselves are in [`super::concierge_booking`].

use chrono::{DateTime, Duration, Utc};

use super::{concierge_booking as booking, conversation::Concierge};
use crate::{
    Error, Result,
    concierge::texts::{self, Unsupported},
    domain::{
        OutboundMessage,
        conversation::{ConversationState, GuestAction, HandOffReason},
        whatsapp_outbound::OutboundError,
    },
    entities::{accommodation, conversation, whatsapp_contact, whatsapp_message},
    nlu::{self, Intent, Understanding},
    providers::stt::SttError,
};

/// Misunderstood messages in a row that hand the conversation to the owner.
pub const MISUNDERSTOOD_LIMIT: i16 = 3;

/// A built message, or an internal error (our own texts always fit).
pub(crate) fn built<T>(message: std::result::Result<T, OutboundError>) -> Result<T> {
    message.map_err(|e| Error::Internal(Box::new(e)))
}

/// A text reply.
pub(crate) fn text(body: &str) -> Result<OutboundMessage> {
    built(OutboundMessage::text(body))
}

/// What a turn works with: the conversation (changed in place) and its guest.
pub(crate) struct TurnState<'a> {
    /// The conversation, as it will be saved.
    pub conversation: &'a mut conversation::Model,
    /// The guest.
    pub contact: &'a whatsapp_contact::Model,
    /// The active cabins, read once at the start of the turn.
    pub cabins: Vec<accommodation::Model>,
    /// The time of the turn.
    pub now: DateTime<Utc>,
}

/// The replies to one inbound message.
pub(crate) async fn answer(
    c: &Concierge,
    turn: &mut TurnState<'_>,
    message: &whatsapp_message::Model,
) -> Result<Vec<OutboundMessage>> {
    match message.message_type.as_str() {
        "text" => read(c, turn, message.text_body.as_deref().unwrap_or_default()).await,
        "interactive" | "button" => match message
            .interactive_id
            .as_deref()
            .and_then(GuestAction::parse)
        {
            Some(action) => {
                turn.conversation.misunderstood = 0;
                booking::act(c, turn, action).await
            }
            None => read(c, turn, message.text_body.as_deref().unwrap_or_default()).await,
        },
        "audio" => listen(c, turn, message.media_id.as_deref()).await,
        "image" | "video" | "document" => polite(Unsupported::Image),
        "sticker" => polite(Unsupported::Sticker),
        "location" => polite(Unsupported::Location),
        "contacts" => polite(Unsupported::Contacts),
        "reaction" => polite(Unsupported::Reaction),
        _ => Ok(vec![text(&texts::not_understood())?]),
    }
}

fn polite(kind: Unsupported) -> Result<Vec<OutboundMessage>> {
    Ok(vec![text(&texts::unsupported(kind))?])
}

/// A voice note: downloaded, transcribed, then read like text; "write it instead" when that
/// fails or the transcript is unsure.
async fn listen(
    c: &Concierge,
    turn: &mut TurnState<'_>,
    media_id: Option<&str>,
) -> Result<Vec<OutboundMessage>> {
    let write_instead = || Ok(vec![text(&texts::write_instead())?]);
    let Some(media_id) = media_id else {
        return write_instead();
    };
    let media = match c.whatsapp.download_media(media_id).await {
        Ok(media) => media,
        Err(e) => {
            tracing::warn!(error = %e, "voice note not downloaded");
            return write_instead();
        }
    };
    match c.transcriber.transcribe(&media).await {
        Ok(transcript) if transcript.confident && !transcript.text.trim().is_empty() => {
            metrics::counter!("concierge_voice_notes_total", "outcome" => "transcribed")
                .increment(1);
            read(c, turn, &transcript.text).await
        }
        Ok(_) | Err(SttError::Unsure) => {
            metrics::counter!("concierge_voice_notes_total", "outcome" => "unsure").increment(1);
            write_instead()
        }
        Err(e) => {
            metrics::counter!("concierge_voice_notes_total", "outcome" => "failed").increment(1);
            tracing::warn!(error = %e, "voice note not transcribed");
            write_instead()
        }
    }
}

/// Hands the conversation to the owner: one last message, then the bot stays quiet.
pub(crate) fn hand_off(
    turn: &mut TurnState<'_>,
    reason: HandOffReason,
) -> Result<Vec<OutboundMessage>> {
    let conversation = &mut *turn.conversation;
    conversation.handed_off = true;
    conversation.handed_off_at = Some(turn.now.into());
    conversation.hand_off_reason = Some(reason);
    conversation.misunderstood = 0;
    metrics::counter!("concierge_hand_offs_total", "reason" => reason_label(reason)).increment(1);
    Ok(vec![text(&texts::hand_off())?])
}

fn reason_label(reason: HandOffReason) -> &'static str {
    match reason {
        HandOffReason::Cancel => "cancel",
        HandOffReason::Human => "human",
        HandOffReason::Misunderstood => "misunderstood",
        HandOffReason::Complaint => "complaint",
    }
}

/// Takes what a message says into the slots; whether it said anything about the stay.
fn collect(
    turn: &mut TurnState<'_>,
    understood: &Understanding,
    text: &str,
    cabins: &[(i32, String)],
) -> bool {
    let slots = &mut turn.conversation.slots;
    let mut any = false;
    if let (Some(check_in), Some(check_out)) = (understood.check_in, understood.check_out) {
        slots.check_in = Some(check_in);
        slots.check_out = Some(check_out);
        any = true;
    } else if let (Some(nights), Some(check_in)) = (understood.nights, slots.check_in) {
        slots.check_out = Some(check_in + Duration::days(i64::from(nights)));
        any = true;
    }
    if let Some(guests) = understood.guests {
        slots.guests = Some(guests);
        any = true;
    }
    let names: Vec<(i32, &str)> = cabins
        .iter()
        .map(|(id, name)| (*id, name.as_str()))
        .collect();
    if let Some(id) = nlu::match_accommodation(text, &names) {
        slots.accommodation_id = Some(id);
        any = true;
    }
    if let Some(name) = booking::name_given(text) {
        slots.guest_name = Some(name);
    }
    any
}

/// A text (typed or transcribed).
async fn read(c: &Concierge, turn: &mut TurnState<'_>, body: &str) -> Result<Vec<OutboundMessage>> {
    let understood = nlu::analyze(body, c.rules.clock.today(c.rules.timezone));
    match understood.intent {
        Intent::CancelBooking => return hand_off(turn, HandOffReason::Cancel),
        Intent::Human => return hand_off(turn, HandOffReason::Human),
        Intent::Complaint => return hand_off(turn, HandOffReason::Complaint),
        _ => {}
    }
    let cabins: Vec<(i32, String)> = turn.cabins.iter().map(|a| (a.id, a.name.clone())).collect();
    let about_stay = collect(turn, &understood, body, &cabins);
    if understood.intent == Intent::Unknown && !about_stay {
        turn.conversation.misunderstood += 1;
        if turn.conversation.misunderstood >= MISUNDERSTOOD_LIMIT {
            return hand_off(turn, HandOffReason::Misunderstood);
        }
        return Ok(vec![text(&texts::not_understood())?]);
    }
    turn.conversation.misunderstood = 0;
    let first = turn.conversation.state == ConversationState::New;
    match understood.intent {
        _ if about_stay => booking::quote_slots(c, turn, first).await,
        Intent::Availability | Intent::Book => booking::quote_slots(c, turn, first).await,
        Intent::Thanks => Ok(vec![text(&texts::thanks())?]),
        Intent::Greeting => booking::greet(turn),
        Intent::Prices => booking::prices(turn),
        Intent::Info => booking::info(turn),
        Intent::Location => booking::location(turn),
        Intent::Policies(kind) => booking::policy(turn, kind),
        _ => Ok(vec![text(&texts::not_understood())?]),
    }
}

//! The booking steps of a conversation: greeting with the cabin list, quoting the cabins that
//! fit (or alternatives), the buttons under a quote (Reservar / Ver fotos / Otras fechas), the
//! hold with its Mercado Pago link, and the questions about the cabins themselves.

use chrono::NaiveDate;

use super::{
    HoldPolicy,
    booking::{self, BookingRequest},
    concierge_offers::{self as offers, Offer, OutOfRange, Search},
    concierge_turn::{TurnState, built, text},
    conversation::Concierge,
    payment_link,
    quote::QuoteRequest,
};
use crate::{
    Error, Result,
    concierge::{answers, texts},
    domain::{
        Channel, ListRow, OutboundMessage, ReplyButton, Stay,
        conversation::{ConversationState, GuestAction},
    },
    entities::accommodation,
    error::ConflictKind,
    nlu::PolicyKind,
    store,
};

/// Most photos sent for one "Ver fotos".
const MAX_PHOTOS: usize = 3;
/// The name a hold gets when the guest's profile has none.
const FALLBACK_NAME: &str = "Huésped de WhatsApp";

/// The cabins, as the interactive list under the greeting.
fn cabin_list(cabins: &[accommodation::Model], body: &str) -> Result<OutboundMessage> {
    let rows = cabins
        .iter()
        .take(10)
        .map(|cabin| {
            let row =
                texts::cabin_row(u32::try_from(cabin.capacity).unwrap_or(0), cabin.base_price);
            built(ListRow::new(
                &GuestAction::Cabin {
                    accommodation_id: cabin.id,
                }
                .id(),
                &cabin.name,
                Some(&row),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    if rows.is_empty() {
        return text(body);
    }
    built(OutboundMessage::list(
        body,
        texts::LIST_BUTTON,
        texts::LIST_SECTION,
        rows,
    ))
}

/// The greeting with the cabin list.
pub(crate) fn greet(turn: &mut TurnState<'_>) -> Result<Vec<OutboundMessage>> {
    mark_started(turn);
    let body = texts::greeting(turn.contact.profile_name.as_deref());
    Ok(vec![cabin_list(&turn.cabins, &body)?])
}

/// Prices: the cabin list with each one's nightly price.
pub(crate) fn prices(turn: &mut TurnState<'_>) -> Result<Vec<OutboundMessage>> {
    mark_started(turn);
    Ok(vec![cabin_list(&turn.cabins, &answers::prices())?])
}

fn mark_started(turn: &mut TurnState<'_>) {
    if turn.conversation.state == ConversationState::New {
        turn.conversation.state = ConversationState::Collecting;
    }
}

/// The cabin the guest is talking about, else the first active one.
fn current_cabin<'t>(turn: &'t TurnState<'_>) -> Option<&'t accommodation::Model> {
    let wanted = turn.conversation.slots.accommodation_id;
    turn.cabins
        .iter()
        .find(|a| Some(a.id) == wanted)
        .or(turn.cabins.first())
}

/// An active cabin by id (a tap may name one closed since: `NotFound`).
fn active_cabin<'t>(turn: &'t TurnState<'_>, id: i32) -> Result<&'t accommodation::Model> {
    turn.cabins
        .iter()
        .find(|a| a.id == id)
        .ok_or(Error::NotFound("accommodation"))
}

/// What a cabin is like, with its photos button.
pub(crate) fn info(turn: &mut TurnState<'_>) -> Result<Vec<OutboundMessage>> {
    mark_started(turn);
    match turn.conversation.slots.accommodation_id {
        Some(id) => cabin_card(turn, id).map(|m| vec![m]),
        None => Ok(vec![cabin_list(&turn.cabins, &texts::greeting(None))?]),
    }
}

fn cabin_card(turn: &TurnState<'_>, id: i32) -> Result<OutboundMessage> {
    let cabin = active_cabin(turn, id)?;
    let body = answers::cabin_info(&cabin.name, &cabin.description, &cabin.amenities.0);
    built(OutboundMessage::buttons(
        &body,
        vec![built(ReplyButton::new(
            &GuestAction::Photos {
                accommodation_id: id,
            }
            .id(),
            texts::BUTTON_PHOTOS,
        ))?],
    ))
}

/// Where the cabins are.
pub(crate) fn location(turn: &TurnState<'_>) -> Result<Vec<OutboundMessage>> {
    let places: Vec<(String, String)> = turn
        .cabins
        .iter()
        .map(|a| (a.name.clone(), a.location.clone()))
        .collect();
    Ok(vec![text(&answers::location(&places))?])
}

/// A house rule.
pub(crate) fn policy(turn: &TurnState<'_>, kind: PolicyKind) -> Result<Vec<OutboundMessage>> {
    let Some(cabin) = current_cabin(turn) else {
        return Ok(vec![text(&answers::policy(kind, "", "14:00", "10:00"))?]);
    };
    let time = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    Ok(vec![text(&answers::policy(
        kind,
        &cabin.policies,
        &time(cabin.check_in_time),
        &time(cabin.check_out_time),
    ))?])
}

/// Quotes what the slots hold, or asks for what is missing.
pub(crate) async fn quote_slots(
    c: &Concierge,
    turn: &mut TurnState<'_>,
    first: bool,
) -> Result<Vec<OutboundMessage>> {
    let slots = turn.conversation.slots.clone();
    let mut replies = Vec::new();
    let stay = slots
        .check_in
        .zip(slots.check_out)
        .and_then(|(a, b)| Stay::new(a, b));
    let (Some(stay), Some(guests)) = (stay, slots.guests) else {
        turn.conversation.state = ConversationState::Collecting;
        if first {
            replies.push(cabin_list(
                &turn.cabins,
                &texts::greeting(turn.contact.profile_name.as_deref()),
            )?);
        }
        replies.push(text(&texts::ask_missing(
            stay.is_none(),
            slots.guests.is_none(),
        ))?);
        return Ok(replies);
    };
    if first {
        replies.push(text(&answers::greeting_short(
            turn.contact.profile_name.as_deref(),
        ))?);
    }
    replies.extend(search_replies(c, turn, stay, guests).await?);
    Ok(replies)
}

/// The answer to a search for `stay` and `guests`.
async fn search_replies(
    c: &Concierge,
    turn: &mut TurnState<'_>,
    stay: Stay,
    guests: u32,
) -> Result<Vec<OutboundMessage>> {
    let preferred = turn.conversation.slots.accommodation_id;
    let found = offers::search(&c.db, &c.rules, &turn.cabins, stay, guests, preferred).await?;
    turn.conversation.state = ConversationState::Collecting;
    match found {
        Search::Offers(offers) => {
            turn.conversation.state = ConversationState::Quoted;
            offers.iter().map(quote_message).collect()
        }
        Search::TooManyGuests(largest) => Ok(vec![text(&texts::too_many_guests(guests, largest))?]),
        Search::Full(alternatives) => {
            Ok(vec![text(&texts::no_availability(&stay, &alternatives))?])
        }
        Search::OutOfRange(problem) => {
            turn.conversation.slots.check_in = None;
            turn.conversation.slots.check_out = None;
            Ok(vec![text(&match problem {
                OutOfRange::Past => answers::dates_past(),
                OutOfRange::TooFarAhead => answers::dates_too_far(),
                OutOfRange::TooLong(max) => answers::stay_too_long(max),
            })?])
        }
    }
}

/// One cabin's quote with Reservar / Ver fotos / Otras fechas.
fn quote_message(offer: &Offer) -> Result<OutboundMessage> {
    let id = offer.accommodation.id;
    let book = GuestAction::Book {
        accommodation_id: id,
        check_in: offer.stay.check_in(),
        check_out: offer.stay.check_out(),
        guests: offer.guests,
    };
    let buttons = [
        (book.id(), texts::BUTTON_BOOK),
        (
            GuestAction::Photos {
                accommodation_id: id,
            }
            .id(),
            texts::BUTTON_PHOTOS,
        ),
        (GuestAction::OtherDates.id(), texts::BUTTON_OTHER_DATES),
    ]
    .iter()
    .map(|(id, title)| built(ReplyButton::new(id, title)))
    .collect::<Result<Vec<_>>>()?;
    let body = texts::quote(
        &offer.accommodation.name,
        &offer.stay,
        offer.guests,
        &offer.quote,
    );
    built(OutboundMessage::buttons(&body, buttons))
}

/// What a tapped button or picked row asks for.
pub(crate) async fn act(
    c: &Concierge,
    turn: &mut TurnState<'_>,
    action: GuestAction,
) -> Result<Vec<OutboundMessage>> {
    match action {
        GuestAction::Book {
            accommodation_id,
            check_in,
            check_out,
            guests,
        } => book(c, turn, accommodation_id, check_in, check_out, guests).await,
        GuestAction::Photos { accommodation_id } => photos(turn, accommodation_id),
        GuestAction::OtherDates => {
            let slots = &mut turn.conversation.slots;
            slots.check_in = None;
            slots.check_out = None;
            turn.conversation.state = ConversationState::Collecting;
            Ok(vec![text(&texts::ask_missing(true, false))?])
        }
        GuestAction::Retry { reservation_id } => {
            let Some(previous) = store::reservations::find_by_id(&c.db, reservation_id).await?
            else {
                return quote_slots(c, turn, false).await;
            };
            if previous.guest_phone.as_ref().map(|p| p.as_str())
                != Some(turn.contact.phone.as_str())
            {
                return quote_slots(c, turn, false).await;
            }
            let slots = &mut turn.conversation.slots;
            slots.check_in = Some(previous.check_in);
            slots.check_out = Some(previous.check_out);
            slots.guests = u32::try_from(previous.guests).ok();
            slots.accommodation_id = Some(previous.accommodation_id);
            quote_slots(c, turn, false).await
        }
        GuestAction::Cabin { accommodation_id } => {
            turn.conversation.slots.accommodation_id = Some(accommodation_id);
            mark_started(turn);
            let slots = &turn.conversation.slots;
            if slots.has_dates() && slots.guests.is_some() {
                quote_slots(c, turn, false).await
            } else {
                let card = cabin_card(turn, accommodation_id)?;
                let ask = texts::ask_missing(!slots.has_dates(), slots.guests.is_none());
                Ok(vec![card, text(&ask)?])
            }
        }
    }
}

/// Up to three photos of a cabin.
fn photos(turn: &TurnState<'_>, accommodation_id: i32) -> Result<Vec<OutboundMessage>> {
    let cabin = active_cabin(turn, accommodation_id)?;
    let images: Vec<OutboundMessage> = cabin
        .photos
        .0
        .iter()
        .filter_map(|link| OutboundMessage::image(link, Some(&cabin.name)).ok())
        .take(MAX_PHOTOS)
        .collect();
    if images.is_empty() {
        return Ok(vec![text(&answers::no_photos(&cabin.name))?]);
    }
    Ok(images)
}

/// "Reservar": the hold (the guest's own hold for the same nights is reused, so a repeated
/// tap or a retried turn does not make a second) and its deposit link.
async fn book(
    c: &Concierge,
    turn: &mut TurnState<'_>,
    accommodation_id: i32,
    check_in: NaiveDate,
    check_out: NaiveDate,
    guests: u32,
) -> Result<Vec<OutboundMessage>> {
    let now = turn.now;
    let phone = turn.contact.phone.clone();
    let existing =
        store::reservations::open_hold(&c.db, &phone, accommodation_id, check_in, check_out, now)
            .await?;
    let hold = match existing {
        Some(hold) => hold,
        None => {
            let name = turn
                .conversation
                .slots
                .guest_name
                .clone()
                .or_else(|| turn.contact.profile_name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| FALLBACK_NAME.to_owned());
            let request = BookingRequest {
                stay: QuoteRequest {
                    accommodation_id,
                    check_in: check_in.to_string(),
                    check_out: check_out.to_string(),
                    guests: i64::from(guests),
                },
                guest_name: name,
                guest_phone: phone,
                guest_email: None,
                channel: Channel::Whatsapp,
                notes: None,
                rejected: Vec::new(),
            };
            let policy = HoldPolicy::Public { client_ip: None };
            match booking::pre_reserve(&c.db, &c.rules, &request, policy).await {
                Ok(hold) => hold,
                Err(Error::Conflict {
                    kind: ConflictKind::DateOverlap,
                    ..
                }) => return taken(c, turn, check_in, check_out, guests).await,
                Err(Error::TooMany { .. }) => return Ok(vec![text(&answers::too_many_holds())?]),
                Err(Error::Invalid(_) | Error::NotFound(_)) => {
                    let slots = &mut turn.conversation.slots;
                    slots.check_in = Some(check_in);
                    slots.check_out = Some(check_out);
                    slots.guests = Some(guests);
                    return quote_slots(c, turn, false).await;
                }
                Err(e) => return Err(e),
            }
        }
    };
    turn.conversation.reservation_id = Some(hold.id);
    turn.conversation.state = ConversationState::Holding;
    metrics::counter!("concierge_holds_total").increment(1);
    let link = payment_link::payment_link(
        &c.db,
        &c.mercadopago,
        c.rules.clock.as_ref(),
        &c.payment_links,
        &hold.code,
    )
    .await;
    let body = match link {
        Ok(link) => texts::hold_created(
            hold.code.as_str(),
            link.amount,
            &link.payment_url,
            link.expires_at,
            now,
        ),
        Err(e) => {
            tracing::warn!(reservation_code = %hold.code, error = %e, "deposit link not created for a WhatsApp hold");
            answers::hold_without_link(hold.code.as_str())
        }
    };
    Ok(vec![text(&body)?])
}

/// The nights went to someone else: say so, and offer what is left.
async fn taken(
    c: &Concierge,
    turn: &mut TurnState<'_>,
    check_in: NaiveDate,
    check_out: NaiveDate,
    guests: u32,
) -> Result<Vec<OutboundMessage>> {
    metrics::counter!("concierge_lost_races_total").increment(1);
    let Some(stay) = Stay::new(check_in, check_out) else {
        return Ok(vec![text(&texts::ask_missing(true, false))?]);
    };
    let mut replies = vec![text(&answers::nights_just_taken())?];
    replies.extend(search_replies(c, turn, stay, guests).await?);
    Ok(replies)
}

/// The name a guest gives to book under ("a nombre de Ana Pérez", "me llamo Ana").
pub(crate) fn name_given(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    ["a nombre de ", "me llamo ", "mi nombre es "]
        .iter()
        .find_map(|marker| {
            let at = lower.find(marker)? + marker.len();
            let rest = text.get(at..)?;
            let name: String = rest
                .split([',', '.', '\n', '!', '?', ';'])
                .next()?
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            (name.chars().count() >= 2
                && name
                    .chars()
                    .all(|ch| ch.is_alphabetic() || ch == ' ' || ch == '\''))
            .then_some(name)
        })
}

#[cfg(test)]
mod tests {
    use super::name_given;

    #[test]
    fn a_name_is_taken_only_when_given() {
        assert_eq!(
            name_given("a nombre de Ana Pérez, gracias").as_deref(),
            Some("Ana Pérez")
        );
        assert_eq!(name_given("Hola! me llamo Juan").as_deref(), Some("Juan"));
        assert_eq!(name_given("somos 4 del 15 al 17"), None);
        assert_eq!(name_given("a nombre de 123"), None);
        assert_eq!(name_given("me llamo "), None);
    }
}

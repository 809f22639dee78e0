//! Queries of the owner's conversation views: the list (one row per guest, with the count of
//! their unanswered messages and the code of the conversation's hold, in one statement), a
//! guest's latest messages both ways with their delivery statuses, and the owner's writes
//! (closing the guest's waiting messages, handing the conversation back to the bot).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, prelude::DateTimeWithTimeZone,
};

use crate::{
    Result,
    db::stmt,
    domain::{
        ReservationCode,
        conversation::{ConversationState, HandOffReason},
        whatsapp::{MessageDirection, MessageState},
    },
    entities::{conversation, whatsapp_message, whatsapp_message_status},
    store::{conversations::PREVIEW_CHARS, query::Page},
};

/// Which conversations to list (`None`: either way).
#[derive(Clone, Debug, Default)]
pub struct ConversationFilter {
    /// Only those the owner has (`true`) or the bot has (`false`).
    pub handed_off: Option<bool>,
    /// Only those with (`true`) or without (`false`) inbound messages nobody answered.
    pub unanswered: Option<bool>,
    /// Only this guest (E.164, as stored in `whatsapp_contacts.phone`).
    pub phone: Option<String>,
}

/// A guest and their conversation, as the owner's list shows it. The conversation columns are
/// `None` for a guest whose messages the concierge never looked at (no `conversations` row).
#[derive(Clone, Debug, PartialEq, FromQueryResult)]
pub struct ConversationRow {
    /// `whatsapp_contacts.id`.
    pub contact_id: i64,
    /// E.164 phone.
    pub phone: String,
    /// WhatsApp profile name.
    pub profile_name: Option<String>,
    /// The guest's latest message (what the 24-hour window counts from).
    pub last_seen_at: DateTimeWithTimeZone,
    /// Where the conversation stands.
    pub state: Option<ConversationState>,
    /// Whether the owner has it.
    pub handed_off: Option<bool>,
    /// Since when.
    pub handed_off_at: Option<DateTimeWithTimeZone>,
    /// Why.
    pub hand_off_reason: Option<HandOffReason>,
    /// The latest message the conversation recorded (a turn, a notice, an owner's reply).
    pub last_message_at: Option<DateTimeWithTimeZone>,
    /// Its first characters.
    pub last_message_preview: Option<String>,
    /// The code of the conversation's latest hold.
    pub reservation_code: Option<ReservationCode>,
    /// The guest's inbound messages still `unanswered`.
    pub unanswered: i64,
}

/// The `FROM … WHERE` shared by the list and its count. Binds: `$1` inbound, `$2` unanswered,
/// `$3` handed-off filter, `$4` unanswered filter, `$5` phone filter (each NULL for "any").
const FROM_WHERE: &str = "
    FROM whatsapp_contacts wc
    LEFT JOIN conversations c ON c.contact_id = wc.id
    LEFT JOIN reservations r ON r.id = c.reservation_id
    LEFT JOIN (
        SELECT contact_id, count(*) AS unanswered
        FROM whatsapp_messages
        WHERE direction = $1 AND state = $2
        GROUP BY contact_id
    ) u ON u.contact_id = wc.id
    WHERE ($3::boolean IS NULL OR COALESCE(c.handed_off, false) = $3)
      AND ($4::boolean IS NULL OR (COALESCE(u.unanswered, 0) > 0) = $4)
      AND ($5::text IS NULL OR wc.phone = $5)";

fn filter_values(filter: &ConversationFilter) -> Vec<sea_orm::Value> {
    vec![
        MessageDirection::Inbound.into(),
        MessageState::Unanswered.into(),
        filter.handed_off.into(),
        filter.unanswered.into(),
        filter.phone.clone().into(),
    ]
}

/// One page of conversations matching `filter`, latest activity first (the later of the
/// conversation's last message and the guest's: a handed-off guest who writes again moves
/// up although the bot recorded nothing), and how many match in all.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ConversationFilter,
    page: Page,
) -> Result<(Vec<ConversationRow>, u64)> {
    let (offset, limit) = page.bounds();
    let count_sql = format!("SELECT count(*) AS total {FROM_WHERE}");
    let total = db
        .query_one_raw(stmt(&count_sql, filter_values(filter)))
        .await?
        .map(|row| row.try_get::<i64>("", "total"))
        .transpose()?
        .unwrap_or(0);
    let page_sql = format!(
        "SELECT wc.id AS contact_id, wc.phone, wc.profile_name, wc.last_seen_at,
                c.state, c.handed_off, c.handed_off_at, c.hand_off_reason,
                c.last_message_at, c.last_message_preview, r.code AS reservation_code,
                COALESCE(u.unanswered, 0) AS unanswered
         {FROM_WHERE}
         ORDER BY GREATEST(c.last_message_at, wc.last_seen_at) DESC, wc.id DESC
         LIMIT $6 OFFSET $7"
    );
    let mut values = filter_values(filter);
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    values.push(i64::try_from(offset).unwrap_or(i64::MAX).into());
    let rows = ConversationRow::find_by_statement(stmt(&page_sql, values))
        .all(db)
        .await?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// The guest with this E.164 phone and their conversation, if they ever wrote.
pub async fn by_phone(db: &impl ConnectionTrait, phone: &str) -> Result<Option<ConversationRow>> {
    let filter = ConversationFilter {
        phone: Some(phone.to_owned()),
        ..Default::default()
    };
    let (rows, _) = list(
        db,
        &filter,
        Page {
            page: 1,
            per_page: 1,
        },
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// The latest `limit` messages of a contact both ways, oldest first (by when we stored them).
pub async fn latest_messages(
    db: &impl ConnectionTrait,
    contact_id: i64,
    limit: u64,
) -> Result<Vec<whatsapp_message::Model>> {
    use whatsapp_message::Column;
    let mut rows = whatsapp_message::Entity::find()
        .filter(Column::ContactId.eq(contact_id))
        .order_by_desc(Column::ReceivedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.reverse();
    Ok(rows)
}

/// One message by id.
pub async fn message(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<whatsapp_message::Model>> {
    Ok(whatsapp_message::Entity::find_by_id(id).one(db).await?)
}

/// Every delivery status stored for these wamids.
pub async fn statuses(
    db: &impl ConnectionTrait,
    wamids: Vec<String>,
) -> Result<Vec<whatsapp_message_status::Model>> {
    if wamids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(whatsapp_message_status::Entity::find()
        .filter(whatsapp_message_status::Column::Wamid.is_in(wamids))
        .all(db)
        .await?)
}

/// Moves the contact's inbound messages in state `from` to `to`; how many moved.
pub async fn settle_inbound(
    db: &impl ConnectionTrait,
    contact_id: i64,
    from: MessageState,
    to: MessageState,
) -> Result<u64> {
    use whatsapp_message::Column;
    let moved = whatsapp_message::Entity::update_many()
        .col_expr(Column::State, to.into())
        .filter(Column::ContactId.eq(contact_id))
        .filter(Column::Direction.eq(MessageDirection::Inbound))
        .filter(Column::State.eq(from))
        .exec(db)
        .await?;
    Ok(moved.rows_affected)
}

/// Records `preview` as the conversation's latest message, at `now`.
pub async fn touch(
    db: &impl ConnectionTrait,
    conversation_id: i64,
    preview: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use conversation::Column;
    let preview: String = preview.chars().take(PREVIEW_CHARS).collect();
    conversation::Entity::update_many()
        .col_expr(Column::LastMessageAt, Some(now).into())
        .col_expr(Column::LastMessagePreview, Some(preview).into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(conversation_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives a handed-off conversation back to the bot (hand-off cleared, misunderstood count
/// reset); the row as it was before, or `None` when it was not handed off (nothing changed).
/// The row is locked first, so two owners resolving at once change it once.
pub async fn hand_back(
    db: &impl ConnectionTrait,
    contact_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<conversation::Model>> {
    use conversation::Column;
    let Some(before) = conversation::Entity::find()
        .filter(Column::ContactId.eq(contact_id))
        .filter(Column::HandedOff.eq(true))
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    conversation::Entity::update_many()
        .col_expr(Column::HandedOff, false.into())
        .col_expr(Column::HandedOffAt, Option::<DateTime<Utc>>::None.into())
        .col_expr(Column::HandOffReason, Option::<HandOffReason>::None.into())
        .col_expr(Column::Misunderstood, 0i16.into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(before.id))
        .exec(db)
        .await?;
    Ok(Some(before))
}

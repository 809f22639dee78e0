//! A guest's personal data, found by phone or email, and the two SQL functions that take it
//! away (`anonymise_reservations`, `erase_whatsapp_contacts`: migration
//! `m20261204_000001_guest_data_retention`). Both are single statements, each atomic.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Func},
};
use serde_json::json;

use crate::{
    Result,
    db::stmt,
    domain::{Email, PhoneNumber},
    entities::{email_log, payment, reservation, whatsapp_contact, whatsapp_message},
    service::audit::AuditContext,
};

/// Every reservation made with `phone` or `email` (at least one given), by check-in.
pub async fn reservations_of(
    db: &impl ConnectionTrait,
    phone: Option<&PhoneNumber>,
    email: Option<&Email>,
) -> Result<Vec<reservation::Model>> {
    let mut who = Condition::any();
    if let Some(phone) = phone {
        who = who.add(reservation::Column::GuestPhone.eq(phone.as_str()));
    }
    if let Some(email) = email {
        let stored = Func::lower(Expr::col(reservation::Column::GuestEmail));
        who = who.add(Expr::expr(stored).eq(email.as_str()));
    }
    if who.is_empty() {
        return Ok(Vec::new());
    }
    Ok(reservation::Entity::find()
        .filter(who)
        .order_by_asc(reservation::Column::CheckIn)
        .order_by_asc(reservation::Column::Id)
        .all(db)
        .await?)
}

/// The payment rows (links and payments) of these reservations, oldest first.
pub async fn payments_of(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::ReservationId.is_in(ids.iter().copied()))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?)
}

/// The guest emails sent (or tried) about these reservations, oldest first.
pub async fn emails_of(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<email_log::Model>> {
    Ok(email_log::Entity::find()
        .filter(email_log::Column::ReservationId.is_in(ids.iter().copied()))
        .order_by_asc(email_log::Column::Id)
        .all(db)
        .await?)
}

/// The WhatsApp guests writing from any of `phones` (E.164).
pub async fn contacts_of(
    db: &impl ConnectionTrait,
    phones: &[&str],
) -> Result<Vec<whatsapp_contact::Model>> {
    Ok(whatsapp_contact::Entity::find()
        .filter(whatsapp_contact::Column::Phone.is_in(phones.iter().copied()))
        .order_by_asc(whatsapp_contact::Column::Id)
        .all(db)
        .await?)
}

/// Every message of one WhatsApp guest, both ways, oldest first.
pub async fn messages_of(
    db: &impl ConnectionTrait,
    contact_id: i64,
) -> Result<Vec<whatsapp_message::Model>> {
    Ok(whatsapp_message::Entity::find()
        .filter(whatsapp_message::Column::ContactId.eq(contact_id))
        .order_by_asc(whatsapp_message::Column::ReceivedAt)
        .order_by_asc(whatsapp_message::Column::Id)
        .all(db)
        .await?)
}

/// The integer a `SELECT fn(...) AS n` answered.
async fn count(db: &impl ConnectionTrait, statement: sea_orm::Statement) -> Result<u64> {
    let n: i32 = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How an anonymisation is stamped: when, the name left in place of the guest's, and who.
#[derive(Clone, Copy, Debug)]
pub struct Stamp<'a> {
    /// When.
    pub now: DateTime<Utc>,
    /// The name left on the rows.
    pub label: &'a str,
    /// Who asked (audited on each row).
    pub audit: &'a AuditContext,
}

impl Stamp<'_> {
    /// `$2..$6` of `anonymise_reservations`.
    fn values(&self) -> Vec<sea_orm::Value> {
        let (kind, actor) = self.audit.actor.parts();
        vec![
            self.now.into(),
            self.label.into(),
            kind.as_str().into(),
            actor.into(),
            self.audit.trace_id.clone().into(),
        ]
    }
}

/// Anonymises the reservations `ids` (those not anonymised yet); returns how many.
pub async fn anonymise(db: &impl ConnectionTrait, ids: &[i64], stamp: Stamp<'_>) -> Result<u64> {
    let mut values = vec![json!(ids).into()];
    values.extend(stamp.values());
    count(
        db,
        stmt(
            "SELECT anonymise_reservations(
                 ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint), $2, $3, $4, $5, $6)
                 AS n",
            values,
        ),
    )
    .await
}

/// Anonymises at most `limit` stays that checked out before `cutoff`, oldest first; returns
/// how many.
pub async fn anonymise_checked_out_before(
    db: &impl ConnectionTrait,
    cutoff: NaiveDate,
    limit: u64,
    stamp: Stamp<'_>,
) -> Result<u64> {
    let mut values = vec![cutoff.into(), limit.into()];
    values.extend(stamp.values());
    count(
        db,
        stmt(
            "SELECT anonymise_reservations(ARRAY(
                 SELECT r.id FROM reservations r
                 WHERE r.anonymised_at IS NULL AND r.check_out < $1
                 ORDER BY r.check_out, r.id LIMIT $2), $3, $4, $5, $6, $7) AS n",
            values,
        ),
    )
    .await
}

/// Deletes the WhatsApp guests `ids` with their conversations and messages; returns how many.
pub async fn erase_contacts(db: &impl ConnectionTrait, ids: &[i64]) -> Result<u64> {
    count(
        db,
        stmt(
            "SELECT erase_whatsapp_contacts(
                 ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint)) AS n",
            vec![json!(ids).into()],
        ),
    )
    .await
}

/// Deletes at most `limit` WhatsApp guests silent since before `since` (their last message
/// either way, the conversation's included) whose phone books no stay checking out on or
/// after `stays_from`; returns how many.
pub async fn erase_contacts_silent_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    stays_from: NaiveDate,
    limit: u64,
) -> Result<u64> {
    count(
        db,
        stmt(
            "SELECT erase_whatsapp_contacts(ARRAY(
                 SELECT c.id FROM whatsapp_contacts c
                 LEFT JOIN conversations v ON v.contact_id = c.id
                 WHERE c.last_seen_at < $1
                   AND (v.last_message_at IS NULL OR v.last_message_at < $1)
                   AND NOT EXISTS (SELECT 1 FROM whatsapp_messages m
                                   WHERE m.contact_id = c.id AND m.received_at >= $1)
                   AND NOT EXISTS (SELECT 1 FROM reservations r
                                   WHERE r.guest_phone = c.phone AND r.check_out >= $2)
                 ORDER BY c.id LIMIT $3)) AS n",
            vec![since.into(), stays_from.into(), limit.into()],
        ),
    )
    .await
}

/// Cuts the payment JSON of alerts naming no reservation (payments we could not place) raised
/// before `before` down to its bookkeeping keys; returns how many changed.
pub async fn scrub_unplaced_alerts(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64> {
    let result = db
        .execute_raw(stmt(
            "UPDATE payment_alerts SET details = payment_bookkeeping(details)
             WHERE reservation_id IS NULL AND created_at < $1 AND details IS NOT NULL
               AND details <> payment_bookkeeping(details)",
            vec![before.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

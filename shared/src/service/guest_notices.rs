//! Guest notices: enqueueing one at a lifecycle moment ([`enqueue`]), delivering its email
//! ([`deliver`], the `guest_notice.v1` job) and finding the holds to remind
//! ([`claim_reminders`], the `hold_reminders.v1` job).
//!
//! Idempotency: `email_log` has one row per (reservation, event). Before sending, a worker
//! *claims* the row with one atomic upsert that only succeeds when the row is not `sent` and
//! not claimed by another attempt in the last [`CLAIM_LEASE_SECONDS`]; a notice delivered twice
//! therefore sends one email. A worker that dies mid-send leaves a `pending` row whose lease
//! lapses, and the queue's redelivery sends it then.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult};

use crate::{
    Error, Result,
    clock::Clock,
    db::stmt,
    domain::ReservationStatus,
    email::{NoticeFacts, render},
    entities::{
        accommodation,
        email_log::{self, EmailOutcome},
        reservation,
    },
    jobs::{
        JobQueue,
        notifications::{GuestNotice, NoticeEvent},
    },
    mask,
    providers::{
        MercadoPagoClient,
        email::{EmailSender, SendError},
    },
    service::payment_link::{self, PaymentLinkOptions},
    store,
};

/// How long a claimed (`pending`) notice is left to its worker before another may retry it.
pub const CLAIM_LEASE_SECONDS: i64 = 120;
/// How long before a hold lapses the guest is reminded.
pub const REMIND_BEFORE_MINUTES: i64 = 10;
/// Longest error text kept in `email_log.error`.
const MAX_ERROR_CHARS: usize = 1000;

/// Enqueues `event` for a reservation after the change was committed. Never fails the caller:
/// an enqueue failure is logged (the booking, payment or cancellation stands either way).
pub async fn enqueue(queue: Option<&JobQueue>, reservation_id: i64, event: NoticeEvent) {
    let Some(queue) = queue else {
        return;
    };
    if let Err(e) = queue.push(GuestNotice::new(reservation_id, event)).await {
        tracing::warn!(reservation_id, ?event, error = %e, "guest notice not enqueued");
    }
}

/// What [`deliver`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The email was sent now.
    Sent,
    /// It had been sent already (or another worker is sending it): nothing done.
    AlreadyHandled,
    /// Not sent, and not to be: the reason.
    Skipped(&'static str),
    /// The mail server refused it for good (bad address): recorded, not retried.
    Refused(String),
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The database or the reservation lookup failed.
    #[error(transparent)]
    Store(#[from] Error),
    /// The mail server could not be reached or asked to try later (recorded `failed`).
    #[error("{0}")]
    Transient(String),
}

/// What a delivery needs besides the database.
#[derive(Clone, Copy)]
pub struct Mailer<'a> {
    /// The SMTP sender.
    pub sender: &'a EmailSender,
    /// Source of "now".
    pub clock: &'a dyn Clock,
    /// The business timezone.
    pub timezone: Tz,
    /// Mercado Pago and the link options, to create the deposit link of a hold that has none
    /// yet; without it, only an existing link is put in the email.
    pub payment_links: Option<(&'a MercadoPagoClient, &'a PaymentLinkOptions)>,
}

/// Sends the email of one notice, once (see the module docs).
#[tracing::instrument(skip_all, fields(reservation_id = notice.reservation_id, event = ?notice.event), err)]
pub async fn deliver(
    db: &DatabaseConnection,
    mailer: Mailer<'_>,
    notice: &GuestNotice,
) -> std::result::Result<Delivery, DeliveryError> {
    let now = mailer.clock.now();
    let (row, cabin) = reservation::Entity::find_by_id(notice.reservation_id)
        .find_also_related(accommodation::Entity)
        .one(db)
        .await
        .map_err(Error::from)?
        .ok_or(Error::NotFound("reservation"))?;
    let cabin = cabin.ok_or(Error::NotFound("accommodation"))?;
    let skip = if !mailer.sender.is_enabled() {
        Some("email is not configured")
    } else if row.guest_email.is_none() {
        Some("the guest gave no email")
    } else if matches!(
        notice.event,
        NoticeEvent::Expiring | NoticeEvent::PaymentLinkResent
    ) && (row.status != ReservationStatus::PreReserved
        || row.expires_at.is_none_or(|at| at.to_utc() <= now))
    {
        Some("the hold is no longer open")
    } else {
        None
    };
    let recipient = row.guest_email.as_ref().map(|e| e.as_str().to_owned());
    let Some(claim) = claim(db, notice, recipient.as_deref(), now).await? else {
        return Ok(Delivery::AlreadyHandled);
    };
    if let Some(reason) = skip {
        record(db, claim, EmailOutcome::Skipped, None, Some(reason), now).await?;
        tracing::info!(reason, "guest email skipped");
        return Ok(Delivery::Skipped(reason));
    }
    let payment_url = if matches!(
        notice.event,
        NoticeEvent::HoldCreated | NoticeEvent::Expiring | NoticeEvent::PaymentLinkResent
    ) {
        hold_link(db, mailer.clock, mailer.payment_links, &row, now).await
    } else {
        None
    };
    let facts = NoticeFacts {
        guest_name: row.guest_name.as_str().to_owned(),
        code: row.code.to_string(),
        cabin: cabin.name.clone(),
        check_in: row.check_in,
        check_out: row.check_out,
        nights: row.nights,
        guests: row.guests,
        total: row.total_price,
        deposit: row.deposit_amount,
        paid: row.paid_amount,
        expires_at: row.expires_at.map(|at| at.to_utc()),
        timezone: mailer.timezone,
        payment_url,
        check_in_time: cabin.check_in_time,
        check_out_time: cabin.check_out_time,
        location: cabin.location.clone(),
    };
    let content = render(notice.event, &facts);
    let address = recipient.unwrap_or_default();
    let sent = mailer
        .sender
        .send(&address, row.guest_name.as_str(), &content)
        .await;
    let now = mailer.clock.now();
    match sent {
        Ok(()) => {
            record(
                db,
                claim,
                EmailOutcome::Sent,
                Some(&content.subject),
                None,
                now,
            )
            .await?;
            metrics::counter!("guest_emails_total", "outcome" => "sent").increment(1);
            Ok(Delivery::Sent)
        }
        Err(e) => {
            let message: String = e.to_string().chars().take(MAX_ERROR_CHARS).collect();
            record(
                db,
                claim,
                EmailOutcome::Failed,
                Some(&content.subject),
                Some(&message),
                now,
            )
            .await?;
            metrics::counter!("guest_emails_total", "outcome" => "failed").increment(1);
            tracing::warn!(recipient = %mask::email(&address), error = %message, "guest email failed");
            match e {
                SendError::Transient(_) => Err(DeliveryError::Transient(message)),
                SendError::Permanent(_) => Ok(Delivery::Refused(message)),
            }
        }
    }
}

/// The hold's checkout link: the open one, or (with Mercado Pago configured, `links`) a new
/// one. Best effort: without a link the notice says one follows.
pub(crate) async fn hold_link(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    links: Option<(&MercadoPagoClient, &PaymentLinkOptions)>,
    row: &reservation::Model,
    now: DateTime<Utc>,
) -> Option<String> {
    if row.status != ReservationStatus::PreReserved {
        return None;
    }
    match store::payments::open_link(db, row.id, now).await {
        Ok(Some(link)) if link.init_point.is_some() => return link.init_point,
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "open payment link not read"),
    }
    let (mp, options) = links?;
    match payment_link::payment_link(db, mp, clock, options, &row.code).await {
        Ok(link) => Some(link.payment_url),
        Err(e) => {
            tracing::warn!(error = %e, "payment link not created for the guest email");
            None
        }
    }
}

#[derive(FromQueryResult)]
struct Claimed {
    id: i64,
}

/// Claims the notice's `email_log` row (inserting it the first time); `None` when it was sent
/// already or another attempt holds it.
///
/// A resend of the link keeps one row per reservation too (the unique key stays
/// `(reservation, event)`, which the previous release's claim names): a newer resend takes the
/// row over whatever its state, starting its attempts afresh; the same resend again is claimed
/// as any notice is. Earlier resends stay in the audit trail.
async fn claim(
    db: &impl ConnectionTrait,
    notice: &GuestNotice,
    recipient: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let lease_start = now - Duration::seconds(CLAIM_LEASE_SECONDS);
    let sql = "INSERT INTO email_log (reservation_id, event, resend, recipient, outcome, attempts, created_at, updated_at) \
               VALUES ($1, $2, $8, $3, $4, 1, $5, $5) \
               ON CONFLICT (reservation_id, event) DO UPDATE \
                 SET attempts = CASE WHEN email_log.resend < $8 THEN 1 ELSE email_log.attempts + 1 END, \
                     resend = $8, outcome = $4, recipient = $3, updated_at = $5, sent_at = NULL \
               WHERE email_log.resend < $8 \
                  OR (email_log.outcome <> $6 \
                      AND NOT (email_log.outcome = $4 AND email_log.updated_at > $7)) \
               RETURNING id";
    let row = Claimed::find_by_statement(stmt(
        sql,
        vec![
            notice.reservation_id.into(),
            sea_orm::ActiveEnum::to_value(&notice.event).into(),
            recipient.map(str::to_owned).into(),
            sea_orm::ActiveEnum::to_value(&EmailOutcome::Pending).into(),
            now.into(),
            sea_orm::ActiveEnum::to_value(&EmailOutcome::Sent).into(),
            lease_start.into(),
            notice.resend.into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.id))
}

/// Records a claimed attempt's outcome.
async fn record(
    db: &impl ConnectionTrait,
    id: i64,
    outcome: EmailOutcome,
    subject: Option<&str>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let sent_at = (outcome == EmailOutcome::Sent).then(|| now.fixed_offset());
    email_log::ActiveModel {
        id: Set(id),
        outcome: Set(outcome),
        subject: Set(subject.map(str::to_owned)),
        error: Set(error.map(str::to_owned)),
        updated_at: Set(now.fixed_offset()),
        sent_at: Set(sent_at),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Marks the holds lapsing within [`REMIND_BEFORE_MINUTES`] that were not reminded yet as
/// reminded, and returns their ids (one atomic statement: two scans never both take a hold).
pub async fn claim_reminders(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let sql = "UPDATE reservations SET reminded_at = $1 \
               WHERE status = $2 AND reminded_at IS NULL AND expires_at > $1 AND expires_at <= $3 \
               RETURNING id";
    let rows = Claimed::find_by_statement(stmt(
        sql,
        vec![
            now.into(),
            sea_orm::ActiveEnum::to_value(&ReservationStatus::PreReserved).into(),
            (now + Duration::minutes(REMIND_BEFORE_MINUTES)).into(),
        ],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Un-marks a hold whose reminder could not be enqueued, so the next scan tries again.
pub async fn release_reminder(db: &impl ConnectionTrait, reservation_id: i64) -> Result<()> {
    db.execute_raw(stmt(
        "UPDATE reservations SET reminded_at = NULL WHERE id = $1",
        vec![reservation_id.into()],
    ))
    .await?;
    Ok(())
}

/// The email log of a reservation (oldest first).
pub async fn email_log_of(
    db: &impl ConnectionTrait,
    reservation_id: i64,
) -> Result<Vec<email_log::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(email_log::Entity::find()
        .filter(email_log::Column::ReservationId.eq(reservation_id))
        .order_by_asc(email_log::Column::Id)
        .all(db)
        .await?)
}

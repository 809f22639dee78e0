//! A guest's personal data (docs/privacy.md): what the owner exports or erases when a guest
//! asks, and the retention that anonymises past stays and long-silent WhatsApp guests.
//!
//! Both ways out go through the same two SQL functions (`store::guest_data`), so an erasure
//! and the retention take away exactly the same fields: the guest's name, phone, email, notes,
//! the free text about them, their WhatsApp conversation, and the payer data inside Mercado
//! Pago's payment JSON. What the books need stays: accommodation, dates, guests, amounts,
//! statuses, payments. Logs carry counts only, never who.

use std::collections::BTreeSet;

use chrono::{DateTime, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::{
    Error, Result,
    clock::Clock,
    domain::{Email, PhoneNumber, ReservationStatus},
    entities::{email_log, payment, reservation, whatsapp_contact, whatsapp_message},
    error::ConflictKind,
    service::audit::{self, Actor, AuditContext, Change},
    store::guest_data::{self as store, Stamp},
};

/// The name an anonymised stay keeps (owner-facing, Argentine Spanish).
pub const ANONYMISED_NAME: &str = "Huésped anonimizado";
/// Rows one retention statement anonymises or erases.
const BATCH: u64 = 200;
/// Statements of each kind one retention run issues at most: a backlog (the first run after
/// going live) is worked off over a few days instead of in one long run.
const MAX_BATCHES: u32 = 10;
/// The retention job's audit identity.
const RETENTION_ACTOR: &str = "guest_data_retention";

/// Who a request is about: a phone, an email, or both (read as one guest).
#[derive(Clone, Debug)]
pub struct GuestIdentity {
    phone: Option<PhoneNumber>,
    email: Option<Email>,
}

impl GuestIdentity {
    /// What the owner typed: the phone as anywhere else (E.164 with or without `+`, spaces and
    /// dashes ignored, an Argentine national mobile number), the email by its shape; blank
    /// counts as absent, and at least one is required. Every bad field is reported.
    pub fn parse(phone: Option<&str>, email: Option<&str>) -> Result<Self> {
        fn given(raw: Option<&str>) -> Option<&str> {
            raw.map(str::trim).filter(|raw| !raw.is_empty())
        }
        let mut problems = Vec::new();
        let phone = given(phone)
            .map(|raw| PhoneNumber::parse("phone", raw))
            .transpose()
            .unwrap_or_else(|e| {
                problems.push(e);
                None
            });
        let email = given(email)
            .map(|raw| Email::parse("email", raw))
            .transpose()
            .unwrap_or_else(|e| {
                problems.push(e);
                None
            });
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        if phone.is_none() && email.is_none() {
            return Err(Error::invalid(
                "phone",
                "required",
                "give the guest's phone or email",
            ));
        }
        Ok(Self { phone, email })
    }
}

/// One stay of the guest with its payments and the emails sent about it.
#[derive(Clone, Debug)]
pub struct GuestStay {
    /// The reservation.
    pub reservation: reservation::Model,
    /// Its deposit links and payments.
    pub payments: Vec<payment::Model>,
    /// The notices emailed about it.
    pub emails: Vec<email_log::Model>,
}

/// The guest's WhatsApp identity and every message both ways.
#[derive(Clone, Debug)]
pub struct GuestConversation {
    /// The WhatsApp guest.
    pub contact: whatsapp_contact::Model,
    /// Messages, oldest first.
    pub messages: Vec<whatsapp_message::Model>,
}

/// Everything stored about a guest.
#[derive(Clone, Debug)]
pub struct GuestData {
    /// Stays booked with the phone or the email, by check-in.
    pub stays: Vec<GuestStay>,
    /// WhatsApp conversations from the phone, or from a phone those stays were booked with.
    pub conversations: Vec<GuestConversation>,
}

/// The guest's reservations and WhatsApp guests: those of the phone and email asked for, and
/// those of every phone the guest's stays were booked with.
async fn find(
    db: &impl ConnectionTrait,
    who: &GuestIdentity,
) -> Result<(Vec<reservation::Model>, Vec<whatsapp_contact::Model>)> {
    let stays = store::reservations_of(db, who.phone.as_ref(), who.email.as_ref()).await?;
    let phones: BTreeSet<&str> = who
        .phone
        .iter()
        .chain(stays.iter().filter_map(|r| r.guest_phone.as_ref()))
        .map(PhoneNumber::as_str)
        .collect();
    let phones: Vec<&str> = phones.into_iter().collect();
    let contacts = store::contacts_of(db, &phones).await?;
    Ok((stays, contacts))
}

/// Everything stored about `who` (empty once erased).
pub async fn export(db: &impl ConnectionTrait, who: &GuestIdentity) -> Result<GuestData> {
    let (reservations, contacts) = find(db, who).await?;
    let ids: Vec<i64> = reservations.iter().map(|r| r.id).collect();
    let mut payments = store::payments_of(db, &ids).await?;
    let mut emails = store::emails_of(db, &ids).await?;
    let stays = reservations
        .into_iter()
        .map(|reservation| {
            let id = reservation.id;
            GuestStay {
                reservation,
                payments: take(&mut payments, |p| p.reservation_id == id),
                emails: take(&mut emails, |e| e.reservation_id == id),
            }
        })
        .collect();
    let mut conversations = Vec::with_capacity(contacts.len());
    for contact in contacts {
        let messages = store::messages_of(db, contact.id).await?;
        conversations.push(GuestConversation { contact, messages });
    }
    Ok(GuestData {
        stays,
        conversations,
    })
}

/// Moves the items matching `pick` out of `items`, keeping their order.
fn take<T>(items: &mut Vec<T>, pick: impl Fn(&T) -> bool) -> Vec<T> {
    let (picked, rest) = std::mem::take(items).into_iter().partition(pick);
    *items = rest;
    picked
}

/// What an erasure did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Erased {
    /// The audit entry's id (`guest.erase`, entity `guest`): what the owner can quote.
    pub erasure_id: Uuid,
    /// Stays anonymised now.
    pub stays: u64,
    /// WhatsApp guests deleted now.
    pub conversations: u64,
}

/// Erases `who`: anonymises their stays and deletes their WhatsApp conversations, audited as
/// one `guest.erase` entry (counts only) plus one `reservation.anonymise` per stay.
/// Idempotent: a second call finds nothing left and changes nothing. Refused with
/// `guest_has_live_booking` while the guest holds nights or has a confirmed stay not over
/// yet (cancel it first, or wait until check-out).
pub async fn erase(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    tz: Tz,
    ctx: &AuditContext,
    who: &GuestIdentity,
) -> Result<Erased> {
    let now = clock.now();
    let today = clock.today(tz);
    let txn = db.begin().await?;
    let (stays, contacts) = find(&txn, who).await?;
    let live: Vec<&str> = stays
        .iter()
        .filter(|r| is_live(r, today))
        .map(|r| r.code.as_str())
        .collect();
    if !live.is_empty() {
        return Err(Error::conflict(
            ConflictKind::GuestHasLiveBooking,
            format!(
                "the guest has bookings not over yet ({}): cancel them or wait until check-out",
                live.join(", ")
            ),
        ));
    }
    let ids: Vec<i64> = stays.iter().map(|r| r.id).collect();
    let stamp = Stamp {
        now,
        label: ANONYMISED_NAME,
        audit: ctx,
    };
    let anonymised = store::anonymise(&txn, &ids, stamp).await?;
    let contact_ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
    let erased = store::erase_contacts(&txn, &contact_ids).await?;
    let erasure_id = Uuid::new_v4();
    let change = Change {
        action: "guest.erase",
        entity_kind: "guest",
        entity_id: erasure_id.to_string(),
        reservation_id: None,
        before: None,
        after: Some(json!({ "stays": anonymised, "conversations": erased })),
    };
    audit::record(&txn, ctx, now, change).await?;
    txn.commit().await?;
    tracing::info!(%erasure_id, stays = anonymised, conversations = erased, "guest data erased");
    Ok(Erased {
        erasure_id,
        stays: anonymised,
        conversations: erased,
    })
}

/// A hold, or a confirmed stay whose check-out is today or later.
fn is_live(r: &reservation::Model, today: NaiveDate) -> bool {
    matches!(
        r.status,
        ReservationStatus::PreReserved | ReservationStatus::Confirmed
    ) && r.check_out >= today
}

/// What one retention run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Stays anonymised.
    pub stays: u64,
    /// WhatsApp guests deleted with their conversations.
    pub conversations: u64,
    /// Alerts about payments we could not place whose payment JSON was cut down.
    pub alerts: u64,
}

/// The first day whose stays (by check-out) and messages are still kept: today in the
/// business timezone minus `retention`, and the instant it starts.
fn retention_cutoff(clock: &dyn Clock, tz: Tz, retention: Months) -> (NaiveDate, DateTime<Utc>) {
    let today = clock.today(tz);
    let day = today
        .checked_sub_months(retention)
        .unwrap_or(NaiveDate::MIN);
    let start = tz
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || day.and_time(NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        );
    (day, start)
}

/// Anonymises the stays that checked out more than `retention` ago and deletes the WhatsApp
/// guests silent that long whose phone books no stay checking out since; bounded per run
/// ([`MAX_BATCHES`] × [`BATCH`] of each), so a daily run works a backlog off over days.
/// Idempotent: what is done is not found again.
pub async fn apply_retention(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    tz: Tz,
    retention: Months,
) -> Result<RetentionReport> {
    let (cutoff, cutoff_start) = retention_cutoff(clock, tz, retention);
    let ctx = AuditContext {
        actor: Actor::System(RETENTION_ACTOR),
        trace_id: None,
    };
    let mut report = RetentionReport::default();
    for _ in 0..MAX_BATCHES {
        let stamp = Stamp {
            now: clock.now(),
            label: ANONYMISED_NAME,
            audit: &ctx,
        };
        let n = store::anonymise_checked_out_before(db, cutoff, BATCH, stamp).await?;
        report.stays += n;
        if n < BATCH {
            break;
        }
    }
    for _ in 0..MAX_BATCHES {
        let n = store::erase_contacts_silent_since(db, cutoff_start, cutoff, BATCH).await?;
        report.conversations += n;
        if n < BATCH {
            break;
        }
    }
    report.alerts = store::scrub_unplaced_alerts(db, cutoff_start).await?;
    metrics::counter!("guest_data_anonymised_total", "kind" => "stay").increment(report.stays);
    metrics::counter!("guest_data_anonymised_total", "kind" => "conversation")
        .increment(report.conversations);
    tracing::info!(
        %cutoff,
        stays = report.stays,
        conversations = report.conversations,
        alerts = report.alerts,
        "guest data retention"
    );
    Ok(report)
}

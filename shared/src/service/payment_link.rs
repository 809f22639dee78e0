//! The deposit's checkout link: a Mercado Pago Checkout Pro preference that lapses with the
//! hold.
//!
//! One link per hold, and no transaction, lock or pooled connection held across the Mercado
//! Pago call (docs/adr/0050, which supersedes the row lock of 0022):
//!
//! 1. read the reservation and its open link (plain reads): a valid link is returned as is;
//! 2. otherwise *claim* the hold's link with one atomic statement — an in-flight row in
//!    `idempotency_keys` (scope `payment_link`, key = the preference's `X-Idempotency-Key`);
//! 3. the claimer calls Mercado Pago with no connection held;
//! 4. then, in one short transaction under the reservation's row lock, re-checks the hold,
//!    stores the link and completes the claim.
//!
//! A concurrent request that finds the claim in flight polls (plain reads, ~100 ms apart)
//! until the link appears, up to the Mercado Pago timeout plus a margin, then answers 503.
//! If the claimer fails, it releases the claim at once; if it dies, the claim lapses after
//! `idempotency::IN_FLIGHT_LOCK` and the next request retakes it. The unique index on
//! `(reservation_id, expires_at) WHERE status = 'link_created'` still backs this up, and the
//! `X-Idempotency-Key` makes a retaken claim get the same preference from Mercado Pago.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::{
    Error, Result,
    clock::Clock,
    config::Settings,
    domain::{Money, PaymentProvider, PaymentRecordStatus, ReservationCode, ReservationStatus},
    entities::{accommodation, payment, reservation},
    error::ConflictKind,
    providers::mercadopago::{
        BackUrls, MercadoPagoClient, Preference, PreferenceItem, PreferenceRequest,
    },
    store::{
        self,
        idempotency::{self, Begin, StoredRecord},
    },
};

/// Scope of the link claims in `idempotency_keys`.
const CLAIM_SCOPE: &str = "payment_link";
/// How often a request waiting for another's claim looks for the link again.
const CLAIM_POLL: StdDuration = StdDuration::from_millis(100);
/// How long past the Mercado Pago timeout a waiting request keeps looking.
const CLAIM_WAIT_MARGIN: StdDuration = StdDuration::from_secs(2);

/// What a link needs from the settings.
#[derive(Clone, Debug)]
pub struct PaymentLinkOptions {
    /// Where Mercado Pago posts the payment's notifications (the API's webhook route under
    /// `PUBLIC_BASE_URL`: the API owns the path).
    pub notification_url: String,
    /// `MERCADOPAGO_{SUCCESS,FAILURE,PENDING}_URL`.
    pub back_urls: BackUrls,
    /// `MERCADOPAGO_BINARY_MODE`.
    pub binary_mode: bool,
    /// The business timezone (dates in the title, the expiry's offset).
    pub timezone: Tz,
}

impl PaymentLinkOptions {
    /// Options from the settings, with notifications posted to `notification_url`.
    pub fn from_settings(settings: &Settings, notification_url: String) -> Self {
        Self {
            notification_url,
            back_urls: BackUrls {
                success: settings.mercadopago_success_url.clone(),
                failure: settings.mercadopago_failure_url.clone(),
                pending: settings.mercadopago_pending_url.clone(),
            },
            binary_mode: settings.mercadopago_binary_mode,
            timezone: settings.timezone(),
        }
    }
}

/// A checkout link for a reservation's deposit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentLink {
    /// The reservation code.
    pub code: String,
    /// Where the guest pays (Checkout Pro `init_point`).
    pub payment_url: String,
    /// Mercado Pago's preference id.
    pub preference_id: String,
    /// Amount asked.
    pub amount: Money,
    /// ISO 4217 currency.
    pub currency: String,
    /// When the link (and the hold) lapse.
    pub expires_at: DateTime<Utc>,
    /// Whether this call created it (false: an existing valid link was returned).
    pub created: bool,
}

/// What a request found before claiming: the link, or what creating it takes.
enum Plan {
    Existing(PaymentLink),
    Create(Box<Creation>),
}

/// A link to create: the preference to ask for and its claim key.
struct Creation {
    reservation: reservation::Model,
    amount: Money,
    expires_at: DateTime<Utc>,
    body: PreferenceRequest,
    key: String,
}

/// Returns the hold's valid checkout link, creating it at Mercado Pago the first time.
///
/// `NotFound` for an unknown code; `Conflict(HoldExpired)` when the hold lapsed;
/// `Conflict(NotPayable)` for a reservation that is not a hold or owes nothing;
/// `Unavailable` when Mercado Pago cannot be reached (nothing is stored then) or another
/// request's creation of this link did not finish in time.
#[tracing::instrument(skip_all, fields(reservation_code = %code), err)]
pub async fn payment_link(
    db: &DatabaseConnection,
    mp: &MercadoPagoClient,
    clock: &dyn Clock,
    options: &PaymentLinkOptions,
    code: &ReservationCode,
) -> Result<PaymentLink> {
    let give_up_at = Instant::now() + mp.timeout() + CLAIM_WAIT_MARGIN;
    loop {
        let creation = match plan(db, clock, options, code).await? {
            Plan::Existing(link) => return Ok(link),
            Plan::Create(creation) => creation,
        };
        let now = clock.now();
        let ttl = (creation.expires_at - now) + Duration::hours(1);
        let key = creation.key.as_str();
        match idempotency::begin(db, CLAIM_SCOPE, key, key, now, ttl).await? {
            Begin::Started => return create(db, mp, clock, *creation).await,
            Begin::InFlight | Begin::Replay(_) | Begin::Mismatch => {}
        }
        if Instant::now() >= give_up_at {
            return Err(Error::Unavailable(
                "another request is still creating this payment link; retry".into(),
            ));
        }
        metrics::counter!("payment_link_claim_waits_total").increment(1);
        tokio::time::sleep(CLAIM_POLL).await;
    }
}

/// Reads (no lock, no transaction) whether the hold is payable and already has its link.
async fn plan(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    options: &PaymentLinkOptions,
    code: &ReservationCode,
) -> Result<Plan> {
    let reservation = store::reservations::find_by_code(db, code)
        .await?
        .ok_or(Error::NotFound("reservation"))?;
    let now = clock.now();
    let expires_at = payable_until(&reservation, now)?;
    if let Some(link) = store::payments::open_link(db, reservation.id, now).await? {
        return view(&reservation, link, false).map(Plan::Existing);
    }
    let amount = amount_due(&reservation)?;
    let name = accommodation::Entity::find_by_id(reservation.accommodation_id)
        .one(db)
        .await?
        .map(|a| a.name)
        .unwrap_or_else(|| "Cabaña".into());
    let body = build_preference(&reservation, &name, amount, expires_at, options);
    let key = format!(
        "cabanas-link-{}-{}",
        reservation.code,
        expires_at.timestamp()
    );
    Ok(Plan::Create(Box::new(Creation {
        reservation,
        amount,
        expires_at,
        body,
        key,
    })))
}

/// Calls Mercado Pago (holding nothing) and stores the link; releases the claim on failure so
/// the next request can try again at once.
async fn create(
    db: &DatabaseConnection,
    mp: &MercadoPagoClient,
    clock: &dyn Clock,
    creation: Creation,
) -> Result<PaymentLink> {
    let result = match mp.create_preference(&creation.body, &creation.key).await {
        Ok(preference) => store_link(db, clock, &creation, preference).await,
        Err(e) => Err(e),
    };
    if result.is_err()
        && let Err(e) = idempotency::abandon(db, CLAIM_SCOPE, &creation.key).await
    {
        // The claim lapses by itself after `IN_FLIGHT_LOCK`.
        tracing::warn!(error = %e, "could not release the payment link claim");
    }
    result
}

/// One short transaction: re-check the hold under its row lock, store the link, complete the
/// claim.
async fn store_link(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    creation: &Creation,
    preference: Preference,
) -> Result<PaymentLink> {
    let txn = db.begin().await?;
    let reservation = store::reservations::lock_by_code(&txn, &creation.reservation.code)
        .await?
        .ok_or(Error::NotFound("reservation"))?;
    let now = clock.now();
    payable_until(&reservation, now)?;
    if let Some(link) = store::payments::open_link(&txn, reservation.id, now).await? {
        txn.commit().await?;
        return view(&reservation, link, false);
    }
    let row = payment::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        reservation_id: Set(reservation.id),
        provider: Set(PaymentProvider::Mercadopago),
        preference_id: Set(Some(preference.id.clone())),
        init_point: Set(Some(preference.init_point)),
        amount: Set(creation.amount),
        credited_amount: Set(Money::ZERO),
        currency: Set(reservation.currency.clone()),
        status: Set(PaymentRecordStatus::LinkCreated),
        expires_at: Set(Some(creation.expires_at.into())),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    };
    let link = store::payments::insert(&txn, row).await?;
    // The claim keeps the preference id, for whoever looks at the row.
    let done = StoredRecord {
        payload: preference.id.into_bytes(),
        ..StoredRecord::default()
    };
    idempotency::complete(&txn, CLAIM_SCOPE, &creation.key, done).await?;
    txn.commit().await?;
    metrics::counter!("payment_link_created_total").increment(1);
    tracing::info!(reservation_code = %reservation.code, amount = %creation.amount, expires_at = %creation.expires_at, "payment link created");
    view(&reservation, link, true)
}

/// When the hold lapses, if the reservation can still be paid now.
pub(crate) fn payable_until(
    reservation: &reservation::Model,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let expires_at = reservation.expires_at.map(|t| t.with_timezone(&Utc));
    match (reservation.status, expires_at) {
        (ReservationStatus::PreReserved, Some(at)) if at > now => Ok(at),
        (ReservationStatus::PreReserved | ReservationStatus::Expired, _) => Err(Error::conflict(
            ConflictKind::HoldExpired,
            "the hold on these nights has expired; book again",
        )),
        (status, _) => Err(Error::conflict(
            ConflictKind::NotPayable,
            format!("a {status} reservation has no deposit to pay"),
        )),
    }
}

/// The deposit still owed.
pub(crate) fn amount_due(reservation: &reservation::Model) -> Result<Money> {
    let due = reservation.deposit_amount - reservation.paid_amount;
    if due > Money::ZERO {
        Ok(due)
    } else {
        Err(Error::conflict(
            ConflictKind::NotPayable,
            "this reservation owes no deposit",
        ))
    }
}

fn view(
    reservation: &reservation::Model,
    link: payment::Model,
    created: bool,
) -> Result<PaymentLink> {
    let missing = || Error::Internal("stored payment link is incomplete".into());
    Ok(PaymentLink {
        code: reservation.code.to_string(),
        payment_url: link.init_point.ok_or_else(missing)?,
        preference_id: link.preference_id.ok_or_else(missing)?,
        amount: link.amount,
        currency: link.currency,
        expires_at: link.expires_at.ok_or_else(missing)?.with_timezone(&Utc),
        created,
    })
}

/// The Checkout Pro preference for a reservation's deposit.
pub fn build_preference(
    reservation: &reservation::Model,
    accommodation_name: &str,
    amount: Money,
    expires_at: DateTime<Utc>,
    options: &PaymentLinkOptions,
) -> PreferenceRequest {
    let expiry = mercadopago_datetime(expires_at, options.timezone);
    let auto_return = options
        .back_urls
        .success
        .is_some()
        .then(|| "approved".to_owned());
    PreferenceRequest {
        items: vec![PreferenceItem {
            id: reservation.code.to_string(),
            title: deposit_title(
                accommodation_name,
                reservation.check_in,
                reservation.check_out,
            ),
            quantity: 1,
            currency_id: reservation.currency.clone(),
            unit_price: amount,
        }],
        external_reference: reservation.code.to_string(),
        notification_url: options.notification_url.clone(),
        expires: true,
        expiration_date_to: expiry.clone(),
        date_of_expiration: expiry,
        back_urls: (!options.back_urls.is_empty()).then(|| options.back_urls.clone()),
        auto_return,
        binary_mode: options.binary_mode,
    }
}

/// `Seña - Cabaña del Lago (15/01 al 17/01)`.
pub fn deposit_title(
    accommodation_name: &str,
    check_in: NaiveDate,
    check_out: NaiveDate,
) -> String {
    format!(
        "Seña - {} ({} al {})",
        accommodation_name.trim(),
        check_in.format("%d/%m"),
        check_out.format("%d/%m")
    )
}

/// ISO 8601 with milliseconds and the business timezone's offset, as Mercado Pago writes it:
/// `2026-01-10T14:30:00.000-03:00`.
pub fn mercadopago_datetime(at: DateTime<Utc>, timezone: Tz) -> String {
    at.with_timezone(&timezone)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

#[cfg(test)]
#[path = "payment_link_tests.rs"]
mod tests;

//! Reading reservations: a guest's lookup by code, the owner's detail page, list and CSV
//! export. (Writes are use-cases of their own: [`super::booking`],
//! [`super::admin_reservations`], [`super::transitions`].)

use futures::{Stream, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::audit;
use crate::{
    Error, Result,
    domain::ReservationCode,
    entities::{audit_log, payment, reservation},
    store::{
        self,
        query::{Page, Paged},
        reservation_search::{self, ReservationQuery},
    },
};

/// Rows per batch of [`export`].
const EXPORT_BATCH: usize = 200;
/// Batches [`export`] reads ahead of its consumer: with [`EXPORT_BATCH`], what bounds an
/// export's memory whatever its size.
const EXPORT_BUFFER: usize = 4;

/// A reservation by its code, or `NotFound`.
pub async fn find(db: &impl ConnectionTrait, code: &ReservationCode) -> Result<reservation::Model> {
    store::reservations::find_by_code(db, code)
        .await?
        .ok_or(Error::NotFound("reservation"))
}

/// Everything the owner sees about one reservation.
#[derive(Clone, Debug)]
pub struct ReservationDetail {
    /// The reservation.
    pub reservation: reservation::Model,
    /// Name of its accommodation (active or not).
    pub accommodation_name: String,
    /// Its payments.
    pub payments: Vec<payment::Model>,
    /// Its audit trail, oldest first.
    pub audit: Vec<audit_log::Model>,
}

/// The owner's view of a reservation, or `NotFound`.
pub async fn detail(
    db: &impl ConnectionTrait,
    code: &ReservationCode,
) -> Result<ReservationDetail> {
    let reservation = find(db, code).await?;
    let accommodation = store::accommodations::find(db, reservation.accommodation_id).await?;
    let audit = audit::for_reservation(db, reservation.id).await?;
    let payments = store::payments::all_of(db, reservation.id).await?;
    Ok(ReservationDetail {
        reservation,
        accommodation_name: accommodation.name,
        payments,
        audit,
    })
}

/// One page of the reservations `query` selects, and how many it selects in all.
pub async fn list(
    db: &impl ConnectionTrait,
    query: &ReservationQuery,
    page: Page,
) -> Result<Paged<reservation::Model>> {
    reservation_search::page(db, query, page).await
}

/// Every reservation `query` selects, in batches of up to 200 rows, for a streamed export.
///
/// A background task reads them from a database cursor (on one connection of `db`, held
/// until the export ends) and keeps at most four batches waiting for the consumer, so an export
/// of any size uses constant memory. The first error ends the stream; dropping the stream
/// stops the task.
pub fn export(
    db: DatabaseConnection,
    query: ReservationQuery,
) -> impl Stream<Item = Result<Vec<reservation::Model>>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel(EXPORT_BUFFER);
    tokio::spawn(async move {
        let mut batches = match reservation_search::stream(&db, &query).await {
            Ok(rows) => rows.chunks(EXPORT_BATCH),
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        while let Some(batch) = batches.next().await {
            let batch: Result<Vec<_>> = batch.into_iter().collect();
            let failed = batch.is_err();
            if tx.send(batch).await.is_err() || failed {
                return;
            }
        }
    });
    futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|batch| (batch, rx))
    })
}

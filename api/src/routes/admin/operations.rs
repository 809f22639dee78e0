//! The operator's monitors: `GET /admin/webhooks` + replay, `GET /admin/jobs/failed` + retry.
//! Replays and retries are audited like every admin action.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde_json::json;
use shared::{
    FieldError,
    jobs::JOB_NAMES,
    service::{
        audit::{self, AuditContext, Change},
        failed_jobs,
        webhook_monitor::{self, WebhookFilter, WebhookState},
    },
};

use crate::{
    auth::OwnerAuth,
    dto::admin::operations::{FailedJobView, WebhookEventView},
    dto::constraints::{
        Doc, IsoDate, JobNameList, PageNumber, PageSize, ProviderList, WebhookStateList, inner,
    },
    error::ApiError,
    middleware::idempotency::idempotent,
    pagination::{DateRange, Page, PageParams, parse_list},
    routes::ApiTags,
    state::AppState,
};

/// Monitor endpoints.
pub struct AdminOperationsApi;

/// The `provider` filter's values (query name, stored name).
pub(crate) const PROVIDERS: &[(&str, &str)] =
    &[("whatsapp", "whatsapp"), ("mercadopago", "mercadopago")];
/// The `state` filter's values.
pub(crate) const STATES: &[(&str, WebhookState)] = &[
    ("pending", WebhookState::Pending),
    ("processed", WebhookState::Processed),
    ("failed", WebhookState::Failed),
    ("rejected", WebhookState::Rejected),
];

/// One value of a single-valued filter (the first given), or a 422.
fn single<V: Copy + PartialEq>(
    field: &str,
    raw: Option<&str>,
    allowed: &[(&str, V)],
) -> Result<Option<V>, ApiError> {
    first_of(field, raw, allowed).map_err(|e| ApiError::validation(vec![e]))
}

/// One value of a single-valued filter (the first given).
fn first_of<V: Copy + PartialEq>(
    field: &str,
    raw: Option<&str>,
    allowed: &[(&str, V)],
) -> Result<Option<V>, FieldError> {
    Ok(parse_list(field, raw, allowed)?.first().copied())
}

/// The webhook monitor's filter from its query values as sent (`provider`, `state`, `from`,
/// `to`), every bad one reported at once: the admin API's and the dashboard's log's. Dates
/// are days of the business timezone, `to` included.
pub(crate) fn webhook_filter(
    state: &AppState,
    provider: Option<&str>,
    event_state: Option<&str>,
    (from, to): (Option<&str>, Option<&str>),
) -> Result<WebhookFilter, Vec<FieldError>> {
    let range = DateRange::parse(("from", from), ("to", to));
    let provider = first_of("provider", provider, PROVIDERS);
    let event_state = first_of("state", event_state, STATES);
    match (range, provider, event_state) {
        (Ok(range), Ok(provider), Ok(event_state)) => Ok(WebhookFilter {
            provider: provider.map(str::to_owned),
            state: event_state,
            from: range.from.map(|d| start_of(state, d)),
            to: range.to.map(|d| start_of(state, d + Duration::days(1))),
        }),
        (range, provider, event_state) => {
            let mut errors = range.err().unwrap_or_default();
            errors.extend(provider.err());
            errors.extend(event_state.err());
            Err(errors)
        }
    }
}

/// Midnight of `date` in the business timezone, as UTC.
fn start_of(state: &AppState, date: NaiveDate) -> chrono::DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    state
        .rules
        .timezone
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminOperationsApi {
    /// Webhook monitor
    ///
    /// Every delivery from WhatsApp and Mercado Pago, newest first: whether its signature was
    /// valid, what we answered and how fast, and whether its jobs completed.
    #[oai(path = "/webhooks", method = "get")]
    #[allow(clippy::too_many_arguments)] // one argument per documented query parameter
    async fn webhooks(
        &self,
        _auth: OwnerAuth,
        state: Data<&AppState>,
        /// Page number, from 1.
        page: Query<Option<Doc<i64, PageNumber>>>,
        /// Rows per page, 1 to 100 (default 20).
        page_size: Query<Option<Doc<i64, PageSize>>>,
        /// `whatsapp` or `mercadopago`.
        provider: Query<Option<Doc<String, ProviderList>>>,
        /// pending, processed, failed or rejected.
        #[oai(name = "state")]
        event_state: Query<Option<Doc<String, WebhookStateList>>>,
        /// Received on or after this date (business timezone), `YYYY-MM-DD`.
        from: Query<Option<Doc<String, IsoDate>>>,
        /// Received on or before this date (business timezone), `YYYY-MM-DD`.
        to: Query<Option<Doc<String, IsoDate>>>,
    ) -> Result<Json<Page<WebhookEventView>>, ApiError> {
        let params = PageParams::from_query(inner(page.0), inner(page_size.0))?;
        let filter = webhook_filter(
            &state,
            inner(provider.0).as_deref(),
            inner(event_state.0).as_deref(),
            (inner(from.0).as_deref(), inner(to.0).as_deref()),
        )
        .map_err(ApiError::validation)?;
        let paged = webhook_monitor::list_webhook_events(&state.db, &filter, params.into()).await?;
        Ok(Json(Page::of(paged, params)))
    }

    /// Replay a webhook event
    ///
    /// Enqueues its jobs again (handlers are idempotent). Refused deliveries (bad signature)
    /// and purged payloads cannot be replayed (422).
    #[oai(
        path = "/webhooks/:id/replay",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn replay(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// Webhook event id.
        id: Path<i64>,
    ) -> Result<Json<WebhookEventView>, ApiError> {
        Ok(Json(replay(&state, &auth.audit(), id.0).await?))
    }

    /// Failed jobs
    ///
    /// Jobs the worker gave up on (a permanent error, or every retry spent), newest first.
    #[oai(path = "/jobs/failed", method = "get")]
    async fn failed_jobs(
        &self,
        _auth: OwnerAuth,
        state: Data<&AppState>,
        /// Page number, from 1.
        page: Query<Option<Doc<i64, PageNumber>>>,
        /// Rows per page, 1 to 100 (default 20).
        page_size: Query<Option<Doc<i64, PageSize>>>,
        /// Only this job, e.g. `payment_reconcile.v1`.
        job: Query<Option<Doc<String, JobNameList>>>,
    ) -> Result<Json<Page<FailedJobView>>, ApiError> {
        let params = PageParams::from_query(inner(page.0), inner(page_size.0))?;
        let names: Vec<(&str, &str)> = JOB_NAMES.iter().map(|n| (*n, *n)).collect();
        let job = single("job", inner(job.0).as_deref(), &names)?;
        let paged = failed_jobs::list_failed_jobs(&state.db, job, params.into()).await?;
        Ok(Json(Page::of(paged, params)))
    }

    /// Retry a failed job
    ///
    /// Puts it back on its queue with its stored payload.
    #[oai(
        path = "/jobs/failed/:id/retry",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn retry(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// Failed job id.
        id: Path<i64>,
    ) -> Result<Json<FailedJobView>, ApiError> {
        Ok(Json(retry(&state, &auth.audit(), id.0).await?))
    }
}

/// Replays webhook event `id` and audits it as `ctx` (the admin API's and the dashboard's).
pub(crate) async fn replay(
    state: &AppState,
    ctx: &AuditContext,
    id: i64,
) -> shared::Result<WebhookEventView> {
    let now = state.rules.clock.now();
    let event = webhook_monitor::replay_webhook_event(&state.db, &state.queue, id, now).await?;
    let change = Change {
        action: "webhook_event.replay",
        entity_kind: "webhook_event",
        entity_id: event.id.to_string(),
        reservation_id: None,
        before: None,
        after: Some(json!({ "state": event.state.as_str(), "attempts": event.attempts })),
    };
    audit::record(&state.db, ctx, now, change).await?;
    Ok(event.into())
}

/// Puts failed job `id` back on its queue and audits it as `ctx` (the admin API's and the
/// dashboard's).
pub(crate) async fn retry(
    state: &AppState,
    ctx: &AuditContext,
    id: i64,
) -> shared::Result<FailedJobView> {
    let now = state.rules.clock.now();
    let row = failed_jobs::retry_failed_job(&state.db, &state.queue, id, now).await?;
    let change = Change {
        action: "failed_job.retry",
        entity_kind: "failed_job",
        entity_id: row.id.to_string(),
        reservation_id: None,
        before: None,
        after: Some(json!({ "job_name": row.job_name })),
    };
    audit::record(&state.db, ctx, now, change).await?;
    Ok(row.into())
}

//! The webhook log of Operación (`GET /admin/operacion/webhooks`, owner only as in the admin
//! API): every delivery from WhatsApp and Mercado Pago, newest first, filtered by provider,
//! state and days received, a page at a time; and `POST …/webhooks/:id/reenviar`, which
//! processes a delivery again and comes back to where the owner was.
//!
//! The filter is the admin API's (`GET /api/v1/admin/webhooks`): the same parameters, rules
//! and query ([`webhook_filter`]). As on Reservas, no query string can fail the page: a bad
//! value is shown beside the filters.

use std::collections::{HashMap, HashSet};

use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;
use shared::{FieldError, service::webhook_monitor};

use super::{
    Nav, PAGE_SIZE, Pager,
    operations::{OWNER_ONLY, PATH, acted},
    owner_form_context, page_number, pairs_of, query_pairs, query_string, render, render_as,
};
use crate::{
    pagination::PageParams,
    routes::admin::operations::{self, PROVIDERS, STATES, webhook_filter},
    state::AppState,
    web::{
        rows::{Choice, WebhookLogRow},
        session::WebSession,
        view,
    },
};

/// Where the log lives.
const LOG: &str = "/admin/operacion/webhooks";

/// The log's parameters as sent (every one optional text).
#[derive(Clone, Debug, Default)]
struct Params {
    provider: String,
    state: String,
    from: String,
    to: String,
    page: String,
}

impl Params {
    /// The first value of each known key of `pairs`.
    fn of(pairs: &HashMap<String, String>) -> Self {
        let first = |key: &str| pairs.get(key).cloned().unwrap_or_default();
        Self {
            provider: first("provider"),
            state: first("state"),
            from: first("from"),
            to: first("to"),
            page: first("page"),
        }
    }

    /// The parameters as a query string, empty values left out; `page` instead of this one's.
    fn query(&self, page: &str) -> String {
        query_string([
            ("provider", self.provider.as_str()),
            ("state", &self.state),
            ("from", &self.from),
            ("to", &self.to),
            ("page", page),
        ])
    }

    /// The log's address with these parameters and `extra` (`hecho=…`) appended.
    fn href(&self, page: &str, extra: &str) -> String {
        let query: Vec<String> = [self.query(page), extra.to_owned()]
            .into_iter()
            .filter(|q| !q.is_empty())
            .collect();
        match query.join("&") {
            q if q.is_empty() => LOG.to_owned(),
            q => format!("{LOG}?{q}"),
        }
    }

    /// The checked filter and page, or every field in error.
    fn parse(
        &self,
        state: &AppState,
    ) -> Result<(webhook_monitor::WebhookFilter, PageParams), Vec<FieldError>> {
        fn nonempty(v: &str) -> Option<&str> {
            (!v.is_empty()).then_some(v)
        }
        let filter = webhook_filter(
            state,
            nonempty(&self.provider),
            nonempty(&self.state),
            (nonempty(&self.from), nonempty(&self.to)),
        );
        match (
            filter,
            PageParams::parse(page_number(&self.page), Some(PAGE_SIZE)),
        ) {
            (Ok(filter), Ok(page)) => Ok((filter, page)),
            (filter, page) => {
                let mut errors = filter.err().unwrap_or_default();
                errors.extend(page.err().unwrap_or_default());
                Err(errors)
            }
        }
    }
}

/// What the owner reads for a bad filter field.
fn explain(error: &FieldError) -> &'static str {
    match error.field.as_str() {
        "provider" => "Ese origen no existe.",
        "state" => "Ese estado no existe.",
        "from" | "to" => "Las fechas no son válidas: «Hasta» no puede ser anterior a «Desde».",
        "page" | "page_size" => "Esa página no existe.",
        _ => "El filtro no es válido.",
    }
}

/// The page.
#[derive(Template)]
#[template(path = "webhook_log.html")]
struct Log {
    section: &'static str,
    nav: Nav,
    csrf: String,
    done: Option<&'static str>,
    providers: Vec<Choice>,
    states: Vec<Choice>,
    from: String,
    to: String,
    invalid: HashSet<String>,
    errors: Vec<&'static str>,
    /// The current filter and page, sent back by each replay form.
    back: String,
    rows: Vec<WebhookLogRow>,
    pager: Pager,
}

/// The filters' choices, in the owner's words.
fn choices(params: &Params) -> (Vec<Choice>, Vec<Choice>) {
    let providers: Vec<(&str, &str)> = PROVIDERS
        .iter()
        .map(|(name, stored)| (*name, view::provider(stored)))
        .collect();
    let states: Vec<(&str, &str)> = STATES
        .iter()
        .map(|(name, state)| (*name, view::webhook_state(*state)))
        .collect();
    (
        Choice::options(&providers, &params.provider),
        Choice::options(&states, &params.state),
    )
}

/// `GET /admin/operacion/webhooks`.
#[handler]
pub async fn list(req: &Request, session: WebSession, state: Data<&AppState>) -> Response {
    if session.claims.role != shared::auth::role::AdminRole::Owner {
        return OWNER_ONLY.page();
    }
    let pairs = query_pairs(req);
    let params = Params::of(&pairs);
    let (providers, states) = choices(&params);
    let mut page = Log {
        section: "operacion",
        nav: Nav::of(&session),
        csrf: session.csrf,
        done: (pairs.get("hecho").map(String::as_str) == Some("reenviado"))
            .then_some("El webhook se volvió a procesar."),
        providers,
        states,
        from: params.from.clone(),
        to: params.to.clone(),
        invalid: HashSet::new(),
        errors: Vec::new(),
        back: params.query(&params.page),
        rows: Vec::new(),
        pager: Pager::default(),
    };
    let (filter, paging) = match params.parse(&state) {
        Ok(parsed) => parsed,
        Err(errors) => {
            page.invalid = errors.iter().map(|e| e.field.clone()).collect();
            page.errors = errors.iter().map(explain).collect();
            page.errors.dedup();
            return render_as(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let found = match webhook_monitor::list_webhook_events(&state.db, &filter, paging.into()).await
    {
        Ok(found) => found,
        Err(e) => return super::failure(&e),
    };
    page.pager = Pager::new(found.total, paging, |n| params.href(&n.to_string(), ""));
    page.rows = found.items.into_iter().map(WebhookLogRow::from).collect();
    render(&page)
}

/// The replay form: the CSRF token and, from the log, the log's query to come back to.
#[derive(Deserialize)]
pub struct ReplayForm {
    csrf: String,
    /// Absent from Operación's own list (back to Operación).
    back: Option<String>,
}

/// `POST /admin/operacion/webhooks/:id/reenviar`: a delivery processed again (its jobs
/// enqueued again; the handlers are idempotent), then back to Operación or to the log with the
/// filters it had. The way back is rebuilt from the known parameters, never taken as sent.
#[handler]
pub async fn replay(
    session: WebSession,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<ReplayForm>,
) -> Response {
    let ctx = match owner_form_context(&state, &session, &form.csrf, OWNER_ONLY) {
        Ok(ctx) => ctx,
        Err(refused) => return refused.page(),
    };
    let result = operations::replay(&state, &ctx, id).await.map(drop);
    let location = match form.back {
        Some(back) => {
            let params = Params::of(&pairs_of(&back));
            params.href(&params.page, "hecho=reenviado")
        }
        None => format!("{PATH}?hecho=reenviado"),
    };
    acted(result, &location)
}

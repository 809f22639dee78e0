//! `GET /admin/eventos`: the dashboard's live updates as server-sent events. Each connection
//! of a logged-in session subscribes to the deployment's live channel in Redis
//! (`shared::service::live`), so what any API or worker process does reaches every
//! dashboard, whichever API machine it is connected to. At most [`MAX_STREAMS`] streams per
//! process (each holds a Redis connection): beyond, 503 and the page retries later.
//!
//! A stream ends when its session's token expires, and at the latest after
//! [`MAX_STREAM_LIFETIME`]: a stream is authenticated once, when it opens, so an open-ended
//! one would outlive a logout or an expiry. The browser's `EventSource` reconnects by itself
//! a few seconds later, and that request is authenticated again (an ended session gets the
//! login page's redirect, which `EventSource` treats as a failure and stops).

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use poem::{
    IntoResponse, Response, handler,
    http::StatusCode,
    web::{
        Data,
        sse::{Event, SSE},
    },
};
use shared::service::live::{self, LiveEvent};
use tokio::sync::Semaphore;

use crate::{state::AppState, web::session::WebSession};

/// Live streams one API process keeps open at once.
pub const MAX_STREAMS: usize = 64;

/// The longest a stream stays open, whatever its token's expiry.
pub const MAX_STREAM_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How long a stream of a session whose token expires at `exp` (seconds since the epoch) may
/// stay open at `now`: until the expiry, at most [`MAX_STREAM_LIFETIME`].
fn lifetime(exp: i64, now: chrono::DateTime<chrono::Utc>) -> Duration {
    let left = u64::try_from(exp.saturating_sub(now.timestamp())).unwrap_or_default();
    Duration::from_secs(left).min(MAX_STREAM_LIFETIME)
}

/// The streams' permits (one process, one pool).
fn permits() -> &'static Arc<Semaphore> {
    static PERMITS: std::sync::OnceLock<Arc<Semaphore>> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| Arc::new(Semaphore::new(MAX_STREAMS)))
}

/// What the owner reads for an event, and where it leads.
fn shown(event: &LiveEvent) -> (String, String) {
    match event {
        LiveEvent::Booked { code } => (
            format!("Nueva pre-reserva {code}"),
            format!("/admin/reservas/{code}"),
        ),
        LiveEvent::Confirmed { code } => (
            format!("Reserva {code} confirmada"),
            format!("/admin/reservas/{code}"),
        ),
        LiveEvent::Cancelled { code } => (
            format!("Reserva {code} cancelada"),
            format!("/admin/reservas/{code}"),
        ),
        LiveEvent::Expired { count: 1 } => (
            "Una pre-reserva venció sin pago".into(),
            "/admin/reservas?status=expired".into(),
        ),
        LiveEvent::Expired { count } => (
            format!("{count} pre-reservas vencieron sin pago"),
            "/admin/reservas?status=expired".into(),
        ),
        LiveEvent::HandOff { phone } => (
            "Un huésped pide hablar con vos".into(),
            format!("/admin/conversaciones/{}", phone.trim_start_matches('+')),
        ),
    }
}

/// `GET /admin/eventos`.
#[handler]
pub async fn stream(session: WebSession, state: Data<&AppState>) -> Response {
    // Measured by the app's clock, as the token's expiry is checked.
    let ends = tokio::time::sleep(lifetime(session.claims.exp, state.rules.clock.now()));
    let Ok(permit) = permits().clone().try_acquire_owned() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut pubsub = match shared::redis::pubsub(&state.settings).await {
        Ok(pubsub) => pubsub,
        Err(e) => {
            tracing::warn!(error = %e, "live updates: Redis does not answer");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if let Err(e) = pubsub.subscribe(state.keys.live()).await {
        tracing::warn!(error = %e, "live updates: subscribe failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let events = pubsub
        .into_on_message()
        .take_until(ends)
        .filter_map(move |message| {
            // The permit lives as long as the stream.
            let _held = &permit;
            let event = live::parse(message.get_payload_bytes());
            async move {
                event.map(|event| {
                    let (text, href) = shown(&event);
                    let data = serde_json::json!({ "text": text, "href": href }).to_string();
                    Event::message(data).event_type("live")
                })
            }
        });
    SSE::new(events)
        .keep_alive(Duration::from_secs(15))
        .into_response()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_stream_lives_until_its_token_expires_and_never_past_the_bound() {
        let now = chrono::Utc
            .with_ymd_and_hms(2027, 1, 15, 12, 0, 0)
            .single()
            .expect("a moment");
        let at = now.timestamp();
        assert_eq!(lifetime(at + 90, now), Duration::from_secs(90));
        assert_eq!(lifetime(at + 24 * 3600, now), MAX_STREAM_LIFETIME);
        assert_eq!(lifetime(at, now), Duration::ZERO);
        assert_eq!(lifetime(at - 5, now), Duration::ZERO);
        assert_eq!(lifetime(i64::MIN, now), Duration::ZERO);
    }
}

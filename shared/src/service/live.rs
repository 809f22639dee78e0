//! Live updates for the owner's dashboard: what just happened (a hold, a confirmation, a
//! cancellation, lapsed holds, a guest asking for the owner), published on one Redis pub/sub
//! channel of the deployment's namespace ([`Keys::live`]), so the dashboards connected to any
//! API machine hear what any process did. Best effort: an event that cannot be published is
//! logged and lost (the pages show the truth on their next refresh); it never fails the change.

use serde::{Deserialize, Serialize};

use crate::{jobs::JobQueue, redis::Keys, redis::RedisConn};

/// Something the owner may want to see at once. Carries codes and counts only: the
/// dashboard, behind its login, reads the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A new hold (any channel).
    Booked {
        /// Its reservation code.
        code: String,
    },
    /// A reservation was confirmed (its deposit arrived, or the owner confirmed it).
    Confirmed {
        /// Its reservation code.
        code: String,
    },
    /// A reservation was cancelled.
    Cancelled {
        /// Its reservation code.
        code: String,
    },
    /// Holds lapsed unpaid.
    Expired {
        /// How many, in this sweep.
        count: u64,
    },
    /// The bot handed a conversation to the owner.
    HandOff {
        /// The guest's phone (E.164).
        phone: String,
    },
}

/// Publishes `event` through the Redis of `queue` (`None`: nowhere to publish, as in tools
/// and tests without Redis).
pub async fn publish(queue: Option<&JobQueue>, event: &LiveEvent) {
    let Some(queue) = queue else {
        return;
    };
    publish_on(queue.conn(), queue.keys(), event).await;
}

/// Publishes `event` on `conn` under `keys`' namespace.
pub async fn publish_on(conn: &RedisConn, keys: &Keys, event: &LiveEvent) {
    let Ok(payload) = serde_json::to_string(event) else {
        return;
    };
    let mut conn = conn.clone();
    let published: redis::RedisResult<i64> = redis::cmd("PUBLISH")
        .arg(keys.live())
        .arg(payload)
        .query_async(&mut conn)
        .await;
    if let Err(e) = published {
        tracing::warn!(error = %e, "live update not published");
    }
}

/// Reads a published payload (`None` for anything else on the channel).
pub fn parse(payload: &[u8]) -> Option<LiveEvent> {
    serde_json::from_slice(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_odd_payloads_are_ignored() {
        for event in [
            LiveEvent::Booked {
                code: "RES261130ABCDEF".into(),
            },
            LiveEvent::Expired { count: 3 },
            LiveEvent::HandOff {
                phone: "+5491155550101".into(),
            },
        ] {
            let payload = serde_json::to_vec(&event).expect("serializes");
            assert_eq!(parse(&payload), Some(event));
        }
        for odd in [&b""[..], b"{}", b"{\"kind\":\"nope\"}", b"\xff\xfe"] {
            assert_eq!(parse(odd), None);
        }
    }
}

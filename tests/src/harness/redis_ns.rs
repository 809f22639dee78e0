//! One Redis namespace per test; its keys are deleted when the test ends (never FLUSHDB).

use shared::redis::{Keys, RedisConn};
use uuid::Uuid;

/// Redis server the tests use.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A namespace owned by one test.
#[derive(Debug)]
pub struct TestRedis {
    /// The namespace (`test:<uuid>`).
    pub namespace: String,
    /// A connection.
    pub conn: RedisConn,
}

impl TestRedis {
    /// A fresh namespace.
    pub async fn new() -> Self {
        let conn = shared::redis::connect_url(&redis_url())
            .await
            .expect("connect Redis (is it running?)");
        Self {
            namespace: format!("test:{}", Uuid::new_v4().simple()),
            conn,
        }
    }

    /// The key formatter of this namespace.
    pub fn keys(&self) -> Keys {
        Keys::new(self.namespace.clone())
    }

    /// Every key of this namespace.
    pub async fn all_keys(&self) -> Vec<String> {
        let mut conn = self.conn.clone();
        redis::cmd("KEYS")
            .arg(format!("{}:*", self.namespace))
            .query_async(&mut conn)
            .await
            .expect("list keys")
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let url = redis_url();
        let pattern = format!("{}:*", self.namespace);
        let _ = std::thread::spawn(move || {
            let Ok(client) = redis::Client::open(url) else {
                return;
            };
            let Ok(mut conn) = client.get_connection() else {
                return;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(&pattern)
                .query(&mut conn)
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
            }
        })
        .join();
    }
}

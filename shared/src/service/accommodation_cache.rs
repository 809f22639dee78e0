//! Active accommodations kept in memory to price public bookings without reading the row on
//! every request. Each copy carries the row's version (`xmin`, which every update changes):
//! the booking statement refuses a booking priced from an outdated copy (the owner changed the
//! price, the capacity or deactivated the cabin meanwhile) and the booking reads the row again
//! and re-prices. So a stale price or capacity is never booked, on any API machine, and no
//! invalidation message is needed.
//!
//! Only accommodations that exist and are active are kept (an unknown id is answered from the
//! database each time, so no caller can fill the cache), at most [`MAX_ENTRIES`].

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use sea_orm::ConnectionTrait;

use crate::{Result, entities::accommodation, store};

/// Most accommodations kept; when full, the cache starts over.
const MAX_ENTRIES: usize = 1024;

/// An accommodation as read, with its row version.
#[derive(Clone, Debug)]
pub struct Versioned {
    /// The row.
    pub model: Arc<accommodation::Model>,
    /// Its `xmin` when read.
    pub version: i64,
}

/// The cache; clones share it.
#[derive(Clone, Debug, Default)]
pub struct AccommodationCache {
    entries: Arc<RwLock<HashMap<i32, Versioned>>>,
}

impl AccommodationCache {
    /// The active accommodation `id`, from memory when present; `NotFound` when it is unknown
    /// or inactive.
    pub async fn get(&self, db: &impl ConnectionTrait, id: i32) -> Result<Versioned> {
        let cached = self
            .entries
            .read()
            .ok()
            .and_then(|entries| entries.get(&id).cloned());
        match cached {
            Some(found) => Ok(found),
            None => self.reload(db, id).await,
        }
    }

    /// Reads the active accommodation `id` again and keeps it (or forgets it when it is gone).
    pub async fn reload(&self, db: &impl ConnectionTrait, id: i32) -> Result<Versioned> {
        let read = store::accommodations::find_active_versioned(db, id).await;
        let Ok(mut entries) = self.entries.write() else {
            return read.map(|(model, version)| Versioned {
                model: Arc::new(model),
                version,
            });
        };
        match read {
            Ok((model, version)) => {
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
                let fresh = Versioned {
                    model: Arc::new(model),
                    version,
                };
                entries.insert(id, fresh.clone());
                Ok(fresh)
            }
            Err(e) => {
                entries.remove(&id);
                Err(e)
            }
        }
    }
}

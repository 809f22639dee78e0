//! Reading accommodations: the active ones guests may book, and the owner's full list.
//! (The owner's changes are in [`super::accommodations`].)

use sea_orm::ConnectionTrait;

use crate::{Result, entities::accommodation, store};

/// Every accommodation guests may see (the active ones), by id.
pub async fn list_active(db: &impl ConnectionTrait) -> Result<Vec<accommodation::Model>> {
    store::accommodations::list_active(db).await
}

/// One accommodation guests may see; `NotFound` when it is unknown or inactive.
pub async fn find_active(db: &impl ConnectionTrait, id: i32) -> Result<accommodation::Model> {
    store::accommodations::find_active(db, id).await
}

/// Every accommodation, active or not, by id: the owner's list.
pub async fn list_all(db: &impl ConnectionTrait) -> Result<Vec<accommodation::Model>> {
    store::accommodations::list_all(db).await
}

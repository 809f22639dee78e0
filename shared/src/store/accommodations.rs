//! Queries on `accommodations`.

use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, prelude::*};

use crate::{Error, Result, entities::accommodation};

/// All accommodations guests may see (active ones), by id.
pub async fn list_active(db: &impl ConnectionTrait) -> Result<Vec<accommodation::Model>> {
    Ok(accommodation::Entity::find()
        .filter(accommodation::Column::Active.eq(true))
        .order_by_asc(accommodation::Column::Id)
        .all(db)
        .await?)
}

/// One active accommodation, or `NotFound`.
pub async fn find_active(db: &impl ConnectionTrait, id: i32) -> Result<accommodation::Model> {
    accommodation::Entity::find_by_id(id)
        .filter(accommodation::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(Error::NotFound("accommodation"))
}

/// Every accommodation, active or not (admin), by id.
pub async fn list_all(db: &impl ConnectionTrait) -> Result<Vec<accommodation::Model>> {
    Ok(accommodation::Entity::find()
        .order_by_asc(accommodation::Column::Id)
        .all(db)
        .await?)
}

/// One accommodation, active or not, or `NotFound`.
pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<accommodation::Model> {
    accommodation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("accommodation"))
}

//! Queries on `accommodations`.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, prelude::*};

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

/// An active accommodation with its row version (`xmin`: changes with every update of the
/// row), which the booking statement compares to price from a cached copy safely.
pub async fn find_active_versioned(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(accommodation::Model, i64)> {
    let row = db
        .query_one_raw(crate::db::stmt(
            "SELECT *, xmin::text::bigint AS row_version FROM accommodations \
             WHERE id = $1 AND active",
            vec![id.into()],
        ))
        .await?
        .ok_or(Error::NotFound("accommodation"))?;
    let version: i64 = row.try_get("", "row_version")?;
    Ok((accommodation::Model::from_query_result(&row, "")?, version))
}

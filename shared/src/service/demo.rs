//! Demo data for a fresh development database.

use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::{
    Result,
    domain::{AccommodationKind, IcalToken, Money, WeekendNights},
    entities::accommodation::{self, StringList},
};

struct DemoCabin {
    name: &'static str,
    kind: AccommodationKind,
    capacity: i32,
    base_price: i64,
    description: &'static str,
    amenities: &'static [&'static str],
}

const CABINS: &[DemoCabin] = &[
    DemoCabin {
        name: "Cabaña del Lago",
        kind: AccommodationKind::Cabin,
        capacity: 6,
        base_price: 85_000,
        description: "Cabaña de dos plantas frente al lago, con deck y vista a la cordillera.",
        amenities: &[
            "wifi",
            "parrilla",
            "estacionamiento",
            "calefacción a leña",
            "vista al lago",
        ],
    },
    DemoCabin {
        name: "Cabaña del Bosque",
        kind: AccommodationKind::Cabin,
        capacity: 4,
        base_price: 65_000,
        description: "Cabaña entre coihues, a 5 minutos caminando de la playa.",
        amenities: &["wifi", "parrilla", "estacionamiento", "hogar"],
    },
    DemoCabin {
        name: "Domo Las Estrellas",
        kind: AccommodationKind::Dome,
        capacity: 2,
        base_price: 55_000,
        description: "Domo geodésico para dos, con techo transparente para mirar las estrellas.",
        amenities: &["wifi", "jacuzzi", "desayuno"],
    },
];

/// Inserts the demo cabins that are missing (by name); returns how many were added.
pub async fn seed_demo_cabins(db: &impl ConnectionTrait) -> Result<usize> {
    let mut added = 0;
    for cabin in CABINS {
        let exists = accommodation::Entity::find()
            .filter(accommodation::Column::Name.eq(cabin.name))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        accommodation::ActiveModel {
            uuid: Set(Uuid::now_v7()),
            name: Set(cabin.name.into()),
            kind: Set(cabin.kind),
            capacity: Set(cabin.capacity),
            base_price: Set(Money::from_units(cabin.base_price)),
            weekend_multiplier: Set(Decimal::new(120, 2)),
            weekend_nights: Set(WeekendNights::default()),
            currency: Set("ARS".into()),
            description: Set(cabin.description.into()),
            amenities: Set(StringList(
                cabin.amenities.iter().map(|a| (*a).to_owned()).collect(),
            )),
            photos: Set(StringList::default()),
            location: Set("Villa La Angostura, Neuquén".into()),
            policies: Set("Seña del 30 % para confirmar. Check-in 14:00, check-out 10:00.".into()),
            ical_export_token: Set(IcalToken::random()),
            active: Set(true),
            ..Default::default()
        }
        .insert(db)
        .await?;
        added += 1;
    }
    Ok(added)
}

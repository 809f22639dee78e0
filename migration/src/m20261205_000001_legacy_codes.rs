//! Cut-over (issue 13): reservations imported from the system this replaces keep their codes,
//! which guests and the owner quote. Those codes are not ours (`RES` + yymmdd + 6 characters):
//! the column admits any code of 4 to 20 upper-case letters, digits, `-` or `_`, starting with
//! a letter or digit — exactly what `ReservationCode::parse` returns.

use sea_orm_migration::prelude::*;

/// Widens `reservations.code`'s CHECK to the codes of the system this replaces.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000001_legacy_codes"
    }
}

const UP: &str = r#"
ALTER TABLE reservations
    DROP CONSTRAINT reservations_code_check,
    ADD CONSTRAINT reservations_code_check CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{3,19}$');
"#;

// Imported codes stay: the narrow CHECK comes back for new rows only.
const DOWN: &str = r#"
ALTER TABLE reservations
    DROP CONSTRAINT reservations_code_check,
    ADD CONSTRAINT reservations_code_check CHECK (code ~ '^RES[0-9]{6}[A-Z0-9]{6}$') NOT VALID;
"#;

crate::sql_migration!(UP, DOWN);

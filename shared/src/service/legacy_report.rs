//! What an import from the system this replaces did (issue 13): counts per kind of row, the
//! mappings it applied, and every row it left out with the reason. Printed by
//! `api import-legacy` and written as JSON with `--report FILE`.

use std::{collections::BTreeMap, fmt};

use serde::Serialize;

/// Counts for one kind of row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Rows read from the old database.
    pub read: u32,
    /// Rows written here by this run.
    pub imported: u32,
    /// Rows already here from an earlier run (left as they are).
    pub already_imported: u32,
    /// Rows left out (each listed in [`ImportReport::skipped`]).
    pub skipped: u32,
}

/// A row left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// `accommodation`, `feed`, `reservation` or `payment`.
    pub kind: &'static str,
    /// Which: the old id, code or payment id.
    pub key: String,
    /// Why, in the operator's words.
    pub reason: String,
}

/// A reservation whose guest phone could not be read as a phone: kept in its notes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PhoneKept {
    /// The reservation's code.
    pub code: String,
    /// Its length in characters (the text itself is personal data, kept in the notes).
    pub characters: usize,
}

/// What one import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Nothing was kept: the run was rolled back at the end.
    pub dry_run: bool,
    /// Accommodations.
    pub accommodations: Tally,
    /// iCal feeds (from the old `ical_import_urls`).
    pub feeds: Tally,
    /// Reservations and blocks.
    pub reservations: Tally,
    /// Payments (orphans become unknown-reference alerts).
    pub payments: Tally,
    /// How many rows each mapping applied to, e.g. `status cancelled (auto-expired) →
    /// expired`.
    pub mapped: BTreeMap<String, u32>,
    /// Every row left out.
    pub skipped: Vec<Skipped>,
    /// Phones that are not phones.
    pub phones_kept: Vec<PhoneKept>,
}

impl ImportReport {
    /// Counts one use of mapping `what`.
    pub(crate) fn mapped(&mut self, what: impl Into<String>) {
        *self.mapped.entry(what.into()).or_default() += 1;
    }

    /// Lists a row left out.
    pub(crate) fn skip(
        &mut self,
        kind: &'static str,
        key: impl Into<String>,
        reason: impl Into<String>,
    ) {
        let tally = match kind {
            "accommodation" => &mut self.accommodations,
            "feed" => &mut self.feeds,
            "reservation" => &mut self.reservations,
            _ => &mut self.payments,
        };
        tally.skipped += 1;
        self.skipped.push(Skipped {
            kind,
            key: key.into(),
            reason: reason.into(),
        });
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = if self.dry_run {
            "Import from the old system (dry run: nothing was kept)"
        } else {
            "Import from the old system"
        };
        writeln!(f, "{title}")?;
        writeln!(
            f,
            "{:<16}{:>8}{:>10}{:>18}{:>9}",
            "", "read", "imported", "already imported", "skipped"
        )?;
        for (name, t) in [
            ("accommodations", self.accommodations),
            ("iCal feeds", self.feeds),
            ("reservations", self.reservations),
            ("payments", self.payments),
        ] {
            writeln!(
                f,
                "{name:<16}{:>8}{:>10}{:>18}{:>9}",
                t.read, t.imported, t.already_imported, t.skipped
            )?;
        }
        if !self.mapped.is_empty() {
            writeln!(f, "\nMapped:")?;
            for (what, count) in &self.mapped {
                writeln!(f, "  {count:>5}  {what}")?;
            }
        }
        if !self.skipped.is_empty() {
            writeln!(f, "\nLeft out:")?;
            for s in &self.skipped {
                writeln!(f, "  {} {}: {}", s.kind, s.key, s.reason)?;
            }
        }
        if !self.phones_kept.is_empty() {
            writeln!(
                f,
                "\nPhones that are not phones (kept in the reservation's notes):"
            )?;
            for p in &self.phones_kept {
                writeln!(f, "  {}", p.code)?;
            }
        }
        Ok(())
    }
}

//! The layer rules of docs/ARCHITECTURE.md ("Layers"), checked over the source tree.
//!
//! Each rule is a function from source files to the lines that break it; the test of a rule
//! runs it over the workspace (no offender allowed) and over a made-up offending file (it must
//! be caught), so a rule that stops matching anything fails too. Full-line comments are
//! skipped: prose may name what code must not.

use std::{
    fs,
    path::{Path, PathBuf},
};

use sea_orm::{ActiveEnum, Iterable};
use shared::{
    auth::role::AdminRole,
    domain::{
        AccommodationKind, AlertKind, Channel, ConflictResolution, FeedSource, PaymentProvider,
        PaymentRecordStatus, PaymentStatus, ReservationStatus,
        whatsapp::{MessageDirection, MessageState},
    },
    entities::{audit_log::ActorKind, idempotency_key::KeyState, webhook_event::WebhookState},
};
use shared::{
    domain::conversation::{ConversationState, HandOffReason, MessageAuthor},
    entities::email_log::EmailOutcome,
    jobs::notifications::NoticeEvent,
};

/// One Rust source file: its path from the workspace root and its code lines (1-based
/// numbers), full-line comments left out.
struct Source {
    path: String,
    lines: Vec<(usize, String)>,
}

impl Source {
    fn new(path: &str, text: &str) -> Self {
        let lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim_start().starts_with("//"))
            .map(|(i, line)| (i + 1, line.to_owned()))
            .collect();
        Self {
            path: path.to_owned(),
            lines,
        }
    }

    /// `path:line: text` of every code line for which `bad` holds.
    fn offending(&self, bad: impl Fn(&str) -> bool) -> Vec<String> {
        self.lines
            .iter()
            .filter(|(_, line)| bad(line))
            .map(|(n, line)| format!("{}:{n}: {}", self.path, line.trim()))
            .collect()
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// Every `.rs` file under `dir` (relative to the workspace root).
fn sources(dir: &str) -> Vec<Source> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = fs::read_to_string(&path).expect("source is UTF-8");
                let relative = path.strip_prefix(root).expect("under the root");
                out.push(Source::new(&relative.to_string_lossy(), &text));
            }
        }
    }
    let root = workspace();
    let mut out = Vec::new();
    walk(&root, &root.join(dir), &mut out);
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// The code of the three crates that ship: `shared`, `api`, `worker`.
fn shipped_code() -> Vec<Source> {
    ["shared/src", "api/src", "worker/src"]
        .into_iter()
        .flat_map(sources)
        .collect()
}

fn offenders<'a>(
    files: impl IntoIterator<Item = &'a Source>,
    bad: impl Fn(&Source, &str) -> bool,
) -> Vec<String> {
    files
        .into_iter()
        .flat_map(|file| file.offending(|line| bad(file, line)))
        .collect()
}

fn assert_none(rule: &str, found: Vec<String>) {
    assert!(
        found.is_empty(),
        "{rule} (docs/ARCHITECTURE.md, Layers) is broken at:\n{}",
        found.join("\n")
    );
}

fn assert_caught(rule: &str, found: Vec<String>) {
    assert!(!found.is_empty(), "{rule} no longer catches its sample");
}

// Rule 1: routes call services; queries live in `shared::store`.

fn route_reaches_the_store(file: &Source, line: &str) -> bool {
    let in_route = (file.path.starts_with("api/src/routes/")
        || file.path.starts_with("api/src/web/pages/"))
        && [
            "shared::store",
            "shared::entities",
            "store::",
            "entities::",
            "sea_orm",
        ]
        .iter()
        .any(|word| line.contains(word));
    let builds_a_query = file.path.starts_with("api/src/")
        && [
            "EntityTrait",
            "QueryFilter",
            "QueryOrder",
            "QuerySelect",
            "ActiveModelTrait",
            "Select<",
        ]
        .iter()
        .any(|word| line.contains(word));
    in_route || builds_a_query
}

#[test]
fn rule_1_routes_call_services_only() {
    let rule = "rule 1 (routes call services only)";
    assert_none(
        rule,
        offenders(&sources("api/src"), route_reaches_the_store),
    );
    let route = Source::new(
        "api/src/routes/sample.rs",
        "use shared::store::reservations;\n",
    );
    let dto = Source::new("api/src/dto/sample.rs", "use sea_orm::QueryOrder;\n");
    let page = Source::new(
        "api/src/web/pages/sample.rs",
        "use shared::entities::reservation;\n",
    );
    for sample in [&route, &dto, &page] {
        assert_caught(rule, offenders([sample], route_reaches_the_store));
    }
}

// Rule 3: a status is bound as a parameter, never spelled inside SQL.

/// The database spelling of every value of every closed set a column stores (statuses,
/// states, kinds, channels, roles).
fn stored_statuses() -> Vec<String> {
    fn names<E: ActiveEnum<Value = String> + Iterable>() -> impl Iterator<Item = String> {
        E::iter().map(|value| value.to_value())
    }
    let mut all: Vec<String> = names::<ReservationStatus>().collect();
    all.extend(names::<PaymentStatus>());
    all.extend(names::<PaymentRecordStatus>());
    all.extend(names::<PaymentProvider>());
    all.extend(names::<AlertKind>());
    all.extend(names::<Channel>());
    all.extend(names::<AccommodationKind>());
    all.extend(names::<WebhookState>());
    all.extend(names::<KeyState>());
    all.extend(names::<MessageDirection>());
    all.extend(names::<MessageState>());
    all.extend(names::<ActorKind>());
    all.extend(names::<AdminRole>());
    all.extend(names::<FeedSource>());
    all.extend(names::<ConflictResolution>());
    all.extend(names::<EmailOutcome>());
    all.extend(names::<NoticeEvent>());
    all.extend(names::<ConversationState>());
    all.extend(names::<HandOffReason>());
    all.extend(names::<MessageAuthor>());
    all
}

fn spells_a_status(statuses: &[String]) -> impl Fn(&Source, &str) -> bool + '_ {
    |_, line| statuses.iter().any(|s| line.contains(&format!("'{s}'")))
}

#[test]
fn rule_3_statuses_are_bound_not_spelled_in_sql() {
    let rule = "rule 3 (statuses are bound, not spelled in SQL)";
    let statuses = stored_statuses();
    let code = shipped_code();
    assert_none(rule, offenders(&code, spells_a_status(&statuses)));
    let sample = Source::new(
        "shared/src/sample.rs",
        "const SQL: &str = \"SELECT 1 FROM reservations WHERE status = 'confirmed'\";\n",
    );
    assert_caught(rule, offenders([&sample], spells_a_status(&statuses)));
}

// Rule 2: `shared` speaks no HTTP. Its provider clients (`shared/src/providers`) call HTTP
// APIs, and `config.rs` parses every process's settings (ports, acknowledgement statuses) for
// the process that uses them; nothing else in `shared` names a status, a route or poem.

fn shared_speaks_http(file: &Source, line: &str) -> bool {
    file.path.starts_with("shared/src/")
        && !file.path.starts_with("shared/src/providers/")
        && file.path != "shared/src/config.rs"
        && ["StatusCode", "u16", "poem", "\"/api/"]
            .iter()
            .any(|word| line.contains(word))
}

#[test]
fn rule_2_shared_speaks_no_http() {
    let rule = "rule 2 (no HTTP in shared)";
    assert_none(rule, offenders(&sources("shared/src"), shared_speaks_http));
    let manifest = fs::read_to_string(workspace().join("shared/Cargo.toml")).expect("manifest");
    assert!(
        !manifest.lines().any(|l| l.trim_start().starts_with("poem")),
        "{rule}: shared/Cargo.toml depends on poem"
    );
    let sample = Source::new(
        "shared/src/service/sample.rs",
        "pub struct Stored { pub status: u16 }\n",
    );
    assert_caught(rule, offenders([&sample], shared_speaks_http));
}

// Rule 4: raw SQL has one door, `shared::db::stmt`, and only `shared` opens it.

fn opens_raw_sql(file: &Source, line: &str) -> bool {
    let builds = line.contains("Statement::from_sql_and_values") && file.path != "shared/src/db.rs";
    let runs_outside_shared = !file.path.starts_with("shared/")
        && [
            "execute_raw",
            "query_one_raw",
            "query_all_raw",
            "execute_unprepared",
        ]
        .iter()
        .any(|word| line.contains(word));
    builds || runs_outside_shared
}

#[test]
fn rule_4_raw_sql_has_one_door() {
    let rule = "rule 4 (raw SQL through shared::db::stmt)";
    let code = shipped_code();
    assert_none(rule, offenders(&code, opens_raw_sql));
    let sample = Source::new(
        "worker/src/sample.rs",
        "db.execute_unprepared(\"SELECT 1\").await?;\n",
    );
    assert_caught(rule, offenders([&sample], opens_raw_sql));
}

// Rule 5: a value is parsed once, where it enters: entity fields carry domain types, and raw
// decimals become `Money` only at these edges.

/// Where a raw decimal may become `Money`: the type itself (its parser, rounding rules and
/// JSON form) and the Mercado Pago payload.
const MONEY_EDGES: [&str; 3] = [
    "shared/src/domain/money.rs",
    "shared/src/domain/payment.rs",
    "shared/src/providers/",
];

fn money_enters_inside(file: &Source, line: &str) -> bool {
    let edge = MONEY_EDGES.iter().any(|edge| file.path.starts_with(edge));
    let plain_money_column = file.path.starts_with("shared/src/entities/")
        && line.contains(": Decimal")
        && !line.contains("weekend_multiplier");
    (line.contains("from_decimal(") && !edge) || plain_money_column
}

#[test]
fn rule_5_values_are_parsed_once() {
    let rule = "rule 5 (values are parsed once, at the edge)";
    let code = shipped_code();
    assert_none(rule, offenders(&code, money_enters_inside));
    let sample = Source::new(
        "shared/src/entities/sample.rs",
        "pub struct Model { pub total_price: Decimal }\n",
    );
    assert_caught(rule, offenders([&sample], money_enters_inside));
}

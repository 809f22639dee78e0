//! Request values whose OpenAPI schema states the rules the services check.
//!
//! poem-openapi's `#[oai(validator(..))]` both documents a rule and enforces it, answering 400
//! at the first bad field. Our services already check these rules and answer `422
//! validation_error` listing every bad field at once, the contract clients are built on
//! (ADR 0070). [`Doc<T, C>`] parses exactly as `T` does and only adds the rule `C` to the
//! schema: generated clients and schemathesis learn the real constraints (lengths, ranges,
//! patterns, enums), and the server keeps its one, complete answer to a bad request.
//!
//! A rule here must never be stricter than the service: a value the schema allows and the
//! service refuses as malformed is a lie in the document. Rules the schema cannot express
//! (a check-in not in the past, guests within this cabin's capacity) stay 422s.

use std::{borrow::Cow, fmt, marker::PhantomData};

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type},
};
use sea_orm::Iterable;
use serde_json::Value;
use shared::{
    domain::{AccommodationKind as Kind, Channel, ReservationStatus},
    entities::webhook_event::WebhookState,
    jobs::JOB_NAMES,
    service::{
        admin_reservations::MAX_NOTES_CHARS, transitions::MAX_REASON_CHARS, webhooks::Provider,
    },
};

use crate::pagination::{MAX_PAGE, MAX_PAGE_SIZE};

/// A documentation-only rule added to a value's schema.
pub trait Rule: Send + Sync + 'static {
    /// Adds the rule to the value's inline schema.
    fn apply(schema: &mut MetaSchema);
}

/// A `T` whose schema carries the rule `C`; parsing is `T`'s own (see the module docs).
pub struct Doc<T, C>(pub T, PhantomData<fn() -> C>);

impl<T, C> Doc<T, C> {
    /// Wraps a value (for examples and tests).
    pub fn new(value: T) -> Self {
        Self(value, PhantomData)
    }
}

/// The value of an optional field or parameter, as the client sent it.
pub fn inner<T, C>(value: Option<Doc<T, C>>) -> Option<T> {
    value.map(|v| v.0)
}

impl<T: Clone, C> Clone for Doc<T, C> {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl<T: Default, C> Default for Doc<T, C> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: fmt::Debug, C> fmt::Debug for Doc<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Type, C: Rule> Type for Doc<T, C> {
    const IS_REQUIRED: bool = T::IS_REQUIRED;
    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        T::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        match T::schema_ref() {
            MetaSchemaRef::Inline(mut schema) => {
                C::apply(&mut schema);
                MetaSchemaRef::Inline(schema)
            }
            reference => reference,
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_raw_value()
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        self.0.raw_element_iter()
    }
}

impl<T: ParseFromJSON, C: Rule> ParseFromJSON for Doc<T, C> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        T::parse_from_json(value)
            .map(Self::new)
            .map_err(ParseError::propagate)
    }
}

impl<T: ParseFromParameter, C: Rule> ParseFromParameter for Doc<T, C> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        T::parse_from_parameter(value)
            .map(Self::new)
            .map_err(ParseError::propagate)
    }
}

impl<T: ToJSON, C: Rule> ToJSON for Doc<T, C> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

/// Declares rule types: `Name => |schema| { .. };`.
macro_rules! rules {
    ($($(#[$doc:meta])* $name:ident => |$s:ident| $body:block)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        impl Rule for $name {
            fn apply($s: &mut MetaSchema) $body
        }
    )*};
}

fn one_of(schema: &mut MetaSchema, values: impl IntoIterator<Item = &'static str>) {
    schema.enum_items = values.into_iter().map(Value::from).collect();
}

/// A comma-separated list of `values` as `pagination::parse_list` reads it: items trimmed,
/// empty items skipped.
fn list_of(schema: &mut MetaSchema, values: impl IntoIterator<Item = &'static str>) {
    let names: Vec<String> = values.into_iter().map(|v| v.replace('.', "\\.")).collect();
    let item = format!("\\s*({})?\\s*", names.join("|"));
    schema.pattern = Some(format!("^{item}(,{item})*$"));
}

const EMAIL_PATTERN: &str =
    "^$|^[^@\\s\\x00-\\x1f\\x7f]+@[^@\\s\\x00-\\x1f\\x7f.]+(\\.[^@\\s\\x00-\\x1f\\x7f.]+)+$";

rules! {
    /// A calendar date, `YYYY-MM-DD`.
    IsoDate => |s| { s.format = Some("date"); }
    /// A month, `YYYY-MM`.
    YearMonth => |s| { s.pattern = Some("^[0-9]{4}-(0[1-9]|1[0-2])$".into()); }
    /// Guests of one stay: at least 1, at most the largest capacity (the cabin's own
    /// capacity is checked by the service).
    Guests => |s| { s.minimum = Some(1.0); s.maximum = Some(50.0); }
    /// Capacity of an accommodation.
    Capacity => |s| { s.minimum = Some(1.0); s.maximum = Some(50.0); }
    /// A person's name: 2 to 100 characters once spaces are collapsed (the service also wants
    /// a letter, which a portable pattern cannot say for every script).
    PersonName => |s| { s.min_length = Some(2); s.max_length = Some(100); }
    /// A phone number: digits with an optional leading `+` and the separators people type
    /// (the service normalises it to E.164 and checks its length). Empty where the field
    /// may be cleared or left out.
    Phone => |s| { s.pattern = Some("^\\s*(\\+?[0-9 ().-]+)?\\s*$".into()); }
    /// An email address: one `@` and a dotted domain, no spaces or control characters; empty
    /// where the field may be cleared or left out.
    Email => |s| { s.max_length = Some(254); s.pattern = Some(EMAIL_PATTERN.into()); }
    /// Free text kept with a reservation.
    Notes => |s| { s.max_length = Some(MAX_NOTES_CHARS); }
    /// Why a reservation is cancelled.
    CancelReason => |s| { s.max_length = Some(MAX_REASON_CHARS); }
    /// A channel a guest may book through.
    PublicChannel => |s| { one_of(s, Channel::iter().filter(|c| c.is_public()).map(Channel::as_str)); }
    /// Any channel (the owner may record bookings made elsewhere).
    AnyChannel => |s| { one_of(s, Channel::iter().map(Channel::as_str)); }
    /// An amount of money: digits with at most two decimals, below 10 000 000 000.
    Amount => |s| { s.pattern = Some("^[0-9]{1,10}(\\.[0-9]{1,2})?$".into()); }
    /// The weekend price factor: above 0, at most 10, at most two decimals.
    Multiplier => |s| { s.pattern = Some("^(10(\\.00?)?|[1-9](\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?))$".into()); }
    /// A day of the week, by name.
    Weekday => |s| { one_of(s, ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]); }
    /// An ISO 4217 currency code.
    Currency => |s| { s.pattern = Some("^[A-Z]{3}$".into()); }
    /// A time of day, `HH:MM`.
    HourMinute => |s| { s.pattern = Some("^([01][0-9]|2[0-3]):[0-5][0-9]$".into()); }
    /// An http(s) URL.
    HttpUrl => |s| { s.pattern = Some("^https?://".into()); }
    /// An accommodation's display name.
    AccommodationName => |s| { s.min_length = Some(1); s.max_length = Some(120); s.pattern = Some("\\S".into()); }
    /// The kind of an accommodation.
    AccommodationKind => |s| { one_of(s, Kind::iter().map(Kind::as_str)); }
    /// A 1-based page number.
    PageNumber => |s| { s.minimum = Some(1.0); s.maximum = Some(MAX_PAGE as f64); }
    /// Rows per page.
    PageSize => |s| { s.minimum = Some(1.0); s.maximum = Some(MAX_PAGE_SIZE as f64); }
    /// An `Idempotency-Key`: 1 to 255 printable ASCII characters.
    IdempotencyKey => |s| { s.pattern = Some("^[!-~]{1,255}$".into()); }
    /// How many payment alerts to list: never negative; the service caps it at 500 (asking
    /// for more is not an error).
    AlertLimit => |s| { s.minimum = Some(0.0); }
    /// Reservation statuses, comma-separated.
    StatusList => |s| { list_of(s, ReservationStatus::iter().map(ReservationStatus::as_str)); }
    /// Channels, comma-separated.
    ChannelList => |s| { list_of(s, Channel::iter().map(Channel::as_str)); }
    /// Webhook providers, comma-separated (the first is used).
    ProviderList => |s| { list_of(s, [Provider::Whatsapp, Provider::Mercadopago].map(Provider::as_str)); }
    /// Webhook delivery states, comma-separated (the first is used).
    WebhookStateList => |s| { list_of(s, WebhookState::iter().map(WebhookState::as_str)); }
    /// Versioned job names, comma-separated (the first is used).
    JobNameList => |s| { list_of(s, JOB_NAMES.iter().copied()); }
    /// A reservation code, `RES` + six digits + six letters or digits.
    ReservationCode => |s| { s.pattern = Some("^[Rr][Ee][Ss][0-9]{6}[A-Za-z0-9]{6}$".into()); }
}

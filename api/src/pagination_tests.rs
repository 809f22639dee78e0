//! Unit tests of [`super`]: page bounds, sort whitelist, filters and the page object.

use poem_openapi::types::{ToJSON, Type};
use shared::domain::ReservationStatus;

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReservationSort {
    CheckIn,
    CreatedAt,
}

impl SortField for ReservationSort {
    const FIELDS: &'static [(&'static str, Self)] =
        &[("check_in", Self::CheckIn), ("created_at", Self::CreatedAt)];
}

const DEFAULT: &[SortKey<ReservationSort>] = &[SortKey {
    field: ReservationSort::CreatedAt,
    direction: Direction::Desc,
}];

#[test]
fn absent_page_parameters_give_the_first_page_of_twenty() {
    let params = PageParams::parse(None, None).expect("defaults");
    assert_eq!(params, PageParams::default());
    assert_eq!((params.page(), params.page_size()), (1, 20));
    assert_eq!((params.offset(), params.limit()), (0, 20));
}

#[test]
fn offsets_follow_the_page_number() {
    let params = PageParams::parse(Some(3), Some(100)).expect("valid");
    assert_eq!((params.offset(), params.limit()), (200, 100));
}

#[test]
fn out_of_range_page_parameters_are_refused_per_field() {
    for (page, size, fields) in [
        (Some(0), None, vec!["page"]),
        (Some(-1), None, vec!["page"]),
        (None, Some(0), vec!["page_size"]),
        (None, Some(101), vec!["page_size"]),
        (Some(0), Some(1000), vec!["page", "page_size"]),
    ] {
        let errors = PageParams::parse(page, size).expect_err("out of range");
        let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(got, fields, "{page:?} {size:?}");
        assert!(errors.iter().all(|e| e.code == "out_of_range"));
    }
    assert!(
        PageParams::parse(None, Some(101)).expect_err("too big")[0]
            .message
            .contains("100")
    );
}

#[test]
fn sort_parses_fields_and_directions_from_the_whitelist() {
    let sort =
        parse_sort::<ReservationSort>(Some("-check_in, created_at"), DEFAULT).expect("valid sort");
    assert_eq!(
        sort.keys(),
        &[
            SortKey::desc(ReservationSort::CheckIn),
            SortKey::asc(ReservationSort::CreatedAt)
        ]
    );
    assert_eq!(
        parse_sort::<ReservationSort>(Some("+check_in"), DEFAULT)
            .expect("plus")
            .keys(),
        &[SortKey::asc(ReservationSort::CheckIn)]
    );
    assert_eq!(ReservationSort::CheckIn.name(), "check_in");
}

#[test]
fn absent_or_empty_sort_gives_the_default() {
    for raw in [None, Some(""), Some(" , ")] {
        let sort = parse_sort::<ReservationSort>(raw, DEFAULT).expect("default");
        assert_eq!(sort.keys(), DEFAULT);
    }
}

#[test]
fn unknown_sort_fields_are_refused_listing_the_allowed_ones() {
    let errors = parse_sort::<ReservationSort>(Some("-guest_phone"), DEFAULT).expect_err("unknown");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "sort");
    assert_eq!(errors[0].code, "unknown_sort_field");
    assert!(
        errors[0].message.contains("check_in, created_at"),
        "{}",
        errors[0].message
    );
    let dup = parse_sort::<ReservationSort>(Some("check_in,-check_in"), DEFAULT).expect_err("dup");
    assert_eq!(dup[0].code, "duplicate_sort_field");
    let many = parse_sort::<ReservationSort>(Some("a,b,c,d"), DEFAULT).expect_err("many");
    assert_eq!(many[0].code, "too_many_sort_fields");
}

#[test]
fn list_filters_accept_only_allowed_values() {
    let allowed = [
        ("pre_reserved", ReservationStatus::PreReserved),
        ("confirmed", ReservationStatus::Confirmed),
    ];
    let statuses: Vec<ReservationStatus> = parse_list(
        "status",
        Some("pre_reserved, confirmed,confirmed"),
        &allowed,
    )
    .expect("valid");
    assert_eq!(
        statuses,
        vec![ReservationStatus::PreReserved, ReservationStatus::Confirmed]
    );
    assert!(
        parse_list::<ReservationStatus>("status", None, &allowed)
            .expect("none")
            .is_empty()
    );
    let err = parse_list::<ReservationStatus>("status", Some("expired"), &allowed)
        .expect_err("not allowed");
    assert_eq!(err.code, "unknown_value");
    assert!(
        err.message.contains("pre_reserved, confirmed"),
        "{}",
        err.message
    );
}

#[test]
fn date_ranges_need_dates_in_order() {
    let range =
        DateRange::parse(("from", Some("2027-01-01")), ("to", Some("2027-01-31"))).expect("valid");
    assert_eq!(range.from, NaiveDate::from_ymd_opt(2027, 1, 1));
    assert_eq!(
        DateRange::parse(("from", None), ("to", Some(""))).expect("open"),
        DateRange::default()
    );
    let bad = DateRange::parse(("from", Some("01/02/2027")), ("to", Some("2027-01-31")))
        .expect_err("bad");
    assert_eq!(
        (bad[0].field.as_str(), bad[0].code.as_str()),
        ("from", "invalid_date")
    );
    let reversed = DateRange::parse(("from", Some("2027-02-01")), ("to", Some("2027-01-31")))
        .expect_err("reversed");
    assert_eq!(reversed[0].code, "before_start");
}

#[test]
fn a_page_is_an_openapi_object_with_items_and_totals() {
    let params = PageParams::parse(Some(2), Some(10)).expect("valid");
    let page = Page::new(vec!["a".to_string(), "b".to_string()], params, 12);
    let json = page.to_json().expect("json");
    assert_eq!(
        json,
        serde_json::json!({"items": ["a", "b"], "page": 2, "page_size": 10, "total": 12})
    );
    assert_eq!(Page::<String>::name(), "Page_string");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,30}",
            "[-+,a-z_ é]{0,30}",
            "[0-9+-]{0,8}-[0-9]{1,3}-[0-9]{1,3}",
        ]
    }

    proptest! {
        #[test]
        fn page_parameters_are_in_range_or_named(page in any::<Option<i64>>(), size in any::<Option<i64>>()) {
            match PageParams::parse(page, size) {
                Ok(p) => {
                    prop_assert!(p.page() >= 1 && (1..=MAX_PAGE_SIZE).contains(&p.page_size()));
                    prop_assert_eq!(p.offset(), (p.page() - 1).saturating_mul(p.page_size()));
                }
                Err(errors) => prop_assert!(errors.iter().all(|e| e.field == "page" || e.field == "page_size")),
            }
        }

        #[test]
        fn sorts_are_whitelisted_or_named(raw in text()) {
            match parse_sort::<ReservationSort>(Some(&raw), DEFAULT) {
                Ok(sort) => prop_assert!((1..=MAX_SORT_KEYS).contains(&sort.keys().len())),
                Err(errors) => prop_assert!(errors.iter().all(|e| e.field == "sort")),
            }
        }

        #[test]
        fn list_filters_are_whitelisted_or_named(raw in text()) {
            let allowed = [("pre_reserved", ReservationStatus::PreReserved), ("confirmed", ReservationStatus::Confirmed)];
            match parse_list("status", Some(&raw), &allowed) {
                Ok(values) => prop_assert!(values.len() <= allowed.len()),
                Err(e) => prop_assert_eq!(e.field, "status"),
            }
        }

        #[test]
        fn date_ranges_hold_supported_dates_or_name_the_field(from in text(), to in text()) {
            match DateRange::parse(("from", Some(&from)), ("to", Some(&to))) {
                Ok(range) => {
                    for date in [range.from, range.to].into_iter().flatten() {
                        prop_assert!(shared::domain::date::is_supported(date));
                    }
                }
                Err(errors) => prop_assert!(errors.iter().all(|e| e.field == "from" || e.field == "to")),
            }
        }
    }
}

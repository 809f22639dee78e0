//! Table tests of [`super::analyze`]: real-sounding messages and what must be read in them,
//! relative to Tuesday 1 December 2026 unless a row group says otherwise.
//!
//! A row is (message, intent, check-in, check-out, nights, guests); `-` is "no date" and `0`
//! is "nothing understood". Every failing row is reported at once.

use chrono::NaiveDate;

use super::analyze;

/// (message, intent, check-in, check-out, nights, guests).
pub(super) type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u32,
    u32,
);

/// Checks every row against `today`; panics listing all the rows that disagree.
pub(super) fn check(today: NaiveDate, rows: &[Row]) {
    let date = |s: &str| (s != "-").then(|| s.parse::<NaiveDate>().expect("row date"));
    let count = |n: u32| (n != 0).then_some(n);
    let mut failures = Vec::new();
    for (text, intent, ci, co, nights, guests) in rows {
        let u = analyze(text, today);
        let got = (
            u.intent.as_str(),
            u.check_in,
            u.check_out,
            u.nights,
            u.guests,
        );
        let want = (*intent, date(ci), date(co), count(*nights), count(*guests));
        if got != want {
            failures.push(format!("{text:?}\n   want {want:?}\n   got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows differ:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[rustfmt::skip]
const DATES: &[Row] = &[
    ("hola, ¿tienen lugar para 4 del 15 al 17 de enero?", "availability", "2027-01-15", "2027-01-17", 2, 4),
    ("del 15 al 17 de enero", "availability", "2027-01-15", "2027-01-17", 2, 0),
    ("15/1 al 17/1", "availability", "2027-01-15", "2027-01-17", 2, 0),
    ("15-01 al 17-01-2027 somos 2", "availability", "2027-01-15", "2027-01-17", 2, 2),
    ("15/01/2027 al 20/01/2027", "availability", "2027-01-15", "2027-01-20", 5, 0),
    ("desde el viernes 3 noches", "availability", "2026-12-04", "2026-12-07", 3, 0),
    ("una semana a partir del 2 de febrero", "availability", "2027-02-02", "2027-02-09", 7, 0),
    ("este finde tienen algo?", "availability", "2026-12-04", "2026-12-06", 2, 0),
    ("el finde que viene para 2", "availability", "2026-12-11", "2026-12-13", 2, 2),
    ("el próximo finde somos 3", "availability", "2026-12-11", "2026-12-13", 2, 3),
    ("el finde largo de carnaval somos 5", "availability", "2027-02-05", "2027-02-09", 4, 5),
    ("para carnaval tienen algo?", "availability", "2027-02-05", "2027-02-09", 4, 0),
    ("mañana para dos personas", "availability", "2026-12-02", "-", 0, 2),
    ("pasado mañana 2 noches", "availability", "2026-12-03", "2026-12-05", 2, 0),
    ("del lunes al jueves", "availability", "2026-12-07", "2026-12-10", 3, 0),
    ("del viernes al domingo", "availability", "2026-12-04", "2026-12-06", 2, 0),
    ("de viernes a domingo somos 2 adultos y 2 nenes", "availability", "2026-12-04", "2026-12-06", 2, 4),
    ("del 3 al 5 de setiembre", "availability", "2027-09-03", "2027-09-05", 2, 0),
    ("del 3 al 5 de septiembre", "availability", "2027-09-03", "2027-09-05", 2, 0),
    ("del 10 al 12 de febrer", "availability", "2027-02-10", "2027-02-12", 2, 0),
    ("del quince al diecisiete de enero", "availability", "2027-01-15", "2027-01-17", 2, 0),
    ("del veintiocho de diciembre al dos de enero", "availability", "2026-12-28", "2027-01-02", 5, 0),
    ("28/12 al 2/1", "availability", "2026-12-28", "2027-01-02", 5, 0),
    ("del 30 al 2 de enero", "availability", "2026-12-30", "2027-01-02", 3, 0),
    ("entre el 20 y el 23 de marzo", "availability", "2027-03-20", "2027-03-23", 3, 0),
    ("desde el 5 hasta el 8 de diciembre", "availability", "2026-12-05", "2026-12-08", 3, 0),
    ("del 15 al 17", "availability", "2026-12-15", "2026-12-17", 2, 0),
    ("llegamos el 20 y nos vamos el 22", "availability", "2026-12-20", "2026-12-22", 2, 0),
    ("el 15 de enero por 3 noches", "availability", "2027-01-15", "2027-01-18", 3, 0),
    ("para el 10 de enero, 4 noches, somos 3", "availability", "2027-01-10", "2027-01-14", 4, 3),
    ("del 1 al 3 de noviembre", "availability", "2027-11-01", "2027-11-03", 2, 0),
    ("del 15 al 17 de enero de 2025", "unknown", "-", "-", 0, 0),
    ("el 31 de febrero", "unknown", "-", "-", 0, 0),
    ("Tienen lugar el viernes?", "availability", "2026-12-04", "-", 0, 0),
    ("hay lugar para hoy? una noche", "availability", "2026-12-01", "2026-12-02", 1, 0),
    ("para mañana a la mañana llegamos", "availability", "2026-12-02", "-", 0, 0),
    ("del 7 al 10/12", "availability", "2026-12-07", "2026-12-10", 3, 0),
    ("del 24 al 26 de dic", "availability", "2026-12-24", "2026-12-26", 2, 0),
    ("¿tienen algo para el finde largo?", "availability", "2026-12-04", "2026-12-08", 4, 0),
    ("semana santa somos 6", "availability", "2027-03-23", "2027-03-28", 5, 6),
    ("el finde largo de enero", "availability", "2026-12-31", "2027-01-03", 3, 0),
    ("una noche el sábado", "availability", "2026-12-05", "2026-12-06", 1, 0),
    ("3 noches desde el 20/12", "availability", "2026-12-20", "2026-12-23", 3, 0),
    ("del 2 al 9 de febrero", "availability", "2027-02-02", "2027-02-09", 7, 0),
    ("15 al 17 de ENERO!!!", "availability", "2027-01-15", "2027-01-17", 2, 0),
    ("del 15 al 17 de enero 😀😀", "availability", "2027-01-15", "2027-01-17", 2, 0),
    ("dos semanas desde el 3 de enero", "availability", "2027-01-03", "2027-01-17", 14, 0),
    ("para 4 noches", "availability", "-", "-", 4, 0),
    ("del 3 al 6 de novienbre", "availability", "2027-11-03", "2027-11-06", 3, 0),
    ("del 10 al 12 de dicembre", "availability", "2026-12-10", "2026-12-12", 2, 0),
    ("del 1 al 4 de agosto", "availability", "2027-08-01", "2027-08-04", 3, 0),
    ("del 2 al 4 de abril", "availability", "2027-04-02", "2027-04-04", 2, 0),
    ("del 2 al 4 de abr", "availability", "2027-04-02", "2027-04-04", 2, 0),
    ("15.01 al 18.01", "availability", "2027-01-15", "2027-01-18", 3, 0),
    ("15/1-17/1 para 2", "availability", "2027-01-15", "2027-01-17", 2, 2),
    ("el viernes 8 de enero 2 noches", "availability", "2027-01-08", "2027-01-10", 2, 0),
    ("del primero al 4 de marzo", "availability", "2027-03-01", "2027-03-04", 3, 0),
    ("del 1° al 4 de marzo", "availability", "2027-03-01", "2027-03-04", 3, 0),
    ("del treinta y uno de diciembre al tres de enero", "availability", "2026-12-31", "2027-01-03", 3, 0),
    ("del 10 de enero al 15 de marzo", "availability", "2027-01-10", "2027-03-15", 64, 0),
    ("del 10 de enero al 15 de junio", "availability", "2027-01-10", "-", 0, 0),
    ("3 días desde el 4 de enero", "availability", "2027-01-04", "2027-01-07", 3, 0),
    ("del 15 al 17 de enero del 2027", "availability", "2027-01-15", "2027-01-17", 2, 0),
    ("del 15 de enero 2027 al 17", "availability", "2027-01-15", "2027-01-17", 2, 0),
];

#[rustfmt::skip]
const GUESTS: &[Row] = &[
    ("somos 4", "availability", "-", "-", 0, 4),
    ("lugar para dos?", "availability", "-", "-", 0, 2),
    ("2 adultos y 2 nenes", "availability", "-", "-", 0, 4),
    ("somos una pareja", "availability", "-", "-", 0, 2),
    ("vamos 3 más un bebé", "availability", "-", "-", 0, 4),
    ("somos 2 adultos y un bebe", "availability", "-", "-", 0, 3),
    ("una pareja con 2 hijos", "availability", "-", "-", 0, 4),
    ("viajo yo solo", "availability", "-", "-", 0, 1),
    ("somos 6 amigos", "availability", "-", "-", 0, 6),
    ("dos parejas", "availability", "-", "-", 0, 4),
    ("familia de 5", "availability", "-", "-", 0, 5),
    ("4 pax", "availability", "-", "-", 0, 4),
    ("4pax", "availability", "-", "-", 0, 4),
    ("somos 3 adultos, 1 menor y un bebé", "availability", "-", "-", 0, 5),
    ("mi pareja y yo", "availability", "-", "-", 0, 2),
    ("grupo de 8 personas", "availability", "-", "-", 0, 8),
    ("somos como 5", "availability", "-", "-", 0, 5),
    ("para 3 personas del 15 al 17 de enero", "availability", "2027-01-15", "2027-01-17", 2, 3),
    ("somos 60", "unknown", "-", "-", 0, 0),
    ("2 matrimonios y 3 chicos", "availability", "-", "-", 0, 7),
    ("seriamos cuatro", "availability", "-", "-", 0, 4),
    ("somos 2 más 2 niños", "availability", "-", "-", 0, 4),
    ("una persona sola", "availability", "-", "-", 0, 1),
    ("para 2 adultos", "availability", "-", "-", 0, 2),
    ("viajamos 5", "availability", "-", "-", 0, 5),
    ("somos 2 y un perro", "policies.pets", "-", "-", 0, 2),
];

#[test]
fn dates_of_stay_are_read_relative_to_today() {
    check(day(2026, 12, 1), DATES);
}

#[test]
fn the_number_of_guests_is_read() {
    check(day(2026, 12, 1), GUESTS);
}

#[test]
fn the_tables_hold_at_least_150_messages() {
    let total = DATES.len() + GUESTS.len() + super::table_tests_more::count();
    assert!(total >= 150, "{total}");
}

//! The guest emails' texts (es-AR, vos), one function per notice, each giving subject, plain
//! text and HTML. Every interpolated value goes through [`escape`] in the HTML body.
//!
//! The owner changes the wording here, in one place. Money reads `$ 54.000` and dates
//! `vie 15/01`; the small formatters below are private until the concierge's
//! `concierge::format` lands and both can share one.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::{
    concierge::format::{date as day, money},
    domain::Money,
    jobs::notifications::NoticeEvent,
    providers::email::EmailContent,
};

/// What a notice says about its reservation (read from the database by the job).
#[derive(Clone, Debug)]
pub struct NoticeFacts {
    /// The guest's name as given.
    pub guest_name: String,
    /// The reservation code.
    pub code: String,
    /// The cabin's name.
    pub cabin: String,
    /// First night.
    pub check_in: NaiveDate,
    /// Departure day.
    pub check_out: NaiveDate,
    /// Nights booked.
    pub nights: i32,
    /// Party size.
    pub guests: i32,
    /// Total price.
    pub total: Money,
    /// Deposit due up front.
    pub deposit: Money,
    /// Paid so far.
    pub paid: Money,
    /// When the hold lapses (holds only).
    pub expires_at: Option<DateTime<Utc>>,
    /// The business timezone (the expiry is shown in it).
    pub timezone: Tz,
    /// The Mercado Pago checkout link, when there is one.
    pub payment_url: Option<String>,
    /// Check-in from this time.
    pub check_in_time: NaiveTime,
    /// Check-out until this time.
    pub check_out_time: NaiveTime,
    /// Where the cabin is (address, directions).
    pub location: String,
}

/// The email of `event` for a reservation.
pub fn render(event: NoticeEvent, facts: &NoticeFacts) -> EmailContent {
    let body = match event {
        NoticeEvent::HoldCreated => hold_created(facts),
        NoticeEvent::Confirmed => confirmed(facts),
        NoticeEvent::Expiring => expiring(facts),
        NoticeEvent::Expired => expired(facts),
        NoticeEvent::Cancelled => cancelled(facts),
        NoticeEvent::PaymentLinkResent => payment_link_resent(facts),
    };
    body.finish(facts)
}

/// A paragraph or a labelled line, kept as plain text and escaped for HTML on output.
enum Block {
    Para(String),
    Lines(Vec<(String, String)>),
    Link { label: String, url: String },
}

struct Draft {
    subject: String,
    blocks: Vec<Block>,
}

impl Draft {
    fn finish(self, facts: &NoticeFacts) -> EmailContent {
        let greeting = format!("¡Hola, {}!", first_name(&facts.guest_name));
        let sign = "Un abrazo,\nCabañas";
        let mut text = format!("{greeting}\n\n");
        let mut html = String::from(
            "<!doctype html><html lang=\"es-AR\"><head><meta charset=\"utf-8\"></head>\
             <body style=\"font-family:sans-serif;line-height:1.5;color:#222\">",
        );
        html.push_str(&format!("<p>{}</p>", escape(&greeting)));
        for block in &self.blocks {
            match block {
                Block::Para(p) => {
                    text.push_str(p);
                    text.push_str("\n\n");
                    html.push_str(&format!("<p>{}</p>", escape(p)));
                }
                Block::Lines(lines) => {
                    html.push_str("<table style=\"border-collapse:collapse\">");
                    for (label, value) in lines {
                        text.push_str(&format!("{label}: {value}\n"));
                        html.push_str(&format!(
                            "<tr><td style=\"padding:2px 12px 2px 0\"><strong>{}</strong></td><td>{}</td></tr>",
                            escape(label),
                            escape(value)
                        ));
                    }
                    text.push('\n');
                    html.push_str("</table>");
                }
                Block::Link { label, url } => {
                    text.push_str(&format!("{label}: {url}\n\n"));
                    html.push_str(&format!(
                        "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;\
                         background:#2e7d32;color:#fff;text-decoration:none;border-radius:4px\">{}</a></p>",
                        escape(url),
                        escape(label)
                    ));
                }
            }
        }
        text.push_str(sign);
        text.push('\n');
        html.push_str(&format!(
            "<p>{}</p></body></html>",
            escape(sign).replace('\n', "<br>")
        ));
        EmailContent {
            subject: self.subject,
            text,
            html,
        }
    }
}

fn stay_lines(facts: &NoticeFacts) -> Vec<(String, String)> {
    vec![
        ("Código de reserva".into(), facts.code.clone()),
        ("Cabaña".into(), facts.cabin.clone()),
        (
            "Fechas".into(),
            format!(
                "{} al {} ({} {})",
                day(facts.check_in),
                day(facts.check_out),
                facts.nights,
                if facts.nights == 1 { "noche" } else { "noches" }
            ),
        ),
        (
            "Huéspedes".into(),
            format!(
                "{} {}",
                facts.guests,
                if facts.guests == 1 {
                    "persona"
                } else {
                    "personas"
                }
            ),
        ),
        ("Total".into(), money(facts.total)),
    ]
}

fn expiry(facts: &NoticeFacts) -> String {
    facts
        .expires_at
        .map(|at| moment(at, facts.timezone))
        .unwrap_or_else(|| "en unos minutos".into())
}

fn hold_created(facts: &NoticeFacts) -> Draft {
    let intro = format!(
        "Te guardamos la cabaña {} del {} al {}. Para confirmar la reserva, pagá la seña de {} antes del {} (hora de Buenos Aires); si no, las noches se liberan.",
        facts.cabin,
        day(facts.check_in),
        day(facts.check_out),
        money(facts.deposit),
        expiry(facts)
    );
    let subject = format!(
        "Te guardamos la cabaña {}: pagá la seña para confirmar",
        facts.cabin
    );
    deposit_request(facts, intro, subject)
}

/// The owner sends the link again: the hold's details and the link, as when it was made.
fn payment_link_resent(facts: &NoticeFacts) -> Draft {
    let intro = format!(
        "Te reenviamos el link para pagar la seña de {} de tu reserva en la cabaña {}. Tenés tiempo hasta el {} (hora de Buenos Aires); después, las noches se liberan.",
        money(facts.deposit - facts.paid),
        facts.cabin,
        expiry(facts)
    );
    let subject = format!("Tu link de pago para la cabaña {}", facts.cabin);
    deposit_request(facts, intro, subject)
}

/// `intro`, the stay, and the deposit's link (or word that it follows).
fn deposit_request(facts: &NoticeFacts, intro: String, subject: String) -> Draft {
    let mut blocks = vec![Block::Para(intro), Block::Lines(stay_lines(facts))];
    match &facts.payment_url {
        Some(url) => blocks.push(Block::Link {
            label: "Pagar la seña con Mercado Pago".into(),
            url: url.clone(),
        }),
        None => blocks.push(Block::Para(
            "En breve te llega el link de pago de Mercado Pago.".into(),
        )),
    }
    Draft { subject, blocks }
}

fn confirmed(facts: &NoticeFacts) -> Draft {
    Draft {
        subject: format!(
            "¡Reserva confirmada! {} del {}",
            facts.cabin,
            day(facts.check_in)
        ),
        blocks: vec![
            Block::Para(format!(
                "¡Recibimos tu pago de {} y tu reserva está confirmada! Te esperamos.",
                money(facts.paid)
            )),
            Block::Lines(stay_lines(facts)),
            Block::Lines(vec![
                (
                    "Check-in".into(),
                    format!(
                        "{} desde las {}",
                        day(facts.check_in),
                        hour(facts.check_in_time)
                    ),
                ),
                (
                    "Check-out".into(),
                    format!(
                        "{} hasta las {}",
                        day(facts.check_out),
                        hour(facts.check_out_time)
                    ),
                ),
                ("Ubicación".into(), facts.location.clone()),
            ]),
            Block::Para("Cualquier consulta, respondé este correo.".into()),
        ],
    }
}

fn expiring(facts: &NoticeFacts) -> Draft {
    let mut blocks = vec![Block::Para(format!(
        "Tu reserva de la cabaña {} vence a las {} (hora de Buenos Aires). Si todavía la querés, pagá la seña de {} antes de esa hora.",
        facts.cabin,
        facts
            .expires_at
            .map(|at| hour(at.with_timezone(&facts.timezone).time()))
            .unwrap_or_default(),
        money(facts.deposit)
    ))];
    if let Some(url) = &facts.payment_url {
        blocks.push(Block::Link {
            label: "Pagar la seña con Mercado Pago".into(),
            url: url.clone(),
        });
    }
    Draft {
        subject: format!("Tu reserva de {} vence en unos minutos", facts.cabin),
        blocks,
    }
}

fn expired(facts: &NoticeFacts) -> Draft {
    Draft {
        subject: format!("Se liberó tu reserva de {}", facts.cabin),
        blocks: vec![
            Block::Para(format!(
                "No recibimos el pago a tiempo y se liberaron las noches del {} al {} en la cabaña {}.",
                day(facts.check_in),
                day(facts.check_out),
                facts.cabin
            )),
            Block::Para(
                "Si todavía querés venir, escribinos o volvé a reservar: si las fechas siguen libres, son tuyas."
                    .into(),
            ),
        ],
    }
}

fn cancelled(facts: &NoticeFacts) -> Draft {
    Draft {
        subject: format!("Cancelamos tu reserva {}", facts.code),
        blocks: vec![
            Block::Para(format!(
                "Tu reserva de la cabaña {} del {} al {} quedó cancelada.",
                facts.cabin,
                day(facts.check_in),
                day(facts.check_out)
            )),
            Block::Para(
                "Si fue un error o querés otras fechas, respondé este correo y lo vemos.".into(),
            ),
        ],
    }
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The first word of a name (the greeting), or the whole value when it has none.
fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// `14:30`.
fn hour(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// `vie 15/01 a las 14:30`, in `timezone`.
fn moment(at: DateTime<Utc>, timezone: Tz) -> String {
    let local = at.with_timezone(&timezone);
    format!("{} a las {}", day(local.date_naive()), hour(local.time()))
}

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;

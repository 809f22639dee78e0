//! Masking of personal data for logs and public views.

/// Masks a phone number, keeping the country prefix and the last 4 digits: `+54911****5678`.
///
/// At least 6 characters, or half of a shorter value, are always masked, so a short or odd
/// value (anything a client typed) is never shown whole; from 15 characters on, all but the
/// first and last 4 are masked.
pub fn phone(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n <= 6 {
        return "*".repeat(n);
    }
    let hidden = n.saturating_sub(8).max(n.div_ceil(2).min(6));
    let visible = n - hidden;
    let keep_tail = visible.div_ceil(2).min(4);
    let keep_head = (visible - keep_tail).min(4);
    let head: String = chars.iter().take(keep_head).collect();
    let tail: String = chars.iter().skip(n - keep_tail).collect();
    format!("{head}{}{tail}", "*".repeat(n - keep_head - keep_tail))
}

/// Masks an email address, keeping the first letter and the domain: `g***@example.com`.
pub fn email(value: &str) -> String {
    match value.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Masks a person's name, keeping each word's initial: `M*** P***`.
pub fn name(value: &str) -> String {
    value
        .split_whitespace()
        .map(|word| {
            let first: String = word.chars().take(1).collect();
            format!("{first}***")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Masks an IP address for logs, keeping the network: the /24 of IPv4 (`203.0.113.x`) and the
/// /48 of IPv6 (`2001:db8:1::/48`). IP addresses are personal data.
pub fn ip(value: &std::net::IpAddr) -> String {
    match value {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.x")
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keeps_prefix_and_last_four_digits() {
        assert_eq!(phone("+5491112345678"), "+549******5678");
        assert_eq!(phone("12345"), "*****");
        assert_eq!(phone("+12345678"), "+1*****78");
        assert_eq!(phone("+++ (-+"), "+****-+");
    }

    #[test]
    fn email_keeps_initial_and_domain() {
        assert_eq!(email("guest@example.com"), "g***@example.com");
        assert_eq!(email("nonsense"), "***");
    }

    #[test]
    fn name_keeps_initials_of_every_word() {
        assert_eq!(name("Martín Pérez"), "M*** P***");
        assert_eq!(name("  Ana "), "A***");
    }

    #[test]
    fn ip_keeps_only_the_network() {
        assert_eq!(ip(&"203.0.113.77".parse().expect("ip")), "203.0.113.x");
        assert_eq!(
            ip(&"2001:db8:1:2::42".parse().expect("ip")),
            "2001:db8:1::/48"
        );
    }
}

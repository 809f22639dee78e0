//! Settings of the webhook and payment hardening (issue 7): secrets in production, the replay
//! window, refusal bounds and the payment poll.

use super::*;

fn production() -> Settings {
    Settings {
        app_env: AppEnv::Production,
        jwt_secret: Secret::new("x".repeat(32)),
        mercadopago_access_token: Secret::new("APP_USR-token"),
        whatsapp_app_secret: Secret::new("meta-app-secret"),
        mercadopago_webhook_secret: Secret::new("mp-webhook-secret"),
        whatsapp_access_token: Secret::new("EAAG-token"),
        whatsapp_phone_id: "106540352242922".into(),
        ..Settings::default()
    }
}

#[test]
fn production_refuses_to_start_without_either_webhook_secret() {
    assert!(production().validate().is_ok());
    for (name, settings) in [
        (
            "WHATSAPP_APP_SECRET",
            Settings {
                whatsapp_app_secret: Secret::default(),
                ..production()
            },
        ),
        (
            "MERCADOPAGO_WEBHOOK_SECRET",
            Settings {
                mercadopago_webhook_secret: Secret::default(),
                ..production()
            },
        ),
    ] {
        let problems = settings.validate().expect_err(name).problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(name), "{problems:?}");
    }
}

#[test]
fn replay_window_refusal_retention_and_poll_schedule_are_checked() {
    let defaults = Settings::default();
    assert_eq!(
        defaults.webhook_ts_tolerance(),
        chrono::Duration::minutes(10)
    );
    assert_eq!(defaults.webhook_refusals_per_minute, 20);
    assert_eq!(
        defaults.webhook_refusal_retention(),
        chrono::Duration::days(7)
    );
    assert_eq!(defaults.payment_poll_schedule, "0 */5 * * * *");
    assert_eq!(defaults.guest_data_retention(), chrono::Months::new(24));
    let settings = Settings {
        webhook_ts_tolerance_seconds: 5,
        webhook_refusal_retention_days: 0,
        guest_data_retention_months: 0,
        payment_poll_schedule: "every five minutes".into(),
        ..Settings::default()
    };
    let problems = settings.validate().expect_err("invalid").problems;
    for key in [
        "WEBHOOK_TS_TOLERANCE_SECONDS",
        "WEBHOOK_REFUSAL_RETENTION_DAYS",
        "GUEST_DATA_RETENTION_MONTHS",
        "PAYMENT_POLL_SCHEDULE",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(key)),
            "{key}: {problems:?}"
        );
    }
}

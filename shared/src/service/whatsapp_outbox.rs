//! The WhatsApp outbox: replies are written `queued` (by a turn, a notice or the owner) and
//! sent from here, in order, one conversation at a time under its lease; and the 24-hour
//! window rule: free-form messages go out only while the guest's last message is less than 24
//! hours old, otherwise (or when Meta answers 131047) the approved template is sent instead,
//! once, and the free-form replies are recorded `failed`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use crate::{
    Error, Result,
    clock::Clock,
    domain::{OutboundMessage, conversation::MessageAuthor},
    entities::{conversation, whatsapp_contact},
    mask,
    providers::whatsapp::{SendError, WhatsappClient},
    store::{self, conversations::QueuedReply},
};

/// How long a worker holds a conversation before another may take it over.
pub const LEASE_SECONDS: i64 = 60;
/// How long [`Outbox::lease`] waits for another holder (a little longer than a lease).
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(LEASE_SECONDS as u64 + 5);
/// How often it looks while waiting.
const BUSY_POLL: std::time::Duration = std::time::Duration::from_millis(20);
/// WhatsApp's customer-service window.
pub const WINDOW_HOURS: i64 = 24;

/// What sending needs: the database, the Graph client and the clock.
#[derive(Clone, Copy)]
pub struct Outbox<'a> {
    /// PostgreSQL.
    pub db: &'a DatabaseConnection,
    /// The Graph API.
    pub whatsapp: &'a WhatsappClient,
    /// Source of "now".
    pub clock: &'a dyn Clock,
}

impl Outbox<'_> {
    /// Takes the conversation's lease with `token`, waiting while another worker holds it (it
    /// looks again after giving it back, so it will see this caller's work too); waiting all
    /// the same means a holder that died is taken over once its lease lapses. `None` after
    /// waiting longer than a lease.
    pub async fn lease(&self, contact_id: i64, token: Uuid) -> Result<Option<conversation::Model>> {
        let give_up = std::time::Instant::now() + BUSY_WAIT;
        loop {
            let now = self.clock.now();
            let lease = Duration::seconds(LEASE_SECONDS);
            if let Some(held) =
                store::conversations::acquire_lease(self.db, contact_id, token, now, lease).await?
            {
                return Ok(Some(held));
            }
            if std::time::Instant::now() >= give_up {
                return Ok(None);
            }
            tokio::time::sleep(BUSY_POLL).await;
        }
    }

    /// [`Outbox::lease`] for the conversation engine: the first attempt also creates the
    /// conversation on first use (one statement for both), then it waits like `lease`.
    pub async fn open(&self, contact_id: i64, token: Uuid) -> Result<Option<conversation::Model>> {
        let lease = Duration::seconds(LEASE_SECONDS);
        let now = self.clock.now();
        match store::conversations::take_lease(self.db, contact_id, token, now, lease).await? {
            Some(held) => Ok(Some(held)),
            None => self.lease(contact_id, token).await,
        }
    }

    /// Extends a lease this caller holds; false when it was lost.
    pub async fn renew(&self, contact_id: i64, token: Uuid) -> Result<bool> {
        let lease = Duration::seconds(LEASE_SECONDS);
        Ok(
            store::conversations::acquire_lease(
                self.db,
                contact_id,
                token,
                self.clock.now(),
                lease,
            )
            .await?
            .is_some(),
        )
    }

    /// Sends what is queued for a contact, under the conversation's lease.
    pub async fn flush(&self, contact_id: i64) -> Result<()> {
        let token = Uuid::new_v4();
        let Some(held) = self.lease(contact_id, token).await? else {
            return Ok(());
        };
        let contact = store::conversations::contact(self.db, contact_id).await;
        let sent = match contact {
            Ok(contact) => self.send_queued(&contact).await,
            Err(e) => Err(e),
        };
        store::conversations::release_lease(self.db, held.id, token).await?;
        sent
    }
}

/// A reply as an outbox row.
pub fn reply_row(reply: &OutboundMessage, author: MessageAuthor) -> Result<QueuedReply> {
    Ok(QueuedReply {
        kind: reply.kind(),
        summary: reply.summary(),
        payload: serde_json::to_value(reply).map_err(|e| Error::Internal(Box::new(e)))?,
        author,
    })
}

/// Whether the guest wrote in the last 24 hours.
pub fn window_open(contact: &whatsapp_contact::Model, now: DateTime<Utc>) -> bool {
    window_open_since(contact.last_seen_at.to_utc(), now)
}

/// Whether the window opened by a guest's message at `last_seen_at` is still open at `now`.
pub fn window_open_since(last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_seen_at < Duration::hours(WINDOW_HOURS)
}

impl Outbox<'_> {
    /// Sends the contact's queued replies in order. `Unavailable` (Meta down, circuit open) leaves
    /// the rest queued for the retry; a refusal for good is recorded on the row.
    pub async fn send_queued(&self, contact: &whatsapp_contact::Model) -> Result<()> {
        let queued = store::conversations::queued(self.db, contact.id).await?;
        let mut template_sent = false;
        for row in queued {
            let now = self.clock.now();
            let Ok(message) = serde_json::from_value::<OutboundMessage>(row.raw.clone()) else {
                store::conversations::mark_failed(self.db, row.id, "unreadable queued message")
                    .await?;
                continue;
            };
            let closed = message.needs_open_window() && !window_open(contact, now);
            let refused = if closed {
                Some("window_closed".to_owned())
            } else {
                match self.whatsapp.send(&contact.wa_id, &message).await {
                    Ok(wamid) => {
                        store::conversations::mark_sent(self.db, row.id, &wamid, now).await?;
                        continue;
                    }
                    Err(SendError::WindowClosed(_)) => Some("window_closed".to_owned()),
                    Err(SendError::Failed(e @ Error::Unavailable(_))) => return Err(e),
                    Err(SendError::Failed(e)) => {
                        store::conversations::mark_failed(self.db, row.id, &e.chain()).await?;
                        None
                    }
                }
            };
            if let Some(reason) = refused {
                store::conversations::mark_failed(self.db, row.id, &reason).await?;
                if !template_sent {
                    self.send_template(contact, now).await?;
                    template_sent = true;
                }
            }
        }
        Ok(())
    }

    /// The approved template, in place of free text outside the window (recorded like any reply).
    async fn send_template(
        &self,
        contact: &whatsapp_contact::Model,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let name = contact
            .profile_name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .unwrap_or("¡Hola!");
        let Some(template) = self.whatsapp.window_template(&[name]) else {
            tracing::warn!(from = %mask::phone(&contact.phone), "the window is closed and no template is configured");
            return Ok(());
        };
        match self.whatsapp.send(&contact.wa_id, &template).await {
            Ok(wamid) => {
                let row = reply_row(&template, MessageAuthor::Bot)?;
                let txn = self.db.begin().await?;
                store::conversations::record_sent(&txn, contact.id, row, &wamid, now).await?;
                txn.commit().await?;
                Ok(())
            }
            Err(SendError::Failed(e @ Error::Unavailable(_))) => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "window template not sent");
                Ok(())
            }
        }
    }

    /// Meta said in a status callback that message `wamid` was not delivered because the 24-hour
    /// window had closed (131047): it is recorded `failed` and the template goes instead (not for a
    /// template that failed itself).
    pub async fn window_closed(&self, wamid: &str) -> Result<()> {
        let Some(row) = store::conversations::outbound_by_wamid(self.db, wamid).await? else {
            return Ok(());
        };
        store::conversations::mark_failed(self.db, row.id, "window_closed").await?;
        if row.message_type == "template" {
            return Ok(());
        }
        let contact = store::conversations::contact(self.db, row.contact_id).await?;
        self.send_template(&contact, self.clock.now()).await
    }
}

//! A real SMTP server for the guest-email tests: Python's `aiosmtpd` (installed by
//! ops/aiosmtpd.sh) on a free local port, with a small handler that writes each accepted
//! message, decoded, as one JSON line, so tests assert recipients, subject and bodies.
//!
//! Recipients whose address starts with `rechazado` are refused with a 550, like a mailbox
//! that does not exist.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

/// The handler aiosmtpd loads (`-c guest_mail_sink.Sink OUT`).
const HANDLER: &str = r#"
import email, email.policy, json

class Sink:
    def __init__(self, out):
        self.out = out

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("rechazado"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "reply_to": str(msg.get("Reply-To", "")),
            "subject": str(msg.get("Subject", "")),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted"
"#;

/// One message the server accepted.
#[derive(Clone, Debug)]
pub struct ReceivedEmail {
    /// Envelope recipients.
    pub rcpt_tos: Vec<String>,
    /// The `To` header.
    pub to: String,
    /// The `Reply-To` header (empty when absent).
    pub reply_to: String,
    /// The decoded subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// A running aiosmtpd; killed on drop.
pub struct SmtpServer {
    child: Child,
    port: u16,
    out: PathBuf,
    dir: PathBuf,
}

/// A local port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The Python with aiosmtpd: `SMTP_TEST_PYTHON`, else `python3`, else Debian's
/// `/usr/bin/python3` (where `apt-get install python3-aiosmtpd` puts it).
fn python() -> String {
    let candidates = std::env::var("SMTP_TEST_PYTHON")
        .into_iter()
        .chain(["python3".to_owned(), "/usr/bin/python3".to_owned()]);
    for candidate in candidates {
        let ok = Command::new(&candidate)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return candidate;
        }
    }
    panic!("aiosmtpd is not installed: run ops/aiosmtpd.sh (apt-get install python3-aiosmtpd)");
}

impl SmtpServer {
    /// Starts the server and waits until it accepts connections.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("cabanas-smtp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("smtp dir");
        std::fs::write(dir.join("guest_mail_sink.py"), HANDLER).expect("handler");
        let out = dir.join("messages.jsonl");
        let port = free_port();
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "guest_mail_sink.Sink"])
            .arg(&out)
            .env("PYTHONPATH", &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = Self {
            child,
            port,
            out,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<ReceivedEmail> {
        let Ok(raw) = std::fs::read_to_string(&self.out) else {
            return Vec::new();
        };
        raw.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let v: Value = serde_json::from_str(line).expect("message json");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                ReceivedEmail {
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    to: s("to"),
                    reply_to: s("reply_to"),
                    subject: s("subject"),
                    text: s("text"),
                    html: s("html"),
                }
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

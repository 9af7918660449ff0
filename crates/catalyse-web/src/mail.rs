//! Outgoing mail through SMTP (lettre), or, when no SMTP server is configured, as `.eml` files
//! in `CATALYSE_DATA_DIR/outbox/` so that nothing is lost and a person can read them.

use crate::config::Config;
use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: String,
    /// A file joined to the message: (name, media type, content).
    pub attachment: Option<(String, String, Vec<u8>)>,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<(Mailer, Mailbox)> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("mail_from « {} » is not an address", config.mail_from))?;
        let mailer = match &config.smtp_url {
            Some(url) if !url.0.is_empty() => Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
                    .context("smtp_url is invalid")?
                    .build(),
            ),
            _ => {
                let dir = config.outbox_dir();
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                tracing::info!(
                    outbox = %dir.display(),
                    "no SMTP server configured: mails are written to the outbox folder as .eml files"
                );
                Mailer::Outbox(AsyncFileTransport::new(dir))
            }
        };
        Ok((mailer, from))
    }

    pub async fn send(&self, from: &Mailbox, mail: Mail<'_>) -> anyhow::Result<()> {
        self.send_with_reply_to(from, mail, None).await
    }

    /// Sends on behalf of the platform with answers going to `reply_to` (a member writing to
    /// another: the recipient answers her directly, and never sees her address otherwise).
    pub async fn send_with_reply_to(
        &self,
        from: &Mailbox,
        mail: Mail<'_>,
        reply_to: Option<Mailbox>,
    ) -> anyhow::Result<()> {
        let to: Mailbox = mail.to.parse().context("recipient address")?;
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(mail.subject);
        if let Some(r) = reply_to {
            builder = builder.reply_to(r);
        }
        let msg = match mail.attachment {
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body)
                .context("building the message")?,
            Some((name, media_type, content)) => {
                use lettre::message::{Attachment, MultiPart, SinglePart};
                let kind = ContentType::parse(&media_type).context("attachment type")?;
                builder
                    .multipart(
                        MultiPart::mixed()
                            .singlepart(SinglePart::plain(mail.body))
                            .singlepart(Attachment::new(name).body(content, kind)),
                    )
                    .context("building the message")?
            }
        };
        match self {
            Mailer::Smtp(t) => {
                t.send(msg).await.context("SMTP delivery")?;
            }
            Mailer::Outbox(t) => {
                t.send(msg).await.context("writing to the outbox")?;
            }
        }
        Ok(())
    }
}

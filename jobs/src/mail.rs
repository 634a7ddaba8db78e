//! Delivering e-mail over SMTP (lettre): the `mail` job renders its
//! template (`erp::mail`), sends it from the company's sender and records
//! that it went, so a second delivery of the same job sends nothing.
//!
//! `ERP_SMTP_URL` names the server (`smtp://host:25`, `smtp://host:587?tls=required`,
//! `smtps://user:password@host:465`), or `ERP_SMTP_URL_FILE` a file holding
//! it (a podman secret); `ERP_MAIL_FROM` the default sender
//! address. A server that answers with a permanent refusal (5xx: no such
//! mailbox, relay denied) sends the job straight to the dead set; anything
//! else (the server down, 4xx) is retried with the type's backoff. With no
//! server set up, mail is off and messages are logged as not sent.

use std::time::Duration;

use erp::Erp;
use erp::mail::SendMail;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::backend::Permanent;

/// A sent message is remembered this long (longer than any retry).
const SENT_TTL_SECS: i64 = 14 * 24 * 3600;

pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
}

impl Mailer {
    /// From `ERP_SMTP_URL` and `ERP_MAIL_FROM`. Without a server, mail is
    /// off: each message is logged as not sent.
    pub fn from_env() -> anyhow::Result<Mailer> {
        // The URL carries the password: in an install it comes from a
        // podman secret mounted as a file.
        let url = match std::env::var_os("ERP_SMTP_URL_FILE") {
            Some(path) => Some(std::fs::read_to_string(&path).map_err(|e| {
                anyhow::anyhow!(
                    "ERP_SMTP_URL_FILE {}: {e}",
                    std::path::Path::new(&path).display()
                )
            })?),
            None => std::env::var("ERP_SMTP_URL").ok(),
        };
        let transport = match url {
            Some(url) if !url.trim().is_empty() => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
                    .map_err(|e| anyhow::anyhow!("ERP_SMTP_URL is not a usable SMTP URL: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            _ => None,
        };
        let from = std::env::var("ERP_MAIL_FROM").unwrap_or_else(|_| "erp@localhost".to_owned());
        anyhow::ensure!(
            from.parse::<lettre::Address>().is_ok(),
            "ERP_MAIL_FROM is not an e-mail address: {from:?}"
        );
        Ok(Mailer { transport, from })
    }

    pub async fn send(
        &self,
        erp: &Erp,
        mail: &SendMail,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let sent_key = format!("erp:mail:sent:{}", mail.mail_id);
        if erp.kv.is_set(&sent_key).await? {
            log::info!("mail {}: already sent; not again", mail.mail_id);
            return Ok(());
        }
        let Some(transport) = &self.transport else {
            // Mail is off on this install (the demo, one without a server):
            // the person still has the notice in the app; a dead job per
            // message would only bury the admin's real failures.
            log::warn!(
                "mail {} ({}) to {} not sent: no mail server is set up (ERP_SMTP_URL)",
                mail.mail_id,
                mail.template,
                mail.to
            );
            return Ok(());
        };
        let (name, sender): (String, String) =
            sqlx::query_as("SELECT name, mail_sender FROM company_mail_identity($1)")
                .bind(mail.company_id)
                .fetch_optional(erp.db.pool())
                .await?
                .ok_or_else(|| Permanent::new(format!("no company {}", mail.company_id)))?;
        let address = if sender.is_empty() {
            &self.from
        } else {
            &sender
        };
        let from = Mailbox::new(
            Some(name),
            address
                .parse()
                .map_err(|e| Permanent::new(format!("the sender {address:?}: {e}")))?,
        );
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| Permanent::new(format!("the recipient {:?}: {e}", mail.to)))?;
        let rendered = erp::mail::render(&mail.template, &mail.lang, &mail.vars)
            .map_err(|e| Permanent::new(e.to_string()))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(format!("<{}@erp-appliance>", mail.mail_id)))
            .header(ContentType::TEXT_PLAIN)
            .body(rendered.body)
            .map_err(|e| Permanent::new(e.to_string()))?;
        match transport.send(message).await {
            Ok(_) => {
                erp.kv.mark(&sent_key, SENT_TTL_SECS).await?;
                log::info!(
                    "mail {} ({}) sent to {}",
                    mail.mail_id,
                    mail.template,
                    mail.to
                );
                Ok(())
            }
            Err(e) if e.is_permanent() => {
                Err(Permanent::new(format!("the mail server refused the message: {e}")).into())
            }
            Err(e) => Err(format!("sending mail: {e}").into()),
        }
    }
}

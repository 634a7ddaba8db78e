//! E-mail: what the appliance sends, written as minijinja templates in
//! Spanish and English (`templates/<name>.<lang>.txt`, the first line the
//! subject), and queued like any other job inside the transaction that
//! decided to send it. The worker renders and delivers (`jobs::mail`).

use minijinja::Environment;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use std::sync::LazyLock;
use uuid::Uuid;

use crate::jobs::{Job, Options, Priority};

/// One message to send.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SendMail {
    /// Also the idempotency key: one message is sent once.
    pub mail_id: Uuid,
    /// The company it is sent for: its sender setting and name.
    pub company_id: Uuid,
    pub to: String,
    pub template: String,
    /// `es-HN` or `en`.
    pub lang: String,
    /// The template's variables.
    pub vars: serde_json::Value,
}

impl Job for SendMail {
    const KIND: &'static str = "mail";
    fn unique_key(&self) -> Option<String> {
        Some(format!("mail:{}", self.mail_id))
    }
}

const TEMPLATES: [(&str, &str); 4] = [
    (
        "report_ready.es-HN.txt",
        include_str!("templates/report_ready.es-HN.txt"),
    ),
    (
        "report_ready.en.txt",
        include_str!("templates/report_ready.en.txt"),
    ),
    ("test.es-HN.txt", include_str!("templates/test.es-HN.txt")),
    ("test.en.txt", include_str!("templates/test.en.txt")),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        // The templates are ours and tested; a broken one fails `render`.
        if let Err(e) = env.add_template(name, source) {
            log::error!("mail template {name}: {e}");
        }
    }
    env
});

/// A rendered message.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Render `template` in `lang` (English when the language has no version).
pub fn render(template: &str, lang: &str, vars: &serde_json::Value) -> anyhow::Result<Rendered> {
    let lang = if lang == "en" { "en" } else { "es-HN" };
    let text = ENV
        .get_template(&format!("{template}.{lang}.txt"))
        .map_err(|e| anyhow::anyhow!("no mail template {template:?}: {e}"))?
        .render(minijinja::value::Serde(vars))?;
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    let subject = first.strip_prefix("Subject: ").ok_or_else(|| {
        anyhow::anyhow!("mail template {template:?} does not start with a Subject line")
    })?;
    Ok(Rendered {
        subject: subject.trim().to_owned(),
        body: body.to_owned(),
    })
}

/// Queue a message with the transaction `tx`: sent only if it commits.
pub async fn enqueue(tx: &mut PgConnection, mail: &SendMail) -> crate::Result<Uuid> {
    crate::jobs::enqueue(
        tx,
        mail,
        Options {
            priority: Priority::Normal,
            run_at: None,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_in_both_languages_with_a_subject() {
        let vars = serde_json::json!({
            "name": "Karla", "report": "Libro de ventas", "company": "Autos del Valle",
            "period": "noviembre 2026", "link": "https://erp.example/reports/runs/1", "keep_days": 7,
        });
        for (name, _) in TEMPLATES {
            let (template, lang) = name
                .trim_end_matches(".txt")
                .split_once('.')
                .unwrap_or_default();
            let m = render(template, lang, &vars).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                !m.subject.is_empty() && m.body.contains("Autos del Valle"),
                "{name}"
            );
        }
        let es = render("report_ready", "es-HN", &vars).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(es.subject, "Su reporte «Libro de ventas» está listo");
        assert!(es.body.contains("https://erp.example/reports/runs/1"));
        assert!(render("no_such", "en", &vars).is_err());
    }
}

//! E-mail through a real SMTP server (aiosmtpd, started by the test): a
//! message queued in a transaction is delivered from the company's sender,
//! in the recipient's language; a server that is down makes the job retry
//! until it is back; a recipient the server refuses for good sends the job
//! straight to the dead set.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use sqlx::Connection;

use crate::harness::{ADMIN, App, KillOnDrop, TestResult, eventually, free_port, json_of};

/// aiosmtpd on `port`, storing what it accepts in the maildir `dir`, and
/// refusing (550) any recipient at `nobody@`.
pub(crate) fn smtp_server(
    port: u16,
    dir: &Path,
) -> Result<KillOnDrop, Box<dyn std::error::Error + Send + Sync>> {
    let python = std::env::var("ERP_SMTP_PYTHON")
        .map_err(|_| "ERP_SMTP_PYTHON is not set: run the tests through scripts/test.sh")?;
    std::fs::write(
        dir.join("refusing.py"),
        "from aiosmtpd.handlers import Mailbox\n\
         class Refusing(Mailbox):\n\
         \x20   async def handle_RCPT(self, server, session, envelope, address, rcpt_options):\n\
         \x20       if address.startswith('nobody@'):\n\
         \x20           return '550 5.1.1 no such mailbox'\n\
         \x20       envelope.rcpt_tos.append(address)\n\
         \x20       return '250 OK'\n",
    )?;
    let child = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "refusing.Refusing"])
        .arg(dir.join("maildir"))
        .env("PYTHONPATH", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = KillOnDrop(child);
    let up = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    if !up {
        return Err("aiosmtpd did not start".into());
    }
    Ok(server)
}

/// The messages delivered so far, parsed.
pub(crate) fn delivered(dir: &Path) -> Vec<(String, String, String, String)> {
    let new = dir.join("maildir/new");
    let Ok(entries) = std::fs::read_dir(new) else {
        return vec![];
    };
    let mut out = vec![];
    for e in entries.flatten() {
        let Ok(raw) = std::fs::read(e.path()) else {
            continue;
        };
        let Ok(mail) = mailparse::parse_mail(&raw) else {
            continue;
        };
        let header = |name: &str| {
            mail.headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case(name))
                .map(|h| h.get_value())
                .unwrap_or_default()
        };
        out.push((
            header("From"),
            header("To"),
            header("Subject"),
            mail.get_body().unwrap_or_default(),
        ));
    }
    out
}

async fn queue_mail(
    app: &App,
    to: &str,
    lang: &str,
) -> Result<uuid::Uuid, Box<dyn std::error::Error + Send + Sync>> {
    let mut db = sqlx::PgConnection::connect(&app.database_url()).await?;
    let company: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM companies WHERE name = 'Autos del Valle'")
            .fetch_one(&mut db)
            .await?;
    let mail = erp::mail::SendMail {
        mail_id: uuid::Uuid::now_v7(),
        company_id: company,
        to: to.to_owned(),
        template: "report_ready".to_owned(),
        lang: lang.to_owned(),
        vars: serde_json::json!({
            "name": "Karla", "report": "Libro de ventas", "company": "Autos del Valle",
            "period": "noviembre de 2026", "link": "https://erp.demo.hn/reports/runs/1", "keep_days": 7,
        }),
    };
    let mut tx = db.begin().await?;
    erp::mail::enqueue(&mut tx, &mail).await?;
    tx.commit().await?;
    Ok(mail.mail_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_is_delivered_from_the_company_sender_and_retried_while_the_server_is_down()
-> TestResult {
    let dir = tempfile::tempdir()?;
    let port = free_port();
    let mut server = Some(smtp_server(port, dir.path())?);
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = App::start_env(&[
        ("ERP_SMTP_URL", &smtp_url),
        ("ERP_MAIL_FROM", "sistema@demo.hn"),
    ])?;
    let (admin, _) = app.api_login(ADMIN).await?;

    // The company's own sender address, set on its settings.
    let mut company: Value = admin
        .get(app.url("/api/v1/company"))
        .send()
        .await?
        .json()
        .await?;
    let mut input = serde_json::Map::new();
    for key in [
        "name",
        "legal_name",
        "rtn",
        "currency",
        "address",
        "phone",
        "email",
        "require_totp",
        "fiscal_warn_remaining",
        "fiscal_warn_days",
        "version",
    ] {
        input.insert(key.to_owned(), company[key].take());
    }
    input.insert("mail_sender".to_owned(), "avisos@autosdelvalle.hn".into());
    let bad = admin
        .put(app.url("/api/v1/company"))
        .json(&Value::Object({
            let mut bad = input.clone();
            bad.insert(
                "mail_sender".to_owned(),
                "Avisos <avisos@autosdelvalle.hn>".into(),
            );
            bad
        }))
        .send()
        .await?;
    assert_eq!(bad.status(), 422, "a sender with a name is refused");
    let problem: Value = bad.json().await?;
    assert_eq!(problem["errors"][0]["pointer"], "/mail_sender", "{problem}");
    let saved = admin
        .put(app.url("/api/v1/company"))
        .json(&Value::Object(input))
        .send()
        .await?;
    assert!(saved.status().is_success(), "{}", saved.text().await?);

    queue_mail(&app, "karla@demo.hn", "es-HN").await?;
    let mails = eventually(Duration::from_secs(20), || async {
        let m = delivered(dir.path());
        (!m.is_empty()).then_some(m)
    })
    .await
    .ok_or("the message was not delivered")?;
    let (from, to, subject, body) = &mails[0];
    assert_eq!(from, "\"Autos del Valle\" <avisos@autosdelvalle.hn>");
    assert_eq!(to, "karla@demo.hn");
    assert_eq!(subject, "Su reporte «Libro de ventas» está listo");
    assert!(
        body.contains("https://erp.demo.hn/reports/runs/1"),
        "{body}"
    );
    assert!(body.contains("Hola Karla:"), "{body}");

    // The server goes away: the job waits for a retry with the error; back,
    // the message arrives (in English this time).
    drop(server.take());
    let id = queue_mail(&app, "ana@demo.hn", "en").await?;
    let waiting = eventually(Duration::from_secs(20), || async {
        let q: Value = json_of(&admin, app.url("/api/v1/jobs")).await?;
        q["scheduled_jobs"]
            .as_array()?
            .iter()
            .find(|j| j["type"] == "mail")
            .cloned()
    })
    .await
    .ok_or("the failed delivery was not scheduled for a retry")?;
    assert!(
        waiting["error"]
            .as_str()
            .unwrap_or_default()
            .contains("sending mail"),
        "{waiting}"
    );
    let _server = smtp_server(port, dir.path())?;
    let mails = eventually(Duration::from_secs(40), || async {
        let m = delivered(dir.path());
        (m.len() == 2).then_some(m)
    })
    .await
    .ok_or(format!(
        "mail {id} was not delivered once the server was back"
    ))?;
    let english = mails
        .iter()
        .find(|m| m.1 == "ana@demo.hn")
        .ok_or("no mail to ana")?;
    assert_eq!(english.2, "Your report \"Libro de ventas\" is ready");

    // Refused for good: dead after one attempt, with the server's answer.
    queue_mail(&app, "nobody@demo.hn", "es-HN").await?;
    let dead = eventually(Duration::from_secs(20), || async {
        let d: Value = json_of(&admin, app.url("/api/v1/jobs/dead")).await?;
        d.as_array()?.iter().find(|j| j["type"] == "mail").cloned()
    })
    .await;
    let Some(dead) = dead else {
        let q: Value = admin
            .get(app.url("/api/v1/jobs"))
            .send()
            .await?
            .json()
            .await?;
        return Err(format!(
            "the refused message did not reach the dead set: {q}\n{}",
            app.log_text()
        )
        .into());
    };
    assert_eq!(dead["attempts"], 1, "{dead}");
    assert!(
        dead["error"]
            .as_str()
            .unwrap_or_default()
            .contains("no such mailbox"),
        "{dead}"
    );
    assert_eq!(delivered(dir.path()).len(), 2, "nothing more was delivered");

    // The admin's check of the mail server: a test message, and bad input.
    let admin_cmd = |args: &[&str]| {
        Command::new(crate::harness::BIN)
            .args(["admin", "mail-test"])
            .args(args)
            .env("ERP_DATABASE_URL", app.database_url())
            .output()
    };
    let out = admin_cmd(&["luis@demo.hn", "--company", "Autos del Valle"])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mails = eventually(Duration::from_secs(20), || async {
        let m = delivered(dir.path());
        (m.len() == 3).then_some(m)
    })
    .await
    .ok_or("the test message was not delivered")?;
    let test = mails
        .iter()
        .find(|m| m.1 == "luis@demo.hn")
        .ok_or("no test message")?;
    assert_eq!(test.2, "Correo de prueba de Autos del Valle");
    let out = admin_cmd(&["not-an-address"])?;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("\"not-an-address\" is not an e-mail address")
    );
    let out = admin_cmd(&["luis@demo.hn", "--company", "Nadie S.A."])?;
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("there is no company named \"Nadie S.A.\"")
    );
    Ok(())
}

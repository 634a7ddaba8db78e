//! Periodic tasks: an edit through the API changes the cadence of running
//! schedulers without a restart, and two schedulers never run a tick twice.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

use crate::harness::{App, BIN, KillOnDrop, MANAGER, TestResult, eventually, json_of};

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_schedule_fires_at_its_new_cadence_once_per_tick() -> TestResult {
    let app = App::start()?;
    // A second scheduler process on the same database and Redis.
    let _second = KillOnDrop(
        Command::new(BIN)
            .arg("scheduler")
            .env("ERP_DATABASE_URL", app.database_url())
            .env("ERP_REDIS_URL", app.redis_url())
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );

    let (client, _) = app.api_login(crate::harness::ADMIN).await?;
    let tasks: Value = client
        .get(app.url("/api/v1/periodic-tasks"))
        .send()
        .await?
        .json()
        .await?;
    let task = tasks
        .as_array()
        .and_then(|t| t.first())
        .ok_or("no periodic task")?
        .clone();
    assert_eq!(task["task"], "purge_expired_exports");
    let id = task["id"].as_str().ok_or("id")?;
    let runs_url = app.url(&format!("/api/v1/periodic-tasks/{id}/runs?limit=100"));
    let runs: Value = client.get(&runs_url).send().await?.json().await?;
    assert_eq!(
        runs.as_array().map(Vec::len),
        Some(0),
        "the 15-minute schedule has not fired yet"
    );

    // A finished export whose time is up, for the purge task to find.
    let export: Value = client
        .post(app.url("/api/v1/exports/users-roles"))
        .send()
        .await?
        .json()
        .await?;
    let export_id = export["id"].as_str().ok_or("export id")?.to_owned();
    let export_url = app.url(&format!("/api/v1/exports/{export_id}"));
    app.export_done(&client, &export_id).await?;
    let file = app.data_dir().join(format!("files/export-{export_id}.csv"));
    assert!(file.exists());
    let mut owner = sqlx::PgConnection::connect(&app.database_url()).await?;
    sqlx::query("UPDATE exports SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid")
        .bind(&export_id)
        .execute(&mut owner)
        .await?;

    // Bad cron: 422 with the field; stale version: 409.
    let res = client
        .patch(app.url(&format!("/api/v1/periodic-tasks/{id}")))
        .json(&serde_json::json!({ "version": task["version"], "cron": "every tuesday" }))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await?["errors"][0]["pointer"], "/cron");

    let res = client
        .patch(app.url(&format!("/api/v1/periodic-tasks/{id}")))
        .json(&serde_json::json!({ "version": task["version"], "cron": "*/2 * * * * *" }))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await?;
    assert_eq!(updated["cron"], "*/2 * * * * *");
    let stale = client
        .patch(app.url(&format!("/api/v1/periodic-tasks/{id}")))
        .json(&serde_json::json!({ "version": task["version"], "enabled": false }))
        .send()
        .await?;
    assert_eq!(stale.status(), StatusCode::CONFLICT);

    // Within a few seconds the new cadence shows in the recorded runs.
    eventually(Duration::from_secs(30), || async {
        let runs: Value = json_of(&client, &runs_url).await?;
        (runs.as_array()?.len() >= 4).then_some(runs)
    })
    .await
    .ok_or("fewer than 4 runs within 30 s of the edit")?;
    // Let both schedulers go on a few more ticks before counting duplicates.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let runs: Value = client.get(&runs_url).send().await?.json().await?;
    let ticks: Vec<&str> = runs
        .as_array()
        .ok_or("runs")?
        .iter()
        .filter_map(|r| r["tick_at"].as_str())
        .collect();
    let unique: BTreeSet<&str> = ticks.iter().copied().collect();
    assert_eq!(unique.len(), ticks.len(), "a tick ran twice: {ticks:?}");
    let stamps: Vec<i64> = unique
        .iter()
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp())
        .collect();
    assert!(stamps.len() >= 4);
    for pair in stamps.windows(2) {
        assert_eq!(pair[1] - pair[0], 2, "ticks every 2 s: {stamps:?}");
    }
    assert!(runs_outcomes_ok(&client, &runs_url).await?);

    // The purge ran: the export is marked expired and its file is gone.
    let purged: Value = client.get(&export_url).send().await?.json().await?;
    assert_eq!(purged["status"], "expired");
    assert!(!file.exists(), "the expired export's file was removed");
    assert_eq!(
        client
            .get(format!("{export_url}/file"))
            .send()
            .await?
            .status(),
        StatusCode::CONFLICT,
        "an expired export offers no file"
    );

    // Manager (not a group admin) cannot read or change schedules.
    let (manager, _) = app.api_login(MANAGER).await?;
    assert_eq!(
        manager
            .get(app.url("/api/v1/periodic-tasks"))
            .send()
            .await?
            .status(),
        StatusCode::FORBIDDEN
    );
    Ok(())
}

async fn runs_outcomes_ok(
    client: &reqwest::Client,
    url: &str,
) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let runs: Value = client.get(url).send().await?.json().await?;
    Ok(runs.as_array().ok_or("runs")?.iter().all(|r| {
        r["outcome"]
            .as_str()
            .is_some_and(|o| o.starts_with("expired "))
    }))
}

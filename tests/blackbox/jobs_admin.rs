//! The queue for the admin: the API's lists and decisions on dead jobs (and
//! who may use them), the jobs page in Chromium retrying a dead job, and a
//! real Prometheus scraping `/metrics`.

use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::Value;

use crate::browser::{chromium, follow, log_in, shot, text_of};
use crate::harness::{ADMIN, App, KillOnDrop, MANAGER, TestResult, eventually, free_port, json_of};
use crate::queue::{probe_worker, push, redis, runs};

/// A probe job that fails both its attempts, and waits until it is dead.
async fn dead_probe(
    app: &App,
    n: &str,
) -> Result<KillOnDrop, Box<dyn std::error::Error + Send + Sync>> {
    let redis = redis(app).await?;
    let worker = probe_worker(app, &["--backoff-ms", "50"])?;
    push(
        app,
        &[
            "--count",
            "1",
            "--start",
            n,
            "--fail",
            "--max-attempts",
            "2",
        ],
    )?;
    let n: u64 = n.parse()?;
    eventually(Duration::from_secs(20), || async {
        (runs(&redis).await.get(&n) == Some(&2)).then_some(())
    })
    .await
    .ok_or("the probe did not fail twice")?;
    Ok(worker)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_lists_the_queue_and_retries_or_discards_dead_jobs() -> TestResult {
    let app = App::start()?;
    let redis = redis(&app).await?;
    let _worker = dead_probe(&app, "41").await?;
    let (admin, _) = app.api_login(ADMIN).await?;

    let queue: Value = admin
        .get(app.url("/api/v1/jobs"))
        .send()
        .await?
        .json()
        .await?;
    assert!(
        queue["workers"].as_u64() >= Some(2),
        "up's worker and the probe's: {queue}"
    );
    assert_eq!(queue["dead"], 1, "{queue}");
    let dead: Value = admin
        .get(app.url("/api/v1/jobs/dead"))
        .send()
        .await?
        .json()
        .await?;
    let job = &dead[0];
    assert_eq!(
        (job["type"].as_str(), job["attempts"].as_u64()),
        (Some("probe"), Some(2))
    );
    assert_eq!(job["error"], "probe 41 fails on purpose");
    assert_eq!(job["args"]["n"], 41, "the arguments, as JSON");
    let id = job["id"].as_str().ok_or("id")?.to_owned();

    // Only group admins: the manager (company admin) is refused.
    let (manager, _) = app.api_login(MANAGER).await?;
    let refused = manager.get(app.url("/api/v1/jobs/dead")).send().await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = manager
        .post(app.url(&format!("/api/v1/jobs/dead/{id}/retry")))
        .send()
        .await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let retried = admin
        .post(app.url(&format!("/api/v1/jobs/dead/{id}/retry")))
        .send()
        .await?;
    assert_eq!(retried.status(), StatusCode::NO_CONTENT);
    eventually(Duration::from_secs(20), || async {
        (runs(&redis).await.get(&41) == Some(&4)).then_some(())
    })
    .await
    .ok_or("the retried job did not run its two attempts again")?;
    eventually(Duration::from_secs(10), || async {
        let dead: Value = json_of(&admin, app.url("/api/v1/jobs/dead")).await?;
        (dead.as_array()?.len() == 1).then_some(())
    })
    .await
    .ok_or("not dead again")?;
    let gone = admin
        .delete(app.url(&format!("/api/v1/jobs/dead/{id}")))
        .send()
        .await?;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let again = admin
        .delete(app.url(&format!("/api/v1/jobs/dead/{id}")))
        .send()
        .await?;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        again.headers()["content-type"],
        "application/problem+json",
        "an unknown id is a problem document"
    );
    let problem: Value = again.json().await?;
    assert_eq!(problem["code"], "dead_job_not_found", "{problem}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_retries_a_dead_job_from_the_jobs_page() -> TestResult {
    let app = App::start()?;
    let redis = redis(&app).await?;
    let _worker = dead_probe(&app, "42").await?;
    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, ADMIN).await?;
        follow(&browser, Locator::LinkText("Trabajos en segundo plano")).await?;
        assert_eq!(text_of(&browser, "#jobs-dead strong").await?, "1");
        let row = text_of(&browser, "#dead-jobs tbody tr").await?;
        assert!(
            row.contains("probe 42 fails on purpose") && row.contains("probe"),
            "{row}"
        );
        shot(&browser, "jobs-dead.png").await?;
        follow(&browser, Locator::Css("#dead-jobs button.retry")).await?;
        eventually(Duration::from_secs(20), || async {
            (runs(&redis).await.get(&42) == Some(&4)).then_some(())
        })
        .await
        .ok_or("the job retried from the page did not run again")?;
        // Dead again (it still fails): discard it from the page.
        browser.refresh().await?;
        eventually(Duration::from_secs(10), || async {
            browser.refresh().await.ok()?;
            browser
                .find(Locator::Css("#dead-jobs button.discard"))
                .await
                .ok()
        })
        .await
        .ok_or("not listed as dead again")?;
        follow(&browser, Locator::Css("#dead-jobs button.discard")).await?;
        assert_eq!(
            text_of(&browser, "#no-dead-jobs").await?,
            "No hay trabajos fallidos."
        );
        shot(&browser, "jobs-none-dead.png").await?;
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    let _ = browser.close().await;
    result
}

/// Prometheus's answer to an instant query: the samples' labels and values.
async fn query(port: u16, expr: &str) -> Option<Vec<(Value, f64)>> {
    let url = format!("http://127.0.0.1:{port}/api/v1/query");
    let body: Value = reqwest::Client::new()
        .get(url)
        .query(&[("query", expr)])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let samples = body["data"]["result"].as_array()?;
    Some(
        samples
            .iter()
            .map(|s| {
                let value = s["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(-1.0);
                (s["metric"].clone(), value)
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_scrapes_the_queue_and_the_api() -> TestResult {
    let app = App::start()?;
    // Work for a type no worker of `up` runs: it waits.
    push(&app, &["--count", "3", "--start", "0"])?;
    let (admin, _) = app.api_login(ADMIN).await?;
    for _ in 0..3 {
        assert!(
            admin
                .get(app.url("/api/v1/jobs"))
                .send()
                .await?
                .status()
                .is_success()
        );
    }
    // An export, so the worker's histograms have a job in them.
    let export: Value = admin
        .post(app.url("/api/v1/exports/users-roles"))
        .send()
        .await?
        .json()
        .await?;
    app.export_done(&admin, export["id"].as_str().ok_or("export id")?)
        .await?;

    let prometheus = std::env::var("ERP_PROMETHEUS")
        .map_err(|_| "ERP_PROMETHEUS is not set: run the tests through scripts/test.sh")?;
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("prometheus.yml");
    let target = app
        .metrics_url()
        .replace("http://", "")
        .replace("/metrics", "");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: erp\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )?;
    let port = free_port();
    let _prometheus = KillOnDrop(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );

    let waiting = eventually(Duration::from_secs(30), || async {
        let rows = query(port, r#"erp_jobs_waiting{type="probe",priority="normal"}"#).await?;
        rows.first().map(|(_, v)| *v).filter(|v| *v == 3.0)
    })
    .await;
    assert_eq!(
        waiting,
        Some(3.0),
        "Prometheus reads the waiting probe jobs"
    );
    let requests = query(
        port,
        r#"erp_api_requests_total{route="/api/v1/jobs",method="GET",status="200"}"#,
    )
    .await
    .ok_or("no answer from Prometheus")?;
    assert_eq!(requests.first().map(|(_, v)| *v), Some(3.0), "{requests:?}");
    let done = query(
        port,
        r#"erp_jobs_attempts_total{type="export",outcome="done"}"#,
    )
    .await
    .ok_or("no answer")?;
    assert_eq!(done.first().map(|(_, v)| *v), Some(1.0), "{done:?}");
    let waited = query(port, r#"erp_jobs_wait_seconds_count{type="export"}"#)
        .await
        .ok_or("no answer")?;
    assert_eq!(waited.first().map(|(_, v)| *v), Some(1.0), "{waited:?}");
    let latency = query(
        port,
        r#"erp_api_request_seconds_count{route="/api/v1/jobs"}"#,
    )
    .await
    .ok_or("no answer")?;
    assert_eq!(latency.first().map(|(_, v)| *v), Some(3.0), "{latency:?}");
    for gauge in [
        "erp_jobs_workers",
        "erp_jobs_dead",
        "erp_jobs_oldest_waiting_seconds",
    ] {
        let rows = query(port, gauge).await.ok_or("no answer")?;
        assert!(!rows.is_empty(), "{gauge} is scraped");
    }
    Ok(())
}

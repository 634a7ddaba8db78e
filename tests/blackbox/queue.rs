//! The job queue under the failures it exists for: a large due backlog,
//! workers killed with SIGKILL mid-job, a job hung past any timeout, a job
//! that always fails, and a job asked for by a transaction that rolled back.
//!
//! Probe jobs run in `queue-probe` processes (built beside the appliance)
//! on the appliance's own Redis; a probe records each run and its effect in
//! Redis, so duplicates are counted apart from completions.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use fred::prelude::*;

use crate::harness::{App, BIN, KillOnDrop, TestResult, eventually};

pub(crate) fn probe_bin() -> PathBuf {
    std::path::Path::new(BIN).with_file_name("queue-probe")
}

/// Start a probe worker; killed (SIGKILL) when dropped.
pub(crate) fn probe_worker(app: &App, args: &[&str]) -> Result<KillOnDrop, std::io::Error> {
    Ok(KillOnDrop(
        Command::new(probe_bin())
            .arg("work")
            .args(args)
            .env("ERP_REDIS_URL", app.redis_url())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()?,
    ))
}

pub(crate) fn push(app: &App, args: &[&str]) -> TestResult {
    let out = Command::new(probe_bin())
        .arg("push")
        .args(args)
        .env("ERP_REDIS_URL", app.redis_url())
        .output()?;
    assert!(
        out.status.success(),
        "push failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

pub(crate) async fn redis(app: &App) -> Result<Client, Box<dyn std::error::Error + Send + Sync>> {
    let client = Builder::from_config(Config::from_url(&app.redis_url())?).build()?;
    client.init().await?;
    Ok(client)
}

async fn done(redis: &Client) -> u64 {
    redis.scard("erp:probe:done").await.unwrap_or_default()
}

/// Runs per probe n.
pub(crate) async fn runs(redis: &Client) -> HashMap<u64, u64> {
    redis.hgetall("erp:probe:runs").await.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backlog_of_50000_due_jobs_drains_without_an_error() -> TestResult {
    let app = App::start()?;
    let redis = redis(&app).await?;
    // Scheduled a moment ahead, so that all 50,000 become due at once: the
    // case that stopped apalis-redis (one Lua call moved them all).
    push(&app, &["--count", "50000", "--delay-ms", "1500"])?;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let _worker = probe_worker(&app, &["--concurrency", "16"])?;
    let all = eventually(Duration::from_secs(120), || async {
        (done(&redis).await == 50_000).then_some(())
    })
    .await;
    assert!(all.is_some(), "only {} of 50000 ran", done(&redis).await);
    let queue = jobs::Queue::connect(&app.redis_url()).await?;
    let depth = queue.depth().await?;
    assert_eq!(
        (depth.waiting, depth.scheduled, depth.running, depth.dead),
        (0, 0, 0, 0),
        "nothing is left over: {depth:?}"
    );
    let dups: u64 = runs(&redis).await.values().map(|r| r - 1).sum();
    assert_eq!(dups, 0, "no worker died, so no job ran twice");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_workers_lose_no_job_and_a_hung_job_is_taken_over() -> TestResult {
    let app = App::start()?;
    let redis = redis(&app).await?;
    const JOBS: u64 = 3000;
    push(&app, &["--count", &JOBS.to_string(), "--sleep-ms", "25"])?;
    // One job that hangs its thread on the first attempt: no timeout can
    // cancel it, so only the lease can bring it back.
    push(
        &app,
        &["--count", "1", "--start", "1000000", "--hang-first"],
    )?;
    let worker = |app: &App| probe_worker(app, &["--concurrency", "8", "--timeout-ms", "2000"]);
    let mut workers = vec![worker(&app)?, worker(&app)?, worker(&app)?];

    // Three times: wait until work is flowing, SIGKILL one worker in the
    // middle of its jobs, start a fresh one.
    for round in 1..=3u64 {
        let target = done(&redis).await + 300;
        eventually(Duration::from_secs(60), || async {
            (done(&redis).await >= target).then_some(())
        })
        .await
        .ok_or(format!("round {round}: work stopped flowing"))?;
        drop(workers.remove(0));
        workers.push(worker(&app)?);
    }

    // A killed worker's jobs come back when their 30 s lease runs out; the
    // hung one when its renewals stop (2 s timeout + 10 s) and it runs out.
    let all = eventually(Duration::from_secs(100), || async {
        (done(&redis).await == JOBS + 1).then_some(())
    })
    .await;
    let runs = runs(&redis).await;
    assert!(
        all.is_some(),
        "{} of {} jobs completed; never ran: {:?}",
        done(&redis).await,
        JOBS + 1,
        (0..JOBS)
            .filter(|n| !runs.contains_key(n))
            .take(10)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        runs.get(&1_000_000),
        Some(&2),
        "the hung job ran again, once"
    );
    let dups: u64 = runs.values().map(|r| r - 1).sum();
    eprintln!("killed 3 workers mid-job: {dups} duplicate runs of {JOBS} jobs (at-least-once)");
    // The in-flight jobs of three killed workers (8 running + 16 fetched
    // each) bound the duplicates, whatever the timing.
    assert!(dups <= 3 * 24 + 1, "{dups} duplicates");
    let queue = jobs::Queue::connect(&app.redis_url()).await?;
    assert_eq!(queue.depth().await?.dead, 0, "no job ran out of attempts");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poison_job_dies_after_exactly_its_attempts_and_runs_again_when_retried() -> TestResult {
    let app = App::start()?;
    let redis = redis(&app).await?;
    let _worker = probe_worker(&app, &["--backoff-ms", "50"])?;
    push(
        &app,
        &[
            "--count",
            "1",
            "--start",
            "7",
            "--fail",
            "--max-attempts",
            "3",
        ],
    )?;

    let admin = |args: &[&str]| {
        Command::new(BIN)
            .arg("admin")
            .arg("jobs")
            .args(args)
            .env("ERP_REDIS_URL", app.redis_url())
            .output()
    };
    let dead = eventually(Duration::from_secs(20), || async {
        let out = admin(&["dead"]).ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.contains("probe 7 fails on purpose").then_some(text)
    })
    .await
    .ok_or("the poison job never reached the dead set")?;
    assert!(dead.contains("3 attempts"), "{dead}");
    assert_eq!(
        runs(&redis).await.get(&7),
        Some(&3),
        "exactly its 3 attempts"
    );
    let id = dead.split_whitespace().next().ok_or("no id")?.to_owned();

    // Retried by the admin, it runs again (and, still poisoned, dies again
    // after another 3 attempts).
    let out = admin(&["retry", &id])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eventually(Duration::from_secs(20), || async {
        (runs(&redis).await.get(&7) == Some(&6)).then_some(())
    })
    .await
    .ok_or("the retried job did not run its attempts again")?;

    // Bad input: an id that is not dead is a sentence and exit 1.
    let out = admin(&["retry", "no-such-job"])?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no dead job has the id no-such-job"));

    // Dead again after its second round; discarded, it is gone.
    eventually(Duration::from_secs(20), || async {
        admin(&["discard", &id]).ok().filter(|o| o.status.success())
    })
    .await
    .ok_or("could not discard the job once dead again")?;
    let out = admin(&["dead"])?;
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no dead jobs");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn priorities_share_the_workers_and_a_limit_caps_the_whole_queue() -> TestResult {
    let app = App::start()?;
    let redis = redis(&app).await?;
    push(
        &app,
        &[
            "--count",
            "200",
            "--start",
            "0",
            "--priority",
            "2",
            "--order",
        ],
    )?;
    push(
        &app,
        &[
            "--count",
            "200",
            "--start",
            "1000",
            "--priority",
            "0",
            "--order",
        ],
    )?;
    // Two workers of 8, but no more than 3 probe jobs running at once.
    let _a = probe_worker(&app, &["--concurrency", "8", "--limit", "3"])?;
    let _b = probe_worker(&app, &["--concurrency", "8", "--limit", "3"])?;
    eventually(Duration::from_secs(60), || async {
        (done(&redis).await == 400).then_some(())
    })
    .await
    .ok_or("the jobs did not all run")?;
    let order: Vec<u64> = redis.lrange("erp:probe:order", 0, -1).await?;
    let first_half = &order[..200];
    let high = first_half.iter().filter(|&&n| n >= 1000).count();
    let low = first_half.len() - high;
    assert!(
        high > low * 3,
        "high priority goes first: {high} high, {low} low"
    );
    assert!(low > 0, "low priority is not starved while high waits");
    let max: u64 = redis.get("erp:probe:max_running").await?;
    assert!(max <= 3, "the limit of 3 held across both workers: {max}");

    // The same idempotency key twice is one job.
    push(
        &app,
        &[
            "--count",
            "1",
            "--start",
            "5000",
            "--unique",
            "report:2026-11",
        ],
    )?;
    push(
        &app,
        &[
            "--count",
            "1",
            "--start",
            "5001",
            "--unique",
            "report:2026-11",
        ],
    )?;
    eventually(Duration::from_secs(20), || async {
        (done(&redis).await == 401).then_some(())
    })
    .await
    .ok_or("the keyed job did not run")?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let runs = runs(&redis).await;
    assert_eq!((runs.get(&5000), runs.get(&5001)), (Some(&1), None));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limited_type_s_slots_go_to_workers_that_can_start_a_job() -> TestResult {
    // Workers that run one job at a time, two slots across the appliance
    // (the thumbnails' policy). A worker holds a slot only for the job it
    // runs: a second worker started while the first runs a long job takes
    // the other slot at once (before, the first worker held it for a job
    // fetched ahead, and the second waited for the first job to end).
    let app = App::start()?;
    let redis = redis(&app).await?;
    let limited = ["--concurrency", "1", "--limit", "2"];
    push(&app, &["--count", "3", "--sleep-ms", "8000"])?;
    let a = probe_worker(&app, &limited)?;
    let running = || async {
        let n: Option<u64> = redis.get("erp:probe:running").await.ok()?;
        n
    };
    eventually(Duration::from_secs(20), || async {
        (running().await == Some(1)).then_some(())
    })
    .await
    .ok_or("the first worker never started a job")?;
    let b = probe_worker(&app, &limited)?;
    eventually(Duration::from_secs(5), || async {
        (running().await == Some(2)).then_some(())
    })
    .await
    .ok_or("the second worker found no free slot while the first ran one job")?;
    eventually(Duration::from_secs(40), || async {
        (done(&redis).await == 3).then_some(())
    })
    .await
    .ok_or("the long jobs did not all run")?;
    // Many short jobs: each worker runs its share, two at once.
    push(
        &app,
        &["--count", "20", "--start", "100", "--sleep-ms", "300"],
    )?;
    eventually(Duration::from_secs(60), || async {
        (done(&redis).await == 23).then_some(())
    })
    .await
    .ok_or("the jobs did not all run")?;
    let by: HashMap<u32, u64> = redis.hgetall("erp:probe:by_worker").await?;
    let ran = |w: &KillOnDrop| by.get(&w.0.id()).copied().unwrap_or(0);
    assert!(
        ran(&a) >= 5 && ran(&b) >= 5,
        "each worker ran its share of 23: {by:?}"
    );
    let max: u64 = redis.get("erp:probe:max_running").await?;
    assert_eq!(max, 2, "never more than the limit");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_asked_for_in_a_transaction_that_rolls_back_never_runs() -> TestResult {
    use sqlx::Connection;
    // `up` runs a worker, and with it the outbox relay.
    let app = App::start()?;
    let mut db = sqlx::PgConnection::connect(&app.database_url()).await?;
    let task_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM periodic_tasks LIMIT 1")
        .fetch_one(&mut db)
        .await?;
    let tick = |minute: u32| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-01-01T00:{minute:02}:00Z"))
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let run = |tick_at| jobs::periodic::PeriodicRun {
        task_id,
        task: "purge_expired_exports".to_owned(),
        tick_at,
        args: serde_json::json!({}),
    };

    let mut rolled_back = db.begin().await?;
    erp::jobs::enqueue(&mut rolled_back, &run(tick(1)?), Default::default()).await?;
    rolled_back.rollback().await?;
    let mut committed = db.begin().await?;
    erp::jobs::enqueue(&mut committed, &run(tick(2)?), Default::default()).await?;
    committed.commit().await?;

    let ticks = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "SELECT tick_at FROM periodic_task_runs WHERE task_id = $1 ORDER BY tick_at",
        )
        .bind(task_id)
        .fetch_all(
            &mut sqlx::PgConnection::connect(&app.database_url())
                .await
                .ok()?,
        )
        .await
        .ok()
    };
    eventually(Duration::from_secs(20), || async {
        ticks().await.filter(|t| !t.is_empty())
    })
    .await
    .ok_or("the committed job never ran")?;
    // Give a stray job every chance to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        ticks().await,
        Some(vec![tick(2)?]),
        "only the committed job ran"
    );
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM job_outbox")
        .fetch_one(&mut db)
        .await?;
    assert_eq!(left, 0, "the relay emptied the outbox");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_short_jobs_finish_and_gives_long_ones_back_at_once() -> TestResult {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let app = App::start()?;
    let redis = redis(&app).await?;
    push(
        &app,
        &["--count", "4", "--start", "0", "--sleep-ms", "1500"],
    )?;
    push(
        &app,
        &["--count", "4", "--start", "100", "--sleep-ms", "120000"],
    )?;
    let mut worker = probe_worker(&app, &["--concurrency", "16"])?;
    eventually(Duration::from_secs(20), || async {
        let running: u64 = redis.get("erp:probe:running").await.ok()?;
        (running == 8).then_some(())
    })
    .await
    .ok_or("the 8 jobs did not all start")?;

    let began = std::time::Instant::now();
    kill(Pid::from_raw(worker.0.id() as i32), Signal::SIGTERM)?;
    let status = loop {
        if let Some(status) = worker.0.try_wait()? {
            break status;
        }
        assert!(
            began.elapsed() < Duration::from_secs(28),
            "the worker did not stop within its drain"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a clean exit: {status}");
    assert!(
        began.elapsed() >= jobs::worker::DRAIN,
        "it waited out the drain for the long jobs ({:?})",
        began.elapsed()
    );
    assert_eq!(done(&redis).await, 4, "the short jobs finished");

    // The long ones are waiting again right away, not after a lease, and
    // the interrupted attempt does not count against them.
    let queue = jobs::Queue::connect(&app.redis_url()).await?;
    let depth = queue.depth().await?;
    assert_eq!((depth.waiting, depth.running), (4, 0), "{depth:?}");
    let ids: Vec<String> = redis.lrange("erp:q:probe:ready:1", 0, -1).await?;
    for id in ids {
        let attempts: u32 = redis.hget(format!("erp:q:job:{id}"), "att").await?;
        assert_eq!(attempts, 0, "job {id}");
    }
    Ok(())
}

//! Several worker processes on one queue, as an install runs them
//! (erp-worker@1…N), and a worker restarted at once: each registers and
//! takes work. The queue's count of live workers is what `admin queue` and
//! `admin status` show.

use std::process::Command;
use std::time::Duration;

use crate::harness::{App, BIN, Role, TestResult, eventually};

#[tokio::test(flavor = "multi_thread")]
async fn every_worker_process_registers_even_right_after_another_stopped() -> TestResult {
    // `up` runs a worker of its own.
    let app = App::start()?;
    let queue = jobs::Queue::connect(&app.redis_url()).await?;
    let workers = || async { queue.depth().await.ok().map(|d| d.workers) };
    eventually(Duration::from_secs(10), || async {
        workers().await.filter(|&n| n == 1)
    })
    .await
    .ok_or("up's worker never registered")?;

    let worker = || {
        let mut command = Command::new(BIN);
        command
            .env("ERP_DATABASE_URL", app.database_url())
            .env("ERP_REDIS_URL", app.redis_url());
        Role::start("worker", command)
    };
    let second = worker()?;
    eventually(Duration::from_secs(10), || async {
        workers().await.filter(|&n| n == 2)
    })
    .await
    .ok_or("a second worker process did not register beside the first")?;

    // Killed and started again at once, as systemd does: the new process
    // registers although the old one's heartbeat is still fresh.
    drop(second);
    let _third = worker()?;
    eventually(Duration::from_secs(10), || async {
        workers().await.filter(|&n| n == 3)
    })
    .await
    .ok_or("a worker started right after another stopped did not register")?;
    Ok(())
}

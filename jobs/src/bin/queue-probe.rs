//! A worker and a producer of probe jobs on the real queue, for the tests
//! that kill workers, hang jobs and poison them, and for `bench/jobs.py`.
//! Not part of the appliance: it runs no business job.
//!
//! A probe job records each run in Redis (`erp:probe:runs`, a hash n → runs)
//! and its effect idempotently (`erp:probe:done`, a set of n), so a test can
//! tell completions from the duplicates that at-least-once delivery allows.

use std::time::{Duration, Instant};

use apalis::prelude::*;
use clap::{Parser, Subcommand};
use erp::jobs::Job;
use fred::prelude::*;
use jobs::backend::JobAttempt;
use jobs::policy::Policy;
use jobs::store::NewJob;
use jobs::worker::Lanes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Probe {
    n: u64,
    #[serde(default)]
    sleep_ms: u64,
    #[serde(default)]
    fail: bool,
    /// Block the thread for an hour on the first attempt: a hang that no
    /// timeout can cancel.
    #[serde(default)]
    hang_first: bool,
    /// Record the order in which jobs started (`erp:probe:order`).
    #[serde(default)]
    order: bool,
    /// When it was queued, in microseconds since the epoch (the bench's
    /// latency figure); 0 for none.
    #[serde(default)]
    sent_us: i64,
}

impl Job for Probe {
    const KIND: &'static str = "probe";
}

#[derive(Parser)]
struct Cli {
    #[arg(long, env = "ERP_REDIS_URL")]
    redis: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run probe jobs until SIGTERM (or SIGKILL).
    Work {
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 25)]
        max_attempts: u32,
        #[arg(long, default_value_t = 100)]
        backoff_ms: u64,
        #[arg(long, default_value_t = 30_000)]
        timeout_ms: u64,
        /// Probe jobs running at once across all workers; 0 = no limit.
        #[arg(long, default_value_t = 0)]
        limit: usize,
        /// Run every job as the bench's no-op: count it in `erp:bench:done`
        /// and, when it carries a send time, record its wait in `erp:bench:wait_us`.
        #[arg(long)]
        bench: bool,
    },
    /// Queue probe jobs n = start .. start+count.
    Push {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 0)]
        start: u64,
        #[arg(long, default_value_t = 0)]
        sleep_ms: u64,
        #[arg(long)]
        fail: bool,
        #[arg(long)]
        hang_first: bool,
        #[arg(long)]
        order: bool,
        #[arg(long, default_value_t = 1)]
        priority: u8,
        #[arg(long, default_value_t = 25)]
        max_attempts: u32,
        /// Due this many milliseconds from now (scheduled until then).
        #[arg(long, default_value_t = 0)]
        delay_ms: i64,
        /// An idempotency key (the same for every job pushed).
        #[arg(long)]
        unique: Option<String>,
        /// One script call per job instead of batches of 250 (how a request
        /// handler queues a single job; the bench's like-for-like figure).
        #[arg(long)]
        one_by_one: bool,
    },
    /// Queue `count` jobs one at a time, `gap_ms` apart, each carrying its
    /// send time: the wait from enqueue to start of an idle queue.
    Latency {
        #[arg(long, default_value_t = 300)]
        count: u64,
        #[arg(long, default_value_t = 10)]
        gap_ms: u64,
    },
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or_default()
}

async fn run_bench(job: Probe, redis: Data<Pool>) -> Result<(), BoxDynError> {
    if job.sent_us > 0 {
        let _: i64 = redis
            .rpush("erp:bench:wait_us", now_us() - job.sent_us)
            .await?;
    }
    let _: i64 = redis.incr("erp:bench:done").await?;
    Ok(())
}

async fn run_probe(
    job: Probe,
    attempt: Data<JobAttempt>,
    redis: Data<Pool>,
) -> Result<(), BoxDynError> {
    let _: i64 = redis.hincrby("erp:probe:runs", job.n, 1).await?;
    // Which worker process ran it: how a limited type's slots are shared.
    let _: i64 = redis
        .hincrby("erp:probe:by_worker", std::process::id(), 1)
        .await?;
    let running: i64 = redis.incr("erp:probe:running").await?;
    let _: () = redis
        .eval(
            "if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end",
            "erp:probe:max_running",
            running,
        )
        .await?;
    if job.order {
        let _: i64 = redis.rpush("erp:probe:order", job.n).await?;
    }
    if job.hang_first && attempt.number == 1 {
        std::thread::sleep(Duration::from_secs(3600));
    }
    if job.sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
    }
    let _: i64 = redis.decr("erp:probe:running").await?;
    if job.fail {
        return Err(format!("probe {} fails on purpose", job.n).into());
    }
    let _: i64 = redis.sadd("erp:probe:done", job.n).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let queue = jobs::Queue::connect(&cli.redis).await?;
    match cli.command {
        Command::Work {
            concurrency,
            max_attempts,
            backoff_ms,
            timeout_ms,
            limit,
            bench,
        } => {
            let policy = Policy {
                max_attempts,
                backoff: Duration::from_millis(backoff_ms),
                timeout: Duration::from_millis(timeout_ms),
                concurrency,
                limit,
                ..Policy::default()
            };
            let mut lanes = Lanes::new(queue.clone(), jobs::worker::instance_name());
            let backend = lanes.backend_with::<Probe>(policy);
            lanes.listen_for_work().await?;
            let name = lanes.name.clone();
            let builder = WorkerBuilder::new(name.clone())
                .backend(backend)
                .data(queue.store.pool().clone())
                .concurrency(concurrency)
                .timeout(policy.timeout);
            println!("ready {name}");
            let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
            let term = async {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut term) => {
                        term.recv().await;
                    }
                    Err(_) => std::future::pending().await,
                }
            };
            // The appliance's drain: running jobs get jobs::worker::DRAIN,
            // then go back to the queue.
            let stop = jobs::worker::stopper(&stop_tx);
            if bench {
                let worker = builder.build(run_bench).run_until(stop);
                lanes.serve(worker, &stop_tx, term).await.transpose()?;
            } else {
                let worker = builder.build(run_probe).run_until(stop);
                lanes.serve(worker, &stop_tx, term).await.transpose()?;
            }
            lanes.helpers.abort_all();
        }
        Command::Push {
            count,
            start,
            sleep_ms,
            fail,
            hang_first,
            order,
            priority,
            max_attempts,
            delay_ms,
            unique,
            one_by_one,
        } => {
            let began = Instant::now();
            let run_at_ms = if delay_ms > 0 {
                jobs::store::now_ms() + delay_ms
            } else {
                0
            };
            let mut queued = 0;
            let ids: Vec<u64> = (start..start + count).collect();
            for chunk in ids.chunks(if one_by_one { 1 } else { 250 }) {
                let batch: Vec<NewJob> = chunk
                    .iter()
                    .map(|&n| NewJob {
                        kind: Probe::KIND.to_owned(),
                        id: uuid::Uuid::now_v7().to_string(),
                        args: serde_json::json!({
                            "n": n, "sleep_ms": sleep_ms, "fail": fail,
                            "hang_first": hang_first, "order": order,
                        })
                        .to_string(),
                        priority,
                        max_attempts,
                        run_at_ms,
                        unique: unique.clone(),
                    })
                    .collect();
                queued += queue.store.enqueue(&batch).await?;
            }
            println!("queued {queued} in {:.3} s", began.elapsed().as_secs_f64());
        }
        Command::Latency { count, gap_ms } => {
            for n in 0..count {
                let job = NewJob {
                    kind: Probe::KIND.to_owned(),
                    id: uuid::Uuid::now_v7().to_string(),
                    args: serde_json::json!({ "n": n, "sent_us": now_us() }).to_string(),
                    priority: 1,
                    max_attempts: 1,
                    run_at_ms: 0,
                    unique: None,
                };
                queue.store.enqueue(&[job]).await?;
                tokio::time::sleep(Duration::from_millis(gap_ms)).await;
            }
        }
    }
    Ok(())
}

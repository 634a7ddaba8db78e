//! The queue as the roles see it: connect, push a job, read the backlog,
//! decide on dead jobs. The Redis details are in [`crate::store`].

use std::time::Duration;

use erp::jobs::{Job, Options};
use fred::prelude::*;

use crate::kinds;
use crate::store::{self, NewJob, Store, keys};

/// A worker process counts as alive while its heartbeat is this recent.
pub const WORKER_ALIVE: Duration = Duration::from_secs(30);

/// The queue's backlog, summed over the job types.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    /// Worker processes alive: a heartbeat within [`WORKER_ALIVE`].
    pub workers: u64,
    pub waiting: u64,
    /// Held by a worker under lease (running, or fetched to run next).
    pub running: u64,
    pub scheduled: u64,
    pub dead: u64,
}

/// A job that failed every attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadJob {
    pub id: String,
    pub kind: String,
    pub attempts: u32,
    pub died_at: chrono::DateTime<chrono::Utc>,
    pub error: String,
    /// The job's arguments as JSON.
    pub args: String,
}

/// A job running (held under lease) or due later, for the admin's lists.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    /// Attempts started so far.
    pub attempts: u32,
    pub max_attempts: u32,
    /// The worker holding it (running), or the one that last ran it.
    pub worker: Option<String>,
    /// Lease expiry (running) or due time (scheduled).
    pub at: chrono::DateTime<chrono::Utc>,
    /// The last attempt's error (a retry waiting).
    pub error: Option<String>,
}

#[derive(Clone)]
pub struct Queue {
    pub store: Store,
    /// Where it connected; empty for a queue on a borrowed pool.
    url: String,
}

impl Queue {
    /// `url` is a Redis URL, `redis://…` or `redis+unix:///path/redis.sock`.
    pub async fn connect(url: &str) -> anyhow::Result<Queue> {
        let pool = erp::kv::Kv::pool(url, 4).await?;
        Ok(Queue {
            store: Store::new(pool),
            url: url.to_owned(),
        })
    }

    /// The queue on an existing pool (the API's, for its admin routes and
    /// metrics): nothing new to connect.
    pub fn on(pool: Pool) -> Queue {
        Queue {
            store: Store::new(pool),
            url: String::new(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Queue `job` straight into Redis (no transaction to wait for: the
    /// scheduler, benches). False when its idempotency key was taken.
    pub async fn push<J: Job>(&self, job: &J, options: Options) -> anyhow::Result<bool> {
        let new = NewJob {
            kind: J::KIND.to_owned(),
            id: uuid::Uuid::now_v7().to_string(),
            args: serde_json::to_string(job)?,
            priority: options.priority as u8,
            max_attempts: kinds::policy(J::KIND).max_attempts,
            run_at_ms: options.run_at.map(|t| t.timestamp_millis()).unwrap_or(0),
            unique: job.unique_key(),
        };
        Ok(self.store.enqueue(&[new]).await? == 1)
    }

    /// Every job type ever queued.
    pub async fn kinds(&self) -> anyhow::Result<Vec<String>> {
        let mut kinds: Vec<String> = self.store.pool().smembers(keys::types()).await?;
        kinds.sort();
        Ok(kinds)
    }

    /// How much work there is, over every job type.
    pub async fn depth(&self) -> anyhow::Result<Depth> {
        let pool = self.store.pool();
        let since = store::now_ms() - WORKER_ALIVE.as_millis() as i64;
        let mut depth = Depth {
            workers: pool
                .zcount(keys::workers(), since as f64, f64::INFINITY)
                .await?,
            dead: pool.zcard(keys::dead()).await?,
            ..Depth::default()
        };
        for kind in self.kinds().await? {
            for priority in 0..=2 {
                depth.waiting += pool.llen::<u64, _>(keys::ready(&kind, priority)).await?;
            }
            depth.running += pool.zcard::<u64, _>(keys::active(&kind)).await?;
            depth.scheduled += pool.zcard::<u64, _>(keys::scheduled(&kind)).await?;
        }
        Ok(depth)
    }

    /// Record that worker `name` is alive (and forget ones silent for a day).
    pub async fn heartbeat(&self, name: &str) -> anyhow::Result<()> {
        let pool = self.store.pool();
        let now = store::now_ms();
        let _: () = pool
            .zadd(
                keys::workers(),
                None,
                None,
                false,
                false,
                (now as f64, name),
            )
            .await?;
        let _: () = pool
            .zremrangebyscore(
                keys::workers(),
                f64::NEG_INFINITY,
                (now - 86_400_000) as f64,
            )
            .await?;
        Ok(())
    }

    /// Worker `name` stopped cleanly: it no longer counts as alive.
    pub async fn leave(&self, name: &str) -> anyhow::Result<()> {
        let _: () = self.store.pool().zrem(keys::workers(), name).await?;
        Ok(())
    }

    /// The `limit` most recent dead jobs, newest first.
    pub async fn dead(&self, limit: usize) -> anyhow::Result<Vec<DeadJob>> {
        let pool = self.store.pool();
        let ids: Vec<String> = pool
            .zrevrange(keys::dead(), 0, limit.saturating_sub(1) as i64, false)
            .await?;
        let mut jobs = Vec::with_capacity(ids.len());
        for id in ids {
            let fields: Vec<Option<String>> = pool
                .hmget(keys::job(&id), vec!["type", "att", "died", "err", "args"])
                .await?;
            let field = |i: usize| fields.get(i).cloned().flatten().unwrap_or_default();
            jobs.push(DeadJob {
                kind: field(0),
                attempts: field(1).parse().unwrap_or_default(),
                died_at: chrono::DateTime::from_timestamp_millis(
                    field(2).parse().unwrap_or_default(),
                )
                .unwrap_or_default(),
                error: field(3),
                args: field(4),
                id,
            });
        }
        Ok(jobs)
    }

    /// Jobs held by workers, at most `limit` per type, soonest lease end first.
    pub async fn running(&self, limit: usize) -> anyhow::Result<Vec<JobRow>> {
        self.rows(keys::active, limit).await
    }

    /// Jobs due later (delayed, or retries waiting), at most `limit` per
    /// type, soonest first.
    pub async fn scheduled(&self, limit: usize) -> anyhow::Result<Vec<JobRow>> {
        self.rows(keys::scheduled, limit).await
    }

    async fn rows(&self, key: fn(&str) -> String, limit: usize) -> anyhow::Result<Vec<JobRow>> {
        let pool = self.store.pool();
        let mut rows = Vec::new();
        for kind in self.kinds().await? {
            let members: Vec<(String, f64)> = pool
                .zrange(
                    key(&kind),
                    0,
                    limit.saturating_sub(1) as i64,
                    None,
                    false,
                    None,
                    true,
                )
                .await?;
            for (id, score) in members {
                let f: Vec<Option<String>> = pool
                    .hmget(keys::job(&id), vec!["att", "max", "by", "err"])
                    .await?;
                let field = |i: usize| f.get(i).cloned().flatten();
                rows.push(JobRow {
                    kind: kind.clone(),
                    attempts: field(0).and_then(|v| v.parse().ok()).unwrap_or_default(),
                    max_attempts: field(1).and_then(|v| v.parse().ok()).unwrap_or_default(),
                    worker: field(2),
                    at: chrono::DateTime::from_timestamp_millis(score as i64).unwrap_or_default(),
                    error: field(3).filter(|e| !e.is_empty()),
                    id,
                });
            }
        }
        rows.sort_by_key(|r| r.at);
        Ok(rows)
    }

    /// An admin's decision on dead job `id` (retry it, or discard it), made
    /// by `who` for the log; false when it is not dead (already decided).
    pub async fn settle_dead(&self, id: &str, retry: bool, who: &str) -> anyhow::Result<bool> {
        let done = self.store.settle_dead(id, retry).await?;
        if done {
            let what = if retry { "queued again" } else { "discarded" };
            log::info!("dead job {id} {what} by {who}");
        }
        Ok(done)
    }
}

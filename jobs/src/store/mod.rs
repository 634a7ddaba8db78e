//! The queue's Redis side: every key it owns and every script that moves a
//! job between them. One script call is one atomic step and does a bounded
//! amount of work (callers pass at most a few hundred jobs; the housekeeping
//! scripts take a `batch`), so a large backlog never makes a call slow.
//!
//! Layout under the prefix `erp:q:` (`T` is a job type, `P` a priority):
//! - `job:<id>`      hash: type, args, prio, max, att, enq, uniq, by, start, err, died
//! - `T:ready:P`     list of ids waiting, one per priority (0 high, 1 normal, 2 low)
//! - `T:active`      sorted set id → lease expiry (ms): jobs a worker holds
//! - `T:sched`       sorted set id → due time (ms): delayed jobs and retries
//! - `T:stats`       hash of counters (done, retried, dead, stale, lost)
//! - `T:hist`        hash of histogram buckets: wait and run times (see `metrics`)
//! - `dead`          sorted set id → time of death (ms), capped, with a time to live
//! - `uniq:<key>`    the job id holding an idempotency key
//! - `types`         every type ever queued; `wake` the pub/sub channel

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fred::prelude::*;
use fred::types::scripts::Script;

const PREFIX: &str = "erp:q:";
/// How long an idempotency key outlives its finished job: a second request
/// with the same key within a day is recognised as the same job.
pub const UNIQUE_TTL: Duration = Duration::from_secs(24 * 3600);
/// The dead set keeps at most this many jobs (the oldest go first) …
pub const DEAD_CAP: u64 = 10_000;
/// … for at most this long.
pub const DEAD_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// The pub/sub channel that says "type T has new work".
pub fn wake_channel() -> String {
    format!("{PREFIX}wake")
}

/// Hashed once per process: a store is made per request by the API's and
/// the pages' queue views.
static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    enqueue: Script::from_lua(include_str!("enqueue.lua")),
    fetch: Script::from_lua(include_str!("fetch.lua")),
    ack: Script::from_lua(include_str!("ack.lua")),
    renew: Script::from_lua(include_str!("renew.lua")),
    maintain: Script::from_lua(include_str!("maintain.lua")),
    release: Script::from_lua(include_str!("release.lua")),
    dead: Script::from_lua(include_str!("dead.lua")),
});

struct Scripts {
    enqueue: Script,
    fetch: Script,
    ack: Script,
    renew: Script,
    maintain: Script,
    release: Script,
    dead: Script,
}

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    scripts: &'static Scripts,
}

/// A job on its way in.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub id: String,
    /// The job's arguments as JSON.
    pub args: String,
    pub priority: u8,
    pub max_attempts: u32,
    /// Milliseconds since the epoch; 0 or a past time means now.
    pub run_at_ms: i64,
    /// The idempotency key: a job with a key already held is not queued.
    pub unique: Option<String>,
}

/// A job a worker took, under a lease.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub id: String,
    pub args: String,
    /// 1 for the first attempt; also the lease's token.
    pub attempt: u32,
    pub max_attempts: u32,
    pub enqueued_ms: i64,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Done,
    /// Failed; run again after this delay unless that was the last attempt.
    Retry(Duration),
    /// Failed in a way another attempt cannot fix: straight to the dead set.
    Bury,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub attempt: u32,
    pub verdict: Verdict,
    pub error: String,
    /// From queued to started (this attempt's start; for a retry, from
    /// the first queueing).
    pub waited: Duration,
    pub ran: Duration,
}

/// What an [`Store::ack`] call did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Acked {
    pub done: u64,
    pub retried: u64,
    pub dead: u64,
    /// Attempts that finished after their lease was taken over.
    pub stale: u64,
}

/// What a [`Store::maintain`] call did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Maintained {
    pub promoted: u64,
    pub taken_back: u64,
    pub buried: u64,
    pub expired_dead: u64,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn ints(value: Value) -> Vec<u64> {
    value
        .into_array()
        .into_iter()
        .map(|v| v.as_u64().unwrap_or_default())
        .collect()
}

impl Store {
    pub fn new(pool: Pool) -> Store {
        Store {
            pool,
            scripts: &SCRIPTS,
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn run(&self, script: &Script, args: Vec<String>) -> anyhow::Result<Value> {
        Ok(script
            .evalsha_with_reload(self.pool.next(), (), args)
            .await?)
    }

    /// Queue jobs (at most a few hundred per call); returns how many were
    /// new, i.e. not held back by their idempotency key.
    pub async fn enqueue(&self, jobs: &[NewJob]) -> anyhow::Result<u64> {
        let mut args = Vec::with_capacity(2 + jobs.len() * 7);
        args.push(PREFIX.to_owned());
        args.push(now_ms().to_string());
        for job in jobs {
            args.extend([
                job.kind.clone(),
                job.id.clone(),
                job.args.clone(),
                job.priority.min(2).to_string(),
                job.max_attempts.max(1).to_string(),
                job.run_at_ms.to_string(),
                job.unique.clone().unwrap_or_default(),
            ]);
        }
        Ok(self
            .run(&self.scripts.enqueue, args)
            .await?
            .as_u64()
            .unwrap_or_default())
    }

    /// Take up to `n` jobs of `kind`, each under a lease of `lease`.
    pub async fn fetch(
        &self,
        kind: &str,
        n: usize,
        lease: Duration,
        limit: usize,
        worker: &str,
    ) -> anyhow::Result<Vec<Fetched>> {
        let args = vec![
            PREFIX.to_owned(),
            kind.to_owned(),
            now_ms().to_string(),
            lease.as_millis().to_string(),
            n.to_string(),
            limit.to_string(),
            worker.to_owned(),
        ];
        let rows = self.run(&self.scripts.fetch, args).await?.into_array();
        rows.into_iter()
            .map(|row| {
                let mut f = row.into_array().into_iter();
                let mut next = || f.next().unwrap_or(Value::Null);
                Ok(Fetched {
                    id: next().as_string().unwrap_or_default(),
                    args: next().as_string().unwrap_or_default(),
                    attempt: next().as_u64().unwrap_or_default() as u32,
                    max_attempts: next().as_u64().unwrap_or_default() as u32,
                    enqueued_ms: next().as_i64().unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Record how attempts of `kind` ended. `limited`: the type has a
    /// limit across workers, so waiting workers are told of the freed slots.
    pub async fn ack(
        &self,
        kind: &str,
        outcomes: &[Outcome],
        limited: bool,
    ) -> anyhow::Result<Acked> {
        let mut args = vec![
            PREFIX.to_owned(),
            kind.to_owned(),
            now_ms().to_string(),
            UNIQUE_TTL.as_secs().to_string(),
            DEAD_CAP.to_string(),
            if limited { "1" } else { "0" }.to_owned(),
        ];
        let hist = crate::metrics::histogram_increments(outcomes);
        args.push(hist.len().to_string());
        for (field, n) in hist {
            args.extend([field, n.to_string()]);
        }
        for o in outcomes {
            let (ok, delay) = match &o.verdict {
                Verdict::Done => ("1", 0),
                Verdict::Retry(d) => ("0", d.as_millis() as i64),
                Verdict::Bury => ("0", -1),
            };
            args.extend([
                o.id.clone(),
                o.attempt.to_string(),
                ok.to_owned(),
                delay.to_string(),
                o.error.clone(),
            ]);
        }
        let n = ints(self.run(&self.scripts.ack, args).await?);
        Ok(Acked {
            done: n.first().copied().unwrap_or_default(),
            retried: n.get(1).copied().unwrap_or_default(),
            dead: n.get(2).copied().unwrap_or_default(),
            stale: n.get(3).copied().unwrap_or_default(),
        })
    }

    /// Extend the leases of jobs this worker still holds.
    pub async fn renew(
        &self,
        kind: &str,
        held: &[(String, u32)],
        lease: Duration,
    ) -> anyhow::Result<u64> {
        let mut args = vec![
            PREFIX.to_owned(),
            kind.to_owned(),
            now_ms().to_string(),
            lease.as_millis().to_string(),
        ];
        for (id, attempt) in held {
            args.extend([id.clone(), attempt.to_string()]);
        }
        Ok(self
            .run(&self.scripts.renew, args)
            .await?
            .as_u64()
            .unwrap_or_default())
    }

    /// Give back fetched jobs that never started (a worker stopping).
    pub async fn release(&self, kind: &str, held: &[(String, u32)]) -> anyhow::Result<u64> {
        let mut args = vec![PREFIX.to_owned(), kind.to_owned()];
        for (id, attempt) in held {
            args.extend([id.clone(), attempt.to_string()]);
        }
        Ok(self
            .run(&self.scripts.release, args)
            .await?
            .as_u64()
            .unwrap_or_default())
    }

    /// Promote due jobs, take back expired leases and forget old dead jobs,
    /// at most `batch` of each.
    pub async fn maintain(&self, kind: &str, batch: usize) -> anyhow::Result<Maintained> {
        let args = vec![
            PREFIX.to_owned(),
            kind.to_owned(),
            now_ms().to_string(),
            batch.to_string(),
            DEAD_TTL.as_millis().to_string(),
        ];
        let n = ints(self.run(&self.scripts.maintain, args).await?);
        Ok(Maintained {
            promoted: n.first().copied().unwrap_or_default(),
            taken_back: n.get(1).copied().unwrap_or_default(),
            buried: n.get(2).copied().unwrap_or_default(),
            expired_dead: n.get(3).copied().unwrap_or_default(),
        })
    }

    /// Run a dead job again (`retry`) or delete it; false when it is not
    /// in the dead set.
    pub async fn settle_dead(&self, id: &str, retry: bool) -> anyhow::Result<bool> {
        let what = if retry { "retry" } else { "discard" };
        let args = vec![PREFIX.to_owned(), id.to_owned(), what.to_owned()];
        Ok(self.run(&self.scripts.dead, args).await?.as_u64() == Some(1))
    }
}

/// Where the keys of a type are, for read-only views (depth, admin pages).
pub mod keys {
    use super::PREFIX;

    pub fn ready(kind: &str, priority: u8) -> String {
        format!("{PREFIX}{kind}:ready:{priority}")
    }
    pub fn active(kind: &str) -> String {
        format!("{PREFIX}{kind}:active")
    }
    pub fn scheduled(kind: &str) -> String {
        format!("{PREFIX}{kind}:sched")
    }
    pub fn stats(kind: &str) -> String {
        format!("{PREFIX}{kind}:stats")
    }
    pub fn histograms(kind: &str) -> String {
        format!("{PREFIX}{kind}:hist")
    }
    pub fn job(id: &str) -> String {
        format!("{PREFIX}job:{id}")
    }
    pub fn dead() -> String {
        format!("{PREFIX}dead")
    }
    pub fn types() -> String {
        format!("{PREFIX}types")
    }
    pub fn workers() -> String {
        format!("{PREFIX}workers")
    }
}

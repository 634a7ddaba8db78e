//! The seam between the appliance and apalis-redis. Everything that knows the
//! Redis backend is in this file (the worker only sees apalis's generic
//! `WorkerBuilder` over these storages), so the backend can be replaced
//! (apalis-redis 1.0 has known defects; see DESIGN.md) without touching callers.

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use erp::jobs::{ExportRequested, ImportRequested, JobSink};

use crate::periodic::PeriodicRun;

/// The queue's backlog, summed over the job types.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    /// Worker processes alive: a heartbeat within the last two intervals.
    pub workers: u64,
    pub waiting: u64,
    pub scheduled: u64,
    pub dead: u64,
}

#[derive(Clone)]
pub struct Queue {
    pub(crate) exports: RedisStorage<ExportRequested, ConnectionManager>,
    pub(crate) imports: RedisStorage<ImportRequested, ConnectionManager>,
    pub(crate) periodic: RedisStorage<PeriodicRun, ConnectionManager>,
}

impl Queue {
    /// `url` is a Redis URL, `redis://…` or `redis+unix:///path/redis.sock`.
    pub async fn connect(url: &str) -> anyhow::Result<Queue> {
        let conn = apalis_redis::connect(url).await?;
        Ok(Queue {
            exports: RedisStorage::new(conn.clone()),
            imports: RedisStorage::new(conn.clone()),
            periodic: RedisStorage::new(conn),
        })
    }

    /// How much work waits, over every job type: taken by no worker yet,
    /// due later (retries among them), and given up on.
    pub async fn depth(&self, kv: &erp::kv::Kv) -> anyhow::Result<Depth> {
        // Every worker process takes every job type. A worker counts when it
        // sent a heartbeat (seconds since the epoch) within two of their
        // intervals: apalis keeps a stopped one's name for ten.
        let exports = self.exports.get_config();
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .saturating_sub(exports.heartbeat_interval * 2);
        let mut depth = Depth {
            workers: kv
                .sorted_set_count_from(&exports.workers_set(), since.as_secs() as f64)
                .await?,
            ..Depth::default()
        };
        for config in [
            self.exports.get_config(),
            self.imports.get_config(),
            self.periodic.get_config(),
        ] {
            depth.waiting += kv.list_len(&config.active_jobs_list()).await?;
            depth.scheduled += kv.sorted_set_len(&config.scheduled_jobs_set()).await?;
            depth.dead += kv.set_len(&config.dead_jobs_set()).await?;
        }
        Ok(depth)
    }

    pub async fn push_periodic(&self, run: PeriodicRun) -> anyhow::Result<()> {
        let mut storage = self.periodic.clone();
        storage
            .push(run)
            .await
            .map_err(|e| anyhow::anyhow!("queue push: {e}"))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl JobSink for Queue {
    async fn export_requested(&self, job: ExportRequested) -> anyhow::Result<()> {
        let mut storage = self.exports.clone();
        storage
            .push(job)
            .await
            .map_err(|e| anyhow::anyhow!("queue push: {e}"))?;
        Ok(())
    }

    async fn import_requested(&self, job: ImportRequested) -> anyhow::Result<()> {
        let mut storage = self.imports.clone();
        storage
            .push(job)
            .await
            .map_err(|e| anyhow::anyhow!("queue push: {e}"))?;
        Ok(())
    }
}

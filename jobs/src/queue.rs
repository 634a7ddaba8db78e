//! The seam between the appliance and apalis-redis. Everything that knows the
//! Redis backend is in this file (the worker only sees apalis's generic
//! `WorkerBuilder` over these storages), so the backend can be replaced
//! (apalis-redis 1.0 has known defects; see DESIGN.md) without touching callers.

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use erp::jobs::{ExportRequested, ImportRequested, JobSink};

use crate::periodic::PeriodicRun;

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

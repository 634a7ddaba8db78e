//! The relay from the `job_outbox` table (filled by the transactions that ask
//! for jobs) to the Redis queue. It runs in every worker process; several
//! relays share the rows through `FOR UPDATE SKIP LOCKED`.
//!
//! Rows are deleted in the same transaction that read them, committed only
//! after Redis took the jobs. A relay that dies in between leaves the rows
//! for the next pass, and the queue's idempotency key (the job's own key, or
//! the row id) keeps the second push from making a second job.

use std::time::Duration;

use chrono::{DateTime, Utc};
use erp::Db;
use sqlx::postgres::PgListener;
use uuid::Uuid;

use crate::Queue;
use crate::kinds;
use crate::store::NewJob;

/// Rows moved per transaction.
const BATCH: i32 = 500;
/// Jobs per enqueue script call.
const PUSH_CHUNK: usize = 250;
/// Look anyway this often (a notification lost with a connection).
const POLL: Duration = Duration::from_secs(1);

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    args: serde_json::Value,
    priority: i16,
    run_at: Option<DateTime<Utc>>,
    unique_key: Option<String>,
}

/// Move committed jobs into the queue until `shutdown` resolves.
pub async fn relay(db: Db, queue: Queue, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut listener: Option<PgListener> = None;
    loop {
        if listener.is_none() {
            listener = listen(&db).await;
        }
        loop {
            match drain_once(&db, &queue).await {
                Ok(n) if n == BATCH as usize => continue,
                Ok(_) => break,
                Err(e) => {
                    log::warn!("job outbox relay: {e:#}");
                    break;
                }
            }
        }
        let note = async {
            match listener.as_mut() {
                Some(l) => l.recv().await.map(|_| ()),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut shutdown => return,
            got = note => if got.is_err() { listener = None },
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

async fn listen(db: &Db) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(db.pool()).await.ok()?;
    listener.listen("job_outbox").await.ok()?;
    Some(listener)
}

/// One transaction: take up to [`BATCH`] rows, queue them, delete them.
pub async fn drain_once(db: &Db, queue: &Queue) -> anyhow::Result<usize> {
    let mut tx = db.pool().begin().await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, args, priority, run_at, unique_key FROM take_job_outbox($1)",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let jobs: Vec<NewJob> = rows
        .iter()
        .map(|row| NewJob {
            kind: row.kind.clone(),
            id: row.id.to_string(),
            args: row.args.to_string(),
            priority: row.priority.clamp(0, 2) as u8,
            max_attempts: kinds::policy(&row.kind).max_attempts,
            run_at_ms: row.run_at.map(|t| t.timestamp_millis()).unwrap_or(0),
            unique: Some(
                row.unique_key
                    .clone()
                    .unwrap_or_else(|| format!("outbox:{}", row.id)),
            ),
        })
        .collect();
    for chunk in jobs.chunks(PUSH_CHUNK) {
        queue.store.enqueue(chunk).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

//! The scheduler role (Celery beat's replacement).
//!
//! Loads the periodic tasks from PostgreSQL, sleeps until the next tick, and
//! queues each due tick once: the tick's job carries the idempotency key
//! `tick:<task>:<tick>`, which the queue takes atomically with the push, so
//! any number of schedulers can run side by side without a leader and a tick
//! still runs once. A NOTIFY on
//! `periodic_tasks_changed` makes it reload at once.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use croner::Cron;
use erp::Erp;
use erp::jobs::Options;
use erp::schedules::{self, PeriodicTask};
use sqlx::postgres::PgListener;
use uuid::Uuid;

use crate::Queue;
use crate::periodic::PeriodicRun;

/// Reload anyway this often, in case a notification was lost with a connection.
const RELOAD_EVERY: Duration = Duration::from_secs(60);

struct Entry {
    task: PeriodicTask,
    cron: Cron,
    next: Option<DateTime<Utc>>,
}

fn plan(tasks: Vec<PeriodicTask>, now: DateTime<Utc>) -> HashMap<Uuid, Entry> {
    tasks
        .into_iter()
        .filter(|t| t.enabled)
        .filter_map(|task| match schedules::parse_cron(&task.cron) {
            Ok(cron) => {
                let next = schedules::next_after(&cron, now);
                Some((task.id, Entry { task, cron, next }))
            }
            Err(e) => {
                log::error!(
                    "periodic task {} has a bad schedule and is skipped: {e}",
                    task.name
                );
                None
            }
        })
        .collect()
}

/// Run until `shutdown` resolves. `on_status` receives lines for systemd's STATUS=.
pub async fn run(
    erp: Erp,
    queue: Queue,
    shutdown: impl std::future::Future<Output = ()> + Send,
    on_status: impl Fn(String) + Send,
) -> anyhow::Result<()> {
    let mut listener = PgListener::connect_with(erp.db.pool()).await?;
    listener.listen(schedules::CHANGED_CHANNEL).await?;
    let mut entries = plan(schedules::load_all(&erp.db).await?, Utc::now());
    on_status(format!("scheduling {} periodic tasks", entries.len()));
    let mut last_load = tokio::time::Instant::now();
    tokio::pin!(shutdown);

    loop {
        let now = Utc::now();
        let next = entries.values().filter_map(|e| e.next).min();
        let wait = next
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(RELOAD_EVERY)
            .min(RELOAD_EVERY.saturating_sub(last_load.elapsed()));

        tokio::select! {
            _ = &mut shutdown => break,
            note = listener.recv() => {
                match note {
                    Ok(n) => log::info!("periodic task {} changed; reloading", n.payload()),
                    Err(e) => log::warn!("schedule listener: {e}; reloading"),
                }
                entries = plan(schedules::load_all(&erp.db).await?, Utc::now());
                last_load = tokio::time::Instant::now();
                on_status(format!("scheduling {} periodic tasks (reloaded)", entries.len()));
                continue;
            }
            _ = tokio::time::sleep(wait) => {}
        }

        if last_load.elapsed() >= RELOAD_EVERY {
            entries = plan(schedules::load_all(&erp.db).await?, Utc::now());
            last_load = tokio::time::Instant::now();
        }
        let now = Utc::now();
        for entry in entries.values_mut() {
            while let Some(tick) = entry.next.filter(|t| *t <= now) {
                let run = PeriodicRun {
                    task_id: entry.task.id,
                    task: entry.task.task.clone(),
                    tick_at: tick,
                    args: entry.task.args.clone(),
                };
                match queue.push(&run, Options::default()).await {
                    Ok(true) => {}
                    Ok(false) => log::debug!(
                        "{} tick {tick} already queued by another scheduler",
                        entry.task.name
                    ),
                    Err(e) => log::error!("could not queue {} tick {tick}: {e:#}", entry.task.name),
                }
                entry.next = schedules::next_after(&entry.cron, tick);
            }
        }
    }
    Ok(())
}

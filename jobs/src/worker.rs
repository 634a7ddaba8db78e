//! The worker role: runs queued jobs until told to stop.

use apalis::prelude::*;
use erp::Erp;
use erp::jobs::{ExportRequested, ImportRequested};
use futures::FutureExt;

use crate::periodic::{self, PeriodicRun};

/// How often an idle worker asks Redis for work. apalis-redis would wait for
/// its heartbeat interval (30 s) otherwise, and a user watching an export
/// should not.
const POLL: std::time::Duration = std::time::Duration::from_millis(250);
use crate::Queue;

async fn run_export(job: ExportRequested, erp: Data<Erp>) -> Result<(), BoxDynError> {
    log::info!(
        "export {} for company {}: started",
        job.export_id,
        job.company_id
    );
    // A failed export is recorded on its row for the user to see; retrying a
    // broken export would only repeat the failure.
    match erp::exports::write_users_roles(&erp, &job).await {
        Ok(()) => log::info!("export {}: done", job.export_id),
        Err(e) => log::error!("export {}: {e}", job.export_id),
    }
    Ok(())
}

async fn run_import(job: ImportRequested, erp: Data<Erp>) -> Result<(), BoxDynError> {
    log::info!(
        "import {} for company {}: started",
        job.import_id,
        job.company_id
    );
    // Like exports, the outcome (or the failure) is recorded on the import's
    // row for the page; rows already written stay written, and running the
    // same import again would only find them unchanged.
    match erp::imports::run(&erp, &job).await {
        Ok(()) => log::info!("import {}: done", job.import_id),
        Err(e) => log::error!("import {}: {e}", job.import_id),
    }
    Ok(())
}

async fn run_periodic(run: PeriodicRun, erp: Data<Erp>) -> Result<(), BoxDynError> {
    match periodic::execute(&erp, &run).await {
        Ok(outcome) => log::info!("periodic task {} tick {}: {outcome}", run.task, run.tick_at),
        Err(e) => log::error!("periodic task {} tick {}: {e:#}", run.task, run.tick_at),
    }
    Ok(())
}

/// Run the workers until `shutdown` resolves; in-flight jobs finish first.
pub async fn run(
    erp: Erp,
    queue: Queue,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let stop = |tx: &tokio::sync::broadcast::Sender<()>| {
        let mut rx = tx.subscribe();
        async move {
            let _ = rx.recv().await;
            Ok::<(), std::io::Error>(())
        }
    };
    // apalis-redis refuses to register a worker under a name that sent a
    // heartbeat recently: with fixed names a second worker process
    // (erp-worker@2) or one restarted at once would poll nothing, ever.
    let instance = uuid::Uuid::new_v4().simple().to_string();
    let name = |kind: &str| format!("erp-{kind}-{}", &instance[..12]);
    let exports = WorkerBuilder::new(name("exports"))
        .backend(queue.exports.clone().poll_with_interval(POLL))
        .data(erp.clone())
        .build(run_export)
        .run_until(stop(&stop_tx));
    let imports = WorkerBuilder::new(name("imports"))
        .backend(queue.imports.clone().poll_with_interval(POLL))
        .data(erp.clone())
        .build(run_import)
        .run_until(stop(&stop_tx));
    let periodic = WorkerBuilder::new(name("periodic"))
        .backend(queue.periodic.clone().poll_with_interval(POLL))
        .data(erp)
        .build(run_periodic)
        .run_until(stop(&stop_tx));
    let trigger = shutdown.map(move |_| {
        let _ = stop_tx.send(());
    });
    let (a, i, b, _) = tokio::join!(exports, imports, periodic, trigger);
    a.map_err(|e| anyhow::anyhow!("export worker: {e}"))?;
    i.map_err(|e| anyhow::anyhow!("import worker: {e}"))?;
    b.map_err(|e| anyhow::anyhow!("periodic worker: {e}"))?;
    Ok(())
}

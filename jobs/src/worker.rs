//! The worker role: one apalis worker per job type over our Redis backend,
//! plus the outbox relay and the process's heartbeat.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::*;
use erp::Erp;
use erp::attachments::ThumbnailRequested;
use erp::jobs::{ExportRequested, ImportRequested, Job};
use erp::mail::SendMail;
use erp::reports::ReportRequested;
use fred::prelude::*;
use futures::FutureExt;
use tokio::task::JoinSet;

use crate::backend::{JobBackend, give_back};
use crate::lane::Lane;
use crate::mail::Mailer;
use crate::periodic::{self, PeriodicRun};
use crate::policy::Policy;
use crate::{Queue, kinds, outbox, store};

/// After SIGTERM, running jobs get this long to finish; the ones still
/// running then go back to the queue (jobs are idempotent, so running one
/// again from the start is safe). Inside the container's stop timeout.
pub const DRAIN: Duration = Duration::from_secs(20);
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);

async fn run_export(job: ExportRequested, erp: Data<Erp>) -> Result<(), BoxDynError> {
    log::info!(
        "export {} for company {}: started",
        job.export_id,
        job.company_id
    );
    // A failed export is recorded on its row for the user to see; retrying a
    // broken export would only repeat the failure. Running it twice (after a
    // lost lease) writes the same file again.
    match erp::exports::write_users_roles(&erp, &job).await {
        Ok(()) => log::info!("export {}: done", job.export_id),
        Err(e) => log::error!("export {}: {e}", job.export_id),
    }
    Ok(())
}

/// An image that cannot be decoded is recorded on its row (the page says
/// so) and not retried; the store or the database being away is retried.
async fn run_thumbnail(job: ThumbnailRequested, erp: Data<Erp>) -> Result<(), BoxDynError> {
    use erp::attachments::thumbnail::{Outcome, make};
    let what = match make(&erp, &job).await? {
        Outcome::Made => "thumbnail made",
        Outcome::Gone => "removed before its thumbnail was made",
        Outcome::Failed => "not an image that can be read: no thumbnail",
    };
    log::info!("attachment {}: {what}", job.attachment_id);
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

async fn run_mail(
    mail: SendMail,
    erp: Data<Erp>,
    mailer: Data<Arc<Mailer>>,
) -> Result<(), BoxDynError> {
    mailer.send(&erp, &mail).await
}

async fn run_periodic(run: PeriodicRun, erp: Data<Erp>) -> Result<(), BoxDynError> {
    // A tick run twice purges what the first already purged: nothing.
    match periodic::execute(&erp, &run).await {
        Ok(outcome) => log::info!("periodic task {} tick {}: {outcome}", run.task, run.tick_at),
        Err(e) => log::error!("periodic task {} tick {}: {e:#}", run.task, run.tick_at),
    }
    Ok(())
}

/// A process's name in the queue: unique per start, so a restarted worker
/// never inherits (or is confused with) its predecessor's leases.
pub fn instance_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("erp-worker-{}", &id[..12])
}

/// The lanes of one worker process, and the tasks that serve them.
pub struct Lanes {
    pub name: String,
    queue: Queue,
    lanes: HashMap<&'static str, Arc<Lane>>,
    pub helpers: JoinSet<()>,
}

impl Lanes {
    pub fn new(queue: Queue, name: String) -> Lanes {
        let mut lanes = Lanes {
            name: name.clone(),
            queue: queue.clone(),
            lanes: HashMap::new(),
            helpers: JoinSet::new(),
        };
        let beat = queue.clone();
        lanes.helpers.spawn(async move {
            loop {
                if let Err(e) = beat.heartbeat(&name).await {
                    log::warn!("worker heartbeat: {e:#}");
                }
                tokio::time::sleep(HEARTBEAT_EVERY).await;
            }
        });
        lanes
    }

    /// The backend for type `J`, with its lane's helpers started.
    pub fn backend<J: Job>(&mut self) -> JobBackend<J> {
        self.backend_with(kinds::policy(J::KIND))
    }

    /// The same with another policy than the type's (the probe in tests).
    pub fn backend_with<J: Job>(&mut self, policy: Policy) -> JobBackend<J> {
        let (lane, acks) = Lane::new(J::KIND, policy, self.queue.store.clone(), self.name.clone());
        lane.spawn_helpers(acks, &mut self.helpers);
        self.lanes.insert(J::KIND, lane.clone());
        JobBackend::new(lane)
    }

    /// Wake the right lane when Redis says a type has new work.
    pub async fn listen_for_work(&mut self) -> anyhow::Result<()> {
        let subscriber = erp::kv::Kv::builder(self.queue.url())?.build_subscriber_client()?;
        subscriber.init().await?;
        // Subscriptions come back by themselves after a reconnect.
        let _manager = subscriber.manage_subscriptions();
        subscriber.subscribe(store::wake_channel()).await?;
        let lanes: HashMap<String, Arc<Lane>> = self
            .lanes
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let mut messages = subscriber.message_rx();
        self.helpers.spawn(async move {
            let _keep = subscriber;
            loop {
                match messages.recv().await {
                    Ok(message) => {
                        let kind = message.value.as_string().unwrap_or_default();
                        if let Some(lane) = lanes.get(&kind) {
                            lane.wake.notify_one();
                        }
                    }
                    // Missed some: wake everyone, they look for themselves.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        lanes.values().for_each(|l| l.wake.notify_one())
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Ok(())
    }

    /// Give every held job back to the queue: the drain ran out of time.
    pub async fn give_back_all(&self) {
        for lane in self.lanes.values() {
            give_back(lane.clone(), false).await;
        }
    }

    /// Wait until every finished job's outcome is in Redis.
    pub async fn flush(&self) {
        for lane in self.lanes.values() {
            lane.flush().await;
        }
    }

    /// Drive `workers` (apalis workers that run until `stop` fires) until
    /// `shutdown` resolves; then fire `stop`, give the running jobs
    /// [`DRAIN`] to finish and give back the ones still running. Returns
    /// the workers' output when they all ended in time.
    pub async fn serve<F: Future>(
        &self,
        workers: F,
        stop: &tokio::sync::broadcast::Sender<()>,
        shutdown: impl Future<Output = ()>,
    ) -> Option<F::Output> {
        tokio::pin!(workers);
        tokio::select! {
            done = &mut workers => {
                self.flush().await;
                return Some(done);
            }
            _ = shutdown => {}
        }
        let _ = stop.send(());
        let done = tokio::time::timeout(DRAIN, &mut workers).await;
        self.flush().await;
        match done {
            Ok(done) => Some(done),
            Err(_) => {
                log::warn!(
                    "jobs still running after {} s; giving them back to the queue",
                    DRAIN.as_secs()
                );
                self.give_back_all().await;
                None
            }
        }
    }
}

/// A future that resolves when `stop` fires; for apalis's `run_until`.
pub fn stopper(
    stop: &tokio::sync::broadcast::Sender<()>,
) -> impl Future<Output = Result<(), std::io::Error>> + Send + 'static {
    let mut rx = stop.subscribe();
    async move {
        let _ = rx.recv().await;
        Ok(())
    }
}

/// Run the workers until `shutdown` resolves. Running jobs then get
/// [`DRAIN`] to finish; unstarted and unfinished ones go back to the queue.
pub async fn run(
    erp: Erp,
    queue: Queue,
    reports: Arc<crate::reports::Reports>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mailer = Arc::new(Mailer::from_env()?);
    let mut lanes = Lanes::new(queue.clone(), instance_name());
    let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let base = lanes.name.clone();
    let name = |kind: &str| format!("{base}-{kind}");

    // One apalis worker per type, each on its lane with the type's policy.
    macro_rules! worker {
        ($job:ty, $handler:expr) => {{
            let policy = kinds::policy(<$job>::KIND);
            WorkerBuilder::new(name(<$job>::KIND))
                .backend(lanes.backend::<$job>())
                .data(erp.clone())
                .data(mailer.clone())
                .data(reports.clone())
                .concurrency(policy.concurrency)
                .timeout(policy.timeout)
                .build($handler)
                .run_until(stopper(&stop_tx))
        }};
    }
    let exports = worker!(ExportRequested, run_export);
    let imports = worker!(ImportRequested, run_import);
    let periodic = worker!(PeriodicRun, run_periodic);
    let mail = worker!(SendMail, run_mail);
    let report = worker!(ReportRequested, crate::reports::run);
    let thumbnail = worker!(ThumbnailRequested, run_thumbnail);
    lanes.listen_for_work().await?;

    let relay_stop = stopper(&stop_tx).map(|_| ());
    lanes
        .helpers
        .spawn(outbox::relay(erp.db.clone(), queue.clone(), relay_stop));

    let workers = async { tokio::join!(exports, imports, periodic, mail, report, thumbnail) };
    if let Some((e, i, p, m, r, t)) = lanes.serve(workers, &stop_tx, shutdown).await {
        for (kind, result) in [
            ("export", e),
            ("import", i),
            ("periodic", p),
            ("mail", m),
            ("report", r),
            ("thumbnail", t),
        ] {
            if let Err(err) = result {
                log::error!("{kind} worker stopped: {err}");
            }
        }
    }
    lanes.helpers.abort_all();
    if let Err(e) = queue.leave(&lanes.name).await {
        log::warn!("worker {}: leaving the queue: {e:#}", lanes.name);
    }
    Ok(())
}

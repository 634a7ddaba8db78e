//! One job type's lane in one worker process: what it holds under lease, the
//! wake-up it waits on, and the helper tasks that keep it honest (renewing
//! leases, housekeeping, sending acknowledgements in batches).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc, oneshot};

/// What the acknowledger is sent: how an attempt ended, or a request to say
/// when everything sent before it is in Redis.
pub enum Ack {
    Outcome(Outcome),
    Flush(oneshot::Sender<()>),
}
use tokio::task::JoinSet;

use crate::policy::Policy;
use crate::store::{Outcome, Store};

/// A lease lasts this long unless renewed; a killed worker's jobs come back
/// to the queue within it (plus one housekeeping interval).
pub const LEASE: Duration = Duration::from_secs(30);
/// Leases are renewed this often, well inside [`LEASE`].
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// Housekeeping (due jobs, expired leases) runs this often.
const MAINTAIN_EVERY: Duration = Duration::from_millis(500);
/// Jobs promoted or taken back per housekeeping call.
const MAINTAIN_BATCH: usize = 1000;
/// Acknowledgements sent in one call at most.
const ACK_BATCH: usize = 512;
/// How long a small batch of acknowledgements waits for company.
const ACK_LINGER: Duration = Duration::from_millis(1);

/// A job this process holds under lease.
#[derive(Debug, Clone, Copy)]
struct Held {
    attempt: u32,
    since: Instant,
    started: bool,
}

pub struct Lane {
    pub kind: &'static str,
    pub policy: Policy,
    pub store: Store,
    pub worker: String,
    /// Woken when Redis says this type has new work.
    pub wake: Notify,
    held: Mutex<HashMap<String, Held>>,
    acks: mpsc::Sender<Ack>,
}

impl Lane {
    /// The lane and the receiver its acknowledger drains.
    pub fn new(
        kind: &'static str,
        policy: Policy,
        store: Store,
        worker: String,
    ) -> (Arc<Lane>, mpsc::Receiver<Ack>) {
        let (acks, rx) = mpsc::channel(ACK_BATCH * 4);
        let lane = Arc::new(Lane {
            kind,
            policy,
            store,
            worker,
            wake: Notify::new(),
            held: Mutex::new(HashMap::new()),
            acks,
        });
        (lane, rx)
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        // A poisoned map only means a panic elsewhere; its data is still right.
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn hold(&self, id: &str, attempt: u32) {
        self.held().insert(
            id.to_owned(),
            Held {
                attempt,
                since: Instant::now(),
                started: false,
            },
        );
    }

    pub fn started(&self, id: &str) {
        if let Some(h) = self.held().get_mut(id) {
            h.started = true;
            h.since = Instant::now();
        }
    }

    /// How many jobs this lane holds (fetched, running or waiting to start).
    pub fn held_count(&self) -> usize {
        self.held().len()
    }

    /// Jobs held, as (id, attempt); only those not started when `unstarted`.
    pub fn holding(&self, unstarted: bool) -> Vec<(String, u32)> {
        self.held()
            .iter()
            .filter(|(_, h)| !unstarted || !h.started)
            .map(|(id, h)| (id.clone(), h.attempt))
            .collect()
    }

    pub fn forget(&self, ids: &[(String, u32)]) {
        let mut held = self.held();
        for (id, _) in ids {
            held.remove(id);
        }
    }

    /// Record how an attempt ended. It reaches Redis with the next batch;
    /// the job's slot is free at once (waiting for the batch would hold
    /// every slot for a round trip per job). A worker killed before the
    /// batch went out leaves the job to run again after its lease.
    pub async fn finish(&self, outcome: Outcome) {
        self.held().remove(&outcome.id);
        let _ = self.acks.send(Ack::Outcome(outcome)).await;
    }

    /// Resolve once every outcome sent so far is in Redis.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.acks.send(Ack::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Start the helper tasks of this lane in `tasks`.
    pub fn spawn_helpers(self: &Arc<Self>, acks: mpsc::Receiver<Ack>, tasks: &mut JoinSet<()>) {
        tasks.spawn(acknowledge(self.clone(), acks));
        tasks.spawn(renew(self.clone()));
        tasks.spawn(maintain(self.clone()));
    }
}

/// Send acknowledgements in batches: under load one script call settles
/// hundreds of jobs. A failed call is retried until Redis takes it; meanwhile
/// the jobs' leases keep them from running elsewhere.
async fn acknowledge(lane: Arc<Lane>, mut rx: mpsc::Receiver<Ack>) {
    let mut batch = Vec::with_capacity(ACK_BATCH);
    while rx.recv_many(&mut batch, ACK_BATCH).await > 0 {
        // Under load, wait a moment for more: one script call's fixed cost
        // is several jobs' worth of work, and no job waits on this.
        if batch.len() < ACK_BATCH / 8 && !matches!(batch.last(), Some(Ack::Flush(_))) {
            tokio::time::sleep(ACK_LINGER).await;
            while batch.len() < ACK_BATCH {
                match rx.try_recv() {
                    Ok(ack) => batch.push(ack),
                    Err(_) => break,
                }
            }
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut flushes = Vec::new();
        for ack in batch.drain(..) {
            match ack {
                Ack::Outcome(o) => outcomes.push(o),
                Ack::Flush(done) => flushes.push(done),
            }
        }
        let mut pause = Duration::from_millis(50);
        while !outcomes.is_empty() {
            match lane
                .store
                .ack(lane.kind, &outcomes, lane.policy.limit > 0)
                .await
            {
                Ok(acked) => {
                    if acked.stale > 0 {
                        log::warn!(
                            "{}: {} attempts finished after their lease was taken over; their results were dropped",
                            lane.kind,
                            acked.stale
                        );
                    }
                    break;
                }
                Err(e) => {
                    log::warn!(
                        "{}: acknowledging {} jobs: {e:#}; retrying",
                        lane.kind,
                        outcomes.len()
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Renew the leases of held jobs, except those running past their time
/// limit: a job hung so hard that its timeout cannot cancel it loses its
/// lease, and another worker takes it over.
async fn renew(lane: Arc<Lane>) {
    let mut tick = tokio::time::interval(RENEW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let limit = lane.policy.timeout + RENEW_EVERY;
        let live: Vec<(String, u32)> = lane
            .held()
            .iter()
            .filter(|(_, h)| h.since.elapsed() < limit)
            .map(|(id, h)| (id.clone(), h.attempt))
            .collect();
        for chunk in live.chunks(ACK_BATCH) {
            if let Err(e) = lane.store.renew(lane.kind, chunk, LEASE).await {
                log::warn!("{}: renewing {} leases: {e:#}", lane.kind, chunk.len());
            }
        }
    }
}

/// Promote due jobs and take back expired leases, repeating at once while a
/// call did a full batch (a large backlog moves at Redis speed, in bounded
/// steps).
async fn maintain(lane: Arc<Lane>) {
    let mut tick = tokio::time::interval(MAINTAIN_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        loop {
            match lane.store.maintain(lane.kind, MAINTAIN_BATCH).await {
                Ok(m) => {
                    if m.taken_back + m.buried > 0 {
                        log::warn!(
                            "{}: {} jobs whose lease ran out were queued again, {} of them on their last attempt went to the dead set",
                            lane.kind,
                            m.taken_back + m.buried,
                            m.buried
                        );
                    }
                    let full = MAINTAIN_BATCH as u64;
                    if m.promoted < full && m.taken_back + m.buried < full {
                        break;
                    }
                }
                Err(e) => {
                    log::warn!("{}: housekeeping: {e:#}", lane.kind);
                    break;
                }
            }
        }
    }
}

//! The queue as an apalis backend: [`JobBackend`] hands a worker the jobs of
//! one type, fetched in batches under lease; [`AckLayer`] reports each
//! attempt's end (retry with backoff, dead set, or done) back to Redis.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{Backend, BoxDynError, RandomId, Task, TaskBuilder, TaskId, WorkerContext};
use apalis_core::backend::BackendConfig;
use apalis_core::backend::finalize::Ephemeral;
use erp::jobs::Job;
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;

use crate::lane::{LEASE, Lane};
use crate::store::{Fetched, Outcome, Verdict};

/// With no wake-up from Redis, look for work this often anyway (a lost
/// pub/sub message, or jobs a housekeeping call made due).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// The attempt a task is, as the handler and the acknowledgement see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobAttempt {
    /// 1 for the first attempt.
    pub number: u32,
    pub max: u32,
    /// When the job was queued, in milliseconds since the epoch.
    pub enqueued_ms: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("job queue: {0}")]
pub struct QueueError(String);

/// A failure no later attempt can fix (a recipient the mail server refuses,
/// arguments that name nothing): the job goes to the dead set at once.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Permanent(String);

impl Permanent {
    pub fn new(reason: impl Into<String>) -> Permanent {
        Permanent(reason.into())
    }
}

enum State {
    /// Free to fetch when the buffer runs low.
    Ready,
    /// Nothing was there: waiting for a wake-up (or the idle poll).
    Idle(BoxFuture<'static, ()>),
    /// A fetch runs as a task of its own, so the next batch arrives while
    /// the worker still runs the last one.
    Fetching(JoinHandle<anyhow::Result<Vec<Fetched>>>),
    Closing(BoxFuture<'static, ()>),
    Closed,
}

pub struct JobBackend<J> {
    lane: Arc<Lane>,
    buffer: VecDeque<Task<J>>,
    state: State,
    _job: PhantomData<J>,
}

impl<J: Job> JobBackend<J> {
    pub fn new(lane: Arc<Lane>) -> Self {
        JobBackend {
            lane,
            buffer: VecDeque::new(),
            // Look at once: work may be waiting from before this process.
            state: State::Ready,
            _job: PhantomData,
        }
    }

    /// How many jobs to fetch now (0: not yet). Apalis asks for the next
    /// job only when it has a free slot. A type limited across the
    /// appliance fetches only what this worker can start: a job fetched
    /// ahead would hold one of the appliance's few slots while it waits,
    /// and another worker with a free slot would find none (one worker
    /// took both thumbnail slots, running one photo at a time). Other
    /// types fetch twice the concurrency, when the buffer holds no more
    /// than one round of work.
    fn wanted(&self) -> usize {
        let policy = &self.lane.policy;
        if policy.limit > 0 {
            if !self.buffer.is_empty() {
                return 0;
            }
            // A finished job may leave `held` just after its slot frees.
            policy
                .concurrency
                .saturating_sub(self.lane.held_count())
                .max(1)
        } else if self.buffer.len() <= policy.concurrency {
            (policy.concurrency * 2).clamp(1, 256)
        } else {
            0
        }
    }

    /// Start fetching `n` jobs.
    fn fetch(&self, n: usize) -> JoinHandle<anyhow::Result<Vec<Fetched>>> {
        let lane = self.lane.clone();
        tokio::spawn(async move {
            let jobs = lane
                .store
                .fetch(lane.kind, n, LEASE, lane.policy.limit, &lane.worker)
                .await?;
            for job in &jobs {
                lane.hold(&job.id, job.attempt);
            }
            Ok(jobs)
        })
    }

    /// What a finished fetch brought: tasks in the buffer, or a pause.
    fn fetched(&mut self, result: Result<anyhow::Result<Vec<Fetched>>, tokio::task::JoinError>) {
        self.state = match result {
            Ok(Ok(jobs)) if jobs.is_empty() => State::Idle(self.idle(IDLE_POLL)),
            Ok(Ok(jobs)) => {
                self.decode(jobs);
                State::Ready
            }
            // Redis away: wait and try again; the worker never gives up.
            Ok(Err(e)) => {
                log::warn!("{}: fetching jobs: {e:#}", self.lane.kind);
                State::Idle(self.idle(IDLE_POLL))
            }
            Err(e) => {
                log::error!("{}: the fetch task failed: {e}", self.lane.kind);
                State::Idle(self.idle(IDLE_POLL))
            }
        };
    }

    fn idle(&self, pause: Duration) -> BoxFuture<'static, ()> {
        let lane = self.lane.clone();
        async move {
            tokio::select! {
                _ = lane.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
        .boxed()
    }

    /// Turn fetched rows into tasks; a row whose arguments do not decode can
    /// never run, so it goes straight to the dead set with the reason.
    fn decode(&mut self, jobs: Vec<Fetched>) {
        for job in jobs {
            match serde_json::from_str::<J>(&job.args) {
                Ok(args) => {
                    let task = TaskBuilder::new(args)
                        .task_id(TaskId::from_string(job.id.clone()))
                        .data(JobAttempt {
                            number: job.attempt,
                            max: job.max_attempts,
                            enqueued_ms: job.enqueued_ms,
                        })
                        .build();
                    self.buffer.push_back(task);
                }
                Err(e) => {
                    log::error!(
                        "{} job {}: its arguments do not decode: {e}",
                        J::KIND,
                        job.id
                    );
                    let lane = self.lane.clone();
                    tokio::spawn(async move {
                        lane.finish(Outcome {
                            id: job.id,
                            attempt: job.attempt,
                            verdict: Verdict::Bury,
                            error: format!("the arguments do not decode: {e}"),
                            waited: waited_since(job.enqueued_ms),
                            ran: Duration::ZERO,
                        })
                        .await
                    });
                }
            }
        }
    }
}

impl<J: Job> Backend for JobBackend<J> {
    type Task = Task<J>;
    type Error = QueueError;

    fn poll_ready(
        &mut self,
        _: &mut Context<'_>,
        _: &WorkerContext,
    ) -> Poll<Result<(), QueueError>> {
        Poll::Ready(Ok(()))
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        _: &WorkerContext,
    ) -> Poll<Option<Result<Task<J>, QueueError>>> {
        loop {
            if matches!(self.state, State::Ready) {
                let n = self.wanted();
                if n > 0 {
                    self.state = State::Fetching(self.fetch(n));
                }
            }
            if let Some(task) = self.buffer.pop_front() {
                if let Some(id) = task.ctx().task_id() {
                    self.lane.started(&id.to_string());
                }
                return Poll::Ready(Some(Ok(task)));
            }
            match &mut self.state {
                State::Ready => {}
                State::Idle(wait) => {
                    futures::ready!(wait.poll_unpin(cx));
                    self.state = State::Ready;
                }
                State::Fetching(fetch) => {
                    let result = futures::ready!(fetch.poll_unpin(cx));
                    self.fetched(result);
                }
                State::Closing(_) | State::Closed => return Poll::Ready(None),
            }
        }
    }

    /// The worker is stopping and its running jobs have ended: give back
    /// what was fetched but never started, with the attempt uncounted.
    fn poll_close(
        &mut self,
        cx: &mut Context<'_>,
        _: &WorkerContext,
    ) -> Poll<Result<(), QueueError>> {
        loop {
            match &mut self.state {
                // Its jobs are leased to this worker: take them to give back.
                State::Fetching(fetch) => {
                    let result = futures::ready!(fetch.poll_unpin(cx));
                    self.fetched(result);
                }
                State::Closing(release) => {
                    futures::ready!(release.poll_unpin(cx));
                    self.state = State::Closed;
                }
                State::Closed => return Poll::Ready(Ok(())),
                _ => {
                    self.buffer.clear();
                    self.state = State::Closing(give_back(self.lane.clone(), true));
                }
            }
        }
    }
}

/// Return held jobs to the queue (only the unstarted ones when `unstarted`).
pub fn give_back(lane: Arc<Lane>, unstarted: bool) -> BoxFuture<'static, ()> {
    async move {
        let held = lane.holding(unstarted);
        if held.is_empty() {
            return;
        }
        match lane.store.release(lane.kind, &held).await {
            Ok(n) => log::info!("{}: gave {n} jobs back to the queue", lane.kind),
            Err(e) => log::warn!(
                "{}: could not give {} jobs back ({e:#}); their leases will run out and they will run elsewhere",
                lane.kind,
                held.len()
            ),
        }
        lane.forget(&held);
    }
    .boxed()
}

impl<J: Job> BackendConfig for JobBackend<J> {
    type Args = J;
    type Id = RandomId;
    type Kind = Ephemeral;
    type Config = ();
    type Layer = AckLayer;

    fn config(&self) -> &() {
        &()
    }

    fn middleware(&mut self, _: &mut WorkerContext) -> AckLayer {
        AckLayer {
            lane: self.lane.clone(),
        }
    }
}

/// Time since a job was queued (`enqueued_ms`, milliseconds since the epoch).
fn waited_since(enqueued_ms: i64) -> Duration {
    Duration::from_millis((crate::store::now_ms() - enqueued_ms).max(0) as u64)
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("the job panicked: {text}")
}

/// Wraps the handler (outside the timeout and concurrency layers, so it sees
/// timeouts too), turns a panic into a failed attempt and reports every
/// attempt's end.
#[derive(Clone)]
pub struct AckLayer {
    lane: Arc<Lane>,
}

impl<S> tower::Layer<S> for AckLayer {
    type Service = AckService<S>;
    fn layer(&self, inner: S) -> AckService<S> {
        AckService {
            inner,
            lane: self.lane.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AckService<S> {
    inner: S,
    lane: Arc<Lane>,
}

impl<S, J> tower::Service<Task<J>> for AckService<S>
where
    S: tower::Service<Task<J>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxDynError> + Send + 'static,
    S::Response: Send + 'static,
    J: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxDynError;
    type Future = BoxFuture<'static, Result<S::Response, BoxDynError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxDynError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, task: Task<J>) -> Self::Future {
        let id = task
            .ctx()
            .task_id()
            .map(|t| t.to_string())
            .unwrap_or_default();
        let attempt = task.ctx().data().get::<JobAttempt>().copied();
        // Each job runs as a runtime task of its own: jobs use every core,
        // one that blocks its thread holds up no other, and a panic ends
        // only its task (and this attempt).
        let waited = attempt
            .map(|a| waited_since(a.enqueued_ms))
            .unwrap_or_default();
        let started = std::time::Instant::now();
        let run = tokio::spawn(self.inner.call(task));
        let lane = self.lane.clone();
        async move {
            let result = match run.await {
                Ok(result) => result.map_err(Into::into),
                Err(e) if e.is_panic() => Err(panic_message(e.into_panic()).into()),
                Err(e) => Err(format!("the job's task ended: {e}").into()),
            };
            if let Some(attempt) = attempt {
                let (verdict, error) = match &result {
                    Ok(_) => (Verdict::Done, String::new()),
                    Err(e) if e.downcast_ref::<Permanent>().is_some() => {
                        log::error!(
                            "{} job {id}: attempt {} failed for good: {e}",
                            lane.kind,
                            attempt.number
                        );
                        (Verdict::Bury, e.to_string())
                    }
                    Err(e) => {
                        log::warn!(
                            "{} job {id}: attempt {} of {} failed: {e}",
                            lane.kind,
                            attempt.number,
                            attempt.max
                        );
                        (
                            Verdict::Retry(lane.policy.delay(attempt.number)),
                            e.to_string(),
                        )
                    }
                };
                lane.finish(Outcome {
                    id,
                    attempt: attempt.number,
                    verdict,
                    error,
                    waited,
                    ran: started.elapsed(),
                })
                .await;
            }
            result
        }
        .boxed()
    }
}

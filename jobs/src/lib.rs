//! Background work: the queue (our own Redis backend for apalis, on fred:
//! leases, retries with backoff, a dead set, scheduled jobs, priorities,
//! idempotency keys, per-type limits), the relay that moves jobs from the
//! database's outbox into it, the worker that runs them and the scheduler
//! that turns periodic tasks into jobs.

pub mod backend;
pub mod kinds;
pub mod lane;
pub mod mail;
pub mod metrics;
pub mod outbox;
pub mod periodic;
pub mod policy;
pub mod queue;
pub mod reports;
pub mod scheduler;
pub mod store;
pub mod worker;

pub use queue::{Depth, Queue};

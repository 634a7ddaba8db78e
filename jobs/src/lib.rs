//! Background work: the job types, the queue they travel on (apalis over
//! Redis, behind the one seam in [`queue`]), the worker that runs them and the
//! scheduler that turns periodic tasks into jobs.

pub mod periodic;
pub mod queue;
pub mod scheduler;
pub mod worker;

pub use queue::Queue;

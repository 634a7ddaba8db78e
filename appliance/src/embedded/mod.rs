//! The private PostgreSQL and Redis of `appliance up`: started from the
//! system binaries on Unix sockets inside the data directory, restarted if
//! they die, stopped (fast shutdown) when the appliance stops.

pub mod postgres;
pub mod redis;
mod supervisor;

pub use supervisor::Supervised;

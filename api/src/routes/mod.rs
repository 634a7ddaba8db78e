pub mod exports;
pub mod schedules;
pub mod session;
pub mod system;

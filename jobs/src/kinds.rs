//! Every job type the appliance runs, with its policy: the one place the
//! worker (how to run it) and the relay (how many attempts it gets) read.

use std::time::Duration;

use erp::attachments::ThumbnailRequested;
use erp::jobs::{ExportRequested, ImportRequested, Job};
use erp::mail::SendMail;
use erp::reports::ReportRequested;

use crate::periodic::PeriodicRun;
use crate::policy::Policy;

/// The policy of the type named `kind`; unknown names get the default.
pub fn policy(kind: &str) -> Policy {
    match kind {
        // Someone waits on the page: quick retries, few at once (each reads
        // a whole company's users).
        ExportRequested::KIND => Policy {
            max_attempts: 3,
            backoff: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
            concurrency: 2,
            limit: 4,
            ..Policy::default()
        },
        // Writes thousands of rows; two at a time across the appliance keep
        // the database responsive for the people using it.
        ImportRequested::KIND => Policy {
            max_attempts: 3,
            backoff: Duration::from_secs(10),
            timeout: Duration::from_secs(1800),
            concurrency: 2,
            limit: 2,
            ..Policy::default()
        },
        // A mail server away for a while is normal: retries spread over a
        // day (10 s doubling to an hour) before the message is given up.
        SendMail::KIND => Policy {
            max_attempts: 12,
            backoff: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(3600),
            timeout: Duration::from_secs(120),
            concurrency: 4,
            ..Policy::default()
        },
        // Someone waits for it on its page; a few at once across the
        // appliance keep the database free for the people using it.
        ReportRequested::KIND => Policy {
            max_attempts: 3,
            backoff: Duration::from_secs(10),
            timeout: Duration::from_secs(600),
            concurrency: 2,
            limit: 4,
            ..Policy::default()
        },
        // Someone just uploaded the photo and waits for it on the page.
        // Decoding is CPU work: one per worker, two across the appliance,
        // so a batch of vehicle photos never starves the web roles.
        ThumbnailRequested::KIND => Policy {
            max_attempts: 3,
            backoff: Duration::from_secs(5),
            timeout: Duration::from_secs(120),
            concurrency: 1,
            limit: 2,
            ..Policy::default()
        },
        PeriodicRun::KIND => Policy {
            max_attempts: 3,
            backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(600),
            concurrency: 2,
            ..Policy::default()
        },
        _ => Policy::default(),
    }
}

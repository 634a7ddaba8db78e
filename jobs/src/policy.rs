//! How each job type is run: attempts, backoff, time limit and concurrency.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Attempts in all, the first included; after the last a failed job goes
    /// to the dead set.
    pub max_attempts: u32,
    /// The delay before the second attempt; it doubles for every later one.
    pub backoff: Duration,
    /// The longest delay between two attempts.
    pub backoff_cap: Duration,
    /// An attempt running longer than this is cancelled (and counts as a
    /// failure); one that does not yield stops having its lease renewed, so
    /// another worker takes the job over.
    pub timeout: Duration,
    /// Jobs of this type running at once in one worker process.
    pub concurrency: usize,
    /// Jobs of this type running at once across all workers; 0 = no limit.
    pub limit: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 8,
            backoff: Duration::from_secs(15),
            backoff_cap: Duration::from_secs(3600),
            timeout: Duration::from_secs(600),
            concurrency: 4,
            limit: 0,
        }
    }
}

impl Policy {
    /// The delay after failed attempt `attempt` (1-based): exponential from
    /// `backoff`, capped, and drawn from its upper half so that jobs which
    /// failed together do not all come back in the same instant.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(30)))
            .min(self.backoff_cap);
        let half = exp / 2;
        half + half.mul_f64(rand::thread_rng().r#gen::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_their_jitter_and_stop_at_the_cap() {
        let p = Policy {
            backoff: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(60),
            ..Policy::default()
        };
        for _ in 0..200 {
            let first = p.delay(1);
            assert!(first >= Duration::from_secs(5) && first <= Duration::from_secs(10));
            let third = p.delay(3);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
            let late = p.delay(40);
            assert!(late >= Duration::from_secs(30) && late <= Duration::from_secs(60));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.delay(2)).collect();
        assert!(spread.len() > 10, "the jitter spreads retries");
    }
}

//! Per-client protections at the edge: open connections, a request rate and
//! a number of requests in flight per client address (pingora-limits), and
//! the largest request body. A client over a limit gets 429 at once; a body over the
//! limit gets 413 before the upstream sees a byte of it when the length is
//! announced, or as soon as the streamed body passes the limit. And one for
//! the upstreams' sake: how many requests go to one upstream at once, the
//! rest waiting their turn at the edge.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use pingora_limits::inflight::{Guard, Inflight};
use pingora_limits::rate::Rate;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::refusals::Refusal;
use crate::cli::LimitArgs;

pub struct Limits {
    args: LimitArgs,
    rate: Rate,
    inflight: Inflight,
    connections: Inflight,
    /// By upstream: the turns for requests in flight to it.
    turns: RwLock<HashMap<SocketAddr, Arc<Semaphore>>>,
}

/// One upstream's turns: as many as `max_upstream_requests` (none to wait
/// for when that is 0), and how long a request waits for one.
#[derive(Clone)]
pub struct Turns {
    permits: Option<Arc<Semaphore>>,
    wait: Duration,
}

impl Turns {
    /// Wait for a turn while the upstream has its most requests in flight,
    /// up to the upstream timeout; first come, first served.
    pub async fn take(&self) -> Result<UpstreamTurn, UpstreamBusy> {
        let Some(permits) = &self.permits else {
            return Ok(UpstreamTurn(None));
        };
        // A free turn is taken at once, without arming a timer for the wait.
        if let Ok(permit) = permits.clone().try_acquire_owned() {
            return Ok(UpstreamTurn(Some(permit)));
        }
        // Pingora's shared timers (one per 10 ms deadline, armed only if
        // the wait is pending), as for its own I/O timeouts: under a burst
        // every request waits here, and a tokio timer each cost ~0.5 % of
        // the edge's CPU in `bench/edge.py`.
        match pingora::time::fast_timeout::fast_timeout(self.wait, permits.clone().acquire_owned())
            .await
        {
            Ok(Ok(permit)) => Ok(UpstreamTurn(Some(permit))),
            _ => Err(UpstreamBusy),
        }
    }
}

/// A request's turn at its upstream, given back when dropped.
pub struct UpstreamTurn(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

/// The upstream had its most requests in flight for the whole upstream timeout.
#[derive(Debug, PartialEq, Eq)]
pub struct UpstreamBusy;

/// Held for as long as the request is in flight, and dropped before the
/// answer's last bytes go out (not with the request's context, after
/// them): a client may send its next request the moment it has read the
/// answer, and must not find the one before still counted.
pub struct Admitted(#[allow(dead_code)] Option<Guard>);

/// Held for as long as the connection is open.
pub struct Connected(Option<Guard>);

impl Connected {
    /// Whether there is a count to give back (the limit is on).
    pub fn counted(&self) -> bool {
        self.0.is_some()
    }
}

/// A client already holds as many connections as it may.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyConnections;

impl Limits {
    pub fn new(args: LimitArgs) -> Limits {
        Limits {
            args,
            rate: Rate::new(Duration::from_secs(1)),
            inflight: Inflight::new(),
            connections: Inflight::new(),
            turns: RwLock::new(HashMap::new()),
        }
    }

    /// Wait for a turn at `upstream` (see [`Turns::take`]).
    pub async fn upstream_turn(&self, upstream: SocketAddr) -> Result<UpstreamTurn, UpstreamBusy> {
        self.turns(upstream).take().await
    }

    /// The turns at `upstream`, shared by every request to it. An edge that
    /// knows its upstreams at start asks once and keeps them, so a request
    /// does not look its upstream up in the shared map.
    pub fn turns(&self, upstream: SocketAddr) -> Turns {
        let wait = self.upstream_timeout();
        let most = self.args.max_upstream_requests;
        if most == 0 {
            return Turns {
                permits: None,
                wait,
            };
        }
        // Every request reads the map; only an upstream's first writes it.
        let known = self
            .turns
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&upstream)
            .cloned();
        let permits = known.unwrap_or_else(|| {
            self.turns
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(upstream)
                .or_insert_with(|| Arc::new(Semaphore::new(most as usize)))
                .clone()
        });
        Turns {
            permits: Some(permits),
            wait,
        }
    }

    /// Count a new connection against its client; `Err` when it is one too many.
    pub fn connect(&self, client: IpAddr) -> Result<Connected, TooManyConnections> {
        let most = self.args.max_connections_per_client;
        if most == 0 {
            return Ok(Connected(None));
        }
        let (guard, now) = self.connections.incr(client, 1);
        if now > most as isize {
            return Err(TooManyConnections);
        }
        Ok(Connected(Some(guard)))
    }

    /// Count the request against its client; `Err` when it is one too many.
    pub fn admit(&self, client: Option<IpAddr>) -> Result<Admitted, Refusal> {
        let Some(ip) = client else {
            // Unix-socket clients are local processes: nothing to protect against.
            return Ok(Admitted(None));
        };
        let per_second = self.args.max_requests_per_second;
        if per_second > 0 && self.rate.observe(&ip, 1) > per_second as isize {
            return Err(Refusal::TooManyRequests);
        }
        let most = self.args.max_concurrent_requests;
        if most == 0 {
            return Ok(Admitted(None));
        }
        let (guard, now) = self.inflight.incr(ip, 1);
        if now > most as isize {
            // Dropping the guard takes this request back out of the count.
            return Err(Refusal::TooManyRequests);
        }
        Ok(Admitted(Some(guard)))
    }

    /// Refuse an announced body length over the limit.
    pub fn check_length(&self, content_length: Option<u64>) -> Result<(), Refusal> {
        match content_length {
            Some(n) if n > self.args.max_body_bytes => Err(Refusal::TooLarge),
            _ => Ok(()),
        }
    }

    /// The largest request body.
    pub fn max_body(&self) -> u64 {
        self.args.max_body_bytes
    }

    /// How long the client may take to send the next part of its request.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_secs(self.args.client_timeout_seconds)
    }

    /// How long the upstream may take between two parts of its answer.
    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_secs(self.args.upstream_timeout_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(per_second: u32, concurrent: u32) -> LimitArgs {
        LimitArgs {
            max_requests_per_second: per_second,
            max_concurrent_requests: concurrent,
            max_connections_per_client: 2,
            max_body_bytes: 10,
            client_timeout_seconds: 30,
            upstream_timeout_seconds: 1,
            max_upstream_requests: 2,
        }
    }

    #[tokio::test]
    async fn requests_to_an_upstream_wait_their_turn() {
        let limits = Limits::new(args(0, 0));
        let (up, other): (SocketAddr, SocketAddr) =
            (([10, 0, 0, 9], 80).into(), ([10, 0, 0, 9], 81).into());
        let first = limits.upstream_turn(up).await;
        let second = limits.upstream_turn(up).await;
        assert!(first.is_ok() && second.is_ok());
        assert!(
            limits.upstream_turn(other).await.is_ok(),
            "another upstream has its own turns"
        );
        // A third waits; past the upstream timeout (1 s here) it gives up.
        assert_eq!(limits.upstream_turn(up).await.err(), Some(UpstreamBusy));
        // One that waits gets the turn given back.
        let waiting = limits.upstream_turn(up);
        drop(first);
        assert!(waiting.await.is_ok());
    }

    #[test]
    fn the_rate_is_counted_per_client_address() {
        let limits = Limits::new(args(3, 0));
        let (a, b) = (Some([10, 0, 0, 1].into()), Some([10, 0, 0, 2].into()));
        for _ in 0..3 {
            assert!(limits.admit(a).is_ok());
        }
        assert_eq!(limits.admit(a).err(), Some(Refusal::TooManyRequests));
        assert!(limits.admit(b).is_ok(), "another client is not affected");
        assert!(limits.admit(None).is_ok(), "local sockets are not limited");
    }

    #[test]
    fn requests_in_flight_are_given_back_when_they_end() {
        let limits = Limits::new(args(0, 2));
        let a = Some([10, 0, 0, 1].into());
        let first = limits.admit(a);
        let second = limits.admit(a);
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(limits.admit(a).err(), Some(Refusal::TooManyRequests));
        drop(first);
        assert!(limits.admit(a).is_ok(), "one ended, so one more fits");
    }

    #[test]
    fn connections_are_counted_per_client_until_they_close() {
        let limits = Limits::new(args(0, 0));
        let (a, b) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let first = limits.connect(a);
        let second = limits.connect(a);
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(limits.connect(a).err(), Some(TooManyConnections));
        assert!(limits.connect(b).is_ok(), "another client is not affected");
        drop(second);
        assert!(limits.connect(a).is_ok(), "one closed, so one more fits");
    }

    #[test]
    fn bodies_over_the_limit_are_refused() {
        let limits = Limits::new(args(0, 0));
        assert!(limits.check_length(None).is_ok());
        assert!(limits.check_length(Some(10)).is_ok());
        assert_eq!(limits.check_length(Some(11)), Err(Refusal::TooLarge));
    }
}

//! How many SSH connections may be set up at once (README "A thousand hosts"): a cold
//! start of hundreds of nodes takes turns instead of opening every handshake together,
//! and the nodes behind one jump host never crowd it past sshd's `MaxStartups`
//! (10:30:100 by default: from the 10th unauthenticated connection, refusals at random).
//! Only set-ups wait here; a connection once up runs its commands freely.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct ConnectLimits {
    all: Arc<Semaphore>,
    per_jump: usize,
    jumps: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Held while one connection is set up; dropping it lets the next one go.
pub struct Turn {
    _jump: Option<OwnedSemaphorePermit>,
    _all: Option<OwnedSemaphorePermit>,
}

impl ConnectLimits {
    /// `all` set-ups at once over the fleet, `per_jump` through any one jump host (both
    /// at least 1).
    pub fn new(all: usize, per_jump: usize) -> Arc<ConnectLimits> {
        Arc::new(ConnectLimits {
            all: Arc::new(Semaphore::new(all.max(1))),
            per_jump: per_jump.max(1),
            jumps: Mutex::new(HashMap::new()),
        })
    }

    fn jump(&self, key: &str) -> Arc<Semaphore> {
        let mut jumps = self.jumps.lock().unwrap_or_else(|p| p.into_inner());
        jumps
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_jump)))
            .clone()
    }

    /// Wait for a turn to connect, behind the jump host named `jump` (its hop, e.g.
    /// `root@10.0.0.1:22`) if any. The jump's turn comes first, so a node queued behind
    /// a busy jump host holds no fleet-wide turn meanwhile.
    pub async fn enter(&self, jump: Option<&str>) -> Turn {
        // The semaphores are never closed: an error cannot happen, and would only mean
        // connecting without waiting.
        let jump = match jump {
            Some(key) => self.jump(key).acquire_owned().await.ok(),
            None => None,
        };
        let all = self.all.clone().acquire_owned().await.ok();
        Turn {
            _jump: jump,
            _all: all,
        }
    }
}

impl Default for ConnectLimits {
    /// The config's defaults (`[ssh] max_connecting`, `max_connecting_per_jump`).
    fn default() -> ConnectLimits {
        ConnectLimits {
            all: Arc::new(Semaphore::new(64)),
            per_jump: 8,
            jumps: Mutex::new(HashMap::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// Runs `n` set-ups through `limits` (jump `key` for each), each lasting a moment;
    /// returns the most that ran at once.
    async fn peak(
        limits: Arc<ConnectLimits>,
        n: usize,
        key: impl Fn(usize) -> Option<String>,
    ) -> usize {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (limits, now, most, key) = (limits.clone(), now.clone(), most.clone(), key(i));
                tokio::spawn(async move {
                    let _turn = limits.enter(key.as_deref()).await;
                    let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(in_flight, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        most.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn one_jump_host_sees_at_most_its_share() {
        let got = peak(ConnectLimits::new(64, 3), 20, |_| Some("root@j:22".into())).await;
        assert_eq!(got, 3, "20 nodes behind one jump, 3 at a time");
    }

    #[tokio::test]
    async fn the_fleet_wide_bound_holds_across_jumps_and_direct_nodes() {
        let got = peak(ConnectLimits::new(5, 3), 40, |i| match i % 3 {
            0 => None,
            1 => Some("root@a:22".into()),
            _ => Some("root@b:22".into()),
        })
        .await;
        assert_eq!(got, 5);
    }

    #[tokio::test]
    async fn separate_jump_hosts_do_not_share_a_turn() {
        // Two jumps of 2 each and no tighter fleet bound: 4 at once.
        let got = peak(ConnectLimits::new(64, 2), 12, |i| {
            Some(format!("root@j{}:22", i % 2))
        })
        .await;
        assert_eq!(got, 4);
    }
}

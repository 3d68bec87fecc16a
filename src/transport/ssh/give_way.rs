//! A channel that gives way. The node watcher keeps one session open for as long as the
//! connection lives (ARCHITECTURE.md "Watching a node"); on a host whose sshd allows
//! few sessions (`MaxSessions 1`) that session would be the host's only one, and every
//! other session (a poll, `docker` through dial-stdio, a person's shell) refused. The
//! transport knows channels, not watchers: the holder registers a [`Hold`] with its node,
//! and a session refused while the hold's connection is the one asked gets it back.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::oneshot;

use super::session::SshSession;

/// How long a holder is given to close its channel once asked.
const CLOSE_WITHIN: Duration = Duration::from_secs(1);

/// The node's side of a channel that gives way.
pub(super) struct Hold {
    session: Weak<SshSession>,
    ask: oneshot::Sender<oneshot::Sender<()>>,
}

/// The holder's side: [`GiveWay::asked`] resolves when the node needs the session back.
pub struct GiveWay {
    asked: Option<oneshot::Receiver<oneshot::Sender<()>>>,
}

/// Handed to a holder that was asked: say [`Closed::done`] once the channel is closed.
pub struct Closed(oneshot::Sender<()>);

/// A hold on a channel of `session`, and its holder's side.
pub(super) fn pair(session: &Arc<SshSession>) -> (Hold, GiveWay) {
    let (ask, asked) = oneshot::channel();
    (
        Hold {
            session: Arc::downgrade(session),
            ask,
        },
        GiveWay { asked: Some(asked) },
    )
}

impl Hold {
    /// Whether the held channel is on `session` (a channel of a lost connection holds
    /// nothing on the new one).
    pub(super) fn on(&self, session: &Arc<SshSession>) -> bool {
        std::ptr::eq(self.session.as_ptr(), Arc::as_ptr(session))
    }

    /// Ask the holder to close its channel, and wait a moment for it to say it has.
    /// Returns whether it was asked: `false` when the holder is gone already.
    pub(super) async fn ask(self) -> bool {
        ask_holder(self.ask).await
    }
}

async fn ask_holder(ask: oneshot::Sender<oneshot::Sender<()>>) -> bool {
    let (done, closed) = oneshot::channel();
    if ask.send(done).is_err() {
        return false;
    }
    // Asked either way: a holder slow to close still closes, and the caller retries.
    let _ = tokio::time::timeout(CLOSE_WITHIN, closed).await;
    true
}

impl GiveWay {
    /// Resolves when the node needs the channel's session back; pending forever once the
    /// node dropped the hold (another took its place).
    pub async fn asked(&mut self) -> Closed {
        if let Some(asked) = &mut self.asked
            && let Ok(done) = asked.await
        {
            self.asked = None;
            return Closed(done);
        }
        self.asked = None;
        std::future::pending().await
    }
}

impl Closed {
    pub fn done(self) {
        let _ = self.0.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder() -> (oneshot::Sender<oneshot::Sender<()>>, GiveWay) {
        let (ask, asked) = oneshot::channel();
        (ask, GiveWay { asked: Some(asked) })
    }

    #[tokio::test]
    async fn the_holder_is_asked_and_says_when_it_closed() {
        let (ask, mut give_way) = holder();
        let holder = tokio::spawn(async move {
            let closed = give_way.asked().await;
            closed.done();
        });
        let started = std::time::Instant::now();
        assert!(ask_holder(ask).await, "asked");
        assert!(
            started.elapsed() < CLOSE_WITHIN,
            "it said so before the limit"
        );
        holder.await.expect("holder task");
    }

    #[tokio::test]
    async fn a_holder_gone_is_not_asked_and_a_dropped_hold_never_asks() {
        let (ask, give_way) = holder();
        drop(give_way);
        assert!(!ask_holder(ask).await);

        let (ask, mut give_way) = holder();
        drop(ask);
        let waited = tokio::time::timeout(Duration::from_millis(50), give_way.asked()).await;
        assert!(waited.is_err(), "no hold, no ask");
    }
}

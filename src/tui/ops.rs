//! The seam where the console's operations (check, proxy plan/apply, create, delete) are
//! run. Each will plan, confirm and apply, reporting through [`Msg`]s; until they are
//! wired, asking for one says so in the activity panel.

use tokio::sync::mpsc::UnboundedSender;

use crate::app::{Level, Msg, OpRequest};

/// Start `op`. Read-only mode has already refused the mutating ones (in `update`, and
/// again in the effect runner).
pub fn start(op: OpRequest, tx: &UnboundedSender<Msg>) {
    let _ = tx.send(Msg::Notice {
        level: Level::Info,
        text: format!("{}: not available yet", op.label()),
    });
}

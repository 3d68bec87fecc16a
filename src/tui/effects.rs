//! Runs effects as tasks; their results come back as messages.

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::{Effect, Msg};
use crate::fleet::poller::Poller;
use crate::inventory::Inventory;

pub struct Runner {
    tx: UnboundedSender<Msg>,
    inventory_path: PathBuf,
    read_only: bool,
    poller: Option<Poller>,
}

impl Runner {
    pub fn new(
        tx: UnboundedSender<Msg>,
        inventory_path: PathBuf,
        read_only: bool,
        poller: Option<Poller>,
    ) -> Runner {
        Runner {
            tx,
            inventory_path,
            read_only,
            poller,
        }
    }

    pub fn run(&self, effect: Effect) {
        match effect {
            Effect::LoadSites => self.load_sites(),
            Effect::RefreshFleet => {
                if let Some(p) = &self.poller {
                    p.refresh_all();
                }
            }
        }
    }

    /// SQLite is blocking: read it off the event loop.
    pub fn load_sites(&self) {
        let tx = self.tx.clone();
        let path = self.inventory_path.clone();
        let read_only = self.read_only;
        tokio::task::spawn_blocking(move || {
            let result = read_sites(&path, read_only);
            if let Err(e) = &result {
                tracing::warn!(error = %e, "inventory read failed");
            }
            // The console may have quit meanwhile; nobody to tell then.
            let _ = tx.send(Msg::SitesLoaded(result));
        });
    }
}

fn read_sites(
    path: &std::path::Path,
    read_only: bool,
) -> Result<Vec<crate::inventory::Site>, String> {
    if read_only {
        // Monitoring mode never creates or migrates the inventory.
        if !path.exists() {
            return Ok(Vec::new());
        }
        let inv = Inventory::open_read_only(path).map_err(|e| e.to_string())?;
        return inv.sites().map_err(|e| e.to_string());
    }
    let inv = Inventory::open(path).map_err(|e| e.to_string())?;
    inv.sites().map_err(|e| e.to_string())
}

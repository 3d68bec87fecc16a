//! Messages into `update`, and the effects it asks the driver to run.

use super::Action;
use crate::fleet::poller::PollEvent;
use crate::inventory::Site;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Action(Action),
    /// The inventory was read (or could not be).
    SitesLoaded(Result<Vec<Site>, String>),
    /// Typing into the `/` filter.
    FilterEdit(FilterEdit),
    /// A node was polled, or its containers re-read after an engine event.
    Poll(PollEvent),
    /// The terminal changed size; the next frame uses the new size.
    Resized,
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly.
    Signal(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterEdit {
    Insert(char),
    Backspace,
    /// Keep the filter and go back to navigating.
    Accept,
    /// Drop the filter.
    Cancel,
}

/// Work with side effects, run by the driver; results come back as [`Msg`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadSites,
    /// Poll every node now.
    RefreshFleet,
}

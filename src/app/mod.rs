//! The console's pure core: state, messages, actions and `update`. Nothing here touches
//! the terminal, the network or the database.

pub mod action;
pub mod confirm;
pub mod create_form;
pub mod keymap;
pub mod msg;
pub mod rows;
pub mod state;
pub mod update;

pub use action::Action;
pub use keymap::{KeySpec, Keymap};
pub use msg::{Effect, FilterEdit, Msg};
pub use state::{Activity, Level, SitesView, State};
pub use update::update;

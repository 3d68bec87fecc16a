//! The console's pure core: state, messages, actions and `update`. Nothing here touches
//! the terminal, the network or the database.

pub mod action;
pub mod activity_view;
pub mod adopt_form;
pub mod ask_form;
pub mod columns;
pub mod confirm;
pub mod create_form;
pub mod details;
pub mod events_view;
pub mod findings;
pub mod index;
pub mod inspect;
pub mod keymap;
pub mod layout;
pub mod logs;
pub mod msg;
pub mod palette;
pub mod progress;
pub mod rows;
pub mod sgr;
pub mod state;
pub mod stats;
pub mod update;

pub use action::{Action, Mode};
pub use keymap::{KeySpec, Keymap};
pub use msg::{ConfirmEdit, Effect, FilterEdit, Mouse, Msg, OpRequest, PaletteEdit, StreamEvent};
pub use state::{Activity, Focus, Level, Modal, SitesView, State, TextInput, View};
pub use update::{update, update_at};

//! `update`: the only place state changes. Pure, so every key path is unit-tested.

use super::{Action, Effect, Msg, SitesView, State};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Action(action) => on_action(state, action),
        Msg::SitesLoaded(result) => {
            state.sites = match result {
                Ok(sites) => SitesView::Loaded(sites),
                Err(e) => SitesView::Failed(e),
            };
            state.selected = state.selected.min(state.site_count().saturating_sub(1));
            Vec::new()
        }
        Msg::Resized => Vec::new(),
        Msg::Signal(_) => {
            state.should_quit = true;
            Vec::new()
        }
    }
}

fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.show_help {
        // The help popup is modal: it closes on help/close, and quit still quits.
        match action {
            Action::Help | Action::Close => state.show_help = false,
            Action::Quit => state.should_quit = true,
            _ => {}
        }
        return Vec::new();
    }
    let last = state.site_count().saturating_sub(1);
    let page = state.page_rows.max(1);
    match action {
        Action::Quit => state.should_quit = true,
        Action::Help => state.show_help = true,
        Action::Close => {}
        Action::Up => state.selected = state.selected.saturating_sub(1),
        Action::Down => state.selected = (state.selected + 1).min(last),
        Action::PageUp => state.selected = state.selected.saturating_sub(page),
        Action::PageDown => state.selected = (state.selected + page).min(last),
        Action::Top => state.selected = 0,
        Action::Bottom => state.selected = last,
        Action::Refresh => return vec![Effect::LoadSites],
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Keymap;
    use crate::inventory::{Site, SiteState};

    fn state() -> State {
        State::new(
            false,
            "built-in default".into(),
            "/tmp/i.db".into(),
            Keymap::defaults(),
        )
    }

    fn sites(n: usize) -> Vec<Site> {
        (0..n)
            .map(|i| Site {
                domain: format!("s{i}.example.org"),
                login: "alice".into(),
                vlan: 100,
                node: None,
                ip: std::net::Ipv4Addr::new(10, 2, 0, 2 + i as u8),
                container_id: None,
                image: None,
                port: None,
                state: SiteState::Active,
                created_at: String::new(),
                updated_at: String::new(),
            })
            .collect()
    }

    #[test]
    fn help_opens_blocks_navigation_and_closes() {
        let mut s = state();
        update(&mut s, Msg::SitesLoaded(Ok(sites(3))));
        update(&mut s, Msg::Action(Action::Help));
        assert!(s.show_help);
        update(&mut s, Msg::Action(Action::Down));
        assert_eq!(s.selected, 0, "navigation is blocked under the popup");
        update(&mut s, Msg::Action(Action::Close));
        assert!(!s.show_help);
        update(&mut s, Msg::Action(Action::Help));
        update(&mut s, Msg::Action(Action::Help));
        assert!(!s.show_help, "help toggles");
        update(&mut s, Msg::Action(Action::Help));
        update(&mut s, Msg::Action(Action::Quit));
        assert!(s.should_quit, "quit works from the help popup");
    }

    #[test]
    fn navigation_stays_in_bounds() {
        let mut s = state();
        update(&mut s, Msg::Action(Action::Down));
        assert_eq!(s.selected, 0, "no rows, no movement");
        update(&mut s, Msg::SitesLoaded(Ok(sites(25))));
        s.page_rows = 10;
        update(&mut s, Msg::Action(Action::PageDown));
        assert_eq!(s.selected, 10);
        update(&mut s, Msg::Action(Action::Bottom));
        assert_eq!(s.selected, 24);
        update(&mut s, Msg::Action(Action::Down));
        assert_eq!(s.selected, 24);
        update(&mut s, Msg::Action(Action::PageUp));
        assert_eq!(s.selected, 14);
        update(&mut s, Msg::Action(Action::Top));
        update(&mut s, Msg::Action(Action::Up));
        assert_eq!(s.selected, 0);
    }

    #[test]
    fn reload_keeps_selection_inside_a_shorter_list() {
        let mut s = state();
        update(&mut s, Msg::SitesLoaded(Ok(sites(10))));
        update(&mut s, Msg::Action(Action::Bottom));
        update(&mut s, Msg::SitesLoaded(Ok(sites(4))));
        assert_eq!(s.selected, 3);
        update(&mut s, Msg::SitesLoaded(Err("disk I/O error".into())));
        assert_eq!(s.sites, SitesView::Failed("disk I/O error".into()));
        assert_eq!(s.selected, 0);
    }

    #[test]
    fn refresh_asks_for_a_reload_and_signals_quit() {
        let mut s = state();
        assert_eq!(
            update(&mut s, Msg::Action(Action::Refresh)),
            vec![Effect::LoadSites]
        );
        update(&mut s, Msg::Signal("SIGTERM"));
        assert!(s.should_quit);
    }
}

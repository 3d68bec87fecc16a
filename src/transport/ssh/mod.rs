pub mod known_hosts;

//! Step-by-step reporting of an apply, so the console's activity panel and the CLI's
//! stderr both show where an operation is while it runs.

/// Receives one line per step of an apply ("creating network vlan100 on h1", ...).
pub trait Progress: Send + Sync {
    fn step(&self, text: &str);
}

/// Drops every step (tests, and callers that only want the result).
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _text: &str) {}
}

/// Forwards each step to a closure (the CLI prints to stderr, the console sends a message).
pub struct ProgressFn<F: Fn(&str) + Send + Sync>(pub F);

impl<F: Fn(&str) + Send + Sync> Progress for ProgressFn<F> {
    fn step(&self, text: &str) {
        (self.0)(text);
    }
}

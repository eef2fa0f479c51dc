//! How long work tells the command line how far it got; the library draws
//! nothing itself (the CLI shows an indicatif bar, the daemon nothing).

/// Told the amount of work up front, then each step done.
pub trait Progress {
    fn start(&mut self, what: &str, total: u64);
    fn advance(&mut self);
    fn finish(&mut self);
}

/// For callers that show nothing (the daemon, tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _what: &str, _total: u64) {}
    fn advance(&mut self) {}
    fn finish(&mut self) {}
}

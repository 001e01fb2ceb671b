//! Config as code: what a service needs to take its sections of a Quayside file (`queues`,
//! `topics`, ...) and to write its state back as one. The file's format, its checks and the
//! order of sections are the emulator's; each service reads and applies its own declarations.

/// What applying does with a resource that exists and differs from its declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Set what the file says.
    Update,
    /// Leave it, and report the differences.
    Report,
}

/// What applying did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Resources made (a label each).
    pub made: Vec<String>,
    /// Resources changed to match the file.
    pub updated: Vec<String>,
    /// Differences left in place (`Mode::Report`).
    pub differences: Vec<String>,
}

/// A declaration that could not be applied: its index in its section, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub index: usize,
    pub message: String,
}

impl Declared {
    pub fn error(index: usize, message: impl Into<String>) -> Self {
        Declared { index, message: message.into() }
    }
}

/// Applying a section: what was done, or the first declaration that failed.
pub type Applied = Result<Outcome, Declared>;

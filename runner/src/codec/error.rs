//! The error type shared by every `parse` and `emit` in [`crate::wire`].

use thiserror::Error;

/// Why bytes could not be parsed, or a repr could not be emitted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// Fewer bytes were present than the header needs.
    #[error("{what}: truncated, need {need} bytes, have {have}")]
    Truncated {
        /// Which header or field.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// The bytes are present but do not form a valid header.
    #[error("{what}: malformed: {reason}")]
    Malformed {
        /// Which header or field.
        what: &'static str,
        /// Human-readable reason.
        reason: String,
    },
    /// A value does not fit its field when emitting.
    #[error("{what}: {len} exceeds the maximum of {max}")]
    TooLong {
        /// Which header or field.
        what: &'static str,
        /// The length asked for.
        len: usize,
        /// The maximum allowed.
        max: usize,
    },
}

impl WireError {
    /// Shorthand for [`WireError::Truncated`].
    pub fn truncated(what: &'static str, need: usize, have: usize) -> Self {
        WireError::Truncated { what, need, have }
    }

    /// Shorthand for [`WireError::Malformed`].
    pub fn malformed(what: &'static str, reason: impl Into<String>) -> Self {
        WireError::Malformed {
            what,
            reason: reason.into(),
        }
    }

    /// Returns an error if `bytes` is shorter than `need`.
    pub fn check_len(what: &'static str, bytes: &[u8], need: usize) -> Result<(), Self> {
        if bytes.len() < need {
            Err(Self::truncated(what, need, bytes.len()))
        } else {
            Ok(())
        }
    }
}

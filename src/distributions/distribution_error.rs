//! The error type for distributions and policies.

use std::fmt;

/// Why a distribution or policy function rejected its input.
///
/// Every variant names the offending value and, where there is one, its index, so
/// that a caller can find the bad entry in a batch without re-scanning it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DistributionError {
    /// An input slice that must hold at least one element was empty.
    Empty {
        /// Which argument was empty (`"logits"`, `"probs"`, `"log_std"`, …).
        what: &'static str,
    },
    /// A logit was NaN or `+∞`. (`−∞` is allowed: it masks the action.)
    InvalidLogit {
        /// Position of the logit.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// Every logit was `−∞`, so no action is available.
    AllMasked {
        /// Number of actions, all masked.
        len: usize,
    },
    /// A probability was negative, NaN or infinite.
    InvalidProbability {
        /// Position of the probability.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// Probabilities did not sum to one within [`NORMALISATION_TOLERANCE`].
    NotNormalised {
        /// The sum that was found.
        sum: f64,
    },
    /// A value that must be finite (a mean, a log standard deviation, a sample
    /// coordinate) was NaN or infinite.
    NonFinite {
        /// Which argument held it (`"mean"`, `"log_std"`, `"x"`, `"u"`).
        what: &'static str,
        /// Position within that argument.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// Two arguments that must have the same length did not.
    DimensionMismatch {
        /// Which argument had the wrong length.
        what: &'static str,
        /// The length required by the other arguments.
        expected: usize,
        /// The length that was passed.
        found: usize,
    },
    /// A squashed action was outside the open interval (−1, 1), or NaN.
    ActionOutOfRange {
        /// Position of the coordinate.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// A Monte-Carlo estimator was asked for fewer samples than it needs to
    /// report a standard error.
    TooFewSamples {
        /// Samples requested.
        requested: usize,
        /// Minimum number of samples.
        minimum: usize,
    },
}

/// Largest accepted `|Σ p − 1|` for a probability vector: `1e-8`.
///
/// Probabilities computed in `f64` by a softmax are normalised to within a few
/// ulps per action, far inside this bound; a vector produced in `f32` and
/// widened can exceed it, and should be renormalised (or passed as logits).
pub const NORMALISATION_TOLERANCE: f64 = 1e-8;

impl fmt::Display for DistributionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty { what } => write!(f, "`{what}` is empty; at least one entry is required"),
            Self::InvalidLogit { index, value } => write!(
                f,
                "logit {index} is {value}; logits must be finite or −∞ (masked)"
            ),
            Self::AllMasked { len } => {
                write!(
                    f,
                    "all {len} logits are −∞; at least one action must be unmasked"
                )
            }
            Self::InvalidProbability { index, value } => write!(
                f,
                "probability {index} is {value}; probabilities must be finite and ≥ 0"
            ),
            Self::NotNormalised { sum } => write!(
                f,
                "probabilities sum to {sum}, not 1 (tolerance {NORMALISATION_TOLERANCE:e})"
            ),
            Self::NonFinite { what, index, value } => {
                write!(f, "`{what}[{index}]` is {value}; it must be finite")
            }
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "`{what}` has length {found}, expected {expected}"),
            Self::ActionOutOfRange { index, value } => write!(
                f,
                "action coordinate {index} is {value}; a tanh-squashed action lies in (−1, 1)"
            ),
            Self::TooFewSamples { requested, minimum } => write!(
                f,
                "{requested} Monte-Carlo samples requested; at least {minimum} are needed for a standard error"
            ),
        }
    }
}

impl std::error::Error for DistributionError {}

/// Checks that every entry of `xs` is finite.
pub(crate) fn check_finite(what: &'static str, xs: &[f64]) -> Result<(), DistributionError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(DistributionError::NonFinite {
            what,
            index,
            value: xs[index],
        }),
        None => Ok(()),
    }
}

/// Checks that `xs` has length `expected`.
pub(crate) fn check_len(
    what: &'static str,
    xs: &[f64],
    expected: usize,
) -> Result<(), DistributionError> {
    if xs.len() == expected {
        Ok(())
    } else {
        Err(DistributionError::DimensionMismatch {
            what,
            expected,
            found: xs.len(),
        })
    }
}

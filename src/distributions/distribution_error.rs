//! The error type for distributions and policies.

use std::fmt;

use crate::numerics::compact::Compact;

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
    /// A finite value lay outside the documented domain where the computation stays
    /// finite (for example `ln σ` outside [`LOG_STD_RANGE`]).
    OutOfRange {
        /// Which argument held it (`"log_std"`, `"mean"`).
        what: &'static str,
        /// Position within that argument.
        index: usize,
        /// The rejected value.
        value: f64,
        /// The smallest accepted value.
        low: f64,
        /// The largest accepted value.
        high: f64,
    },
    /// Every input was valid, but the result is not representable: two parts of it
    /// overflowed with opposite signs (`−∞ + ∞`), so not even its sign is known in `f64`.
    Overflow {
        /// Which quantity (`"log_prob"`).
        what: &'static str,
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
                "logit {index} is {value_c}; logits must be finite or −∞ (masked)",
                value_c = Compact(*value)
            ),
            Self::AllMasked { len } => {
                write!(
                    f,
                    "all {len} logits are −∞; at least one action must be unmasked"
                )
            }
            Self::InvalidProbability { index, value } => write!(
                f,
                "probability {index} is {value_c}; probabilities must be finite and ≥ 0",
                value_c = Compact(*value)
            ),
            Self::NotNormalised { sum } => write!(
                f,
                "probabilities sum to {sum_c}, not 1 (tolerance {NORMALISATION_TOLERANCE:e})",
                sum_c = Compact(*sum)
            ),
            Self::NonFinite { what, index, value } => {
                write!(
                    f,
                    "`{what}[{index}]` is {value_c}; it must be finite",
                    value_c = Compact(*value)
                )
            }
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "`{what}` has length {found}, expected {expected}"),
            Self::ActionOutOfRange { index, value } => write!(
                f,
                "action coordinate {index} is {value_c}; a tanh-squashed action lies in (−1, 1)",
                value_c = Compact(*value)
            ),
            Self::OutOfRange {
                what,
                index,
                value,
                low,
                high,
            } => write!(
                f,
                "`{what}[{index}]` is {value_c}; it must lie in [{low_c}, {high_c}]",
                value_c = Compact(*value),
                low_c = Compact(*low),
                high_c = Compact(*high)
            ),
            Self::Overflow { what } => write!(
                f,
                "`{what}` is not representable in f64: two of its terms overflowed with \
                 opposite signs (the inputs are near the limits of the f64 range)"
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

/// The accepted range of a Gaussian's `ln σ`: `[−700, 700]`, so `σ = e^{ln σ}` and
/// `1/σ` are normal `f64` numbers (`e^{±700} ≈ 1e±304`) with room for the products a
/// density or a sample forms. Outside it `σ` underflows to 0 or overflows to `∞`, and
/// every Gaussian quantity turns into `0/0` or `∞ − ∞`.
pub const LOG_STD_RANGE: (f64, f64) = (-700.0, 700.0);

/// The accepted magnitude of a tanh-Gaussian's mean: `|μ| ≤ 1e300`, so that a sample
/// `μ + σ ε` with `σ ≤ e^{700}` cannot overflow. (`tanh` is ±1 to rounding beyond
/// `|u| ≈ 19`, so no useful policy comes near this.)
pub const TANH_GAUSSIAN_MEAN_MAX: f64 = 1e300;

/// Checks that every entry is finite and in `[low, high]`.
pub(crate) fn check_range(
    what: &'static str,
    xs: &[f64],
    (low, high): (f64, f64),
) -> Result<(), DistributionError> {
    check_finite(what, xs)?;
    match xs.iter().position(|x| !(low..=high).contains(x)) {
        Some(index) => Err(DistributionError::OutOfRange {
            what,
            index,
            value: xs[index],
            low,
            high,
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

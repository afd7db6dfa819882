//! The error type for losses computed over a batch.

use std::fmt;

use crate::numerics::compact::Compact;

use crate::distributions::distribution_error::DistributionError;

/// Why a loss function rejected its input.
///
/// Batch losses validate every entry before computing anything, and every variant names
/// the offending value and the batch index where it sits, so that a NaN coming out of a
/// network is found where it enters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LossError {
    /// The batch held no items.
    EmptyBatch,
    /// An argument's length did not match the batch size (or `batch × actions`).
    LengthMismatch {
        /// Which argument had the wrong length.
        what: &'static str,
        /// The length required by the other arguments.
        expected: usize,
        /// The length that was passed.
        found: usize,
    },
    /// The policy of batch item `index` was invalid (see the wrapped
    /// [`DistributionError`]: a NaN or `+∞` logit, all actions masked, …).
    InvalidPolicy {
        /// Batch index of the policy.
        index: usize,
        /// What was wrong with it.
        source: DistributionError,
    },
    /// An action index was outside `0..num_actions`.
    ActionOutOfRange {
        /// Batch index.
        index: usize,
        /// The action that was passed.
        action: usize,
        /// Number of actions.
        num_actions: usize,
    },
    /// The action taken in batch item `index` is masked (logit `−∞`): it has probability
    /// 0 under the policy and could not have been sampled from it.
    MaskedAction {
        /// Batch index.
        index: usize,
        /// The masked action.
        action: usize,
    },
    /// A per-item value that must be finite (a reward, an advantage, a Q-value, a
    /// log-probability) was NaN or infinite.
    NonFinite {
        /// Which argument held it (`"adv_t"`, `"q_t"`, `"log_pi_t"`, …).
        what: &'static str,
        /// Batch index.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// Every input was valid, but the result overflowed `f64` (inputs near `±1e308`, or
    /// products of large values): the loss or its gradient would be infinite or NaN.
    /// The finite inputs that produce it are too large in magnitude; rescale them.
    Overflow {
        /// Which output overflowed (`"loss"`, `"grad_logits"`, `"target"`, …).
        what: &'static str,
        /// Batch index of the first non-finite entry (0 for a scalar).
        index: usize,
    },
    /// A log-probability was above 0 (a probability above 1).
    NotALogProbability {
        /// Which argument held it (`"log_pi_old_t"`).
        what: &'static str,
        /// Batch index.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// A hyperparameter was outside its domain.
    InvalidParameter {
        /// Which hyperparameter (`"alpha"`, `"clip_epsilon"`, `"discount_t"`, …).
        what: &'static str,
        /// The rejected value.
        value: f64,
        /// The domain it must lie in, in words.
        expected: &'static str,
    },
}

impl fmt::Display for LossError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyBatch => write!(f, "the batch is empty; at least one item is required"),
            Self::LengthMismatch {
                what,
                expected,
                found,
            } => write!(f, "`{what}` has length {found}, expected {expected}"),
            Self::InvalidPolicy { index, source } => {
                write!(f, "policy of batch item {index}: {source}")
            }
            Self::ActionOutOfRange {
                index,
                action,
                num_actions,
            } => write!(
                f,
                "action {action} of batch item {index} is out of range (there are {num_actions} actions)"
            ),
            Self::MaskedAction { index, action } => write!(
                f,
                "action {action} of batch item {index} is masked (logit −∞): it has probability 0"
            ),
            Self::NonFinite { what, index, value } => {
                write!(
                    f,
                    "`{what}[{index}]` is {value_c}; it must be finite",
                    value_c = Compact(*value)
                )
            }
            Self::InvalidParameter {
                what,
                value,
                expected,
            } => write!(
                f,
                "`{what}` is {value_c}; it must be {expected}",
                value_c = Compact(*value)
            ),
            Self::NotALogProbability { what, index, value } => write!(
                f,
                "`{what}[{index}]` is {value_c}; a log-probability must be ≤ 0",
                value_c = Compact(*value)
            ),
            Self::Overflow { what, index } => write!(
                f,
                "`{what}` overflowed at batch item {index}: the inputs are too large in \
                 magnitude for f64 arithmetic"
            ),
        }
    }
}

/// The message of [`LossError::InvalidPolicy`] already ends with its cause's, so
/// `source()` is `None`: a reporter that walks the chain prints each message once.
impl std::error::Error for LossError {}

/// Checks that `xs` has length `expected`.
pub(crate) fn check_batch_len(
    what: &'static str,
    xs: &[impl Sized],
    expected: usize,
) -> Result<(), LossError> {
    if xs.len() == expected {
        Ok(())
    } else {
        Err(LossError::LengthMismatch {
            what,
            expected,
            found: xs.len(),
        })
    }
}

/// Checks that every entry of `xs` is finite.
pub(crate) fn check_batch_finite(what: &'static str, xs: &[f64]) -> Result<(), LossError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(LossError::NonFinite {
            what,
            index,
            value: xs[index],
        }),
        None => Ok(()),
    }
}

/// Checks that a temperature is finite and `≥ 0`.
pub(crate) fn check_alpha(alpha: f64) -> Result<(), LossError> {
    if alpha.is_finite() && alpha >= 0.0 {
        Ok(())
    } else {
        Err(LossError::InvalidParameter {
            what: "alpha",
            value: alpha,
            expected: "finite and ≥ 0",
        })
    }
}

/// Checks that every output is finite, so that no loss returns `Ok` with an infinity or a
/// NaN produced by overflow from finite inputs.
pub(crate) fn check_output(what: &'static str, xs: &[f64]) -> Result<(), LossError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(LossError::Overflow { what, index }),
        None => Ok(()),
    }
}

//! The error type of the learners of chapter 10.

use std::fmt;

use crate::numerics::compact::Compact;

use crate::losses::LossError;
use crate::tabular::MdpError;

/// What can go wrong when configuring or running a learner.
///
/// Every variant names the bad value, so that a caller can fix the configuration without
/// reading the learner's source.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LearningError {
    /// A hyperparameter (step size, capacity, batch size, `α`, budget, …) out of range.
    InvalidConfig {
        /// Which hyperparameter.
        what: &'static str,
        /// The rejected value.
        value: f64,
        /// The range it must lie in, in words.
        expected: &'static str,
    },
    /// An input table whose length does not fit the MDP.
    DimensionMismatch {
        /// Which input.
        what: &'static str,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// A state or action index outside the MDP.
    IndexOutOfRange {
        /// `"state"` or `"action"`.
        what: &'static str,
        /// The index.
        index: usize,
        /// The number of states or actions.
        bound: usize,
    },
    /// A sample was requested from an empty replay buffer.
    EmptyBuffer,
    /// A learner's parameters stopped being finite (a step size too large for the rewards).
    Diverged {
        /// The step at which it was detected.
        step: usize,
    },
    /// Every input was valid, but a result overflowed `f64` (entries near `±1e308`, or a
    /// temperature so small or so large that a ratio overflows). Rescale the inputs.
    Overflow {
        /// Which output overflowed (`"gradient"`, `"critic_loss"`, `"slope"`, …).
        what: &'static str,
        /// Index of the first non-finite entry (0 for a scalar).
        index: usize,
    },
    /// The MDP or a policy was rejected.
    Mdp(MdpError),
    /// A loss rejected its batch.
    Loss(LossError),
}

impl fmt::Display for LearningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidConfig {
                what,
                value,
                expected,
            } => write!(f, "`{what}` is {}; it must be {expected}", Compact(*value)),
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "`{what}` has length {found}, expected {expected}"),
            Self::IndexOutOfRange { what, index, bound } => {
                write!(f, "{what} {index} is out of range (there are {bound})")
            }
            Self::EmptyBuffer => write!(f, "cannot sample from an empty replay buffer"),
            Self::Diverged { step } => write!(
                f,
                "the learner's parameters became non-finite at step {step}; lower the step size"
            ),
            Self::Overflow { what, index } => write!(
                f,
                "`{what}` overflowed f64 at index {index} although every input was valid; \
                 rescale the inputs"
            ),
            Self::Mdp(e) => write!(f, "{e}"),
            Self::Loss(e) => write!(f, "{e}"),
        }
    }
}

/// [`LearningError::Mdp`] and [`LearningError::Loss`] are transparent: they display the
/// wrapped error's message, so `source()` is `None` and a reporter that walks the chain
/// prints each message once.
impl std::error::Error for LearningError {}

impl From<MdpError> for LearningError {
    fn from(e: MdpError) -> Self {
        Self::Mdp(e)
    }
}

impl From<LossError> for LearningError {
    fn from(e: LossError) -> Self {
        Self::Loss(e)
    }
}

/// `Err(InvalidConfig)` unless `lo < x ≤ hi` (`lo_open`) or `lo ≤ x ≤ hi`, and finite.
pub(crate) fn check_range(
    what: &'static str,
    x: f64,
    lo: f64,
    hi: f64,
    lo_open: bool,
    expected: &'static str,
) -> Result<(), LearningError> {
    let above = if lo_open { x > lo } else { x >= lo };
    if x.is_finite() && above && x <= hi {
        Ok(())
    } else {
        Err(LearningError::InvalidConfig {
            what,
            value: x,
            expected,
        })
    }
}

/// `Err(InvalidConfig)` unless `n ≥ 1`.
pub(crate) fn check_positive(what: &'static str, n: usize) -> Result<(), LearningError> {
    if n >= 1 {
        Ok(())
    } else {
        Err(LearningError::InvalidConfig {
            what,
            value: 0.0,
            expected: "at least 1",
        })
    }
}

/// `Err(InvalidConfig)` unless `count` items of `bytes_each` bytes can be allocated now
/// (a batch size or a replay count of `usize::MAX` would otherwise panic or abort).
pub(crate) fn check_fits(
    what: &'static str,
    count: usize,
    bytes_each: usize,
) -> Result<(), LearningError> {
    let fits = count
        .checked_mul(bytes_each)
        .is_some_and(|bytes| Vec::<u8>::new().try_reserve_exact(bytes).is_ok());
    if fits {
        Ok(())
    } else {
        Err(LearningError::InvalidConfig {
            what,
            value: count as f64,
            expected: "small enough to allocate",
        })
    }
}

/// `Err(InvalidConfig)` unless `α` is finite and `> 0`.
pub(crate) fn check_soft_alpha(alpha: f64) -> Result<(), LearningError> {
    check_range("alpha", alpha, 0.0, f64::MAX, true, "finite and > 0")
}

/// `Err(InvalidConfig)` unless the MDP's `γ < 1`.
pub(crate) fn check_discount_below_one(discount: f64) -> Result<(), LearningError> {
    check_range(
        "discount",
        discount,
        0.0,
        1.0 - f64::EPSILON / 2.0,
        false,
        "in [0, 1)",
    )
}

/// `Err(DimensionMismatch)` unless `len == expected`.
pub(crate) fn check_len(
    what: &'static str,
    len: usize,
    expected: usize,
) -> Result<(), LearningError> {
    if len == expected {
        Ok(())
    } else {
        Err(LearningError::DimensionMismatch {
            what,
            expected,
            found: len,
        })
    }
}

/// The learning curve of a run: a monitored quantity recorded every so many steps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LearningCurve {
    /// The step counts at which the quantity was recorded (0 is before any update).
    pub steps: Vec<usize>,
    /// The recorded values.
    pub values: Vec<f64>,
}

impl LearningCurve {
    /// Records `value` at `step`.
    pub fn push(&mut self, step: usize, value: f64) {
        self.steps.push(step);
        self.values.push(value);
    }

    /// The last recorded value, if any.
    pub fn last(&self) -> Option<f64> {
        self.values.last().copied()
    }
}

/// `Ok(())` if every entry of `xs` is finite, else [`LearningError::Overflow`] naming `what`
/// and the first bad index: the check on outputs computed from validated inputs.
pub(crate) fn check_finite_output(what: &'static str, xs: &[f64]) -> Result<(), LearningError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(LearningError::Overflow { what, index }),
        None => Ok(()),
    }
}

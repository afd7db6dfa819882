//! The error type for linear–quadratic problems and the solvers built on them.

use std::fmt;

use crate::numerics::compact::Compact;

/// Why a linear–quadratic problem, its Riccati solver or the maximum-entropy LQR rejected
/// its input or could not certify a solution.
///
/// Every variant names the offending matrix (`"A"`, `"B"`, `"Q"`, `"R"`, `"W"`, `"x"`, `"u"`)
/// and, where there is one, the entry or the eigenvalue that failed the check.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LqError {
    /// The state or action dimension was zero.
    Empty {
        /// `"state"` or `"action"`.
        what: &'static str,
    },
    /// A matrix or vector had the wrong shape.
    DimensionMismatch {
        /// Which argument (`"B"`, `"Q"`, `"x"`, …).
        what: &'static str,
        /// `(rows, columns)` required.
        expected: (usize, usize),
        /// `(rows, columns)` passed.
        found: (usize, usize),
    },
    /// An entry of an argument was NaN or infinite (a result that overflows from finite
    /// arguments is [`LqError::Overflow`]).
    NonFinite {
        /// Which argument.
        what: &'static str,
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// The rejected value.
        value: f64,
    },
    /// A matrix that must be symmetric (`Q`, `R`, `W`) was not, beyond a relative
    /// tolerance of `1e-10` of its largest entry.
    NotSymmetric {
        /// Which matrix.
        what: &'static str,
        /// Row of the worst pair.
        row: usize,
        /// Column of the worst pair.
        col: usize,
        /// `|M[row, col] − M[col, row]|`.
        asymmetry: f64,
    },
    /// A matrix that must be positive semidefinite (`Q`, `W`) had a negative eigenvalue
    /// beyond rounding (`−1e-10` of its largest entry).
    NotPositiveSemidefinite {
        /// Which matrix.
        what: &'static str,
        /// Its smallest eigenvalue.
        min_eigenvalue: f64,
    },
    /// A matrix that must be positive definite (`R`) had an eigenvalue `≤ 0` or too small
    /// to invert reliably (below `1e-12` of its largest entry).
    NotPositiveDefinite {
        /// Which matrix.
        what: &'static str,
        /// Its smallest eigenvalue.
        min_eigenvalue: f64,
    },
    /// The discount was outside `(0, 1)` (the infinite-horizon soft value needs `γ < 1`).
    InvalidDiscount {
        /// The rejected value.
        value: f64,
    },
    /// The temperature `α` was negative, NaN or infinite.
    InvalidTemperature {
        /// The rejected value.
        value: f64,
    },
    /// A solver or learner setting was out of range.
    InvalidParameter {
        /// Which setting.
        what: &'static str,
        /// The rejected value.
        value: f64,
        /// What is allowed.
        expected: &'static str,
    },
    /// The Riccati solver could not certify a solution within its iteration budget, or its
    /// iterates stopped being finite. This happens when `(√γ A, √γ B)` is not stabilisable
    /// (no linear policy keeps the discounted cost finite) or, less often, when the budget
    /// or the tolerance is too tight for the problem's conditioning.
    RiccatiNotConverged {
        /// Doubling steps taken.
        iterations: usize,
        /// The last certified bound on `‖P − P*‖₂` (`∞` if none could be formed).
        error_bound: f64,
    },
    /// A learner's parameters stopped being finite (too large a step size, or a problem
    /// whose open loop explodes before the policy learns to stabilise it).
    LearnerDiverged {
        /// Environment step at which it was detected.
        step: usize,
    },
    /// Every input was valid, but a result overflowed `f64` (entries near `±1e308`, or
    /// products of large values). Rescale the inputs.
    Overflow {
        /// Which output overflowed (`"next_state"`, `"params"`, …).
        what: &'static str,
        /// Index of the first non-finite entry (0 for a scalar).
        index: usize,
    },
}

impl fmt::Display for LqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty { what } => {
                write!(f, "the {what} dimension is zero; at least one is required")
            }
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "`{what}` is {}×{}, expected {}×{}",
                found.0, found.1, expected.0, expected.1
            ),
            Self::NonFinite {
                what,
                row,
                col,
                value,
            } => write!(
                f,
                "`{what}`[{row}, {col}] is {value_c}; entries must be finite",
                value_c = Compact(*value)
            ),
            Self::NotSymmetric {
                what,
                row,
                col,
                asymmetry,
            } => write!(
                f,
                "`{what}` is not symmetric: entries ({row}, {col}) and ({col}, {row}) differ by {asymmetry:e}"
            ),
            Self::NotPositiveSemidefinite {
                what,
                min_eigenvalue,
            } => write!(
                f,
                "`{what}` must be positive semidefinite; its smallest eigenvalue is {min_eigenvalue:e}"
            ),
            Self::NotPositiveDefinite {
                what,
                min_eigenvalue,
            } => write!(
                f,
                "`{what}` must be positive definite; its smallest eigenvalue is {min_eigenvalue:e}"
            ),
            Self::InvalidDiscount { value } => {
                write!(f, "discount γ = {}; it must lie in (0, 1)", Compact(*value))
            }
            Self::InvalidTemperature { value } => {
                write!(
                    f,
                    "temperature α = {}; it must be finite and ≥ 0",
                    Compact(*value)
                )
            }
            Self::InvalidParameter {
                what,
                value,
                expected,
            } => write!(f, "`{what}` = {}; expected {expected}", Compact(*value)),
            Self::RiccatiNotConverged {
                iterations,
                error_bound,
            } => write!(
                f,
                "the Riccati solver stopped after {iterations} doublings with error bound {error_bound:e}; \
                 is (√γ A, √γ B) stabilisable?"
            ),
            Self::LearnerDiverged { step } => write!(
                f,
                "the learner's parameters stopped being finite at step {step}; reduce the step sizes"
            ),
            Self::Overflow { what, index } => write!(
                f,
                "`{what}` overflowed f64 at index {index} although every input was valid; \
                 rescale the inputs"
            ),
        }
    }
}

impl std::error::Error for LqError {}

/// `Ok(())` if every entry of `xs` is finite, else [`LqError::Overflow`] naming `what` and
/// the first bad index: the check on outputs computed from validated inputs.
pub(crate) fn check_finite_output(what: &'static str, xs: &[f64]) -> Result<(), LqError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(LqError::Overflow { what, index }),
        None => Ok(()),
    }
}

/// `Ok(())` if every entry of the argument `xs` is finite, else [`LqError::NonFinite`]
/// naming `what` and the first NaN or infinite entry (as row `i`, column 0).
pub(crate) fn check_finite_input(what: &'static str, xs: &[f64]) -> Result<(), LqError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(row) => Err(LqError::NonFinite {
            what,
            row,
            col: 0,
            value: xs[row],
        }),
        None => Ok(()),
    }
}

//! The error type for tabular MDPs, policies and the solvers built on them.

use std::fmt;

use crate::numerics::compact::Compact;

use crate::distributions::distribution_error::NORMALISATION_TOLERANCE;

/// Why an MDP, a tabular policy or a dynamic-programming solver rejected its input.
///
/// Every variant names the offending value and where it is — the state-action pair
/// `(s, a)` for a transition row or reward, the state `s` for a distribution — so that a
/// caller can find the bad entry in a large table without re-scanning it. Probability
/// rows must sum to one within [`NORMALISATION_TOLERANCE`] (`1e-8`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MdpError {
    /// There were no states or no actions.
    Empty {
        /// `"states"`, `"actions"` or `"steps"` (a time-indexed policy with no steps).
        what: &'static str,
    },
    /// An argument had the wrong length for the MDP's number of states or actions.
    DimensionMismatch {
        /// Which argument had the wrong length (`"rewards"`, `"transitions"`, …).
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length that was passed.
        found: usize,
    },
    /// A transition probability `P(s' | s, a)` was negative, NaN or infinite.
    InvalidTransitionProbability {
        /// State of the offending row.
        s: usize,
        /// Action of the offending row.
        a: usize,
        /// Successor state.
        next_state: usize,
        /// The rejected value.
        value: f64,
    },
    /// The successor probabilities of `(s, a)` did not sum to one within
    /// [`NORMALISATION_TOLERANCE`].
    TransitionNotNormalised {
        /// State of the offending row.
        s: usize,
        /// Action of the offending row.
        a: usize,
        /// The sum that was found.
        sum: f64,
    },
    /// A successor index was not a state of the MDP.
    SuccessorOutOfRange {
        /// State of the offending row.
        s: usize,
        /// Action of the offending row.
        a: usize,
        /// The rejected successor index.
        next_state: usize,
        /// Number of states.
        num_states: usize,
    },
    /// A reward `r(s, a)` was NaN or infinite.
    NonFiniteReward {
        /// State.
        s: usize,
        /// Action (for state rewards `r(s)`, 0).
        a: usize,
        /// The rejected value.
        value: f64,
    },
    /// The discount was outside `[0, 1]` (or NaN).
    InvalidDiscount {
        /// The rejected value.
        value: f64,
    },
    /// An infinite-horizon method needs `γ < 1`, and the MDP has `γ = 1`.
    DiscountNotBelowOne {
        /// The MDP's discount.
        value: f64,
    },
    /// An entry of a state distribution (the initial distribution) was negative, NaN or
    /// infinite.
    InvalidStateProbability {
        /// State.
        s: usize,
        /// The rejected value.
        value: f64,
    },
    /// A state distribution did not sum to one within [`NORMALISATION_TOLERANCE`].
    StateDistributionNotNormalised {
        /// The sum that was found.
        sum: f64,
    },
    /// A state index (a terminal state, a start state) was not a state of the MDP.
    StateOutOfRange {
        /// The rejected index.
        state: usize,
        /// Number of states.
        num_states: usize,
    },
    /// A policy probability `π(a | s)` was negative, NaN or infinite, or a
    /// log-probability was NaN or `+∞`.
    InvalidPolicyProbability {
        /// State.
        s: usize,
        /// Action.
        a: usize,
        /// The rejected value.
        value: f64,
    },
    /// The action probabilities of a policy in state `s` did not sum to one within
    /// [`NORMALISATION_TOLERANCE`].
    PolicyNotNormalised {
        /// State.
        s: usize,
        /// The sum that was found.
        sum: f64,
    },
    /// An action index was not an action of the MDP.
    ActionOutOfRange {
        /// State where it was given.
        s: usize,
        /// The rejected index.
        action: usize,
        /// Number of actions.
        num_actions: usize,
    },
    /// The temperature `α` was negative, NaN or infinite.
    InvalidTemperature {
        /// The rejected value.
        value: f64,
    },
    /// A value-function or Q-table entry passed in was NaN or infinite.
    NonFiniteValue {
        /// Which argument (`"values"`, `"q_values"`).
        what: &'static str,
        /// Position within it.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// A table the computation needs is too large: the number of entries overflows
    /// `usize`, or the allocation was refused. Nothing was allocated.
    TooLarge {
        /// Which table (`"dense transition matrix"`, `"gridworld transitions"`, …).
        what: &'static str,
        /// Number of entries requested (approximate when it overflows `usize`).
        entries: f64,
    },
    /// The values of this problem would exceed the `f64` range: the bound
    /// `(max |r| + α ln A)/(1 − γ)` (or its finite-horizon form) on `|V|` is above
    /// [`VALUE_BOUND_MAX`], where the solvers' arithmetic could overflow. Scale the
    /// rewards or `α` down.
    ValuesOutOfRange {
        /// The bound on `|V|` that was computed (may be `+∞`).
        bound: f64,
    },
    /// A numerical parameter of a solver or an environment was out of its range.
    InvalidParameter {
        /// Which parameter (`"tolerance"`, `"slip"`, `"branching"`, …).
        what: &'static str,
        /// The rejected value.
        value: f64,
        /// The range it must lie in, in words.
        expected: &'static str,
    },
}

impl fmt::Display for MdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tol = NORMALISATION_TOLERANCE;
        match self {
            Self::Empty { what } => write!(f, "there are no {what}; at least one is required"),
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "`{what}` has length {found}, expected {expected}"),
            Self::InvalidTransitionProbability {
                s,
                a,
                next_state,
                value,
            } => write!(
                f,
                "P({next_state} | s = {s}, a = {a}) is {value_c}; probabilities must be finite and ≥ 0",
                value_c = Compact(*value)
            ),
            Self::TransitionNotNormalised { s, a, sum } => write!(
                f,
                "transition probabilities of (s = {s}, a = {a}) sum to {sum_c}, not 1 (tolerance {tol:e})",
                sum_c = Compact(*sum)
            ),
            Self::SuccessorOutOfRange {
                s,
                a,
                next_state,
                num_states,
            } => write!(
                f,
                "(s = {s}, a = {a}) has successor {next_state}, but the MDP has {num_states} states"
            ),
            Self::NonFiniteReward { s, a, value } => {
                write!(
                    f,
                    "r(s = {s}, a = {a}) is {value_c}; rewards must be finite",
                    value_c = Compact(*value)
                )
            }
            Self::InvalidDiscount { value } => {
                write!(
                    f,
                    "discount γ = {value_c}; it must lie in [0, 1]",
                    value_c = Compact(*value)
                )
            }
            Self::DiscountNotBelowOne { value } => write!(
                f,
                "discount γ = {value_c}; an infinite-horizon method needs γ < 1",
                value_c = Compact(*value)
            ),
            Self::InvalidStateProbability { s, value } => write!(
                f,
                "probability of state {s} is {value_c}; probabilities must be finite and ≥ 0",
                value_c = Compact(*value)
            ),
            Self::StateDistributionNotNormalised { sum } => write!(
                f,
                "state distribution sums to {sum_c}, not 1 (tolerance {tol:e})",
                sum_c = Compact(*sum)
            ),
            Self::StateOutOfRange { state, num_states } => write!(
                f,
                "state {state} is out of range; the MDP has {num_states} states"
            ),
            Self::InvalidPolicyProbability { s, a, value } => write!(
                f,
                "π(a = {a} | s = {s}) is {value_c}; probabilities must be finite and ≥ 0 \
                 (log-probabilities finite or −∞)",
                value_c = Compact(*value)
            ),
            Self::PolicyNotNormalised { s, sum } => write!(
                f,
                "policy probabilities in state {s} sum to {sum_c}, not 1 (tolerance {tol:e})",
                sum_c = Compact(*sum)
            ),
            Self::ActionOutOfRange {
                s,
                action,
                num_actions,
            } => write!(
                f,
                "action {action} in state {s} is out of range; the MDP has {num_actions} actions"
            ),
            Self::InvalidTemperature { value } => write!(
                f,
                "temperature α = {value_c}; it must be finite and ≥ 0 (α = 0 is the hard max)",
                value_c = Compact(*value)
            ),
            Self::NonFiniteValue { what, index, value } => {
                write!(
                    f,
                    "`{what}[{index}]` is {value_c}; it must be finite",
                    value_c = Compact(*value)
                )
            }
            Self::TooLarge { what, entries } => write!(
                f,
                "the {what} would need {entries:.3e} entries, more than can be allocated"
            ),
            Self::ValuesOutOfRange { bound } => write!(
                f,
                "values may reach {bound:.3e} in magnitude, beyond what f64 arithmetic keeps \
                 finite (at most {VALUE_BOUND_MAX:e}); scale the rewards or α down"
            ),
            Self::InvalidParameter {
                what,
                value,
                expected,
            } => write!(
                f,
                "`{what}` is {value_c}; it must be {expected}",
                value_c = Compact(*value)
            ),
        }
    }
}

impl std::error::Error for MdpError {}

/// Checks `α`: finite and `≥ 0`.
pub(crate) fn check_alpha(alpha: f64) -> Result<(), MdpError> {
    if alpha.is_finite() && alpha >= 0.0 {
        Ok(())
    } else {
        Err(MdpError::InvalidTemperature { value: alpha })
    }
}

/// Checks that every entry of `xs` is finite.
pub(crate) fn check_values(what: &'static str, xs: &[f64]) -> Result<(), MdpError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(MdpError::NonFiniteValue {
            what,
            index,
            value: xs[index],
        }),
        None => Ok(()),
    }
}

/// Checks that `len == expected`.
pub(crate) fn check_len(what: &'static str, len: usize, expected: usize) -> Result<(), MdpError> {
    if len == expected {
        Ok(())
    } else {
        Err(MdpError::DimensionMismatch {
            what,
            expected,
            found: len,
        })
    }
}

/// Checks a solver's stopping tolerance: finite and `≥ 0`.
pub(crate) fn check_tolerance(tolerance: f64) -> Result<(), MdpError> {
    if tolerance.is_finite() && tolerance >= 0.0 {
        Ok(())
    } else {
        Err(MdpError::InvalidParameter {
            what: "tolerance",
            value: tolerance,
            expected: "finite and ≥ 0",
        })
    }
}

/// Largest accepted bound on `|V|`: `1e300`, leaving a factor of about `1e8` below
/// `f64::MAX` for the sums and differences the solvers form (`r + γ E[V]`, `V_k − V_{k−1}`,
/// `α · ln Σ exp(Q/α)`), so that no intermediate overflows.
pub const VALUE_BOUND_MAX: f64 = 1e300;

/// Checks that a bound on `|V|` is at most [`VALUE_BOUND_MAX`] (and not NaN).
pub(crate) fn check_value_bound(bound: f64) -> Result<(), MdpError> {
    if bound <= VALUE_BOUND_MAX {
        Ok(())
    } else {
        Err(MdpError::ValuesOutOfRange { bound })
    }
}

/// The product of `dims` as a table length, or [`MdpError::TooLarge`] if it overflows
/// `usize`.
pub(crate) fn table_len(what: &'static str, dims: &[usize]) -> Result<usize, MdpError> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or(MdpError::TooLarge {
            what,
            entries: dims.iter().map(|&d| d as f64).product(),
        })
}

/// A vector of `len` copies of `value`, or [`MdpError::TooLarge`] if the allocator refuses
/// it (instead of aborting the process).
pub(crate) fn try_filled<T: Clone>(
    what: &'static str,
    len: usize,
    value: T,
) -> Result<Vec<T>, MdpError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| MdpError::TooLarge {
        what,
        entries: len as f64,
    })?;
    v.resize(len, value);
    Ok(v)
}

/// Asks the allocator for `bytes` bytes and gives them back untouched: a table that size
/// can be allocated now, or [`MdpError::TooLarge`] (with `entries`) if it cannot.
pub(crate) fn check_allocatable(
    what: &'static str,
    entries: usize,
    bytes: usize,
) -> Result<(), MdpError> {
    Vec::<u8>::new()
        .try_reserve_exact(bytes)
        .map_err(|_| MdpError::TooLarge {
            what,
            entries: entries as f64,
        })
}

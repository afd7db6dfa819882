//! The error type for tabular MDPs, policies and the solvers built on them.

use std::fmt;

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
                "P({next_state} | s = {s}, a = {a}) is {value}; probabilities must be finite and ≥ 0"
            ),
            Self::TransitionNotNormalised { s, a, sum } => write!(
                f,
                "transition probabilities of (s = {s}, a = {a}) sum to {sum}, not 1 (tolerance {tol:e})"
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
                write!(f, "r(s = {s}, a = {a}) is {value}; rewards must be finite")
            }
            Self::InvalidDiscount { value } => {
                write!(f, "discount γ = {value}; it must lie in [0, 1]")
            }
            Self::DiscountNotBelowOne { value } => write!(
                f,
                "discount γ = {value}; an infinite-horizon method needs γ < 1"
            ),
            Self::InvalidStateProbability { s, value } => write!(
                f,
                "probability of state {s} is {value}; probabilities must be finite and ≥ 0"
            ),
            Self::StateDistributionNotNormalised { sum } => write!(
                f,
                "state distribution sums to {sum}, not 1 (tolerance {tol:e})"
            ),
            Self::StateOutOfRange { state, num_states } => write!(
                f,
                "state {state} is out of range; the MDP has {num_states} states"
            ),
            Self::InvalidPolicyProbability { s, a, value } => write!(
                f,
                "π(a = {a} | s = {s}) is {value}; probabilities must be finite and ≥ 0 \
                 (log-probabilities finite or −∞)"
            ),
            Self::PolicyNotNormalised { s, sum } => write!(
                f,
                "policy probabilities in state {s} sum to {sum}, not 1 (tolerance {tol:e})"
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
                "temperature α = {value}; it must be finite and ≥ 0 (α = 0 is the hard max)"
            ),
            Self::NonFiniteValue { what, index, value } => {
                write!(f, "`{what}[{index}]` is {value}; it must be finite")
            }
            Self::InvalidParameter {
                what,
                value,
                expected,
            } => write!(f, "`{what}` is {value}; it must be {expected}"),
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

//! The error type for maximum-entropy inverse RL.

use std::fmt;

use crate::numerics::compact::Compact;

use crate::tabular::mdp_error::MdpError;

/// Why an inverse-RL function rejected its input.
///
/// Each variant names the offending value and where it is (trajectory `i`, time `t`, state
/// `s`, feature `k`), so that a bad demonstration can be found in a large data set.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IrlError {
    /// The MDP, a reward vector or a policy was rejected (see [`MdpError`]).
    Mdp(MdpError),
    /// A feature matrix had no features (`K = 0`).
    NoFeatures,
    /// An argument had the wrong length.
    DimensionMismatch {
        /// Which argument (`"features"`, `"theta"`, `"reward"`, …).
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length that was passed.
        found: usize,
    },
    /// A feature value was NaN or infinite.
    NonFiniteFeature {
        /// Row of the feature matrix (the state, or `s · A + a` for state-action features).
        row: usize,
        /// Feature index.
        k: usize,
        /// The rejected value.
        value: f64,
    },
    /// A parameter `θ_k` was NaN or infinite.
    NonFiniteParameter {
        /// Index in `θ`.
        k: usize,
        /// The rejected value.
        value: f64,
    },
    /// There were no demonstrations.
    NoDemonstrations,
    /// A trajectory's states and actions do not fit together: it needs one more state
    /// than actions (`s_0, a_0, …, a_{L−1}, s_L`) and at least one action.
    MalformedTrajectory {
        /// Index of the trajectory.
        trajectory: usize,
        /// Number of states given.
        states: usize,
        /// Number of actions given.
        actions: usize,
    },
    /// A state index in a trajectory was not a state of the MDP.
    StateOutOfRange {
        /// Index of the trajectory.
        trajectory: usize,
        /// Time step.
        t: usize,
        /// The rejected state.
        state: usize,
        /// Number of states of the MDP.
        num_states: usize,
    },
    /// An action index in a trajectory was not an action of the MDP.
    ActionOutOfRange {
        /// Index of the trajectory.
        trajectory: usize,
        /// Time step.
        t: usize,
        /// The rejected action.
        action: usize,
        /// Number of actions of the MDP.
        num_actions: usize,
    },
    /// A trajectory moves from `s` by `a` to a state the MDP gives probability 0.
    ImpossibleTransition {
        /// Index of the trajectory.
        trajectory: usize,
        /// Time step of the action.
        t: usize,
        /// State.
        s: usize,
        /// Action.
        a: usize,
        /// The recorded successor.
        next_state: usize,
    },
    /// A trajectory has a different number of actions than the others, without having
    /// ended in a terminal state.
    InconsistentLength {
        /// Index of the trajectory.
        trajectory: usize,
        /// The horizon set by the first full-length trajectory (or the caller).
        expected: usize,
        /// Its number of actions.
        found: usize,
    },
    /// A trajectory continues after reaching a terminal state.
    ActsInTerminalState {
        /// Index of the trajectory.
        trajectory: usize,
        /// Time step of the action.
        t: usize,
        /// The terminal state.
        state: usize,
    },
    /// A horizon of 0 steps was requested.
    ZeroHorizon,
    /// A solver setting was out of its domain.
    InvalidConfig {
        /// The setting.
        what: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A forward pass still had this much probability mass in the episode after its step
    /// limit (for the discounted occupancy: discounted mass still to come, times `1 − γ`).
    NotAbsorbed {
        /// Steps taken.
        steps: usize,
        /// Probability of not yet being absorbed.
        remaining: f64,
    },
}

impl fmt::Display for IrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mdp(e) => write!(f, "{e}"),
            Self::NoFeatures => write!(f, "the feature matrix has no features"),
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "`{what}` has length {found}, expected {expected}"),
            Self::NonFiniteFeature { row, k, value } => {
                write!(
                    f,
                    "feature {k} of row {row} is {value_c}; features must be finite",
                    value_c = Compact(*value)
                )
            }
            Self::NonFiniteParameter { k, value } => {
                write!(
                    f,
                    "θ[{k}] is {value_c}; parameters must be finite",
                    value_c = Compact(*value)
                )
            }
            Self::NoDemonstrations => write!(f, "no demonstrations were given"),
            Self::MalformedTrajectory {
                trajectory,
                states,
                actions,
            } => write!(
                f,
                "trajectory {trajectory} has {states} states and {actions} actions; \
                 it needs at least one action and exactly one more state than actions"
            ),
            Self::StateOutOfRange {
                trajectory,
                t,
                state,
                num_states,
            } => write!(
                f,
                "trajectory {trajectory}, t = {t}: state {state} is out of range (S = {num_states})"
            ),
            Self::ActionOutOfRange {
                trajectory,
                t,
                action,
                num_actions,
            } => write!(
                f,
                "trajectory {trajectory}, t = {t}: action {action} is out of range (A = {num_actions})"
            ),
            Self::ImpossibleTransition {
                trajectory,
                t,
                s,
                a,
                next_state,
            } => write!(
                f,
                "trajectory {trajectory}, t = {t}: the MDP gives probability 0 to \
                 {s} --{a}--> {next_state}"
            ),
            Self::InconsistentLength {
                trajectory,
                expected,
                found,
            } => write!(
                f,
                "trajectory {trajectory} has {found} actions, expected {expected} \
                 (only a trajectory that reaches a terminal state may be shorter)"
            ),
            Self::ActsInTerminalState {
                trajectory,
                t,
                state,
            } => write!(
                f,
                "trajectory {trajectory}, t = {t}: acts in terminal state {state}"
            ),
            Self::ZeroHorizon => write!(f, "the horizon must be at least one step"),
            Self::InvalidConfig { what, value } => write!(
                f,
                "`{what}` = {value_c} is out of range",
                value_c = Compact(*value)
            ),
            Self::NotAbsorbed { steps, remaining } => write!(
                f,
                "after {steps} steps the episode is still running with probability {remaining_c}",
                remaining_c = Compact(*remaining)
            ),
        }
    }
}

/// [`IrlError::Mdp`] is transparent: it displays the [`MdpError`]'s message, so
/// `source()` is `None` and a reporter that walks the chain prints the message once.
impl std::error::Error for IrlError {}

impl From<MdpError> for IrlError {
    fn from(e: MdpError) -> Self {
        Self::Mdp(e)
    }
}

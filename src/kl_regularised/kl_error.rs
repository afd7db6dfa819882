//! The error type for KL-regularised RL.

use std::fmt;

use crate::tabular::mdp_error::MdpError;

/// Why a KL-regularised solver rejected its input.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum KlError {
    /// The MDP, a policy, a temperature or a parameter was rejected (see [`MdpError`]).
    Mdp(MdpError),
    /// A policy puts probability on an action its prior excludes, so `KL(π ‖ π₀) = ∞`.
    OutsidePriorSupport {
        /// State.
        s: usize,
        /// Action.
        a: usize,
        /// `π(a | s) > 0`.
        prob: f64,
    },
    /// The prior excludes every action of a non-terminal state.
    EmptyPriorSupport {
        /// State.
        s: usize,
    },
    /// A linearly-solvable MDP's first-exit problem has no solution: from this state the
    /// passive dynamics never reach a terminal state (the linear system is singular), or
    /// the desirability left the range of `f64`.
    NoFirstExitSolution {
        /// A state where the solve failed (the first non-finite or non-positive
        /// desirability).
        s: usize,
    },
}

impl fmt::Display for KlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mdp(e) => write!(f, "{e}"),
            Self::OutsidePriorSupport { s, a, prob } => write!(
                f,
                "π(a = {a} | s = {s}) = {prob} > 0 where the prior is 0: KL(π ‖ π₀) is infinite"
            ),
            Self::EmptyPriorSupport { s } => {
                write!(
                    f,
                    "the prior gives no action positive probability in state {s}"
                )
            }
            Self::NoFirstExitSolution { s } => write!(
                f,
                "no finite first-exit desirability at state {s}: the passive dynamics do not \
                 exit from it, or exp(V/α) is out of the range of f64"
            ),
        }
    }
}

impl std::error::Error for KlError {}

impl From<MdpError> for KlError {
    fn from(e: MdpError) -> Self {
        Self::Mdp(e)
    }
}

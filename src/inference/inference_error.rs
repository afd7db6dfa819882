//! The error type for control as inference.

use std::fmt;

use crate::numerics::compact::Compact;

use crate::irl::irl_error::IrlError;
use crate::tabular::mdp_error::MdpError;

/// Why a control-as-inference function rejected its input.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InferenceError {
    /// The MDP, the temperature, a policy or a distribution was rejected (see [`MdpError`]).
    Mdp(MdpError),
    /// The backward pass of maximum-entropy IRL rejected its input (see [`IrlError`]).
    Irl(IrlError),
    /// The horizon was 0: there is no optimality variable to condition on.
    ZeroHorizon,
    /// The temperature was 0 or not finite: `p(O = 1 | s, a) = exp(r/α)` needs `0 < α < ∞`.
    InvalidTemperature {
        /// The rejected value.
        value: f64,
    },
    /// `r(s, a)/α` overflowed for this state-action pair (a tiny `α` or a huge reward).
    ScaledRewardOverflow {
        /// State.
        s: usize,
        /// Action.
        a: usize,
        /// `r(s, a)`.
        reward: f64,
        /// `α`.
        alpha: f64,
    },
    /// Brute-force enumeration would list more trajectories than the caller allowed.
    TooManyTrajectories {
        /// The cap that was reached.
        limit: usize,
    },
    /// A log-weight left the range of `f64` (rewards so large that `Σ_t r/α` overflows):
    /// reported instead of returning infinite or NaN probabilities.
    NonFiniteLogWeight {
        /// Which quantity (`"ln β_t(s)"`, `"ln p(O)"`, `"ELBO"`).
        what: &'static str,
        /// The value found.
        value: f64,
    },
    /// A policy's horizon differs from the horizon asked for.
    HorizonMismatch {
        /// The horizon required.
        expected: usize,
        /// The policy's horizon.
        found: usize,
    },
}

impl fmt::Display for InferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mdp(e) => write!(f, "{e}"),
            Self::Irl(e) => write!(f, "{e}"),
            Self::ZeroHorizon => write!(f, "the horizon is 0; at least one step is required"),
            Self::InvalidTemperature { value } => {
                write!(
                    f,
                    "temperature α = {} must be finite and > 0",
                    Compact(*value)
                )
            }
            Self::ScaledRewardOverflow {
                s,
                a,
                reward,
                alpha,
            } => write!(
                f,
                "r(s = {s}, a = {a})/α = {}/{} is not finite in f64",
                Compact(*reward),
                Compact(*alpha)
            ),
            Self::TooManyTrajectories { limit } => {
                write!(f, "more than {limit} trajectories to enumerate")
            }
            Self::NonFiniteLogWeight { what, value } => {
                write!(f, "{what} = {} is out of the range of f64", Compact(*value))
            }
            Self::HorizonMismatch { expected, found } => {
                write!(f, "the policy has horizon {found}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for InferenceError {}

impl From<MdpError> for InferenceError {
    fn from(e: MdpError) -> Self {
        Self::Mdp(e)
    }
}

impl From<IrlError> for InferenceError {
    fn from(e: IrlError) -> Self {
        match e {
            IrlError::Mdp(e) => Self::Mdp(e),
            IrlError::ZeroHorizon => Self::ZeroHorizon,
            other => Self::Irl(other),
        }
    }
}

/// Checks `0 < α < ∞` and that every `r(s, a)/α` is finite.
pub(crate) fn check_scaled_rewards(
    rewards: &[f64],
    num_actions: usize,
    alpha: f64,
) -> Result<Vec<f64>, InferenceError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(InferenceError::InvalidTemperature { value: alpha });
    }
    let mut scaled = Vec::with_capacity(rewards.len());
    for (i, &r) in rewards.iter().enumerate() {
        let x = r / alpha;
        if !x.is_finite() {
            return Err(InferenceError::ScaledRewardOverflow {
                s: i / num_actions,
                a: i % num_actions,
                reward: r,
                alpha,
            });
        }
        scaled.push(x);
    }
    Ok(scaled)
}

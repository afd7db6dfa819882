//! Tabular Markov decision processes: the validated [`Mdp`] with sparse transitions,
//! stationary and time-indexed stochastic policies, and the forward passes that turn a
//! policy into state and state–action visitations.
//!
//! The MDP is introduced in chapter 3 (*The maximum-entropy objective*); visitations are
//! taught in chapter 8 (*Maximum-entropy inverse RL*).

pub(crate) mod mdp;
pub(crate) mod mdp_error;
pub(crate) mod tabular_policy;
pub(crate) mod time_indexed_policy;
pub(crate) mod visitation;

pub use mdp::Mdp;
pub use mdp_error::{MdpError, VALUE_BOUND_MAX};
pub use tabular_policy::TabularPolicy;
pub use time_indexed_policy::TimeIndexedPolicy;
pub use visitation::{
    Visitation, discounted_occupancy, forward_pass, trajectory_model_visitation,
    visitation_until_absorbed,
};

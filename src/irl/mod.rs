//! Maximum-entropy inverse RL: demonstrations and their feature statistics, linear reward
//! features, the partition functions of Ziebart et al. (2008), the maximum causal entropy
//! policy of Ziebart (2010), and the learner that fits a reward to demonstrations.
//!
//! Taught in chapter 8 (*Maximum-entropy inverse RL*) and chapter 9 (*Maximum causal
//! entropy*).

pub(crate) mod demonstrations;
pub(crate) mod features;
pub(crate) mod irl_error;
pub(crate) mod max_causal_ent;
pub(crate) mod maxent_irl;
pub(crate) mod maxent_partition;

pub use demonstrations::{Demonstrations, Trajectory};
pub use features::Features;
pub use irl_error::IrlError;
pub use max_causal_ent::MaxCausalEntSolution;
pub use maxent_irl::{
    IrlConfig, IrlEvaluation, IrlFit, IrlIterate, IrlModel, IrlProblem, IrlTermination,
    expected_features, fit_irl,
};
pub use maxent_partition::{MaxEntPartition, TrajectoryEnd};

//! Learning from samples on tabular MDPs: sampled transitions and episodes, a replay
//! buffer, soft Q-learning, the soft policy gradient (exact, sampled, and the myopic
//! A2C-bonus gradient beside it), path consistency learning and discrete SAC — each with
//! a seeded RNG argument, a step budget and a learning curve, so that it can be checked
//! against the exact soft optimum of [`SoftValueIteration`](crate::SoftValueIteration).
//!
//! Taught in chapter 10 (*Learning from samples*).

pub(crate) mod discrete_sac;
pub(crate) mod learning_error;
pub(crate) mod path_consistency;
pub(crate) mod replay_buffer;
pub(crate) mod sampling;
pub(crate) mod soft_policy_gradient;
pub(crate) mod soft_q_learning;
pub(crate) mod soft_q_pg_equivalence;

pub use discrete_sac::{
    DiscreteSac, DiscreteSacConfig, DiscreteSacResult, SacLosses, SacTables, SacTemperature,
    discrete_sac_losses,
};
pub use learning_error::{LearningCurve, LearningError};
pub use path_consistency::{Pcl, PclResult, PclTables, path_consistency_error};
pub use replay_buffer::ReplayBuffer;
pub use sampling::{Episode, Transition, sample_episode, sample_transition};
pub use soft_policy_gradient::{
    GradientEstimate, PolicyGradient, a2c_bonus_gradient, reinforce_soft_gradient,
    soft_policy_gradient, softmax_policy,
};
pub use soft_q_learning::{SoftQLearning, SoftQLearningResult, soft_q_learning_update};
pub use soft_q_pg_equivalence::{SoftQPgDecomposition, soft_q_pg_decomposition};

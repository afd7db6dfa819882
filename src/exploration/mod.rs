//! Exploration: the DeepSea environment, tabular exploration agents (dithering, soft,
//! entropy-bonus policy gradient, curiosity, PUCT, count-bonus and randomised-value), the
//! growth fits used to compare them, the mellowmax and Boltzmann operators with generalised
//! value iteration, and exact hitting probabilities of a policy.
//!
//! Taught in chapter 14 (*Exploration and entropy*).

pub(crate) mod agents;
pub(crate) mod deep_sea;
pub(crate) mod growth_fit;
pub(crate) mod hitting;
pub(crate) mod operators;

pub use agents::{ExplorationConfig, ExplorationRun, Explorer, run_exploration};
pub use deep_sea::DeepSea;
pub use growth_fit::{GrowthFit, fit_growth};
pub use hitting::hitting_probability;
pub use operators::{
    GeneralisedViResult, boltzmann_operator, generalised_value_iteration, mellowmax, soft_maximum,
};

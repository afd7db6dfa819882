//! Environments built as tabular [`Mdp`](crate::Mdp)s: the slippery gridworld, Strens's
//! chain, and random Garnet MDPs for property tests.
//!
//! Used from chapter 3 on: the gridworld in chapters 3 to 9, the chain in chapter 5
//! (*Boltzmann optimality*), Garnet MDPs in chapter 6 (*Soft value iteration*).

pub(crate) mod chain;
pub(crate) mod garnet;
pub(crate) mod gridworld;

pub use chain::chain_mdp;
pub use garnet::garnet;
pub use gridworld::Gridworld;

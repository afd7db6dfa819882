//! Batch losses of deep RL, in the form a training loop minimises: the weighted entropy
//! loss, the entropy-regularised policy gradient of A2C, PPO's clipped surrogate, SAC's actor loss and critic target, and
//! SAC's automatic temperature.
//!
//! Taught in chapter 2 (*The entropy bonus in A2C and PPO*) and chapter 7 (*SAC's
//! temperature*).

pub(crate) mod entropy_loss;
pub(crate) mod loss_error;
pub(crate) mod pg_loss;
pub(crate) mod ppo_loss;
pub(crate) mod sac_actor_loss;
pub(crate) mod soft_critic_target;
pub(crate) mod temperature;

pub use entropy_loss::{EntropyLoss, entropy_loss};
pub use loss_error::LossError;
pub use pg_loss::{PolicyLoss, entropy_regularised_pg_loss};
pub use ppo_loss::{PpoLoss, ppo_clipped_loss};
pub use sac_actor_loss::{DiscreteActorLoss, discrete_sac_actor_loss, sac_actor_loss};
pub use soft_critic_target::{discrete_soft_critic_target, soft_critic_target};
pub use temperature::{
    DISCRETE_TARGET_ENTROPY_FRACTION, TemperatureConfig, TemperatureState, TemperatureStep,
    continuous_target_entropy, discrete_target_entropy, temperature_loss, temperature_loss_grad,
};

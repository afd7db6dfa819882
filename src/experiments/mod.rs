//! The book's experiment harnesses: small, seeded training runs whose only purpose is to
//! produce a chapter's figure or table. They are not part of the core API and are not
//! re-exported at the crate root; name them as `maxent_rl::experiments::…`.
//!
//! - [`run_softmax_bandit`]: premature convergence of softmax policy gradient, with and
//!   without an entropy bonus (chapter 2, *The entropy bonus in A2C and PPO*).
//! - [`run_temperature_bandit`]: SAC's automatic temperature on a one-step bandit
//!   (chapter 7, *SAC's temperature*).

pub(crate) mod softmax_bandit;
pub(crate) mod temperature_bandit;

pub use softmax_bandit::{
    BanditTracePoint, STUCK_PROBABILITY, SoftmaxBanditConfig, SoftmaxBanditRun, run_softmax_bandit,
};
pub use temperature_bandit::{
    TemperatureBanditConfig, TemperatureBanditRun, TemperatureTracePoint, run_temperature_bandit,
};

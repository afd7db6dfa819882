//! Policy distributions and their entropies: the categorical (softmax) policy, the diagonal
//! Gaussian, and SAC's tanh-squashed Gaussian with its reparameterised gradient.
//!
//! Taught in chapter 1 (*Entropy of a policy*); the tanh-Gaussian's gradient returns in
//! chapter 7 (*SAC's temperature*).

pub(crate) mod categorical;
pub(crate) mod distribution_error;
pub(crate) mod gaussian;
pub(crate) mod tanh_gaussian;
pub(crate) mod tanh_gaussian_grad;

pub use categorical::{
    categorical_entropy, categorical_entropy_and_grad, categorical_entropy_from_probs,
};
pub use distribution_error::{
    DistributionError, LOG_STD_RANGE, NORMALISATION_TOLERANCE, TANH_GAUSSIAN_MEAN_MAX,
};
pub use gaussian::{diag_gaussian_entropy, diag_gaussian_log_prob};
pub use tanh_gaussian::{TanhGaussian, TanhSample};
pub use tanh_gaussian_grad::ReparamGrad;

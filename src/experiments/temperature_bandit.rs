//! Experiment: SAC's automatic temperature on a one-step continuous bandit with a
//! tanh-squashed Gaussian policy.

use rand::Rng;

use crate::distributions::distribution_error::DistributionError;
use crate::distributions::tanh_gaussian::TanhGaussian;
use crate::losses::loss_error::LossError;
use crate::losses::temperature::{TemperatureConfig, TemperatureState};
use crate::numerics::monte_carlo::MonteCarloEstimate;

/// Hyperparameters of [`run_temperature_bandit`].
#[derive(Debug, Clone, PartialEq)]
pub struct TemperatureBanditConfig {
    /// The reward is `r(a) = −curvature · (a − reward_peak)²` on `a ∈ (−1, 1)`.
    pub reward_peak: f64,
    /// See `reward_peak`.
    pub reward_curvature: f64,
    /// Initial mean `μ` of the pre-squash Gaussian.
    pub initial_mean: f64,
    /// Initial `ln σ` of the pre-squash Gaussian.
    pub initial_log_std: f64,
    /// Step size of gradient descent on `(μ, ln σ)`.
    pub actor_learning_rate: f64,
    /// The temperature update.
    pub temperature: TemperatureConfig,
    /// Actions sampled per update (the batch of both losses).
    pub batch_size: usize,
    /// Number of updates.
    pub steps: usize,
    /// Record every this many updates (and after the last one).
    pub record_every: usize,
    /// Samples for each recorded Monte-Carlo entropy estimate (fresh draws, independent
    /// of the training batches).
    pub entropy_samples: usize,
}

/// The policy and temperature at one recorded update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemperatureTracePoint {
    /// Updates applied so far.
    pub step: usize,
    /// `α`.
    pub alpha: f64,
    /// The policy's entropy, estimated by [`TanhGaussian::entropy_monte_carlo`] with its
    /// standard error.
    pub entropy: MonteCarloEstimate,
    /// `μ`.
    pub mean: f64,
    /// `ln σ`.
    pub log_std: f64,
}

/// One run of [`run_temperature_bandit`].
#[derive(Debug, Clone, PartialEq)]
pub struct TemperatureBanditRun {
    /// The recorded points, from step 0.
    pub trace: Vec<TemperatureTracePoint>,
    /// The policy after the last update.
    pub final_policy: TanhGaussian,
    /// The temperature after the last update.
    pub final_temperature: TemperatureState,
}

/// Trains a one-dimensional tanh-Gaussian policy with SAC's actor loss
/// ([`sac_actor_loss`](crate::sac_actor_loss)) on the known reward `r(a) = −c (a − a*)²` (standing in for the
/// critic `Q`), and its temperature with [`TemperatureState::update`].
///
/// Each update draws `a_k = tanh(μ + σ ε_k)` with its tanh-corrected `ln π(a_k)`
/// ([`TanhGaussian::sample_and_log_prob`]), takes a gradient step on
/// `(1/n) Σ_k (α ln π(a_k) − r(a_k))` through the reparameterisation
/// ([`TanhGaussian::reparam_grad`]), then a temperature step with the same batch's
/// log-probabilities. The soft-optimal policy for a fixed `α` is `∝ exp(r(a)/α)`; the
/// temperature moves `α` until its entropy is the target.
///
/// # Errors
///
/// [`LossError::InvalidParameter`] for a non-finite reward or a non-positive learning rate,
/// batch size (< 2, or too large to allocate), `record_every` or `entropy_samples` (< 2);
/// errors of the losses and of the temperature update; [`LossError::InvalidPolicy`] if the
/// policy leaves the domain of [`TanhGaussian::new`] (a step size far too large).
///
/// # Examples
///
/// ```
/// use maxent_rl::experiments::{run_temperature_bandit, TemperatureBanditConfig};
/// use maxent_rl::TemperatureConfig;
/// use rand::SeedableRng;
/// let config = TemperatureBanditConfig {
///     reward_peak: 0.5, reward_curvature: 1.0, initial_mean: 0.0, initial_log_std: 0.0,
///     actor_learning_rate: 0.05,
///     temperature: TemperatureConfig { target_entropy: -1.0, learning_rate: 0.02, initial_log_alpha: 0.0 },
///     batch_size: 16, steps: 100, record_every: 50, entropy_samples: 100,
/// };
/// let run = run_temperature_bandit(&config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0))?;
/// assert_eq!(run.trace.len(), 3);
/// // The initial entropy (≈ 0.67 nats for σ = 1) is far above the target: α has fallen.
/// assert!(run.final_temperature.alpha() < 1.0);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn run_temperature_bandit<R: Rng + ?Sized>(
    config: &TemperatureBanditConfig,
    rng: &mut R,
) -> Result<TemperatureBanditRun, LossError> {
    let invalid = |what, value: f64, expected| LossError::InvalidParameter {
        what,
        value,
        expected,
    };
    for (what, v) in [
        ("reward_peak", config.reward_peak),
        ("reward_curvature", config.reward_curvature),
        ("initial_mean", config.initial_mean),
        ("initial_log_std", config.initial_log_std),
    ] {
        if !v.is_finite() {
            return Err(invalid(what, v, "finite"));
        }
    }
    if !(config.actor_learning_rate.is_finite() && config.actor_learning_rate > 0.0) {
        return Err(invalid(
            "actor_learning_rate",
            config.actor_learning_rate,
            "finite and > 0",
        ));
    }
    if config.batch_size < 2 {
        return Err(invalid("batch_size", config.batch_size as f64, "≥ 2"));
    }
    // The batch of log-probabilities: refuse a batch that cannot be allocated.
    let batch_fits = config
        .batch_size
        .checked_mul(8)
        .is_some_and(|bytes| Vec::<u8>::new().try_reserve_exact(bytes).is_ok());
    if !batch_fits {
        return Err(invalid(
            "batch_size",
            config.batch_size as f64,
            "small enough to allocate",
        ));
    }
    if config.record_every == 0 {
        return Err(invalid("record_every", 0.0, "≥ 1"));
    }
    if config.entropy_samples < 2 {
        return Err(invalid(
            "entropy_samples",
            config.entropy_samples as f64,
            "≥ 2",
        ));
    }
    let policy_error = |source: DistributionError| LossError::InvalidPolicy { index: 0, source };
    let (c, peak) = (config.reward_curvature, config.reward_peak);
    let reward_slope = |a: f64| -2.0 * c * (a - peak);

    let (mut mean, mut log_std) = (config.initial_mean, config.initial_log_std);
    let mut temperature = TemperatureState::new(&config.temperature);
    let mut trace = Vec::new();
    let mut record =
        |step: usize, policy: &TanhGaussian, alpha: f64, rng: &mut R| -> Result<(), LossError> {
            let entropy = policy
                .entropy_monte_carlo(config.entropy_samples, rng)
                .map_err(policy_error)?;
            trace.push(TemperatureTracePoint {
                step,
                alpha,
                entropy,
                mean: policy.mean()[0],
                log_std: policy.log_std()[0],
            });
            Ok(())
        };

    let n = config.batch_size;
    let mut log_pi = vec![0.0; n];
    let mut policy = TanhGaussian::new(vec![mean], vec![log_std]).map_err(policy_error)?;
    record(0, &policy, temperature.alpha(), rng)?;
    for step in 1..=config.steps {
        let alpha = temperature.alpha();
        let (mut g_mean, mut g_log_std) = (0.0, 0.0);
        for slot in log_pi.iter_mut() {
            let sample = policy.sample_and_log_prob(rng);
            let a = sample.action[0];
            let grad = policy
                .reparam_grad(&sample.pre_tanh)
                .map_err(policy_error)?;
            // ∂/∂θ of (α ln π(a) − r(a)), through a = tanh(μ + σ ε).
            g_mean += alpha * grad.d_log_prob_d_mean[0] - reward_slope(a) * grad.d_action_d_mean[0];
            g_log_std +=
                alpha * grad.d_log_prob_d_log_std[0] - reward_slope(a) * grad.d_action_d_log_std[0];
            *slot = sample.log_prob;
        }
        mean -= config.actor_learning_rate * g_mean / n as f64;
        log_std -= config.actor_learning_rate * g_log_std / n as f64;
        temperature.update(&config.temperature, &log_pi)?;
        policy = TanhGaussian::new(vec![mean], vec![log_std]).map_err(policy_error)?;
        if step % config.record_every == 0 || step == config.steps {
            record(step, &policy, temperature.alpha(), rng)?;
        }
    }
    Ok(TemperatureBanditRun {
        trace,
        final_policy: policy,
        final_temperature: temperature,
    })
}

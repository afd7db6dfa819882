//! Experiment: a K-armed Gaussian bandit trained by softmax policy gradient, with and
//! without an entropy bonus — premature convergence, shown.

use crate::numerics::inversion::inverse_cdf_index;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::distributions::categorical::categorical_entropy;
use crate::losses::loss_error::LossError;
use crate::losses::pg_loss::entropy_regularised_pg_loss;
use crate::numerics::log_sum_exp::softmax;

/// Hyperparameters of [`run_softmax_bandit`].
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxBanditConfig {
    /// Mean reward `μ_a` of each arm; the best arm is the (first) largest.
    pub arm_means: Vec<f64>,
    /// Standard deviation of the Gaussian reward noise.
    pub reward_std: f64,
    /// Entropy weight `α` (0: plain policy gradient).
    pub alpha: f64,
    /// Step size of gradient descent on the logits.
    pub learning_rate: f64,
    /// Step size of the running-average baseline `b ← b + β (mean r − b)`: the critic of
    /// A2C for a single state.
    pub baseline_learning_rate: f64,
    /// Arms pulled per update (the batch of the loss).
    pub batch_size: usize,
    /// Number of updates.
    pub steps: usize,
    /// Record the policy every this many updates (and after the last one).
    pub record_every: usize,
}

/// The policy at one recorded update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BanditTracePoint {
    /// Updates applied so far.
    pub step: usize,
    /// `π(best arm)`.
    pub best_arm_prob: f64,
    /// `H(π)`, in nats.
    pub entropy: f64,
    /// The most probable arm (the first on ties).
    pub greedy_arm: usize,
    /// `true` if a sub-optimal arm holds at least [`STUCK_PROBABILITY`] of the mass.
    pub stuck: bool,
}

/// A run counts as *stuck* when a sub-optimal arm holds at least this probability (0.9):
/// the policy has all but committed to it, and the best arm is pulled less than one time
/// in ten. (A policy that merely ranks a sub-optimal arm first while still spreading its
/// mass — as a large entropy bonus makes it — is not stuck: it keeps exploring.)
pub const STUCK_PROBABILITY: f64 = 0.9;

/// One training run of [`run_softmax_bandit`].
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxBanditRun {
    /// The logits after the last update.
    pub final_logits: Vec<f64>,
    /// The policy at steps `0, record_every, 2·record_every, …` and at the end.
    pub trace: Vec<BanditTracePoint>,
    /// `true` if, after the last update, a sub-optimal arm holds at least
    /// [`STUCK_PROBABILITY`] of the mass.
    pub stuck: bool,
}

/// Index of the first largest entry.
fn argmax(xs: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in xs.iter().enumerate() {
        if x > xs[best] {
            best = i;
        }
    }
    best
}

/// Draws an index from the probabilities `p` by inversion.
fn sample_categorical<R: Rng + ?Sized>(p: &[f64], rng: &mut R) -> usize {
    inverse_cdf_index(p.len(), |i| p[i], rng.random())
}

/// Trains a softmax policy on a stateless Gaussian bandit with the entropy-regularised
/// policy-gradient loss ([`entropy_regularised_pg_loss`]), from uniform logits.
///
/// Each update pulls `batch_size` arms `a_k ~ π`, observes `r_k ~ N(μ_{a_k}, σ²)`, forms
/// advantages `Â_k = r_k − b` against a running-average baseline `b` (updated after the
/// step), and takes one gradient step `z ← z − η Σ_k ∂L/∂z_k` (every row of the batch shares
/// the same logits, so their gradients add).
///
/// # Errors
///
/// [`LossError::InvalidParameter`] for fewer than two arms, a non-finite arm mean,
/// a negative or non-finite noise, a non-positive learning rate or batch size, a batch too
/// large to allocate, or `record_every = 0`; [`LossError`]s of the loss (a bad `alpha`);
/// [`LossError::InvalidPolicy`] if the logits overflow (a step size far too large for the
/// rewards).
///
/// # Examples
///
/// ```
/// use maxent_rl::experiments::{run_softmax_bandit, SoftmaxBanditConfig};
/// use rand::SeedableRng;
/// let config = SoftmaxBanditConfig {
///     arm_means: vec![1.0, 0.0], reward_std: 0.1, alpha: 0.0, learning_rate: 0.5,
///     baseline_learning_rate: 0.1, batch_size: 4, steps: 200, record_every: 50,
/// };
/// let run = run_softmax_bandit(&config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0))?;
/// assert!(!run.stuck);
/// assert!(run.trace.last().unwrap().best_arm_prob > 0.95);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn run_softmax_bandit<R: Rng + ?Sized>(
    config: &SoftmaxBanditConfig,
    rng: &mut R,
) -> Result<SoftmaxBanditRun, LossError> {
    let k = config.arm_means.len();
    let invalid = |what, value: f64, expected| LossError::InvalidParameter {
        what,
        value,
        expected,
    };
    if k < 2 {
        return Err(invalid("arm_means.len()", k as f64, "≥ 2"));
    }
    if let Some(&m) = config.arm_means.iter().find(|m| !m.is_finite()) {
        return Err(invalid("arm_means", m, "finite"));
    }
    if !(config.reward_std.is_finite() && config.reward_std >= 0.0) {
        return Err(invalid("reward_std", config.reward_std, "finite and ≥ 0"));
    }
    for (what, v) in [
        ("learning_rate", config.learning_rate),
        ("baseline_learning_rate", config.baseline_learning_rate),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(invalid(what, v, "finite and > 0"));
        }
    }
    if config.batch_size == 0 {
        return Err(invalid("batch_size", 0.0, "≥ 1"));
    }
    // The batch of logits (B · K) and the actions and advantages: refuse what cannot be
    // allocated.
    let batch_fits = config
        .batch_size
        .checked_mul(k + 2)
        .and_then(|entries| entries.checked_mul(8))
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
    let best = argmax(&config.arm_means);
    let mut logits = vec![0.0; k];
    let mut baseline = 0.0;
    let mut trace = Vec::new();
    // Logits that overflowed (a step size far too large for the rewards) are reported as an
    // invalid policy, not a panic. Returns whether the recorded policy is stuck.
    let record = |step: usize,
                  logits: &[f64],
                  trace: &mut Vec<BanditTracePoint>|
     -> Result<bool, LossError> {
        let entropy = categorical_entropy(logits)
            .map_err(|source| LossError::InvalidPolicy { index: 0, source })?;
        let p = softmax(logits);
        let stuck = p
            .iter()
            .enumerate()
            .any(|(a, &pa)| a != best && pa >= STUCK_PROBABILITY);
        trace.push(BanditTracePoint {
            step,
            best_arm_prob: p[best],
            entropy,
            greedy_arm: argmax(&p),
            stuck,
        });
        Ok(stuck)
    };
    let mut stuck = record(0, &logits, &mut trace)?;

    let n = config.batch_size;
    let mut batch_logits = vec![0.0; n * k];
    let mut actions = vec![0usize; n];
    let mut advantages = vec![0.0; n];
    for step in 1..=config.steps {
        let p = softmax(&logits);
        let mut reward_sum = 0.0;
        for j in 0..n {
            let a = sample_categorical(&p, rng);
            let noise: f64 = StandardNormal.sample(rng);
            let r = config.arm_means[a] + config.reward_std * noise;
            actions[j] = a;
            advantages[j] = r - baseline;
            reward_sum += r;
            batch_logits[j * k..(j + 1) * k].copy_from_slice(&logits);
        }
        let loss =
            entropy_regularised_pg_loss(&batch_logits, k, &actions, &advantages, config.alpha)?;
        for row in loss.grad_logits.chunks_exact(k) {
            for (z, g) in logits.iter_mut().zip(row) {
                *z -= config.learning_rate * g;
            }
        }
        baseline += config.baseline_learning_rate * (reward_sum / n as f64 - baseline);
        if step % config.record_every == 0 || step == config.steps {
            stuck = record(step, &logits, &mut trace)?;
        }
    }
    Ok(SoftmaxBanditRun {
        final_logits: logits,
        trace,
        stuck,
    })
}

//! SAC's automatic temperature: the loss on `ln α`, its gradient, the update step, and the
//! default target entropies.

use crate::losses::loss_error::{LossError, check_batch_finite, check_output};

/// Fraction of the maximum entropy `ln|A|` used as the default discrete target entropy:
/// `0.98` (Christodoulou 2019, §4).
///
/// Later work found 0.98 too close to the uniform policy for many tasks (cleanrl's
/// `sac_atari.py` uses `target_entropy_scale = 0.89`); it is the paper's value, kept as
/// the default so that results can be compared with it.
pub const DISCRETE_TARGET_ENTROPY_FRACTION: f64 = 0.98;

/// The default target entropy for a `d`-dimensional continuous action: `H̄ = −d`.
///
/// # References
///
/// T. Haarnoja et al. (2018b), *Soft Actor-Critic Algorithms and Applications*,
/// arXiv:1812.05905, §5 and Appendix D ("we use the negative of the action dimension as the
/// target entropy"); the default of softlearning, stable-baselines3 (`"auto"`) and cleanrl.
///
/// For a tanh-squashed policy on `(−1, 1)ᵈ` the entropy is at most `d ln 2` (the uniform
/// density), so `−d` is attainable; it corresponds to a per-coordinate spread of roughly a
/// Gaussian with `σ ≈ 0.09` (chapter 1).
///
/// # Errors
///
/// [`LossError::InvalidParameter`] for `d = 0`.
///
/// # Examples
///
/// ```
/// assert_eq!(maxent_rl::continuous_target_entropy(6)?, -6.0);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn continuous_target_entropy(action_dim: usize) -> Result<f64, LossError> {
    if action_dim == 0 {
        return Err(LossError::InvalidParameter {
            what: "action_dim",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    Ok(-(action_dim as f64))
}

/// The discrete target entropy `H̄ = fraction · ln|A|`, a fraction of the maximum entropy.
///
/// # References
///
/// P. Christodoulou (2019), *Soft Actor-Critic for Discrete Action Settings*,
/// arXiv:1910.07207, §4: `0.98 · (−ln(1/|A|))`, the default
/// [`DISCRETE_TARGET_ENTROPY_FRACTION`]; cleanrl `sac_atari.py` writes
/// `−target_entropy_scale · log(1/|A|)` with scale 0.89.
///
/// # Errors
///
/// [`LossError::InvalidParameter`] for `num_actions < 2` (a single action has entropy 0
/// and no target to aim at) or a fraction outside `(0, 1]`.
///
/// # Examples
///
/// ```
/// use maxent_rl::{discrete_target_entropy, DISCRETE_TARGET_ENTROPY_FRACTION};
/// let h = discrete_target_entropy(18, DISCRETE_TARGET_ENTROPY_FRACTION)?; // Atari
/// assert!((h - 0.98 * 18f64.ln()).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn discrete_target_entropy(num_actions: usize, fraction: f64) -> Result<f64, LossError> {
    if num_actions < 2 {
        return Err(LossError::InvalidParameter {
            what: "num_actions",
            value: num_actions as f64,
            expected: "≥ 2",
        });
    }
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(LossError::InvalidParameter {
            what: "fraction",
            value: fraction,
            expected: "in (0, 1]",
        });
    }
    Ok(fraction * (num_actions as f64).ln())
}

/// Checks a batch of log-probabilities and the target; returns `(1/B) Σ_b (ln π_b + H̄)`.
fn mean_log_pi_plus_target(log_pi_t: &[f64], target_entropy: f64) -> Result<f64, LossError> {
    if log_pi_t.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    check_batch_finite("log_pi_t", log_pi_t)?;
    if !target_entropy.is_finite() {
        return Err(LossError::InvalidParameter {
            what: "target_entropy",
            value: target_entropy,
            expected: "finite",
        });
    }
    let sum: f64 = log_pi_t.iter().map(|lp| lp + target_entropy).sum();
    let mean = sum / log_pi_t.len() as f64;
    check_output("mean_log_pi_plus_target", &[mean])?;
    Ok(mean)
}

/// SAC's temperature loss on `ln α`: `J(ln α) = −ln α · (1/B) Σ_b (ln π(a_b|s_b) + H̄)`, with
/// the log-probabilities treated as constants.
///
/// # Formula
///
/// ```text
/// J(ln α) = −ln α · m,    m = (1/B) Σ_b (log_pi_t[b] + H̄) = H̄ − Ĥ,    Ĥ = −(1/B) Σ_b log_pi_t[b]
/// ```
///
/// `Ĥ` is the batch's Monte-Carlo estimate of the policy's entropy, so
/// `∂J/∂ln α = −m = Ĥ − H̄` ([`temperature_loss_grad`]): gradient descent raises `α` when the
/// entropy is below target and lowers it when above. The loss is linear in `ln α`; it has
/// no minimum, and `ln α` settles only because the actor moves the entropy towards `H̄`.
///
/// # References
///
/// - Haarnoja et al. (2018b), *Soft Actor-Critic Algorithms and Applications*, eq. (18):
///   `J(α) = E[−α ln π(a|s) − α H̄]`, the Lagrangian of the entropy constraint
///   `E[−ln π] ≥ H̄`, linear in `α` itself.
/// - stable-baselines3 `SAC.train` uses `−(log_ent_coef · (log_prob + target_entropy).detach()).mean()`,
///   this function, as did softlearning's TensorFlow 1 version
///   (`−reduce_mean(log_alpha · stop_gradient(log_pis + target_entropy))`). Its later
///   TensorFlow 2 version and cleanrl use `−α · (ln π + H̄)` with `α = e^{ln α}` (the
///   paper's form), whose gradient in `ln α` is `α` times this one: the same sign and fixed
///   point, with a step that shrinks as `α → 0`.
///
/// # Sign convention
///
/// Minimised over `ln α`.
///
/// # Errors
///
/// [`LossError::EmptyBatch`]; [`LossError::NonFinite`] for a NaN or infinite
/// log-probability; [`LossError::InvalidParameter`] for a non-finite `log_alpha` or
/// `target_entropy`; [`LossError::Overflow`] if the mean or the loss overflows `f64`
/// (finite inputs of magnitude near `1e308`).
///
/// # Examples
///
/// ```
/// use maxent_rl::temperature_loss;
/// // Entropy estimate Ĥ = 0.5, target H̄ = −1: m = −1.5, J = 1.5 ln α.
/// let j = temperature_loss(0.2f64.ln(), &[-0.4, -0.6], -1.0)?;
/// assert!((j - 1.5 * 0.2f64.ln()).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn temperature_loss(
    log_alpha: f64,
    log_pi_t: &[f64],
    target_entropy: f64,
) -> Result<f64, LossError> {
    if !log_alpha.is_finite() {
        return Err(LossError::InvalidParameter {
            what: "log_alpha",
            value: log_alpha,
            expected: "finite",
        });
    }
    let loss = -log_alpha * mean_log_pi_plus_target(log_pi_t, target_entropy)?;
    check_output("loss", &[loss])?;
    Ok(loss)
}

/// `∂J/∂ln α = Ĥ − H̄`, the gradient of [`temperature_loss`]: the batch entropy estimate
/// minus the target.
///
/// # Formula
///
/// ```text
/// ∂J/∂ln α = −(1/B) Σ_b (log_pi_t[b] + H̄) = Ĥ − H̄
/// ```
///
/// # Errors
///
/// [`LossError::EmptyBatch`]; [`LossError::NonFinite`] for a NaN or infinite
/// log-probability; [`LossError::InvalidParameter`] for a non-finite `target_entropy`;
/// [`LossError::Overflow`] if the mean overflows `f64`.
///
/// # Examples
///
/// ```
/// use maxent_rl::temperature_loss_grad;
/// // Entropy 0.5 above a target of −1: positive gradient, descent lowers α.
/// let g = temperature_loss_grad(&[-0.4, -0.6], -1.0)?;
/// assert!((g - 1.5).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn temperature_loss_grad(log_pi_t: &[f64], target_entropy: f64) -> Result<f64, LossError> {
    Ok(-mean_log_pi_plus_target(log_pi_t, target_entropy)?)
}

/// The range of `ln α` that [`TemperatureState::update`] keeps: `α = e^{ln α}` is then a
/// positive, finite, normal `f64` (`e^{−708} ≈ 3.3e-308`, `e^{709} ≈ 8.2e307`).
const LOG_ALPHA_RANGE: (f64, f64) = (-708.0, 709.0);

/// Hyperparameters of SAC's temperature update.
///
/// Every field must be finite, and the learning rate `> 0`; [`TemperatureState::update`]
/// checks them and names the field that is not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemperatureConfig {
    /// Target entropy `H̄` (see [`continuous_target_entropy`], [`discrete_target_entropy`]).
    pub target_entropy: f64,
    /// Step size `η` of gradient descent on `ln α`.
    pub learning_rate: f64,
    /// Starting value of `ln α` (0, i.e. `α = 1`, in stable-baselines3 and cleanrl).
    pub initial_log_alpha: f64,
}

/// The state of the temperature update: `ln α` and the number of steps taken.
///
/// `α` is parameterised by its logarithm so that it stays positive under any step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemperatureState {
    /// Current `ln α`.
    pub log_alpha: f64,
    /// Number of updates applied.
    pub steps: usize,
}

/// What one temperature update saw and did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemperatureStep {
    /// The batch entropy estimate `Ĥ = −mean(log_pi_t)`.
    pub entropy_estimate: f64,
    /// The loss `J(ln α)` before the step.
    pub loss: f64,
    /// The gradient `Ĥ − H̄` that was applied.
    pub grad: f64,
    /// `α` after the step.
    pub alpha: f64,
}

impl TemperatureState {
    /// The starting state, `ln α = config.initial_log_alpha`.
    ///
    /// Nothing is checked here: [`TemperatureState::update`] returns
    /// [`LossError::InvalidParameter`] naming `log_alpha` if the value is not finite.
    pub fn new(config: &TemperatureConfig) -> Self {
        Self {
            log_alpha: config.initial_log_alpha,
            steps: 0,
        }
    }

    /// `α = exp(ln α)`.
    ///
    /// Positive, finite and normal for every state an [`update`](Self::update) produced
    /// (`ln α ∈ [−708, 709]`). A starting or hand-set `ln α` outside that range gives 0 or
    /// `+∞`, and a NaN gives NaN.
    pub fn alpha(&self) -> f64 {
        self.log_alpha.exp()
    }

    /// One step of plain gradient descent on [`temperature_loss`]:
    /// `ln α ← ln α − η (Ĥ − H̄)`.
    ///
    /// Implementations usually apply Adam to the same loss; Adam's per-step move is about
    /// `η · sign(gradient)` once its moment estimates settle, so its sign behaviour is the
    /// same and its fixed point (`E[Ĥ] = H̄`) identical. Plain gradient descent is used here
    /// so that the step is exactly the formula.
    ///
    /// # Errors
    ///
    /// As [`temperature_loss`] (which names `log_alpha` if the state's `ln α` is not
    /// finite and `target_entropy` if the config's target is not), plus
    /// [`LossError::InvalidParameter`] for a learning rate that is not finite and `> 0`,
    /// and [`LossError::Overflow`] (`what: "log_alpha"`) if the step would take `ln α`
    /// outside `[−708, 709]`, where `α = e^{ln α}` stops being a positive finite normal
    /// number (a learning rate far too large for the batch). On error the state is
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::{TemperatureConfig, TemperatureState};
    /// let config = TemperatureConfig { target_entropy: -1.0, learning_rate: 0.1, initial_log_alpha: 0.0 };
    /// let mut state = TemperatureState::new(&config);
    /// // The batch's entropy estimate is −2, below the target: α goes up.
    /// let step = state.update(&config, &[2.0, 2.0])?;
    /// assert!((step.grad + 1.0).abs() < 1e-15);
    /// assert!(state.alpha() > 1.0);
    /// # Ok::<(), maxent_rl::LossError>(())
    /// ```
    pub fn update(
        &mut self,
        config: &TemperatureConfig,
        log_pi_t: &[f64],
    ) -> Result<TemperatureStep, LossError> {
        if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
            return Err(LossError::InvalidParameter {
                what: "learning_rate",
                value: config.learning_rate,
                expected: "finite and > 0",
            });
        }
        let loss = temperature_loss(self.log_alpha, log_pi_t, config.target_entropy)?;
        let grad = temperature_loss_grad(log_pi_t, config.target_entropy)?;
        let log_alpha = self.log_alpha - config.learning_rate * grad;
        // α = e^{ln α} must stay a positive, finite, normal number.
        if !(LOG_ALPHA_RANGE.0..=LOG_ALPHA_RANGE.1).contains(&log_alpha) {
            return Err(LossError::Overflow {
                what: "log_alpha",
                index: 0,
            });
        }
        self.log_alpha = log_alpha;
        self.steps += 1;
        Ok(TemperatureStep {
            entropy_estimate: grad + config.target_entropy,
            loss,
            grad,
            alpha: self.alpha(),
        })
    }
}

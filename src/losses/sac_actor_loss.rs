//! SAC's actor loss, for reparameterised continuous policies and in the exact
//! expectation form for discrete actions.

use crate::distributions::categorical::check_logits;
use crate::losses::loss_error::{
    LossError, check_alpha, check_batch_finite, check_batch_len, check_output,
};
use crate::losses::pg_loss::probs_and_entropy;
use crate::numerics::log_sum_exp::log_softmax_into;

/// SAC's actor loss `(1/B) Σ_b (α ln π(a_b|s_b) − Q(s_b, a_b))` for actions sampled from
/// the current policy, `a_b ~ π(·|s_b)`.
///
/// # Formula
///
/// ```text
/// L = (1/B) Σ_b ( α · log_pi_t[b] − q_t[b] ),    ∂L/∂log_pi_t[b] = α/B,   ∂L/∂q_t[b] = −1/B
/// ```
///
/// The loss is a Monte-Carlo estimate of `E_{a~π}[α ln π(a|s) − Q(s, a)]`, the KL
/// divergence from `π` to `exp(Q/α)/Z` up to `α` and a constant. Its gradient reaches the
/// policy parameters θ through *both* arguments when the actions are reparameterised,
/// `a = f_θ(ε)`: `∇_θ L = (1/B) Σ_b [α ∇_θ ln π_θ(f_θ(ε_b)) − ∇_a Q · ∇_θ f_θ(ε_b)]`. For a
/// tanh-squashed Gaussian the two Jacobians are
/// [`TanhGaussian::reparam_grad`](crate::TanhGaussian::reparam_grad); `log_pi_t` must be
/// the tanh-corrected log-density of the action
/// ([`TanhGaussian::sample_and_log_prob`](crate::TanhGaussian::sample_and_log_prob)). With
/// two critics, `q_t` is their minimum (Haarnoja et al. 2018b) — some implementations use
/// the first critic only or the mean.
///
/// # References
///
/// T. Haarnoja et al. (2018), *Soft Actor-Critic*, ICML, eqs. (10) and (12)–(13)
/// (reparameterised gradient); Haarnoja et al. (2018b), *Soft Actor-Critic Algorithms and
/// Applications*, eq. (7).
///
/// # Sign convention
///
/// Minimised: lowering it raises `Q` and raises the entropy `−E[ln π]`.
///
/// # Errors
///
/// [`LossError::EmptyBatch`]; [`LossError::LengthMismatch`] if `q_t` is not as long as
/// `log_pi_t`; [`LossError::NonFinite`] for a NaN or infinite entry;
/// [`LossError::InvalidParameter`] for an `alpha` that is negative or not finite;
/// [`LossError::Overflow`] if the result overflows `f64` (finite inputs of magnitude near
/// `1e308`); the outputs are checked, not the inputs.
///
/// # Examples
///
/// ```
/// use maxent_rl::sac_actor_loss;
/// let loss = sac_actor_loss(&[-1.0, 0.5], &[2.0, 1.0], 0.2)?;
/// // ((0.2 · −1 − 2) + (0.2 · 0.5 − 1)) / 2 = −1.55
/// assert!((loss + 1.55).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn sac_actor_loss(log_pi_t: &[f64], q_t: &[f64], alpha: f64) -> Result<f64, LossError> {
    let batch = log_pi_t.len();
    if batch == 0 {
        return Err(LossError::EmptyBatch);
    }
    check_batch_len("q_t", q_t, batch)?;
    check_batch_finite("log_pi_t", log_pi_t)?;
    check_batch_finite("q_t", q_t)?;
    check_alpha(alpha)?;
    let sum: f64 = log_pi_t.iter().zip(q_t).map(|(lp, q)| alpha * lp - q).sum();
    let loss = sum / batch as f64;
    check_output("loss", &[loss])?;
    Ok(loss)
}

/// The discrete-action SAC actor loss, its mean entropy and its gradient with respect to
/// the logits.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscreteActorLoss {
    /// `(1/B) Σ_b Σ_a π(a|s_b) (α ln π(a|s_b) − Q(s_b, a))`.
    pub loss: f64,
    /// `(1/B) Σ_b H(π(·|s_b))`, in nats.
    pub mean_entropy: f64,
    /// `∂loss/∂z`, row-major `B × |A|`; exactly 0 at masked actions.
    pub grad_logits: Vec<f64>,
}

/// SAC's actor loss for discrete actions, with the expectation over actions taken exactly:
/// `(1/B) Σ_b Σ_a π(a|s_b) (α ln π(a|s_b) − Q(s_b, a))`.
///
/// With a categorical policy there is no need to sample (or reparameterise) the action:
/// the expectation is a finite sum (Christodoulou 2019, eq. (12)). `logits_t` and `q_t`
/// are row-major `B × |A|`; `q_t` holds `Q(s_b, a)` for every action (with two critics,
/// their element-wise minimum). Masked actions (logit `−∞`) contribute nothing, and their
/// Q-values are ignored (they may be anything finite).
///
/// # Formula
///
/// ```text
/// L = (1/B) Σ_b Σ_a π_{b,a} f_{b,a},    f_{b,a} = α ln π_{b,a} − Q_{b,a}
///
/// ∂L/∂z_{b,i} = (1/B) π_{b,i} ( f_{b,i} − Σ_a π_{b,a} f_{b,a} )
/// ```
///
/// Derivation: `∂π_a/∂z_i = π_a(δ_{ai} − π_i)` gives
/// `Σ_a ∂π_a/∂z_i f_a = π_i (f_i − Σ_a π_a f_a)`, and the remaining term
/// `α Σ_a π_a ∂ln π_a/∂z_i = α Σ_a ∂π_a/∂z_i = 0` because probabilities sum to one. The
/// gradient vanishes exactly when `f` is constant on the support, i.e. at
/// `π = softmax(Q/α)`, the minimiser (for `α > 0`). `L = −(E_π[Q] + α H(π))`.
///
/// # References
///
/// P. Christodoulou (2019), *Soft Actor-Critic for Discrete Action Settings*,
/// arXiv:1910.07207, eq. (12). cleanrl `sac_atari.py` (commit 004f8a0) computes
/// `(action_probs * ((alpha * log_pi) - min_qf_values)).mean()`, a mean over the actions as
/// well as the batch: this loss divided by `|A|`, with the same minimiser and a gradient
/// `|A|` times smaller (absorbed by its learning rate, or by Adam's scale invariance).
///
/// # Numerical stability
///
/// Log-probabilities come from the log-softmax; a masked action's term `0 · (−∞)` is never
/// formed.
///
/// # Sign convention
///
/// Minimised: lowering it raises the expected Q-value and the entropy.
///
/// # Errors
///
/// [`LossError::EmptyBatch`]; [`LossError::LengthMismatch`] if `logits_t` or `q_t` is not
/// a whole number of rows of the same count; [`LossError::InvalidPolicy`] for a bad row of
/// logits (a NaN or `+∞` logit, or every action masked); [`LossError::NonFinite`] for a
/// Q-value of an unmasked action; [`LossError::InvalidParameter`] for `num_actions = 0` or
/// an `alpha` that is negative or not finite; [`LossError::Overflow`] if the loss or its gradient overflows `f64` (finite inputs of magnitude near
/// `1e308`); the outputs are checked, not the inputs.
///
/// # Examples
///
/// ```
/// use maxent_rl::{discrete_sac_actor_loss, log_sum_exp};
/// let (q, alpha) = ([1.0, 0.0, -1.0], 0.5);
/// // At π = softmax(Q/α) the gradient vanishes.
/// let logits: Vec<f64> = q.iter().map(|x| x / alpha).collect();
/// let out = discrete_sac_actor_loss(&logits, 3, &q, alpha)?;
/// assert!(out.grad_logits.iter().all(|g| g.abs() < 1e-15));
/// // And the loss is −α · lse(Q/α), the negated soft value.
/// let v = alpha * log_sum_exp(&logits);
/// assert!((out.loss + v).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn discrete_sac_actor_loss(
    logits_t: &[f64],
    num_actions: usize,
    q_t: &[f64],
    alpha: f64,
) -> Result<DiscreteActorLoss, LossError> {
    if num_actions == 0 {
        return Err(LossError::InvalidParameter {
            what: "num_actions",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    let batch = logits_t.len() / num_actions;
    if logits_t.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    check_batch_len("logits_t", logits_t, batch * num_actions)?;
    check_batch_len("q_t", q_t, logits_t.len())?;
    check_alpha(alpha)?;
    for (index, (row, q_row)) in logits_t
        .chunks_exact(num_actions)
        .zip(q_t.chunks_exact(num_actions))
        .enumerate()
    {
        check_logits(row).map_err(|source| LossError::InvalidPolicy { index, source })?;
        if let Some(i) =
            (0..num_actions).find(|&i| row[i] != f64::NEG_INFINITY && !q_row[i].is_finite())
        {
            return Err(LossError::NonFinite {
                what: "q_t",
                index: index * num_actions + i,
                value: q_row[i],
            });
        }
    }

    let inv_b = 1.0 / batch as f64;
    let mut grad_logits = vec![0.0; logits_t.len()];
    // π of the current row, so that each probability is exponentiated once.
    let mut probs = vec![0.0; num_actions];
    let (mut loss_sum, mut entropy_sum) = (0.0, 0.0);
    for ((row, q_row), grad) in logits_t
        .chunks_exact(num_actions)
        .zip(q_t.chunks_exact(num_actions))
        .zip(grad_logits.chunks_exact_mut(num_actions))
    {
        log_softmax_into(row, grad);
        entropy_sum += probs_and_entropy(grad, &mut probs);
        // f̄ = Σ_a π_a f_a over the unmasked actions.
        let mean_f: f64 = grad
            .iter()
            .zip(q_row)
            .zip(&probs)
            .filter(|((lp, _), _)| **lp != f64::NEG_INFINITY)
            .map(|((&lp, &q), &p)| p * (alpha * lp - q))
            .sum();
        loss_sum += mean_f;
        for ((g, &q), &p) in grad.iter_mut().zip(q_row).zip(&probs) {
            let lp = *g;
            *g = if lp == f64::NEG_INFINITY {
                0.0
            } else {
                inv_b * p * ((alpha * lp - q) - mean_f)
            };
        }
    }
    let loss = loss_sum * inv_b;
    check_output("loss", &[loss])?;
    check_output("grad_logits", &grad_logits)?;
    Ok(DiscreteActorLoss {
        loss,
        mean_entropy: entropy_sum * inv_b,
        grad_logits,
    })
}

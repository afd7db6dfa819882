//! PPO's clipped surrogate loss with an entropy bonus, for a batch of categorical
//! policies, with its gradient with respect to the logits.

use crate::losses::loss_error::{
    LossError, check_alpha, check_batch_finite, check_batch_len, check_output,
};
use crate::losses::pg_loss::{check_categorical_batch, probs_and_entropy};
use crate::numerics::log_sum_exp::log_softmax_into;

/// PPO's loss, its parts, and its gradient with respect to the logits.
#[derive(Debug, Clone, PartialEq)]
pub struct PpoLoss {
    /// The loss that is minimised: `surrogate_loss − α · mean_entropy`.
    pub loss: f64,
    /// `−(1/B) Σ_b min(ρ_b Â_b, clip(ρ_b, 1 − ε, 1 + ε) Â_b)`.
    pub surrogate_loss: f64,
    /// `(1/B) Σ_b H(π(·|s_b))`, in nats.
    pub mean_entropy: f64,
    /// Fraction of the batch with `|ρ_b − 1| > ε` (the diagnostic logged by
    /// stable-baselines3 and cleanrl as `clip_fraction`).
    pub clip_fraction: f64,
    /// `∂loss/∂z`, row-major `B × |A|` like the logits; exactly 0 at masked actions.
    pub grad_logits: Vec<f64>,
}

/// PPO's clipped surrogate with an entropy bonus,
/// `−mean(min(ρ Â, clip(ρ, 1 − ε, 1 + ε) Â)) − α · mean(H)`, and its gradient with respect
/// to the logits.
///
/// `ρ_b = π(a_b|s_b) / π_old(a_b|s_b)` is the probability ratio between the current policy
/// (`logits_t`, row-major `B × |A|`) and the policy that collected the data, given by the
/// log-probabilities `log_pi_old_t` of the actions taken.
///
/// # Formula
///
/// ```text
/// L(z) = −(1/B) Σ_b min(ρ_b Â_b, clip(ρ_b, 1 − ε, 1 + ε) Â_b) − α (1/B) Σ_b H_b
///
/// ∂L/∂z_{b,i} = (1/B) [ −f_b Â_b ρ_b (δ_{i,a_b} − π_{b,i}) + α π_{b,i} (ln π_{b,i} + H_b) ]
///
/// f_b = 1 if (Â_b ≥ 0 and ρ_b ≤ 1 + ε) or (Â_b < 0 and ρ_b ≥ 1 − ε), else 0
/// ```
///
/// using `∂ρ/∂z_i = ρ (δ_{ia} − π_i)`. With `Â ≥ 0` the objective is `Â min(ρ, 1 + ε)`:
/// flat (gradient 0) once the ratio has risen past `1 + ε`; with `Â < 0` it is
/// `Â max(ρ, 1 − ε)`, flat once the ratio has fallen below `1 − ε`. At `ρ = 1`
/// (`π = π_old`, the first epoch on fresh data) every `f_b = 1` and the gradient equals
/// that of [`entropy_regularised_pg_loss`](crate::entropy_regularised_pg_loss).
///
/// **At the kink** (`ρ_b = 1 + ε` with `Â_b > 0`, or `ρ_b = 1 − ε` with `Â_b < 0`) the
/// objective is not differentiable. This function returns the one-sided derivative from
/// *inside* the trust region (`f_b = 1`), the convention of PyTorch, whose `clamp`
/// passes the gradient at its bounds and whose `minimum` of two equal terms with equal
/// derivatives gives that derivative. (In JAX, `jnp.minimum` and the `jnp.clip` built
/// from it split the gradient between tied arguments, so autodiff there returns a fraction
/// of this derivative at the kink.) The kink is a set of measure zero; the choice only
/// matters for code that lands on it exactly, as a test can on purpose.
///
/// # References
///
/// - J. Schulman, F. Wolski, P. Dhariwal, A. Radford, O. Klimov (2017), *Proximal Policy
///   Optimization Algorithms*, arXiv:1707.06347, eq. (7) (`L^CLIP`) and eq. (9) (the
///   combined objective with the entropy bonus `c₂ S[π_θ]`; here `α = c₂`).
/// - stable-baselines3 `PPO.train` computes the same surrogate as `−min(Â ρ, Â clip(ρ))`
///   and cleanrl `ppo.py` as `max(−Â ρ, −Â clip(ρ))`, both averaged over the batch, and
///   both subtract `ent_coef · mean(H)` (stable-baselines3 by adding
///   `ent_coef · entropy_loss` with `entropy_loss = −mean(H)`).
///
/// # Numerical stability
///
/// `ρ = exp(ln π(a) − ln π_old(a))` is formed from log-probabilities (never as a quotient
/// of probabilities, which underflow), and `ln π(a)` comes from the log-softmax.
///
/// # Sign convention
///
/// The loss is minimised; the surrogate objective and the entropy are maximised.
///
/// # Errors
///
/// As [`entropy_regularised_pg_loss`](crate::entropy_regularised_pg_loss), plus
/// [`LossError::LengthMismatch`] / [`LossError::NonFinite`] for `log_pi_old_t`,
/// [`LossError::NotALogProbability`] for an entry of `log_pi_old_t` above 0,
/// [`LossError::InvalidParameter`] for a `clip_epsilon` that is not finite and `> 0`;
/// [`LossError::Overflow`] if the loss or its gradient overflows `f64` (finite inputs of
/// magnitude near `1e308`); the outputs are checked, not the inputs. A very negative `log_pi_old_t` (an action the old
/// policy almost never took) makes the ratio overflow and lands here.
///
/// # Examples
///
/// ```
/// use maxent_rl::ppo_clipped_loss;
/// // π(a=0) = ½ now; it was ¼ when the data was collected, so ρ = 2 > 1 + ε.
/// let out = ppo_clipped_loss(&[0.0, 0.0], 2, &[0], &[0.25f64.ln()], &[1.0], 0.2, 0.0)?;
/// // The clipped term wins: surrogate = −(1 + ε) Â, and the gradient is zero.
/// assert!((out.surrogate_loss + 1.2).abs() < 1e-15);
/// assert_eq!(out.grad_logits, vec![0.0, 0.0]);
/// assert_eq!(out.clip_fraction, 1.0);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn ppo_clipped_loss(
    logits_t: &[f64],
    num_actions: usize,
    a_t: &[usize],
    log_pi_old_t: &[f64],
    adv_t: &[f64],
    clip_epsilon: f64,
    alpha: f64,
) -> Result<PpoLoss, LossError> {
    let batch = check_categorical_batch(logits_t, num_actions, a_t)?;
    check_batch_len("log_pi_old_t", log_pi_old_t, batch)?;
    check_batch_finite("log_pi_old_t", log_pi_old_t)?;
    if let Some(index) = log_pi_old_t.iter().position(|&lp| lp > 0.0) {
        return Err(LossError::NotALogProbability {
            what: "log_pi_old_t",
            index,
            value: log_pi_old_t[index],
        });
    }
    check_batch_len("adv_t", adv_t, batch)?;
    check_batch_finite("adv_t", adv_t)?;
    check_alpha(alpha)?;
    if !(clip_epsilon.is_finite() && clip_epsilon > 0.0) {
        return Err(LossError::InvalidParameter {
            what: "clip_epsilon",
            value: clip_epsilon,
            expected: "finite and > 0",
        });
    }

    let inv_b = 1.0 / batch as f64;
    let mut grad_logits = vec![0.0; logits_t.len()];
    // π of the current row, so that each probability is exponentiated once.
    let mut probs = vec![0.0; num_actions];
    let (mut surrogate_sum, mut entropy_sum, mut clipped) = (0.0, 0.0, 0usize);
    for (b, (row, grad)) in logits_t
        .chunks_exact(num_actions)
        .zip(grad_logits.chunks_exact_mut(num_actions))
        .enumerate()
    {
        log_softmax_into(row, grad);
        let h = probs_and_entropy(grad, &mut probs);
        let (a, adv) = (a_t[b], adv_t[b]);
        let ratio = (grad[a] - log_pi_old_t[b]).exp();
        let clipped_ratio = ratio.clamp(1.0 - clip_epsilon, 1.0 + clip_epsilon);
        surrogate_sum += (ratio * adv).min(clipped_ratio * adv);
        entropy_sum += h;
        clipped += usize::from((ratio - 1.0).abs() > clip_epsilon);
        let flows = if adv >= 0.0 {
            ratio <= 1.0 + clip_epsilon
        } else {
            ratio >= 1.0 - clip_epsilon
        };
        let weight = if flows { adv * ratio } else { 0.0 };
        for (i, (g, &p)) in grad.iter_mut().zip(&probs).enumerate() {
            let lp = *g;
            *g = if lp == f64::NEG_INFINITY {
                0.0
            } else {
                let indicator = if i == a { 1.0 } else { 0.0 };
                inv_b * (-weight * (indicator - p) + alpha * p * (lp + h))
            };
        }
    }
    let surrogate_loss = -surrogate_sum * inv_b;
    let mean_entropy = entropy_sum * inv_b;
    let loss = surrogate_loss - alpha * mean_entropy;
    check_output("loss", &[loss])?;
    check_output("grad_logits", &grad_logits)?;
    Ok(PpoLoss {
        loss,
        surrogate_loss,
        mean_entropy,
        clip_fraction: clipped as f64 * inv_b,
        grad_logits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_clip_and_old_log_probs() {
        let ok =
            |eps: f64, old: f64| ppo_clipped_loss(&[0.0, 0.0], 2, &[0], &[old], &[1.0], eps, 0.0);
        assert!(matches!(
            ok(0.0, -0.7),
            Err(LossError::InvalidParameter {
                what: "clip_epsilon",
                ..
            })
        ));
        assert!(matches!(
            ok(f64::NAN, -0.7),
            Err(LossError::InvalidParameter {
                what: "clip_epsilon",
                ..
            })
        ));
        assert_eq!(
            ok(0.2, f64::NEG_INFINITY),
            Err(LossError::NonFinite {
                what: "log_pi_old_t",
                index: 0,
                value: f64::NEG_INFINITY
            })
        );
        assert!(ok(0.2, -0.7).is_ok());
    }

    #[test]
    fn hand_worked_unclipped_item() {
        // π(a=0) = ½, π_old = 0.45: ρ = 10/9 ∈ [0.8, 1.2], Â = −2 → surrogate −(−2 · 10/9).
        let out =
            ppo_clipped_loss(&[0.0, 0.0], 2, &[0], &[0.45f64.ln()], &[-2.0], 0.2, 0.0).unwrap();
        assert!((out.surrogate_loss - 20.0 / 9.0).abs() < 1e-14);
        // ∂/∂z_0 = −Â ρ (1 − ½) = 2 · 10/9 · ½.
        assert!((out.grad_logits[0] - 10.0 / 9.0).abs() < 1e-14);
        assert_eq!(out.clip_fraction, 0.0);
    }
}

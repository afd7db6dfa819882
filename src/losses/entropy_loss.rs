//! The weighted entropy-regularisation loss over a batch of categorical policies, with its
//! gradient with respect to the logits.

use crate::losses::loss_error::{LossError, check_batch_finite, check_output};
use crate::losses::pg_loss::{check_logits_batch, probs_and_entropy};
use crate::numerics::log_sum_exp::log_softmax_into;

/// The entropy loss of a batch, its mean entropy, and its gradient with respect to the
/// logits.
#[derive(Debug, Clone, PartialEq)]
pub struct EntropyLoss {
    /// The loss that is minimised: `−(1/B) Σ_b w_b H(π(·|s_b))`.
    pub loss: f64,
    /// The unweighted `(1/B) Σ_b H(π(·|s_b))`, in nats.
    pub mean_entropy: f64,
    /// `∂loss/∂z`, row-major `B × |A|` like the logits; exactly 0 at masked actions.
    pub grad_logits: Vec<f64>,
}

/// The entropy-regularisation loss `−(1/B) Σ_b w_b H(softmax(z_b))` of a batch of
/// categorical policies, and its gradient with respect to the logits.
///
/// The batch holds `B` policies as row-major logits (`logits_t[b * num_actions + i] =
/// z_{b,i}`; a logit of `−∞` masks its action) and one weight `w_b` per row: a mask for
/// padded time steps, a discount, or the entropy coefficient folded in. Add `α` times
/// this loss to a policy loss to get A2C's entropy bonus; with unit weights it is
/// `−mean_entropy`.
///
/// # Formula
///
/// ```text
/// L(z) = −(1/B) Σ_b w_b H_b,   H_b = −Σ_i π_{b,i} ln π_{b,i}
///
/// ∂L/∂z_{b,i} = (w_b/B) π_{b,i} (ln π_{b,i} + H_b)
/// ```
///
/// from `∂H/∂z_i = −π_i (ln π_i + H)` (chapter 1). Each row of the gradient sums to zero.
///
/// # References
///
/// R. J. Williams, J. Peng (1991), *Function optimization using connectionist reinforcement
/// learning algorithms*, Connection Science 3(3) (the entropy term); rlax,
/// `entropy_loss(logits_t, w_t)`, the same quantity and argument shape.
///
/// # Numerical stability
///
/// Log-probabilities come from the shifted log-softmax, never from `ln(softmax)`, so a
/// near-deterministic row gives its tiny entropy and gradient exactly rather than 0 or NaN.
///
/// # Sign convention
///
/// Minimised: a gradient step with positive weights raises the entropy.
///
/// # Errors
///
/// [`LossError::EmptyBatch`] for no weights; [`LossError::LengthMismatch`] unless
/// `logits_t` has `B × num_actions` entries; [`LossError::InvalidPolicy`] naming the row of
/// a NaN or `+∞` logit or an all-masked row; [`LossError::NonFinite`] naming a non-finite
/// weight; [`LossError::InvalidParameter`] for `num_actions = 0`;
/// [`LossError::Overflow`] if the loss or its gradient overflows `f64` (finite inputs of
/// magnitude near `1e308`); the outputs are checked, not the inputs.
///
/// # Examples
///
/// ```
/// use maxent_rl::entropy_loss;
/// // Two rows: uniform over two actions (H = ln 2) with weight 1, and a masked row
/// // with one action left (H = 0) with weight 0.5.
/// let out = entropy_loss(&[0.0, 0.0, 3.0, f64::NEG_INFINITY], 2, &[1.0, 0.5])?;
/// assert!((out.loss + 2f64.ln() / 2.0).abs() < 1e-15);
/// assert!((out.mean_entropy - 2f64.ln() / 2.0).abs() < 1e-15);
/// // The uniform row is the entropy's maximum: zero gradient there.
/// assert!(out.grad_logits[..2].iter().all(|g| g.abs() < 1e-16));
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn entropy_loss(
    logits_t: &[f64],
    num_actions: usize,
    w_t: &[f64],
) -> Result<EntropyLoss, LossError> {
    let batch = check_logits_batch(logits_t, num_actions, w_t.len())?;
    check_batch_finite("w_t", w_t)?;

    let inv_b = 1.0 / batch as f64;
    let mut grad_logits = vec![0.0; logits_t.len()];
    let mut probs = vec![0.0; num_actions];
    let (mut weighted_sum, mut entropy_sum) = (0.0, 0.0);
    for ((row, grad), &w) in logits_t
        .chunks_exact(num_actions)
        .zip(grad_logits.chunks_exact_mut(num_actions))
        .zip(w_t)
    {
        // Log-probabilities go into the gradient row first, then are overwritten.
        log_softmax_into(row, grad);
        let h = probs_and_entropy(grad, &mut probs);
        weighted_sum += w * h;
        entropy_sum += h;
        for (g, &p) in grad.iter_mut().zip(&probs) {
            let lp = *g;
            *g = if lp == f64::NEG_INFINITY {
                0.0
            } else {
                inv_b * w * p * (lp + h)
            };
        }
    }
    let loss = -weighted_sum * inv_b;
    check_output("loss", &[loss])?;
    check_output("grad_logits", &grad_logits)?;
    Ok(EntropyLoss {
        loss,
        mean_entropy: entropy_sum * inv_b,
        grad_logits,
    })
}

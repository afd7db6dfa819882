//! The entropy-regularised policy-gradient loss of A2C/A3C for a batch of categorical
//! policies, with its gradient with respect to the logits.

use crate::distributions::categorical::check_logits;
use crate::losses::loss_error::{
    LossError, check_alpha, check_batch_finite, check_batch_len, check_output,
};
use crate::numerics::log_sum_exp::log_softmax_into;

/// A policy loss, its parts, and its gradient with respect to the logits.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyLoss {
    /// The loss that is minimised: `policy_loss − α · mean_entropy`.
    pub loss: f64,
    /// The policy-gradient part alone, `−(1/B) Σ_b Â_b ln π(a_b|s_b)`.
    pub policy_loss: f64,
    /// `(1/B) Σ_b H(π(·|s_b))`, in nats.
    pub mean_entropy: f64,
    /// `∂loss/∂z`, row-major `B × |A|` like the logits; exactly 0 at masked actions.
    pub grad_logits: Vec<f64>,
}

/// Validates a batch of categorical policies given as row-major logits and returns the
/// batch size `B = logits_t.len() / num_actions`.
pub(crate) fn check_categorical_batch(
    logits_t: &[f64],
    num_actions: usize,
    a_t: &[usize],
) -> Result<usize, LossError> {
    let batch = check_logits_batch(logits_t, num_actions, a_t.len())?;
    for (index, (row, &action)) in logits_t.chunks_exact(num_actions).zip(a_t).enumerate() {
        if action >= num_actions {
            return Err(LossError::ActionOutOfRange {
                index,
                action,
                num_actions,
            });
        }
        if row[action] == f64::NEG_INFINITY {
            return Err(LossError::MaskedAction { index, action });
        }
    }
    Ok(batch)
}

/// Validates `batch` rows of logits (row-major, `batch × num_actions`), naming the row of a
/// bad logit, and returns `batch`.
pub(crate) fn check_logits_batch(
    logits_t: &[f64],
    num_actions: usize,
    batch: usize,
) -> Result<usize, LossError> {
    if num_actions == 0 {
        return Err(LossError::InvalidParameter {
            what: "num_actions",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    if batch == 0 {
        return Err(LossError::EmptyBatch);
    }
    check_batch_len("logits_t", logits_t, batch * num_actions)?;
    for (index, row) in logits_t.chunks_exact(num_actions).enumerate() {
        check_logits(row).map_err(|source| LossError::InvalidPolicy { index, source })?;
    }
    Ok(batch)
}

/// Writes `π = exp(ln π)` of one row into `probs` and returns its entropy (`−∞` entries
/// are masked: probability 0, no entropy term).
pub(crate) fn probs_and_entropy(log_probs: &[f64], probs: &mut [f64]) -> f64 {
    let mut h = 0.0;
    for (p, &lp) in probs.iter_mut().zip(log_probs) {
        if lp == f64::NEG_INFINITY {
            *p = 0.0;
        } else {
            *p = lp.exp();
            h -= *p * lp;
        }
    }
    h
}

/// The A2C policy loss with an entropy bonus, `−mean(ln π(a|s) · Â) − α · mean(H(π(·|s)))`,
/// and its gradient with respect to the logits.
///
/// The batch holds `B` categorical policies `π(·|s_b) = softmax(z_b)` given as row-major
/// logits (`logits_t[b * num_actions + i] = z_{b,i}`), the action `a_b` taken in each state
/// and its advantage estimate `Â_b`. A logit of `−∞` masks its action.
///
/// # Formula
///
/// ```text
/// L(z) = −(1/B) Σ_b Â_b ln π(a_b|s_b) − α (1/B) Σ_b H(π(·|s_b))
///
/// ∂L/∂z_{b,i} = (1/B) [ −Â_b (δ_{i,a_b} − π_{b,i}) + α π_{b,i} (ln π_{b,i} + H_b) ]
/// ```
///
/// where the first term uses `∂ ln π_a / ∂z_i = δ_{ai} − π_i` and the second is `−α/B`
/// times the entropy gradient `∂H/∂z_i = −π_i (ln π_i + H)`
/// ([`categorical_entropy_and_grad`](crate::categorical_entropy_and_grad)). The advantages
/// are constants (in autodiff code: `stop_gradient(adv_t)`). The gradient of each row sums
/// to zero, and masked actions get exactly 0.
///
/// Averaged over actions drawn from the policy, the gradient of the first term is the
/// policy-gradient theorem's `−∇ E_π[Â]` (Williams 1992): the sampled loss is an unbiased
/// estimate of the gradient of `−(E_π[r] + α H(π))` when `Â = r − b` with a baseline `b`
/// that does not depend on the action.
///
/// # References
///
/// - R. J. Williams (1992), *Simple statistical gradient-following algorithms for
///   connectionist reinforcement learning*, Machine Learning 8 (REINFORCE).
/// - R. J. Williams, J. Peng (1991), *Function optimization using connectionist
///   reinforcement learning algorithms*, Connection Science 3(3) (the entropy term).
/// - V. Mnih et al. (2016), *Asynchronous Methods for Deep Reinforcement Learning*, ICML,
///   eq. (7) and §4 ("adding the entropy of the policy π to the objective function").
/// - rlax: `policy_gradient_loss(logits_t, a_t, adv_t, w_t)` is the first term and
///   `entropy_loss(logits_t, w_t) = −mean(H)` the second, so this loss is
///   `policy_gradient_loss + α · entropy_loss` with unit weights `w_t`.
///
/// # Numerical stability
///
/// Log-probabilities come from the log-softmax with the maximum shifted out
/// ([`log_softmax`](crate::log_softmax)), never from `ln(softmax)`; the entropy and its
/// gradient are those of chapter 1, exact for near-deterministic rows.
///
/// # Sign convention
///
/// The loss is minimised. A positive advantage lowers the loss when `ln π(a|s)` rises,
/// and the entropy enters with a minus sign, so a gradient step increases the entropy.
///
/// # Errors
///
/// [`LossError::EmptyBatch`]; [`LossError::LengthMismatch`] if `logits_t` is not
/// `B × num_actions` or `adv_t` not `B` long; [`LossError::InvalidPolicy`] for a bad row of
/// logits; [`LossError::ActionOutOfRange`], [`LossError::MaskedAction`];
/// [`LossError::NonFinite`] for an advantage; [`LossError::InvalidParameter`] for
/// `num_actions = 0` or an `alpha` that is negative or not finite;
/// [`LossError::Overflow`] if the loss or its gradient overflows `f64` (finite inputs of
/// magnitude near `1e308`); the outputs are checked, not the inputs.
///
/// # Examples
///
/// ```
/// use maxent_rl::entropy_regularised_pg_loss;
/// // One state, two actions with equal logits; action 0 was taken with advantage 1.
/// let out = entropy_regularised_pg_loss(&[0.0, 0.0], 2, &[0], &[1.0], 0.1)?;
/// // L = −1 · ln ½ − 0.1 · ln 2.
/// assert!((out.loss - 0.9 * 2f64.ln()).abs() < 1e-15);
/// // ∂L/∂z_0 = −1 · (1 − ½) + 0.1 · ½ (ln ½ + ln 2) = −½: descent raises z_0.
/// assert!((out.grad_logits[0] + 0.5).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn entropy_regularised_pg_loss(
    logits_t: &[f64],
    num_actions: usize,
    a_t: &[usize],
    adv_t: &[f64],
    alpha: f64,
) -> Result<PolicyLoss, LossError> {
    let batch = check_categorical_batch(logits_t, num_actions, a_t)?;
    check_batch_len("adv_t", adv_t, batch)?;
    check_batch_finite("adv_t", adv_t)?;
    check_alpha(alpha)?;

    let inv_b = 1.0 / batch as f64;
    let mut grad_logits = vec![0.0; logits_t.len()];
    // π of the current row, so that each probability is exponentiated once.
    let mut probs = vec![0.0; num_actions];
    let (mut pg_sum, mut entropy_sum) = (0.0, 0.0);
    for (b, (row, grad)) in logits_t
        .chunks_exact(num_actions)
        .zip(grad_logits.chunks_exact_mut(num_actions))
        .enumerate()
    {
        // Log-probabilities go into the gradient row first, then are overwritten.
        log_softmax_into(row, grad);
        let h = probs_and_entropy(grad, &mut probs);
        let (a, adv) = (a_t[b], adv_t[b]);
        pg_sum -= adv * grad[a];
        entropy_sum += h;
        for (i, (g, &p)) in grad.iter_mut().zip(&probs).enumerate() {
            let lp = *g;
            *g = if lp == f64::NEG_INFINITY {
                0.0
            } else {
                let indicator = if i == a { 1.0 } else { 0.0 };
                inv_b * (-adv * (indicator - p) + alpha * p * (lp + h))
            };
        }
    }
    let policy_loss = pg_sum * inv_b;
    let mean_entropy = entropy_sum * inv_b;
    let loss = policy_loss - alpha * mean_entropy;
    check_output("loss", &[loss])?;
    check_output("grad_logits", &grad_logits)?;
    Ok(PolicyLoss {
        loss,
        policy_loss,
        mean_entropy,
        grad_logits,
    })
}

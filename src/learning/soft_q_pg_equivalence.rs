//! Soft Q-learning as a policy gradient: the decomposition of Schulman, Chen & Abbeel (2017).

use crate::learning::learning_error::{LearningError, check_finite_output, check_soft_alpha};
use crate::numerics::log_softmax_into;

/// One soft Q-learning step on a row `Q(s, ·)`, split into its policy-gradient and value
/// terms: what [`soft_q_pg_decomposition`] returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SoftQPgDecomposition {
    /// `δ = y − Q(s, a)`.
    pub td_error: f64,
    /// The soft Q-learning direction `δ e_a` (the update is `η` times it).
    pub q_learning_direction: Vec<f64>,
    /// `α δ ∇_Q ln π(a | s) = δ (e_a − π(· | s))`.
    pub policy_gradient_term: Vec<f64>,
    /// `δ ∇_Q V(s) = δ π(· | s)`.
    pub value_term: Vec<f64>,
    /// `π(· | s) = softmax(Q(s, ·)/α)`.
    pub probs: Vec<f64>,
}

/// One soft Q-learning step on the row `Q(s, ·)`, split into a policy-gradient term and a
/// value term.
///
/// # Formula
///
/// With `π(· | s) = softmax(Q(s, ·)/α)` and `V(s) = α ln Σ_b exp(Q(s, b)/α)`, every entry
/// satisfies `Q(s, a) = V(s) + α ln π(a | s)`. The soft Q-learning step on the loss
/// `½ (Q(s, a) − y)²`, target `y = r + γ V(s')` held fixed, moves `Q(s, ·)` along
///
/// ```text
/// δ e_a = δ ∇_Q Q(s, a) = α δ ∇_Q ln π(a | s) + δ ∇_Q V(s)
/// δ = y − Q(s, a) = r + γ V(s') − V(s) − α ln π(a | s)
/// ∇_Q ln π(a | s) = (e_a − π(· | s))/α,   ∇_Q V(s) = π(· | s)
/// ```
///
/// `δ` is the one-step entropy-regularised advantage estimate with baseline `V(s)`, so the
/// first term is `α` times the entropy-regularised policy gradient of one sample, and the
/// second is the gradient of the value regression `−½ (V(s) − (V(s) + δ))²`. In expectation
/// over `a ~ π` the `−α ln π` inside `δ` turns into the entropy bonus:
/// `E_a[−α ln π(a|s) ∇ln π(a|s)] = α ∇H(π(·|s))`.
///
/// # References
///
/// Schulman, Chen & Abbeel (2017), *Equivalence between policy gradients and soft
/// Q-learning*, arXiv:1704.06440; Nachum, Norouzi, Xu & Schuurmans
/// (2017), *Bridging the gap between value and policy based reinforcement learning*.
///
/// # Errors
///
/// [`LearningError::InvalidConfig`] for an empty or non-finite row, `a` out of range, a
/// non-finite target or `α ≤ 0`; [`LearningError::Overflow`] if `δ = y − Q(s, a)` or a
/// product with it overflows (entries near `±f64::MAX`). A tiny `α` is fine: the policy
/// is then greedy.
///
/// # Examples
///
/// ```
/// use maxent_rl::soft_q_pg_decomposition;
/// let d = soft_q_pg_decomposition(&[1.0, 0.0, -0.5], 1, 0.7, 0.5)?;
/// for b in 0..3 {
///     let sum = d.policy_gradient_term[b] + d.value_term[b];
///     assert!((sum - d.q_learning_direction[b]).abs() < 1e-15);
/// }
/// assert!((d.td_error - 0.7).abs() < 1e-15); // y − Q(s, 1)
/// # Ok::<(), maxent_rl::LearningError>(())
/// ```
pub fn soft_q_pg_decomposition(
    q_row: &[f64],
    a: usize,
    target: f64,
    alpha: f64,
) -> Result<SoftQPgDecomposition, LearningError> {
    check_soft_alpha(alpha)?;
    if q_row.is_empty() || a >= q_row.len() {
        return Err(LearningError::IndexOutOfRange {
            what: "action",
            index: a,
            bound: q_row.len(),
        });
    }
    if let Some(&x) = q_row.iter().chain([&target]).find(|x| !x.is_finite()) {
        return Err(LearningError::InvalidConfig {
            what: "q_row/target",
            value: x,
            expected: "finite",
        });
    }
    // Shift by the maximum before dividing by α: `(q − max q)/α ≤ 0` cannot overflow to
    // +∞, so a tiny α gives the greedy policy instead of ∞ − ∞.
    let q_max = q_row.iter().fold(f64::NEG_INFINITY, |m, &q| m.max(q));
    let scaled: Vec<f64> = q_row.iter().map(|q| (q - q_max) / alpha).collect();
    let mut log_pi = vec![0.0; q_row.len()];
    log_softmax_into(&scaled, &mut log_pi);
    let probs: Vec<f64> = log_pi.iter().map(|l| l.exp()).collect();
    let td_error = target - q_row[a];
    check_finite_output("td_error", &[td_error])?;
    let unit = |b: usize| if b == a { 1.0 } else { 0.0 };
    // Each term is `δ` times a number in [−1, 1]: finite once `δ` is.
    Ok(SoftQPgDecomposition {
        td_error,
        q_learning_direction: (0..q_row.len()).map(|b| td_error * unit(b)).collect(),
        policy_gradient_term: (0..q_row.len())
            .map(|b| td_error * (unit(b) - probs[b]))
            .collect(),
        value_term: probs.iter().map(|p| td_error * p).collect(),
        probs,
    })
}

//! SAC's soft critic target: the bootstrapped value a Q-function is regressed onto.

use crate::distributions::categorical::check_logits;
use crate::losses::loss_error::{
    LossError, check_alpha, check_batch_finite, check_batch_len, check_output,
};
use crate::numerics::log_sum_exp::log_softmax_into;

/// The soft Q-learning target of SAC with clipped double Q,
/// `y = r + γ(1 − done)(min(Q'₁, Q'₂)(s', a') − α ln π(a'|s'))`, for a batch of transitions.
///
/// Arguments follow rlax's time-suffix convention for a transition
/// `(s_{t−1}, a_{t−1}, r_t, s_t)`: `r_t` is the reward received, `discount_t = γ(1 − done_t)`
/// the discount applied to the next state, and `q1_t`, `q2_t`, `log_pi_t` are evaluated at
/// the next state `s_t` and a *fresh* action `a_t ~ π(·|s_t)` from the current policy (not
/// the action stored in the replay buffer): `q1_t[b] = Q'₁(s_t, a_t)`, `q2_t[b] = Q'₂(s_t, a_t)`
/// from the two target critics, and `log_pi_t[b] = ln π(a_t|s_t)`.
///
/// # Formula
///
/// ```text
/// y_b = r_b + discount_b · ( min(q1_b, q2_b) − α · log_pi_b )
/// ```
///
/// The bracket is a one-sample estimate of the soft state value
/// `V(s') = E_{a'~π}[Q(s', a') − α ln π(a'|s')]` of the soft Bellman equation (chapter 4).
/// Passing `discount_t = γ(1 − done_t)` per item, rather than `γ` and a done flag, lets a
/// time-limit truncation keep `discount = γ` (the episode did not terminate: its
/// next state still has value) while a true termination sets it to 0.
///
/// # References
///
/// - T. Haarnoja, A. Zhou, P. Abbeel, S. Levine (2018), *Soft Actor-Critic: Off-Policy
///   Maximum Entropy Deep RL with a Stochastic Actor*, ICML, eqs. (5)–(8).
/// - T. Haarnoja et al. (2018b), *Soft Actor-Critic Algorithms and Applications*,
///   arXiv:1812.05905, eqs. (3), (5) and Algorithm 1 (the version without a separate
///   V-network, with two Q-functions and the minimum of the targets).
/// - S. Fujimoto, H. van Hoof, D. Meger (2018), *Addressing Function Approximation Error in
///   Actor-Critic Methods* (TD3), ICML, §4.2 (clipped double Q).
/// - stable-baselines3 `SAC.train` and cleanrl `sac_continuous_action.py` compute
///   `r + (1 − done) γ (min Q'(s', a') − α ln π(a'|s'))` in exactly this form.
///
/// # Errors
///
/// [`LossError::EmptyBatch`]; [`LossError::LengthMismatch`] if the slices differ in length;
/// [`LossError::NonFinite`] for a NaN or infinite entry; [`LossError::InvalidParameter`]
/// for a discount outside `[0, 1]` or an `alpha` that is negative or not finite;
/// [`LossError::Overflow`] if a target overflows `f64` (finite inputs of magnitude near
/// `1e308`); the outputs are checked, not the inputs.
///
/// # Examples
///
/// ```
/// use maxent_rl::soft_critic_target;
/// // r = 1, γ = 0.99, min(Q'₁, Q'₂) = 2, α = 0.1, ln π = −1:  1 + 0.99 · (2 + 0.1) = 3.079.
/// let y = soft_critic_target(&[1.0, 1.0], &[0.99, 0.0], &[2.0, 2.0], &[3.0, 3.0], &[-1.0, -1.0], 0.1)?;
/// assert!((y[0] - 3.079).abs() < 1e-12);
/// assert_eq!(y[1], 1.0); // terminal: discount 0, the next state is ignored
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn soft_critic_target(
    r_t: &[f64],
    discount_t: &[f64],
    q1_t: &[f64],
    q2_t: &[f64],
    log_pi_t: &[f64],
    alpha: f64,
) -> Result<Vec<f64>, LossError> {
    let batch = r_t.len();
    if batch == 0 {
        return Err(LossError::EmptyBatch);
    }
    check_batch_len("discount_t", discount_t, batch)?;
    check_batch_len("q1_t", q1_t, batch)?;
    check_batch_len("q2_t", q2_t, batch)?;
    check_batch_len("log_pi_t", log_pi_t, batch)?;
    check_batch_finite("r_t", r_t)?;
    check_batch_finite("q1_t", q1_t)?;
    check_batch_finite("q2_t", q2_t)?;
    check_batch_finite("log_pi_t", log_pi_t)?;
    check_alpha(alpha)?;
    if let Some(&value) = discount_t.iter().find(|d| !(0.0..=1.0).contains(*d)) {
        return Err(LossError::InvalidParameter {
            what: "discount_t",
            value,
            expected: "in [0, 1]",
        });
    }
    let target: Vec<f64> = (0..batch)
        .map(|b| {
            let soft_value = q1_t[b].min(q2_t[b]) - alpha * log_pi_t[b];
            // A terminal transition ignores the next state exactly (0 · finite = 0).
            r_t[b] + discount_t[b] * soft_value
        })
        .collect();
    check_output("target", &target)?;
    Ok(target)
}

/// The soft critic target of discrete-action SAC, with the expectation over the next action
/// taken exactly: `y = r + γ(1 − done) Σ_a π(a|s') (min(Q'₁, Q'₂)(s', a) − α ln π(a|s'))`.
///
/// `logits_t` (the current policy at the next states), `q1_t` and `q2_t` (the target critics'
/// values of every action there) are row-major `B × |A|`. Masked actions (logit `−∞`) have
/// probability 0 and their Q-values are ignored.
///
/// # Formula
///
/// ```text
/// y_b = r_b + discount_b · Σ_a π_{b,a} ( min(q1_{b,a}, q2_{b,a}) − α ln π_{b,a} )
/// ```
///
/// This is the expectation over `a' ~ π` of [`soft_critic_target`]'s one-sample target,
/// computed without sampling noise.
///
/// # References
///
/// P. Christodoulou (2019), *Soft Actor-Critic for Discrete Action Settings*,
/// arXiv:1910.07207, eq. (10) (the soft state value as an exact sum); cleanrl
/// `sac_atari.py` computes `(next_state_action_probs * (min_qf_next_target −
/// alpha * next_state_log_pi)).sum(dim=1)` for the same bracket.
///
/// # Numerical stability
///
/// Log-probabilities come from the log-softmax; masked actions are skipped rather than
/// multiplied (`0 · (−∞)` is never formed).
///
/// # Errors
///
/// As [`soft_critic_target`], plus [`LossError::InvalidPolicy`] for a bad row of logits,
/// [`LossError::NonFinite`] for a Q-value of an unmasked action (indexed into the flat
/// slice), and [`LossError::InvalidParameter`] for `num_actions = 0`.
///
/// # Examples
///
/// ```
/// use maxent_rl::discrete_soft_critic_target;
/// // Uniform policy over two actions, Q' = (1, 3) from both critics, α = 0.5, γ = 0.9:
/// // V = ½·1 + ½·3 + 0.5 ln 2, y = 0 + 0.9 V.
/// let y = discrete_soft_critic_target(&[0.0], &[0.9], &[0.0, 0.0], 2, &[1.0, 3.0], &[1.0, 3.0], 0.5)?;
/// assert!((y[0] - 0.9 * (2.0 + 0.5 * 2f64.ln())).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn discrete_soft_critic_target(
    r_t: &[f64],
    discount_t: &[f64],
    logits_t: &[f64],
    num_actions: usize,
    q1_t: &[f64],
    q2_t: &[f64],
    alpha: f64,
) -> Result<Vec<f64>, LossError> {
    if num_actions == 0 {
        return Err(LossError::InvalidParameter {
            what: "num_actions",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    let batch = r_t.len();
    if batch == 0 {
        return Err(LossError::EmptyBatch);
    }
    check_batch_len("discount_t", discount_t, batch)?;
    check_batch_len("logits_t", logits_t, batch * num_actions)?;
    check_batch_len("q1_t", q1_t, batch * num_actions)?;
    check_batch_len("q2_t", q2_t, batch * num_actions)?;
    check_batch_finite("r_t", r_t)?;
    check_alpha(alpha)?;
    if let Some(&value) = discount_t.iter().find(|d| !(0.0..=1.0).contains(*d)) {
        return Err(LossError::InvalidParameter {
            what: "discount_t",
            value,
            expected: "in [0, 1]",
        });
    }
    let mut log_pi = vec![0.0; num_actions];
    let mut out = Vec::with_capacity(batch);
    for (b, row) in logits_t.chunks_exact(num_actions).enumerate() {
        check_logits(row).map_err(|source| LossError::InvalidPolicy { index: b, source })?;
        log_softmax_into(row, &mut log_pi);
        let mut soft_value = 0.0;
        for (i, &lp) in log_pi.iter().enumerate() {
            if lp == f64::NEG_INFINITY {
                continue;
            }
            let k = b * num_actions + i;
            for (what, q) in [("q1_t", q1_t[k]), ("q2_t", q2_t[k])] {
                if !q.is_finite() {
                    return Err(LossError::NonFinite {
                        what,
                        index: k,
                        value: q,
                    });
                }
            }
            soft_value += lp.exp() * (q1_t[k].min(q2_t[k]) - alpha * lp);
        }
        out.push(r_t[b] + discount_t[b] * soft_value);
    }
    check_output("target", &out)?;
    Ok(out)
}

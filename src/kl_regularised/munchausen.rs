//! Munchausen value iteration and the KL- and entropy-regularised value iteration it
//! equals.

use crate::kl_regularised::kl_error::KlError;
use crate::numerics::log_softmax;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_allocatable, check_len, check_values, table_len};
use crate::tabular::tabular_policy::TabularPolicy;

/// One iterate of a regularised value iteration: the action values and the policy that
/// was greedy with respect to the previous ones.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RegularisedIterate {
    /// `q_k`, flat (`s · A + a`); 0 at terminal states.
    pub q_values: Vec<f64>,
    /// `π_k`.
    pub policy: TabularPolicy,
}

fn check_weight(what: &'static str, value: f64, expected: &'static str) -> Result<(), KlError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(MdpError::InvalidParameter {
            what,
            value,
            expected,
        }
        .into())
    }
}

fn check_q(mdp: &Mdp, q: &[f64]) -> Result<(), KlError> {
    check_len("q0", q.len(), mdp.num_states() * mdp.num_actions())?;
    check_values("q0", q)?;
    Ok(())
}

/// Every iterate is returned: refuse `K` iterates of `S · A` action values, probabilities
/// and log-probabilities that cannot be allocated.
fn check_iterates_fit(mdp: &Mdp, iterations: usize) -> Result<(), KlError> {
    let what = "regularised iterates";
    let entries = table_len(what, &[iterations, mdp.num_states(), mdp.num_actions(), 3])?;
    check_allocatable(what, entries, table_len(what, &[entries, 8])?)?;
    Ok(())
}

/// `Err(NonFiniteValue)` naming the first non-finite `q_{k+1}` or NaN `ln π_{k+1}` (a
/// policy logit that overflowed); `−∞` log-probabilities are legitimate.
fn check_iterate(next_q: &[f64], log_pi: &[f64]) -> Result<(), KlError> {
    if let Some(i) = next_q.iter().position(|x| !x.is_finite()) {
        return Err(MdpError::NonFiniteValue {
            what: "q",
            index: i,
            value: next_q[i],
        }
        .into());
    }
    if let Some(i) = log_pi.iter().position(|x| x.is_nan()) {
        return Err(MdpError::NonFiniteValue {
            what: "ln π",
            index: i,
            value: log_pi[i],
        }
        .into());
    }
    Ok(())
}

/// Munchausen value iteration (M-VI): soft value iteration whose reward is augmented by the
/// scaled log-policy, `r + β τ ln π_{k+1}(a | s)`.
///
/// # Formula
///
/// With temperature `τ > 0`, Munchausen coefficient `β ∈ [0, 1]` and `q_0` given, for
/// `k = 0, 1, …`:
///
/// ```text
/// π_{k+1}(· | s) = softmax(q_k(s, ·)/τ)
/// q_{k+1}(s, a) = r(s, a) + β τ ln π_{k+1}(a | s)
///               + γ Σ_{s'} P(s' | s, a) Σ_{a'} π_{k+1}(a' | s') (q_k(s', a') − τ ln π_{k+1}(a' | s'))
/// ```
///
/// Returns `(q_k, π_k)` for `k = 1, …, K` (`K = iterations`). It is the same iteration,
/// step for step, as [`kl_entropy_regularised_value_iteration`] with KL weight `βτ` and
/// entropy weight `(1−β)τ`, under the change of variables `q̂_k = q_k − βτ ln π_k`; so it
/// converges to the entropy-regularised optimum at temperature `(1−β)τ`. `β = 0` is soft
/// value iteration on `Q`. The deep-RL version (M-DQN) clips `ln π` from below; this exact
/// tabular version does not need to.
///
/// # References
///
/// Vieillard, Pietquin & Geist (2020), *Munchausen Reinforcement Learning*, NeurIPS (the
/// M-VI scheme and its equivalence to mirror-descent value iteration with KL weight `ατ`
/// and entropy weight `(1−α)τ`, their `α` being our `β`).
///
/// # Numerical stability
///
/// `ln π_{k+1}` is a log-softmax of `q_k/τ` shifted by its maximum, never `ln(softmax)`.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] unless `0 < τ < ∞`; [`MdpError::InvalidParameter`] for
/// `β ∉ [0, 1]`; [`MdpError::DimensionMismatch`] or [`MdpError::NonFiniteValue`] for a bad
/// `q_0`; [`MdpError::NonFiniteValue`] naming `"q"` if an iterate overflows or `"ln π"` if
/// `q_k/τ` overflows into a NaN log-probability (a tiny `τ`); [`MdpError::TooLarge`] if
/// the `K` iterates cannot be allocated. All inside [`KlError::Mdp`]. Every returned
/// iterate is finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, SoftValueIteration, munchausen_value_iteration};
/// // β = 0 is soft value iteration on Q (temperature τ).
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let iterates = munchausen_value_iteration(&mdp, 0.5, 0.0, &[0.0, 0.0], 80)?;
/// let exact = SoftValueIteration::new(0.5).tolerance(1e-14).run(&mdp)?;
/// let q = &iterates.last().unwrap().q_values;
/// assert!((q[0] - exact.q_values[0]).abs() < 1e-12);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
pub fn munchausen_value_iteration(
    mdp: &Mdp,
    tau: f64,
    munchausen_coefficient: f64,
    q0: &[f64],
    iterations: usize,
) -> Result<Vec<RegularisedIterate>, KlError> {
    if !(tau.is_finite() && tau > 0.0) {
        return Err(MdpError::InvalidTemperature { value: tau }.into());
    }
    if !(0.0..=1.0).contains(&munchausen_coefficient) {
        return Err(MdpError::InvalidParameter {
            what: "munchausen_coefficient",
            value: munchausen_coefficient,
            expected: "in [0, 1]",
        }
        .into());
    }
    check_q(mdp, q0)?;
    check_iterates_fit(mdp, iterations)?;
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let gamma = mdp.discount();
    let mut q = q0.to_vec();
    let mut out = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        // π_{k+1} = softmax(q_k/τ), kept as log-probabilities.
        let mut log_pi = Vec::with_capacity(q.len());
        for q_s in q.chunks_exact(a_count) {
            let scaled: Vec<f64> = q_s.iter().map(|x| x / tau).collect();
            log_pi.extend(log_softmax(&scaled));
        }
        // The soft value of the next state under π_{k+1}: Σ_a' π (q_k − τ ln π).
        let next_value: Vec<f64> = (0..s_count)
            .map(|s| {
                if mdp.is_terminal(s) {
                    return 0.0;
                }
                (0..a_count)
                    .map(|a| {
                        let i = s * a_count + a;
                        let p = log_pi[i].exp();
                        if p == 0.0 {
                            0.0
                        } else {
                            p * (q[i] - tau * log_pi[i])
                        }
                    })
                    .sum()
            })
            .collect();
        let mut next_q = vec![0.0; q.len()];
        for s in (0..s_count).filter(|&s| !mdp.is_terminal(s)) {
            for a in 0..a_count {
                let i = s * a_count + a;
                next_q[i] = mdp.reward(s, a)
                    + munchausen_coefficient * tau * log_pi[i]
                    + gamma * mdp.expected_next_value(s, a, &next_value);
            }
        }
        check_iterate(&next_q, &log_pi)?;
        q = next_q;
        out.push(RegularisedIterate {
            q_values: q.clone(),
            policy: TabularPolicy::from_normalised_log_probs(s_count, a_count, log_pi),
        });
    }
    Ok(out)
}

/// Value iteration regularised by a KL penalty towards the previous policy and an entropy
/// bonus (mirror-descent value iteration, MD-VI).
///
/// # Formula
///
/// With KL weight `λ ≥ 0`, entropy weight `τ' ≥ 0` (`λ + τ' > 0`), and `(q̂_0, π_0)` given,
/// for `k = 0, 1, …`:
///
/// ```text
/// π_{k+1}(· | s) = argmax_π { ⟨π, q̂_k(s, ·)⟩ − λ KL(π ‖ π_k(· | s)) + τ' H(π) }
///                ∝ π_k(· | s)^{λ/(λ+τ')} exp(q̂_k(s, ·)/(λ+τ'))
/// q̂_{k+1}(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) [ ⟨π_{k+1}, q̂_k(s', ·)⟩
///                   − λ KL(π_{k+1}(· | s') ‖ π_k(· | s')) + τ' H(π_{k+1}(· | s')) ]
/// ```
///
/// Returns `(q̂_k, π_k)` for `k = 1, …, K`. Its policies converge to the optimum of the
/// entropy-regularised MDP at temperature `τ'` (the KL term only slows the steps down).
///
/// # References
///
/// Vieillard, Pietquin & Geist (2020), *Munchausen Reinforcement Learning*, NeurIPS
/// (MD-VI, the scheme M-VI is shown to equal); Geist, Scherrer & Pietquin (2019), *A
/// Theory of Regularized MDPs*, §4 (mirror-descent modified policy iteration).
///
/// # Numerical stability
///
/// The policy is a log-softmax of `(λ ln π_k + q̂_k)/(λ + τ')`; `0 ln 0 = 0` in the KL and
/// the entropy.
///
/// # Errors
///
/// [`MdpError::InvalidParameter`] for a negative or non-finite weight or both 0;
/// [`MdpError::DimensionMismatch`] or [`MdpError::NonFiniteValue`] for a bad `q̂_0`, or a
/// `π_0` of the wrong shape; [`MdpError::NonFiniteValue`] naming `"q"` if an iterate
/// overflows or `"ln π"` if a policy logit does (weights near 0 against large values);
/// [`MdpError::TooLarge`] if the `K` iterates cannot be allocated. All inside
/// [`KlError::Mdp`]. Every returned iterate is finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, SoftValueIteration, TabularPolicy, kl_entropy_regularised_value_iteration};
/// // The policies converge to the soft-optimal policy at temperature τ' = 0.3.
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let pi0 = TabularPolicy::uniform(1, 2)?;
/// let iterates = kl_entropy_regularised_value_iteration(&mdp, 0.2, 0.3, &[0.0, 0.0], &pi0, 200)?;
/// let exact = SoftValueIteration::new(0.3).tolerance(1e-14).run(&mdp)?.policy()?;
/// let last = &iterates.last().unwrap().policy;
/// assert!((last.prob(0, 0) - exact.prob(0, 0)).abs() < 1e-10);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
pub fn kl_entropy_regularised_value_iteration(
    mdp: &Mdp,
    kl_weight: f64,
    entropy_weight: f64,
    q0: &[f64],
    pi0: &TabularPolicy,
    iterations: usize,
) -> Result<Vec<RegularisedIterate>, KlError> {
    check_weight("kl_weight", kl_weight, "finite and ≥ 0")?;
    check_weight("entropy_weight", entropy_weight, "finite and ≥ 0")?;
    let total = kl_weight + entropy_weight;
    if total == 0.0 {
        return Err(MdpError::InvalidParameter {
            what: "kl_weight + entropy_weight",
            value: 0.0,
            expected: "> 0",
        }
        .into());
    }
    check_q(mdp, q0)?;
    check_iterates_fit(mdp, iterations)?;
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    pi0.check_shape_of(s_count, a_count)?;
    let gamma = mdp.discount();
    let mut q = q0.to_vec();
    let mut log_pi_k: Vec<f64> = pi0.log_probs().to_vec();
    let mut out = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let mut log_pi = Vec::with_capacity(q.len());
        for s in 0..s_count {
            let logits: Vec<f64> = (0..a_count)
                .map(|a| {
                    let i = s * a_count + a;
                    let prior = if kl_weight == 0.0 {
                        0.0
                    } else {
                        kl_weight * log_pi_k[i]
                    };
                    (prior + q[i]) / total
                })
                .collect();
            log_pi.extend(log_softmax(&logits));
        }
        let next_value: Vec<f64> = (0..s_count)
            .map(|s| {
                if mdp.is_terminal(s) {
                    return 0.0;
                }
                (0..a_count)
                    .map(|a| {
                        let i = s * a_count + a;
                        let p = log_pi[i].exp();
                        if p == 0.0 {
                            0.0
                        } else {
                            p * (q[i]
                                - kl_weight * (log_pi[i] - log_pi_k[i])
                                - entropy_weight * log_pi[i])
                        }
                    })
                    .sum()
            })
            .collect();
        let mut next_q = vec![0.0; q.len()];
        for s in (0..s_count).filter(|&s| !mdp.is_terminal(s)) {
            for a in 0..a_count {
                next_q[s * a_count + a] =
                    mdp.reward(s, a) + gamma * mdp.expected_next_value(s, a, &next_value);
            }
        }
        check_iterate(&next_q, &log_pi)?;
        q = next_q;
        log_pi_k = log_pi.clone();
        out.push(RegularisedIterate {
            q_values: q.clone(),
            policy: TabularPolicy::from_normalised_log_probs(s_count, a_count, log_pi),
        });
    }
    Ok(out)
}

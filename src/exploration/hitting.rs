//! The exact probability that a policy reaches a set of states within a step budget.

use crate::learning::learning_error::{LearningError, check_positive};
use crate::learning::sampling::check_policy_shape;
use crate::tabular::{Mdp, TabularPolicy};

/// The probability that `policy`, started from `d₀`, visits one of `targets` within
/// `budget` steps (a start in a target counts as a visit at step 0).
///
/// # Formula
///
/// A forward pass over the sub-probability `p_t(s)` of being in `s` at step `t` without
/// having visited a target:
///
/// ```text
/// p₀ = d₀ off the targets,   hit₀ = d₀(targets)
/// p_{t+1}(s') = Σ_{s ∉ targets ∪ terminal} p_t(s) Σ_a π(a|s) P(s'|s, a)
/// P(hit by T) = hit₀ + Σ_{t=1..T} p_t(targets)
/// ```
///
/// Terminal states absorb without counting as a hit.
///
/// # Errors
///
/// [`LearningError::InvalidConfig`] for `budget = 0`;
/// [`LearningError::IndexOutOfRange`] for a target outside the MDP;
/// [`LearningError::DimensionMismatch`] if the policy's shape differs from the MDP's.
///
/// # Examples
///
/// ```
/// use maxent_rl::{TabularPolicy, chain_mdp, hitting_probability};
/// // Chain of 3 states: reaching state 2 needs two forward steps in a row, each with
/// // probability 1/2 under the uniform policy; within 2 steps that is 1/4.
/// let mdp = chain_mdp(3, 0.0, 0.9)?;
/// let p = hitting_probability(&mdp, &TabularPolicy::uniform(3, 2)?, &[2], 2)?;
/// assert!((p - 0.25).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hitting_probability(
    mdp: &Mdp,
    policy: &TabularPolicy,
    targets: &[usize],
    budget: usize,
) -> Result<f64, LearningError> {
    check_positive("budget", budget)?;
    check_policy_shape(mdp, policy)?;
    let s_count = mdp.num_states();
    let mut is_target = vec![false; s_count];
    for &t in targets {
        if t >= s_count {
            return Err(LearningError::IndexOutOfRange {
                what: "state",
                index: t,
                bound: s_count,
            });
        }
        is_target[t] = true;
    }
    let mut hit = 0.0;
    let mut p = vec![0.0; s_count];
    for (s, &d) in mdp.initial_distribution().iter().enumerate() {
        if is_target[s] {
            hit += d;
        } else {
            p[s] = d;
        }
    }
    let mut next = vec![0.0; s_count];
    for _ in 0..budget {
        next.iter_mut().for_each(|x| *x = 0.0);
        for (s, &ps) in p.iter().enumerate() {
            if ps == 0.0 || mdp.is_terminal(s) {
                continue;
            }
            for (a, &pa) in policy.action_probs(s).iter().enumerate() {
                for (s2, ps2) in mdp.successors(s, a) {
                    next[s2] += ps * pa * ps2;
                }
            }
        }
        for (x, &target) in next.iter_mut().zip(&is_target) {
            if target {
                hit += *x;
                *x = 0.0;
            }
        }
        std::mem::swap(&mut p, &mut next);
    }
    Ok(hit)
}

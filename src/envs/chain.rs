//! The chain MDP of Strens (2000): a large reward at the far end of a chain that a
//! myopic or dithering agent rarely reaches.

use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_allocatable, table_len};

/// Strens' chain: `n` states in a row; action 0 ("forward") moves one state right for
/// reward 0 (at the last state it stays and pays `10`), action 1 ("back") returns to
/// state 0 for reward `2`. With probability `slip` the other action's effect happens.
///
/// # Formula
///
/// ```text
/// forward: s → min(s + 1, n − 1), reward 10 if s = n − 1 else 0
/// back:    s → 0,                 reward 2
/// r(s, a) = (1 − slip) · reward(intended) + slip · reward(other)
/// ```
///
/// Start state 0. Going back pays at once; the far reward needs `n − 1` forward steps
/// against the pull of the immediate `2`, so undirected exploration (uniform or
/// ε-greedy) takes time exponential in `n` to find it, while the optimal policy with
/// `γ = 0.99` goes forward.
///
/// # References
///
/// Strens (2000), *A Bayesian Framework for Reinforcement Learning*, ICML, §5 (with
/// `n = 5`, `slip = 0.2`).
///
/// # Errors
///
/// [`MdpError::InvalidParameter`] for `n < 2`, `n > 2³² − 1` (states are indexed by `u32`)
/// or `slip ∉ [0, 1]` (or NaN); [`MdpError::TooLarge`] if the `2n` transition rows cannot be
/// allocated; [`MdpError::InvalidDiscount`] for `γ ∉ [0, 1]`.
///
/// # Examples
///
/// ```
/// use maxent_rl::{chain_mdp, value_iteration};
/// let mdp = chain_mdp(5, 0.2, 0.99)?;
/// let v = value_iteration(&mdp, 1e-9, 100_000)?;
/// // Forward is optimal in the start state: Q(0, forward) > Q(0, back).
/// assert!(v.q_values[0] > v.q_values[1]);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn chain_mdp(n: usize, slip: f64, discount: f64) -> Result<Mdp, MdpError> {
    if !(2..=u32::MAX as usize).contains(&n) {
        return Err(MdpError::InvalidParameter {
            what: "n",
            value: n as f64,
            expected: "between 2 and 2³² − 1",
        });
    }
    if !(0.0..=1.0).contains(&slip) {
        return Err(MdpError::InvalidParameter {
            what: "slip",
            value: slip,
            expected: "in [0, 1]",
        });
    }
    let forward = |s: usize| ((s + 1).min(n - 1), if s == n - 1 { 10.0 } else { 0.0 });
    let back = |_s: usize| (0, 2.0);
    // Two rows of two successors each per state: refuse what cannot be allocated.
    let rows = table_len("chain transitions", &[n, 2])?;
    check_allocatable(
        "chain transitions",
        rows,
        table_len("chain transitions", &[rows, 64])?,
    )?;
    let mut transitions = Vec::with_capacity(rows);
    let mut rewards = Vec::with_capacity(rows);
    for s in 0..n {
        for (intended, other) in [(forward(s), back(s)), (back(s), forward(s))] {
            transitions.push(vec![(intended.0, 1.0 - slip), (other.0, slip)]);
            rewards.push((1.0 - slip) * intended.1 + slip * other.1);
        }
    }
    Mdp::new(n, 2, &transitions, rewards, discount)?.with_initial_state(0)
}

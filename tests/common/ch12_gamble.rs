//! The gamble of chapter 12, shared by the claim test (`tests/ch12_control_as_inference.rs`)
//! and the figure (`tests/figures.rs`). Included with `#[path]`; not part of `common/mod.rs`.
#![allow(dead_code)]

use maxent_rl::{BackwardMessages, Mdp, finite_horizon_soft_value_iteration};

/// The gamble: from state 0, *safe* (action 0) leads to state 1, *gamble* (action 1) to
/// state 2 (win, +2) or state 3 (lose, −4) with probability ½ each. States 1–3 pay their
/// reward for either action and move to the absorbing state 4. Horizon 2, `γ = 1`.
pub fn gamble() -> Mdp {
    let transitions = vec![
        vec![(1, 1.0)],
        vec![(2, 0.5), (3, 0.5)],
        vec![(4, 1.0)],
        vec![(4, 1.0)],
        vec![(4, 1.0)],
        vec![(4, 1.0)],
        vec![(4, 1.0)],
        vec![(4, 1.0)],
        vec![(4, 1.0)],
        vec![(4, 1.0)],
    ];
    let state_reward = [0.0, 0.0, 2.0, -4.0, 0.0];
    let rewards = (0..10).map(|i| state_reward[i / 2]).collect();
    Mdp::new(5, 2, &transitions, rewards, 1.0).unwrap()
}

/// `(P(gamble) exact, P(gamble) variational, E[return] exact, E[return] variational,
/// P(win | gamble, O))`, from the library.
pub fn gamble_numbers(alpha: f64) -> [f64; 5] {
    let mdp = gamble();
    let messages = BackwardMessages::new(&mdp, alpha, 2).unwrap();
    let soft = finite_horizon_soft_value_iteration(&mdp, alpha, 2, &[0.0; 5]).unwrap();
    let p_exact = messages.posterior_policy().prob(0, 0, 1);
    let p_var = soft.policies[0].prob(0, 1);
    // The expected return of gambling is ½·2 + ½·(−4) = −1, of playing safe 0.
    let win = messages
        .posterior_transition(0, 0, 1)
        .into_iter()
        .find(|&(s2, _)| s2 == 2)
        .unwrap()
        .1;
    [p_exact, p_var, -p_exact, -p_var, win]
}

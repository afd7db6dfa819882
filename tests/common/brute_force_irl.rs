//! Brute-force enumeration of trajectories on tiny MDPs: the independent witness for the
//! inverse-RL forward-backward algorithms. Everything here is written from the
//! definitions, with dense tables and no log-space tricks (the MDPs are tiny).

#![allow(dead_code)]

use maxent_rl::{Demonstrations, Mdp, Trajectory};
use rand::{Rng, RngExt};

/// A trajectory `s_0, a_0, …, a_{T−1}, s_T` with its weight.
pub struct Weighted {
    pub states: Vec<usize>,
    pub actions: Vec<usize>,
    pub weight: f64,
}

/// Every trajectory of `T` actions from `s0` (stopping early at a terminal state), with
/// weight `Π_t w_action(t, s_t, a_t) · w_transition(t, s_t, a_t, s_{t+1})`.
pub fn enumerate(
    mdp: &Mdp,
    s0: usize,
    horizon: usize,
    w_action: &dyn Fn(usize, usize, usize) -> f64,
    w_transition: &dyn Fn(usize, usize, usize, usize) -> f64,
) -> Vec<Weighted> {
    let mut out = Vec::new();
    let mut stack = vec![(vec![s0], Vec::<usize>::new(), 1.0)];
    while let Some((states, actions, w)) = stack.pop() {
        let t = actions.len();
        let s = *states.last().unwrap();
        if t == horizon || mdp.is_terminal(s) {
            out.push(Weighted {
                states,
                actions,
                weight: w,
            });
            continue;
        }
        for a in 0..mdp.num_actions() {
            for s2 in 0..mdp.num_states() {
                let p = mdp.transition_prob(s, a, s2);
                if p == 0.0 {
                    continue;
                }
                let w2 = w * w_action(t, s, a) * w_transition(t, s, a, s2);
                if w2 == 0.0 {
                    continue;
                }
                let mut st = states.clone();
                st.push(s2);
                let mut ac = actions.clone();
                ac.push(a);
                stack.push((st, ac, w2));
            }
        }
    }
    out
}

/// `D_t(s)` of a weighted trajectory set, normalised by the total weight: `T · S`.
/// A trajectory that ended early contributes its terminal state once, at its arrival.
pub fn marginals(trajs: &[Weighted], num_states: usize, horizon: usize) -> Vec<f64> {
    let total: f64 = trajs.iter().map(|t| t.weight).sum();
    let mut d = vec![0.0; horizon * num_states];
    for tr in trajs {
        let p = tr.weight / total;
        for (t, &s) in tr.states.iter().enumerate().take(horizon) {
            d[t * num_states + s] += p;
        }
    }
    d
}

/// The trajectory-level 2008 model from `s0`: weight `Π P(s'|s,a) · exp(Σ_t r(s_t, a_t))`.
pub fn trajectory_model(mdp: &Mdp, reward: &[f64], s0: usize, horizon: usize) -> Vec<Weighted> {
    let a_count = mdp.num_actions();
    enumerate(
        mdp,
        s0,
        horizon,
        &|_, s, a| reward[s * a_count + a].exp(),
        &|_, s, a, s2| mdp.transition_prob(s, a, s2),
    )
}

/// The process a time-indexed policy `π(t, s, a)` induces from `s0` under the true dynamics.
pub fn policy_process(
    mdp: &Mdp,
    pi: &dyn Fn(usize, usize, usize) -> f64,
    s0: usize,
    horizon: usize,
) -> Vec<Weighted> {
    enumerate(mdp, s0, horizon, pi, &|_, s, a, s2| {
        mdp.transition_prob(s, a, s2)
    })
}

/// `n` demonstrations of `horizon` uniformly random actions from uniformly random start
/// states: data for checking identities that hold for any demonstrations.
pub fn uniform_demos<R: Rng + ?Sized>(
    mdp: &Mdp,
    n: usize,
    horizon: usize,
    rng: &mut R,
) -> Demonstrations {
    let trajs = (0..n)
        .map(|_| {
            let mut s = rng.random_range(0..mdp.num_states());
            let mut states = vec![s];
            let mut actions = Vec::new();
            for _ in 0..horizon {
                let a = rng.random_range(0..mdp.num_actions());
                s = mdp.sample_next_state(s, a, rng);
                states.push(s);
                actions.push(a);
            }
            Trajectory::new(states, actions)
        })
        .collect();
    Demonstrations::new(mdp, trajs).unwrap()
}

//! Dynamic programming written out again from the definitions, sharing no code with the
//! library's solvers: it reads the MDP only through its public accessors
//! (`successors`, `reward`, `discount`, `is_terminal`) and solves linear systems with
//! nalgebra directly. The claims that compare soft value iteration with "hard" optimal
//! values, or with soft values at a moderate temperature, take their reference from here,
//! so that an error in the library's sweep (a wrong discount, a wrong temperature) cannot
//! cancel on both sides.
//!
//! Both references are policy iterations that end with a *certificate*: the returned
//! values are the exact values of a policy (so they are at most optimal), and the Bellman
//! residual `ρ = ‖T V − V‖∞` bounds how far below optimal they can be, `V* − V ≤ ρ/(1 − γ)`
//! (Williams & Baird 1993; Puterman 1994, Theorem 6.3.1 for the hard case).

#![allow(dead_code)]

use maxent_rl::Mdp;
use nalgebra::{DMatrix, DVector};

/// An optimal value with its certificate.
pub struct Reference {
    /// Exact value of the final policy (a lower bound on the optimum, up to rounding).
    pub values: Vec<f64>,
    /// `Q(s, a) = r(s, a) + γ Σ P(s'|s,a) V(s')`, row-major `[s * A + a]`.
    pub q_values: Vec<f64>,
    /// `ρ/(1 − γ)`: the optimum exceeds `values` by at most this (plus rounding).
    pub error_bound: f64,
}

/// `Q = r + γ P V` from the public accessors.
pub fn q_from_v(mdp: &Mdp, v: &[f64]) -> Vec<f64> {
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let mut q = vec![0.0; n * k];
    for s in 0..n {
        for a in 0..k {
            let future: f64 = mdp.successors(s, a).map(|(j, p)| p * v[j]).sum();
            q[s * k + a] = mdp.reward(s, a) + mdp.discount() * future;
        }
    }
    q
}

/// Exact soft value of the policy `probs[s * A + a]` with entropy weight `alpha`
/// (`alpha = 0`: the ordinary value): solves `(I − γ P_π) V = r_π + α H_π` by LU, with
/// `V = 0` at terminal states.
pub fn policy_value(mdp: &Mdp, probs: &[f64], alpha: f64) -> Vec<f64> {
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let gamma = mdp.discount();
    let mut m = DMatrix::<f64>::identity(n, n);
    let mut rhs = DVector::<f64>::zeros(n);
    for s in (0..n).filter(|&s| !mdp.is_terminal(s)) {
        for a in 0..k {
            let p = probs[s * k + a];
            if p == 0.0 {
                continue;
            }
            rhs[s] += p * (mdp.reward(s, a) - alpha * p.ln());
            for (j, pj) in mdp.successors(s, a) {
                m[(s, j)] -= gamma * p * pj;
            }
        }
    }
    let v = m
        .lu()
        .solve(&rhs)
        .expect("I − γ P_π is invertible for γ < 1");
    v.iter().copied().collect()
}

/// Hard optimum by policy iteration: the exact value of a greedy policy, improved until no
/// action improves on it by more than rounding; returns the residual certificate
/// `max_s (max_a Q(s, a) − V(s)) / (1 − γ)`.
pub fn hard_optimum(mdp: &Mdp) -> Reference {
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let mut actions = vec![0usize; n];
    for _ in 0..1000 {
        let mut probs = vec![0.0; n * k];
        for s in 0..n {
            probs[s * k + actions[s]] = 1.0;
        }
        let values = policy_value(mdp, &probs, 0.0);
        let q_values = q_from_v(mdp, &values);
        let scale = 1.0 + values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut changed = false;
        let mut residual = 0.0f64;
        for s in (0..n).filter(|&s| !mdp.is_terminal(s)) {
            let row = &q_values[s * k..(s + 1) * k];
            let (best, best_q) =
                row.iter()
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |m, (a, &q)| if q > m.1 { (a, q) } else { m },
                    );
            residual = residual.max(best_q - values[s]);
            // Switch only for a gain above rounding, so that ties cannot cycle.
            if best_q > row[actions[s]] + 1e-13 * scale {
                actions[s] = best;
                changed = true;
            }
        }
        if !changed {
            return Reference {
                values,
                q_values,
                error_bound: residual.max(0.0) / (1.0 - mdp.discount()),
            };
        }
    }
    panic!("hard policy iteration did not settle in 1000 iterations");
}

/// Soft optimum at temperature `alpha > 0` by soft policy iteration: exact evaluation,
/// Boltzmann improvement `π ∝ exp(Q/α)` (shifted by the row maximum), until the soft
/// Bellman residual `‖α lse(Q/α) − V‖∞` is at rounding level or 200 iterations pass.
pub fn soft_optimum(mdp: &Mdp, alpha: f64) -> Reference {
    assert!(alpha > 0.0);
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let mut probs = vec![1.0 / k as f64; n * k];
    let mut last = None;
    for _ in 0..200 {
        let values = policy_value(mdp, &probs, alpha);
        let q_values = q_from_v(mdp, &values);
        let scale = 1.0 + values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut residual = 0.0f64;
        for s in (0..n).filter(|&s| !mdp.is_terminal(s)) {
            let row = &q_values[s * k..(s + 1) * k];
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = row.iter().map(|q| ((q - m) / alpha).exp()).sum();
            let soft_max = m + alpha * z.ln();
            residual = residual.max((soft_max - values[s]).abs());
            for a in 0..k {
                probs[s * k + a] = ((row[a] - m) / alpha).exp() / z;
            }
        }
        let done = residual <= 1e-13 * scale;
        last = Some(Reference {
            values,
            q_values,
            error_bound: residual / (1.0 - mdp.discount()),
        });
        if done {
            break;
        }
    }
    last.expect("at least one iteration")
}

//! The natural-policy-gradient runs of chapter 13, shared by the claim test
//! (`tests/ch13_kl_regularised_rl.rs`) and the figure (`tests/figures.rs`). Included with
//! `#[path]`; not part of `common/mod.rs`.
#![allow(dead_code)]

use maxent_rl::{
    MirrorDescentPolicyIteration, SoftValueIteration, TabularPolicy, garnet, npg_error_bound,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn sup_distance(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// One NPG run: step fraction `η/η_max`, `‖Q* − Q^{(k)}‖∞`, the bound on it, and
/// `‖ln π* − ln π^{(k)}‖∞`, for `k = 0..=K`.
pub type NpgRun = (f64, Vec<f64>, Vec<f64>, Vec<f64>);

/// Entropy-regularised NPG on the chapter's Garnet for each step-size fraction.
pub fn npg_runs() -> (f64, f64, Vec<NpgRun>) {
    let mut rng = ChaCha8Rng::seed_from_u64(134);
    let gamma = 0.9;
    let tau = 0.3;
    let mdp = garnet(20, 3, 4, gamma, &mut rng).unwrap();
    let optimum = SoftValueIteration::new(tau)
        .tolerance(1e-14)
        .run(&mdp)
        .unwrap();
    let pi_star = optimum.policy().unwrap();
    let pi0 = TabularPolicy::uniform(20, 3).unwrap();
    let eta_max = (1.0 - gamma) / tau;
    let mut runs = Vec::new();
    for fraction in [0.1, 0.25, 0.5, 1.0] {
        let eta = fraction * eta_max;
        let iterations = (12.0 / (eta * tau)).ceil() as usize;
        let run = MirrorDescentPolicyIteration::natural_policy_gradient(tau, eta, gamma)
            .unwrap()
            .iterations(iterations)
            .run(&mdp, &pi0)
            .unwrap();
        let errors: Vec<f64> = run
            .q_values
            .iter()
            .map(|q| sup_distance(q, &optimum.q_values))
            .collect();
        let log_pi_error = sup_distance(pi0.log_probs(), pi_star.log_probs());
        let bounds: Vec<f64> = (0..errors.len())
            .map(|k| npg_error_bound(tau, eta, gamma, errors[0], log_pi_error, k).unwrap())
            .collect();
        let policy_errors: Vec<f64> = run
            .policies
            .iter()
            .map(|pi| sup_distance(pi.log_probs(), pi_star.log_probs()))
            .collect();
        runs.push((fraction, errors, bounds, policy_errors));
    }
    (tau, gamma, runs)
}

//! Claims of chapter 5, "Boltzmann optimality".

mod common;
#[path = "common/independent_dp.rs"]
mod independent_dp;

use common::MC_Z;
use maxent_rl::{
    Gridworld, Mdp, MonteCarloEstimate, SoftValueIteration, TabularPolicy, boltzmann_policy,
    garnet, q_values_from_values, soft_policy_evaluation,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random policy: each row a normalised vector of `Exp(1)` draws raised to `sharpness`
/// (large sharpness: near-deterministic).
fn random_policy(mdp: &Mdp, sharpness: f64, rng: &mut ChaCha8Rng) -> TabularPolicy {
    let (n, k) = (mdp.num_states(), mdp.num_actions());
    let mut probs = Vec::with_capacity(n * k);
    for _ in 0..n {
        let w: Vec<f64> = (0..k)
            .map(|_| (-rng.random::<f64>().ln()).powf(sharpness))
            .collect();
        let t: f64 = w.iter().sum();
        probs.extend(w.iter().map(|x| x / t));
    }
    TabularPolicy::from_probs(n, k, probs).unwrap()
}

/// `(1 − ε) π + ε σ` for a random policy `σ`.
fn perturb(pi: &TabularPolicy, eps: f64, rng: &mut ChaCha8Rng, mdp: &Mdp) -> TabularPolicy {
    let other = random_policy(mdp, 1.0, rng);
    let probs = pi
        .probs()
        .iter()
        .zip(other.probs())
        .map(|(p, o)| (1.0 - eps) * p + eps * o)
        .collect();
    TabularPolicy::from_probs(mdp.num_states(), mdp.num_actions(), probs).unwrap()
}

// ---------------------------------------------------------------- Claim 5.1

#[test]
fn claim_5_1_boltzmann_policy_beats_every_other_policy_in_every_state() {
    let mut rng = ChaCha8Rng::seed_from_u64(51);
    let mdp = garnet(5, 3, 3, 0.9, &mut rng).unwrap();
    for alpha in [0.05, 0.5, 2.0] {
        let sol = SoftValueIteration::new(alpha)
            .tolerance(1e-12)
            .run(&mdp)
            .unwrap();
        let pi_star = sol.policy().unwrap();
        let v_star = soft_policy_evaluation(&mdp, &pi_star, alpha).unwrap();
        // Rounding of the two LU solves (≈ ε S (1+γ)/(1−γ)‖V‖ ≤ 1e-12) and the 1e-12
        // certified error of π*'s Q-values (second order in the value): slack 1e-11.
        let slack = 1e-11;
        let check = |pi: &TabularPolicy, what: &str| {
            let v = soft_policy_evaluation(&mdp, pi, alpha).unwrap();
            for s in 0..5 {
                assert!(
                    v[s] <= v_star[s] + slack,
                    "α = {alpha}, {what}: V({s}) = {} > V* = {}",
                    v[s],
                    v_star[s]
                );
            }
        };
        // Brute force: all 3⁵ = 243 deterministic policies.
        for code in 0..3usize.pow(5) {
            let actions: Vec<usize> = (0..5).map(|s| code / 3usize.pow(s) % 3).collect();
            check(
                &TabularPolicy::deterministic(3, &actions).unwrap(),
                "deterministic",
            );
        }
        // Random stochastic policies, flat and sharp, and perturbations of π* itself.
        for sharpness in [0.3, 1.0, 4.0] {
            for _ in 0..50 {
                check(&random_policy(&mdp, sharpness, &mut rng), "random");
            }
        }
        for eps in [0.3, 1e-2, 1e-4] {
            for _ in 0..20 {
                check(&perturb(&pi_star, eps, &mut rng, &mdp), "perturbed");
            }
        }
    }
}

// ---------------------------------------------------------------- Claim 5.2

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn claim_5_2_soft_policy_improvement(
        num_states in 2usize..15,
        num_actions in 2usize..5,
        discount in 0.0..0.95f64,
        alpha in 0.01..3.0f64,
        sharpness in 0.2..5.0f64,
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mdp = garnet(num_states, num_actions, 3.min(num_states), discount, &mut rng).unwrap();
        let pi = random_policy(&mdp, sharpness, &mut rng);
        let v = soft_policy_evaluation(&mdp, &pi, alpha).unwrap();
        let mut q = vec![0.0; num_states * num_actions];
        q_values_from_values(&mdp, &v, &mut q).unwrap();
        let improved = boltzmann_policy(&q, num_actions, alpha).unwrap();
        let v_new = soft_policy_evaluation(&mdp, &improved, alpha).unwrap();
        // Each LU solve errs by at most ≈ ε S (1+γ)/(1−γ) ‖V‖∞ with S ≤ 14, γ < 0.95 and
        // ‖V‖∞ ≤ (1 + α ln 4)/(1 − γ) ≤ 104: 2.2e-16 · 14 · 39 · 104 ≈ 1.3e-11; two solves.
        for s in 0..num_states {
            prop_assert!(v_new[s] >= v[s] - 2.5e-11, "s = {s}: {} < {}", v_new[s], v[s]);
        }
    }
}

// ---------------------------------------------------------------- Claim 5.3

#[test]
fn claim_5_3_monte_carlo_return_of_boltzmann_policy_matches_optimal_value() {
    let grid = Gridworld::new(5, 4)
        .walls(&[(2, 1), (2, 2)])
        .goal(4, 3)
        .slip(0.2)
        .goal_reward(5.0);
    let mdp = grid.build(0.9).unwrap();
    let alpha = 0.5;
    let sol = SoftValueIteration::new(alpha)
        .tolerance(1e-10)
        .run(&mdp)
        .unwrap();
    let pi = sol.policy().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(53);
    let s0 = grid.state(0, 0);
    // Truncation at 400 steps: per-step |r − α ln π| ≤ 6 + α · 6 (π(a|s) ≥ e^{−6}, checked
    // here), so the omitted tail is below 0.9^400 · 9 / 0.1 < 1e-15.
    assert!(pi.log_probs().iter().all(|&lp| lp > -6.0));
    // 40 000 rollouts: standard error ≈ 0.004, so 4.5 standard errors ≈ 0.017 ≈ 1% of
    // |V*(s0)| ≈ 1.7 — fine enough that a 2% error in the discount fails (z ≈ 15).
    let est = MonteCarloEstimate::from_samples((0..40_000).map(|_| {
        let (mut s, mut g, mut discount) = (s0, 0.0, 1.0);
        for _ in 0..400 {
            if mdp.is_terminal(s) {
                break;
            }
            let a = pi.sample_action(s, &mut rng);
            // The sampled entropy term −α ln π(a|s), whose expectation is α H(π(·|s)).
            g += discount * (mdp.reward(s, a) - alpha * pi.log_prob(s, a));
            discount *= mdp.discount();
            s = mdp.sample_next_state(s, a, &mut rng);
        }
        g
    }))
    .unwrap();
    assert!(
        est.z_score(sol.values[s0]).abs() <= MC_Z,
        "MC {} ± {} vs V*(s0) = {}",
        est.mean,
        est.std_error,
        sol.values[s0]
    );
}

// ---------------------------------------------------------------- generated table

#[test]
fn chain_table() {
    use maxent_rl::chain_mdp;
    let mdp = chain_mdp(5, 0.2, 0.95).unwrap();
    let mut table = String::from(
        "| $\\alpha$ | $V^*(0)$ | $\\pi^*(\\text{forward} \\mid 0)$ | $\\pi^*(\\text{forward} \\mid 4)$ |\n|---:|---:|---:|---:|\n",
    );
    for alpha in [0.0, 0.1, 0.5, 1.0, 2.0, 5.0] {
        let sol = SoftValueIteration::new(alpha)
            .tolerance(1e-10)
            .run(&mdp)
            .unwrap();
        let pi = sol.policy().unwrap();
        let label = if alpha == 0.0 {
            "0 (hard)".to_string()
        } else {
            format!("{alpha}")
        };
        table.push_str(&format!(
            "| {label} | {:.3} | {:.3} | {:.3} |\n",
            sol.values[0],
            pi.prob(0, 0),
            pi.prob(4, 0)
        ));
    }
    common::check_generated_block(
        "book/src/ch05-boltzmann-optimality.md",
        "chain-table",
        &table,
    );
}

// ---------------------------------------------------------------- Claim 5.4

#[test]
fn claim_5_4_at_high_temperature_the_cells_next_to_the_goal_are_the_worst() {
    // The figure's gridworld (tests/figures.rs, `figure_gridworld`), rebuilt here.
    let grid = Gridworld::new(8, 6)
        .walls(&[(3, 0), (3, 1), (3, 2), (3, 3), (5, 5), (5, 4), (5, 3)])
        .goal(7, 0)
        .start(0, 5)
        .slip(0.1)
        .goal_reward(10.0);
    let mdp = grid.build(0.95).unwrap();
    let next_to_goal = [grid.state(6, 0), grid.state(7, 1)];
    let open: Vec<usize> = (0..mdp.num_states())
        .filter(|&s| {
            let (x, y) = grid.cell(s);
            !grid.is_wall(x, y) && !mdp.is_terminal(s)
        })
        .collect();
    for (alpha, worst) in [(3.0, true), (0.05, false)] {
        // Values from soft policy iteration written in the test (exact solves), not from
        // the solver that drew the figure; its certificate bounds the error.
        let reference = independent_dp::soft_optimum(&mdp, alpha);
        let v = &reference.values;
        let margin = reference.error_bound + 1e-9;
        for &s in &open {
            if next_to_goal.contains(&s) {
                continue;
            }
            for &g in &next_to_goal {
                if worst {
                    assert!(v[g] < v[s] - margin, "α = {alpha}: {g} not below {s}");
                } else {
                    assert!(v[g] > v[s] + margin, "α = {alpha}: {g} not above {s}");
                }
            }
        }
    }
    // The arithmetic quoted in the text: (3 ln 4 − 1)/(1 − γ) ≈ 63.
    let stream = (3.0 * 4f64.ln() - 1.0) / (1.0 - 0.95);
    assert!((stream - 63.2).abs() < 0.1, "{stream}");
}

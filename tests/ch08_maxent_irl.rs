//! Claims of chapter 8, "Maximum-entropy inverse RL" (Ziebart et al. 2008).

#[path = "common/brute_force_irl.rs"]
mod brute;
mod common;

use maxent_rl::{
    Demonstrations, Features, IrlConfig, IrlModel, IrlProblem, IrlTermination,
    MaxCausalEntSolution, MaxEntPartition, Mdp, Trajectory, TrajectoryEnd, fit_irl, forward_pass,
    garnet, trajectory_model_visitation,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random MDP with deterministic dynamics: every `(s, a)` has one successor.
fn deterministic_mdp(s_count: usize, a_count: usize, rng: &mut ChaCha8Rng) -> Mdp {
    let transitions: Vec<Vec<(usize, f64)>> = (0..s_count * a_count)
        .map(|_| vec![(rng.random_range(0..s_count), 1.0)])
        .collect();
    Mdp::new(
        s_count,
        a_count,
        &transitions,
        vec![0.0; s_count * a_count],
        1.0,
    )
    .unwrap()
}

fn random_reward(n: usize, scale: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-scale..scale)).collect()
}

// ---------------------------------------------------------------- Claim 8.1

#[test]
fn claim_8_1_forward_backward_equals_brute_force_under_deterministic_dynamics() {
    let mut rng = ChaCha8Rng::seed_from_u64(81);
    for _ in 0..20 {
        let mdp = deterministic_mdp(4, 3, &mut rng);
        let reward = random_reward(12, 2.0, &mut rng);
        let horizon = 4;
        let s0 = rng.random_range(0..4);
        let mut initial = vec![0.0; 4];
        initial[s0] = 1.0;
        let part = MaxEntPartition::new(&mdp, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
        // Algorithm 1: local action probabilities, forward pass with the dynamics.
        let vis = forward_pass(&mdp, &initial, part.policy()).unwrap();
        // Witness: P(τ | s0) ∝ exp(Σ r) over all 3^4 action sequences.
        let trajs = brute::trajectory_model(&mdp, &reward, s0, horizon);
        let d = brute::marginals(&trajs, 4, horizon);
        // ln Z_0(s0) against the log of the brute-force sum.
        let z: f64 = trajs.iter().map(|t| t.weight).sum();
        assert!((part.log_z_state(0)[s0] - z.ln()).abs() < 1e-12);
        // The causal model's visitation is the same under deterministic dynamics.
        let causal = MaxCausalEntSolution::new(&mdp, &reward, horizon).unwrap();
        let vis_causal = forward_pass(&mdp, &initial, causal.policy()).unwrap();
        for t in 0..horizon {
            for s in 0..4 {
                // Sums of at most 81 positive terms: relative rounding ≪ 1e-13.
                let reference = d[t * 4 + s];
                assert!((vis.at(t)[s] - reference).abs() < 1e-13, "t = {t}, s = {s}");
                assert!(
                    (vis_causal.at(t)[s] - reference).abs() < 1e-13,
                    "t = {t}, s = {s}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- Claim 8.2

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn claim_8_2_visitation_sums_to_horizon_and_is_nonnegative(
        seed in any::<u64>(),
        horizon in 1usize..40,
        scale in 0.1..20.0f64,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mdp = garnet(12, 3, 3, 0.9, &mut rng).unwrap();
        let reward = random_reward(36, scale, &mut rng);
        let mut initial: Vec<f64> = (0..12).map(|_| rng.random_range(0.0..1.0)).collect();
        let total: f64 = initial.iter().sum();
        initial.iter_mut().for_each(|p| *p /= total);
        let part = MaxEntPartition::new(&mdp, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
        let causal = MaxCausalEntSolution::new(&mdp, &reward, horizon).unwrap();
        let visitations = [
            forward_pass(&mdp, &initial, part.policy()).unwrap(),
            trajectory_model_visitation(&mdp, &initial, &part).unwrap(),
            forward_pass(&mdp, &initial, causal.policy()).unwrap(),
        ];
        for vis in &visitations {
            let d = vis.states();
            prop_assert!(d.iter().all(|x| *x >= 0.0));
            // T sums of probability vectors of 12 entries: rounding ≤ T · 12 · ε.
            let sum: f64 = d.iter().sum();
            prop_assert!((sum - horizon as f64).abs() <= 64.0 * horizon as f64 * f64::EPSILON * 12.0);
            let sa: f64 = vis.state_actions().iter().sum();
            prop_assert!((sa - horizon as f64).abs() <= 64.0 * horizon as f64 * f64::EPSILON * 36.0);
        }
    }
}

// ---------------------------------------------------------------- Claims 8.3–8.5

/// A stochastic problem: a Garnet MDP, 3 random state features, demonstrations from a
/// random policy.
fn garnet_problem(seed: u64) -> (Mdp, Features, Demonstrations) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mdp = garnet(6, 2, 2, 0.9, &mut rng).unwrap();
    let values: Vec<f64> = (0..18).map(|_| rng.random_range(-1.0..1.0)).collect();
    let phi = Features::state(&mdp, 3, values).unwrap();
    let demos = brute::uniform_demos(&mdp, 5, 4, &mut rng);
    (mdp, phi, demos)
}

#[test]
fn claim_8_3_gradient_matches_finite_differences() {
    for seed in 0..8 {
        let (mdp, phi, demos) = garnet_problem(seed);
        let problem = IrlProblem::new(&mdp, &phi, &demos)
            .unwrap()
            .with_l2(0.3)
            .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
        let theta = random_reward(3, 2.0, &mut rng);
        for model in [IrlModel::MaxEnt, IrlModel::MaxCausalEnt] {
            let eval = problem.evaluate(model, &theta).unwrap();
            // Central differences, h = 1e-5: truncation h²/6 · |L'''| ≤ 1e-10 · 40 (three
            // derivatives of a log-partition over T = 4 steps are bounded by moments of
            // f_τ, |f_τ| ≤ 4), rounding ε |L| / h ≈ 1e-10; 1e-7 bounds both.
            let h = 1e-5;
            for k in 0..3 {
                let mut plus = theta.clone();
                plus[k] += h;
                let mut minus = theta.clone();
                minus[k] -= h;
                let fd = (problem.evaluate(model, &plus).unwrap().objective
                    - problem.evaluate(model, &minus).unwrap().objective)
                    / (2.0 * h);
                assert!(
                    (eval.gradient[k] - fd).abs() < 1e-7,
                    "{model:?}, seed {seed}, k = {k}: {} vs {fd}",
                    eval.gradient[k]
                );
            }
        }
    }
}

#[test]
fn claim_8_3_algorithm_1_gradient_is_exact_only_for_deterministic_dynamics() {
    // Algorithm 1's expected features (local action probabilities, true dynamics) are the
    // exact gradient of the 2008 likelihood under deterministic dynamics, not otherwise.
    let mut rng = ChaCha8Rng::seed_from_u64(83);
    let det = deterministic_mdp(5, 2, &mut rng);
    let stoch = garnet(5, 2, 3, 0.9, &mut rng).unwrap();
    for (mdp, exact) in [(det, true), (stoch, false)] {
        let phi = Features::one_hot_states(&mdp).unwrap();
        let demos = brute::uniform_demos(&mdp, 4, 3, &mut rng);
        let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
        let theta = random_reward(5, 1.5, &mut rng);
        let eval = problem.evaluate(IrlModel::MaxEnt, &theta).unwrap();
        let reward = phi.reward(&theta).unwrap();
        let part = MaxEntPartition::new(&mdp, &reward, 3, &TrajectoryEnd::Anywhere).unwrap();
        let alg1 = forward_pass(&mdp, problem.initial_distribution(), part.policy()).unwrap();
        let alg1_features = phi.expectation(alg1.state_actions());
        let gap = alg1_features
            .iter()
            .zip(&eval.expected_features)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        if exact {
            assert!(gap < 1e-13, "deterministic: gap {gap:e}");
        } else {
            assert!(gap > 1e-3, "stochastic: gap {gap:e} should be visible");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn claim_8_4_objective_is_concave_along_random_lines(
        seed in 0u64..1000,
        causal in any::<bool>(),
        dir in prop::collection::vec(-1.0..1.0f64, 3),
        start in prop::collection::vec(-3.0..3.0f64, 3),
    ) {
        let (mdp, phi, demos) = garnet_problem(seed);
        let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
        let model = if causal { IrlModel::MaxCausalEnt } else { IrlModel::MaxEnt };
        let at = |x: f64| {
            let theta: Vec<f64> = start.iter().zip(&dir).map(|(s, d)| s + x * d).collect();
            problem.evaluate(model, &theta).unwrap().objective
        };
        // Second differences with step 0.25 along the line are ≤ 0 for a concave function;
        // rounding of three values of size ≤ 30 allows 1e-12.
        let h = 0.25;
        for i in -4..4 {
            let x = i as f64 * h;
            let second = at(x + h) - 2.0 * at(x) + at(x - h);
            prop_assert!(second <= 1e-12, "second difference {second:e} at x = {x}");
        }
    }
}

#[test]
fn claim_8_5_at_the_optimum_expected_features_match_the_demonstrations() {
    // Fit on a tiny deterministic MDP, then recompute the fitted model's expected
    // features by brute-force enumeration and compare with f̃.
    let mut rng = ChaCha8Rng::seed_from_u64(85);
    let mdp = deterministic_mdp(4, 2, &mut rng);
    let values: Vec<f64> = (0..8).map(|_| rng.random_range(-1.0..1.0)).collect();
    let phi = Features::state(&mdp, 2, values.clone()).unwrap();
    let demos = brute::uniform_demos(&mdp, 6, 3, &mut rng);
    let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
    let config = IrlConfig {
        gradient_tolerance: 1e-9,
        ..IrlConfig::default()
    };
    for model in [IrlModel::MaxEnt, IrlModel::MaxCausalEnt] {
        let fit = fit_irl(&problem, model, &[0.0, 0.0], &config).unwrap();
        assert!(
            matches!(fit.termination, IrlTermination::Converged { .. }),
            "{model:?}: {:?}",
            fit.termination
        );
        // The objective never decreased.
        for w in fit.history.windows(2) {
            assert!(w[1].objective >= w[0].objective);
        }
        // The reward θ·φ from the test's own feature table.
        let reward: Vec<f64> = (0..8)
            .map(|i| {
                let s = i / 2;
                fit.theta[0] * values[2 * s] + fit.theta[1] * values[2 * s + 1]
            })
            .collect();
        let mut expected = [0.0; 2];
        for (s0, &rho) in problem.initial_distribution().iter().enumerate() {
            if rho == 0.0 {
                continue;
            }
            let trajs = brute::trajectory_model(&mdp, &reward, s0, demos.horizon());
            let z: f64 = trajs.iter().map(|t| t.weight).sum();
            for tr in &trajs {
                for &s in &tr.states[..tr.actions.len()] {
                    for (k, e) in expected.iter_mut().enumerate() {
                        *e += rho * tr.weight / z * values[2 * s + k];
                    }
                }
            }
        }
        // The demonstrated features, summed along the trajectories here (not by the
        // library's `Features`, which computes the model side).
        let mut demonstrated = [0.0; 2];
        for tr in demos.trajectories() {
            for &s in &tr.states[..demos.horizon()] {
                for (k, f) in demonstrated.iter_mut().enumerate() {
                    *f += values[2 * s + k] / demos.len() as f64;
                }
            }
        }
        for (e, f) in expected.iter().zip(&demonstrated) {
            // The fit stops at ‖∇L‖∞ ≤ 1e-9; enumeration adds rounding ≪ 1e-12.
            assert!(
                (e - f).abs() < 2e-9,
                "{model:?}: expected {e} vs demonstrated {f}"
            );
        }
    }
}

// ---------------------------------------------------------------- Claim 8.6

#[test]
fn claim_8_6_log_space_partition_is_exact_where_exp_space_overflows() {
    // One state, rewards r_a: ln Z_0 = T ln Σ_a e^{r_a} exactly (every action sequence).
    let mdp = Mdp::new(
        1,
        3,
        &[vec![(0, 1.0)], vec![(0, 1.0)], vec![(0, 1.0)]],
        vec![0.0; 3],
        1.0,
    )
    .unwrap();
    let reward = [2.0, -1.0, 0.5];
    let per_step = reward.iter().map(|r: &f64| r.exp()).sum::<f64>().ln();
    for horizon in [1usize, 10, 300, 5000] {
        let part = MaxEntPartition::new(&mdp, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
        let exact = horizon as f64 * per_step;
        // Each of the T log-sum-exp steps rounds once: T · 4ε relative.
        assert!(
            (part.log_z_state(0)[0] - exact).abs() <= 4.0 * horizon as f64 * f64::EPSILON * exact,
            "T = {horizon}"
        );
    }
    // A 20×20 gridworld, T = 800 (the 2·S iterations of a common implementation): the
    // exp-space Z overflows; a second algorithm — exp-space with the maximum rescaled out
    // at every step — gives the same ln Z as the log-space pass.
    let grid = maxent_rl::Gridworld::new(20, 20)
        .slip(0.2)
        .build(1.0)
        .unwrap();
    let grid = grid.with_terminal_states(&[]).unwrap();
    let s_count = grid.num_states();
    let reward: Vec<f64> = (0..s_count * 4)
        .map(|i| 0.5 * ((i / 4) as f64 / s_count as f64))
        .collect();
    let horizon = 800;
    let part = MaxEntPartition::new(&grid, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
    let mut z = vec![1.0; s_count];
    let mut log_scale = 0.0;
    let mut overflowed = false;
    let mut z_plain = vec![1.0f64; s_count];
    for _ in 0..horizon {
        let mut next = vec![0.0; s_count];
        let mut next_plain = vec![0.0; s_count];
        for s in 0..s_count {
            for a in 0..4 {
                let e = reward[s * 4 + a].exp();
                next[s] += e * grid.successors(s, a).map(|(s2, p)| p * z[s2]).sum::<f64>();
                next_plain[s] += e * grid
                    .successors(s, a)
                    .map(|(s2, p)| p * z_plain[s2])
                    .sum::<f64>();
            }
        }
        let m = next.iter().cloned().fold(0.0, f64::max);
        next.iter_mut().for_each(|x| *x /= m);
        log_scale += m.ln();
        z = next;
        z_plain = next_plain;
        overflowed |= z_plain.iter().any(|x| !x.is_finite());
    }
    assert!(overflowed, "exp-space Z should overflow at T = 800");
    for (s, (zs, lz)) in z.iter().zip(part.log_z_state(0)).enumerate() {
        let (reference, lz) = (log_scale + zs.ln(), *lz);
        assert!(lz.is_finite());
        // 800 steps of relative rounding ~ 10 ε each on values ~ 1.5e3.
        assert!(
            (lz - reference).abs() < 1e-9 * reference.abs(),
            "s = {s}: {lz} vs {reference}"
        );
    }
}

// ---------------------------------------------------------------- Claim 8.7

#[path = "common/irl_gridworld.rs"]
mod experiment;

#[test]
fn claim_8_7_recovered_reward_reproduces_expert_behaviour() {
    let out = experiment::run(&experiment::Setup {
        size: 6,
        horizon: 12,
        demos: 200,
        seed: 7,
    });
    assert!(
        matches!(out.fit.termination, IrlTermination::Converged { .. }),
        "{:?}",
        out.fit.termination
    );
    // Return under the true reward: the learned reward's soft-optimal policy recovers at
    // least 90% of the expert's advantage over the uniform policy.
    let gap = out.expert_return - out.uniform_return;
    assert!(
        gap > 1.0,
        "the expert must be clearly better than uniform: {gap}"
    );
    assert!(
        out.learned_return >= out.expert_return - 0.1 * gap,
        "learned {} vs expert {} (uniform {})",
        out.learned_return,
        out.expert_return,
        out.uniform_return
    );
    // Rewards agree up to the model's invariances (a constant shift and scale do not
    // change P(τ) over a fixed horizon): Pearson correlation on the states the expert
    // visits at least 0.1 times per episode.
    let mask: Vec<bool> = out.expert_visits.iter().map(|d| *d >= 0.1).collect();
    let rho = experiment::correlation(&out.fit.theta, &out.true_reward, &mask);
    assert!(rho > 0.8, "correlation {rho}");
}

#[test]
fn recovery_table_in_book_is_current() {
    let mut table = String::from(
        "| grid | demos | iterations | return: expert | learned | uniform | reward correlation |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (size, demos) in [(6, 20), (6, 200), (8, 200)] {
        let out = experiment::run(&experiment::Setup {
            size,
            horizon: 2 * size,
            demos,
            seed: 7,
        });
        let mask: Vec<bool> = out.expert_visits.iter().map(|d| *d >= 0.1).collect();
        let rho = experiment::correlation(&out.fit.theta, &out.true_reward, &mask);
        // The prose under the table: with 200 demonstrations the learned reward's policy
        // recovers at least 90% of the expert's advantage over uniform (94% on 8×8), and
        // on the 6×6 grid it scores above the expert.
        let fraction =
            (out.learned_return - out.uniform_return) / (out.expert_return - out.uniform_return);
        if demos == 200 {
            assert!(fraction >= 0.9, "{size}×{size}: {fraction}");
        }
        if size == 8 {
            assert!((fraction - 0.94).abs() < 0.005, "{fraction}");
        } else {
            assert!(out.learned_return > out.expert_return);
        }
        let num = |x: f64| format!("{x:.3}").replace('-', "−");
        table.push_str(&format!(
            "| {size}×{size}, $T = {}$ | {demos} | {} | {} | {} | {} | {} |\n",
            2 * size,
            out.fit.history.len() - 1,
            num(out.expert_return),
            num(out.learned_return),
            num(out.uniform_return),
            num(rho)
        ));
    }
    common::check_generated_block("book/src/ch08-maxent-irl.md", "recovery-table", &table);
}

#[test]
fn claim_8_6_rescaled_sums_stay_exact_when_successors_differ_by_thousands_of_nats() {
    // Rewards spread over ±600 make Z differ by far more than f64's 745-nat range between
    // states, so the library's rescaled successor sums underflow for some (s, a) and must
    // fall back to log-space. Witness: the recursion written directly as log-sum-exps.
    let mut rng = ChaCha8Rng::seed_from_u64(86);
    for trial in 0..10 {
        let mut mdp = garnet(15, 3, 3, 0.9, &mut rng).unwrap();
        if trial % 2 == 0 {
            // States 0–4 only lead among themselves, 5–14 only among themselves: with the
            // rewards below, every successor of a state in 5–14 is ~3000 nats below the
            // largest Z, so its rescaled sum underflows to exactly 0.
            let transitions: Vec<Vec<(usize, f64)>> = (0..45)
                .map(|i| {
                    let s = i / 3;
                    let base = if s < 5 { 0 } else { 5 };
                    let span = if s < 5 { 5 } else { 10 };
                    vec![
                        (base + rng.random_range(0..span), 0.5),
                        (base + rng.random_range(0..span), 0.5),
                    ]
                })
                .collect();
            mdp = Mdp::new(15, 3, &transitions, vec![0.0; 45], 1.0).unwrap();
        }
        let mut reward = random_reward(45, 600.0, &mut rng);
        if trial % 2 == 0 {
            // +1000 per step in states 0–4, 0 elsewhere.
            for (i, r) in reward.iter_mut().enumerate() {
                *r = if i < 15 { 1000.0 } else { 0.0 };
            }
        }
        let horizon = 6;
        let part = MaxEntPartition::new(&mdp, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
        // The test's own backward recursion, every time step kept: ln Z_t(s, a) and
        // ln Z_t(s), with ln Z_T = 0.
        let mut log_z = vec![vec![0.0f64; 15]; horizon + 1];
        let mut log_za = vec![vec![0.0f64; 45]; horizon];
        for t in (0..horizon).rev() {
            for s in 0..15 {
                for a in 0..3 {
                    let terms: Vec<f64> = mdp
                        .successors(s, a)
                        .map(|(s2, p)| p.ln() + log_z[t + 1][s2])
                        .collect();
                    log_za[t][s * 3 + a] = reward[s * 3 + a] + maxent_rl::log_sum_exp(&terms);
                }
                log_z[t][s] = maxent_rl::log_sum_exp(&log_za[t][s * 3..s * 3 + 3]);
            }
        }
        for (s, (lz, reference)) in part.log_z_state(0).iter().zip(&log_z[0]).enumerate() {
            // Values up to ~3600 in magnitude; a few ulps per step.
            assert!(
                (lz - reference).abs() <= 1e-13 * reference.abs().max(1.0),
                "s = {s}: {lz} vs {reference}"
            );
        }
        // The tilted forward pass, against the same recursion written with log-sum-exps —
        // its action probabilities Z_t(s, a)/Z_t(s) and tilted transitions from the test's
        // own ln Z, not the library's — from a start spread over both components.
        let initial = vec![1.0 / 15.0; 15];
        let vis = trajectory_model_visitation(&mdp, &initial, &part).unwrap();
        // The reference exponentiates differences of ln Z values near ±6000, each rounded
        // to ~6000 ε: its relative error is up to ~16 ε · max|ln Z| per step.
        let max_log_z = log_z.iter().flatten().fold(0.0f64, |m, z| m.max(z.abs()));
        let tol = 16.0 * horizon as f64 * f64::EPSILON * (1.0 + max_log_z);
        let mut d = initial.clone();
        for t in 0..horizon {
            for (s, (got, want)) in vis.at(t).iter().zip(&d).enumerate() {
                assert!(
                    (got - want).abs() <= tol,
                    "t = {t}, s = {s}: {got} vs {want}"
                );
            }
            let z = &log_z[t + 1];
            let mut next = vec![0.0; 15];
            for (s, d_s) in d.iter().enumerate() {
                for a in 0..3 {
                    let w = d_s * (log_za[t][s * 3 + a] - log_z[t][s]).exp();
                    let terms: Vec<f64> =
                        mdp.successors(s, a).map(|(s2, p)| p.ln() + z[s2]).collect();
                    let norm = maxent_rl::log_sum_exp(&terms);
                    for (s2, p) in mdp.successors(s, a) {
                        next[s2] += w * (p.ln() + z[s2] - norm).exp();
                    }
                }
            }
            d = next;
        }
    }
}

// ---------------------------------------------------------------- Bad input

#[test]
fn bad_input_gives_typed_errors_naming_the_value() {
    use maxent_rl::{IrlError, MdpError, TabularPolicy, visitation_until_absorbed};
    let p = vec![
        vec![(0, 1.0)],
        vec![(1, 1.0)],
        vec![(1, 1.0)],
        vec![(0, 1.0)],
    ];
    let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 1.0).unwrap();
    let other = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0; 2], 1.0).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let demos = Demonstrations::new(&mdp, vec![Trajectory::new(vec![0, 1], vec![1])]).unwrap();

    // Features of another MDP.
    let phi_other = Features::one_hot_states(&other).unwrap();
    assert_eq!(
        IrlProblem::new(&mdp, &phi_other, &demos).unwrap_err(),
        IrlError::DimensionMismatch {
            what: "features",
            expected: 4,
            found: 2
        }
    );
    // θ of the wrong length, or with a NaN.
    let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
    assert_eq!(
        problem.evaluate(IrlModel::MaxEnt, &[0.0]).unwrap_err(),
        IrlError::DimensionMismatch {
            what: "theta",
            expected: 2,
            found: 1
        }
    );
    assert!(matches!(
        problem.evaluate(IrlModel::MaxCausalEnt, &[0.0, f64::NAN]),
        Err(IrlError::NonFiniteParameter { k: 1, .. })
    ));
    assert!(matches!(
        IrlProblem::new(&mdp, &phi, &demos).unwrap().with_l2(-1.0),
        Err(IrlError::InvalidConfig { what: "l2", .. })
    ));
    let bad_config = IrlConfig {
        armijo: 1.5,
        ..IrlConfig::default()
    };
    assert!(matches!(
        fit_irl(&problem, IrlModel::MaxEnt, &[0.0, 0.0], &bad_config),
        Err(IrlError::InvalidConfig { what: "armijo", .. })
    ));
    // Backward passes: zero horizon, wrong reward length, a non-finite reward named by (s, a).
    assert_eq!(
        MaxEntPartition::new(&mdp, &[0.0; 4], 0, &TrajectoryEnd::Anywhere).unwrap_err(),
        IrlError::ZeroHorizon
    );
    assert_eq!(
        MaxCausalEntSolution::new(&mdp, &[0.0; 3], 2).unwrap_err(),
        IrlError::DimensionMismatch {
            what: "reward",
            expected: 4,
            found: 3
        }
    );
    assert!(matches!(
        MaxCausalEntSolution::new(&mdp, &[0.0, 0.0, f64::INFINITY, 0.0], 2),
        Err(IrlError::Mdp(MdpError::NonFiniteReward { s: 1, a: 0, .. }))
    ));
    // Forward passes: a start distribution that does not sum to one.
    let sol = MaxCausalEntSolution::new(&mdp, &[0.0; 4], 2).unwrap();
    assert!(matches!(
        forward_pass(&mdp, &[0.5, 0.4], sol.policy()),
        Err(IrlError::Mdp(
            MdpError::StateDistributionNotNormalised { .. }
        ))
    ));
    // A policy that never reaches the terminal state.
    let stay = TabularPolicy::deterministic(2, &[0, 0]).unwrap();
    let ends_in_1 = mdp.clone().with_terminal_states(&[1]).unwrap();
    assert!(matches!(
        visitation_until_absorbed(&ends_in_1, &[1.0, 0.0], &stay, 1e-12, 100),
        Err(IrlError::NotAbsorbed { steps: 100, .. })
    ));
    // Every message names the value.
    let msg = IrlError::ImpossibleTransition {
        trajectory: 3,
        t: 7,
        s: 1,
        a: 0,
        next_state: 0,
    }
    .to_string();
    assert!(
        msg.contains("trajectory 3") && msg.contains("t = 7"),
        "{msg}"
    );
}

// ---------------------------------------------------------------- bad input

/// Malformed demonstrations and features are rejected with an error naming where
/// (moved here from the end of chapter 8, which now ends with its take-aways).
#[test]
fn bad_demonstrations_and_features_are_named() {
    use maxent_rl::IrlError;
    let p = vec![
        vec![(0, 1.0)],
        vec![(1, 1.0)],
        vec![(1, 1.0)],
        vec![(0, 1.0)],
    ];
    let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 1.0).unwrap();
    let bad_state = Demonstrations::new(&mdp, vec![Trajectory::new(vec![0, 5], vec![0])]);
    assert!(matches!(
        bad_state,
        Err(IrlError::StateOutOfRange {
            trajectory: 0,
            t: 1,
            state: 5,
            ..
        })
    ));
    let ragged = Demonstrations::new(
        &mdp,
        vec![
            Trajectory::new(vec![0, 0, 0], vec![0, 0]),
            Trajectory::new(vec![1, 1], vec![0]),
        ],
    );
    assert!(matches!(
        ragged,
        Err(IrlError::InconsistentLength {
            trajectory: 1,
            expected: 2,
            found: 1
        })
    ));
    let nan = Features::state(&mdp, 1, vec![0.0, f64::NAN]);
    assert!(matches!(
        nan,
        Err(IrlError::NonFiniteFeature { row: 1, k: 0, .. })
    ));
}

/// `Features::reward` and `Features::expectation` skip zero features; the witness is the
/// dense sum over every `φ_k(s, a)` (read through `phi`), written out here. Skipping a zero
/// term changes no sum, so the two agree exactly (up to the sign of a zero).
#[test]
fn sparse_features_give_the_dense_sums_exactly() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let mdp = deterministic_mdp(7, 3, &mut rng);
    let (s_count, a_count, k_count) = (7, 3, 5);
    // Half the entries zero, the rest of either sign.
    let mut dense = |rows: usize| -> Vec<f64> {
        (0..rows * k_count)
            .map(|_| {
                if rng.random::<f64>() < 0.5 {
                    0.0
                } else {
                    rng.random_range(-2.0..2.0)
                }
            })
            .collect()
    };
    let state = Features::state(&mdp, k_count, dense(s_count)).unwrap();
    let state_action = Features::state_action(&mdp, k_count, dense(s_count * a_count)).unwrap();
    let one_hot = Features::one_hot_states(&mdp).unwrap();
    for phi in [&state, &state_action, &one_hot] {
        let k_count = phi.num_features();
        let theta = random_reward(k_count, 3.0, &mut rng);
        let d = random_reward(s_count * a_count, 1.0, &mut rng);
        let reward = phi.reward(&theta).unwrap();
        let mut expected_features = vec![0.0; k_count];
        for s in 0..s_count {
            for a in 0..a_count {
                let row = phi.phi(s, a);
                let r: f64 = row.iter().zip(&theta).map(|(f, t)| f * t).sum();
                assert_eq!(reward[s * a_count + a], r, "reward at ({s}, {a})");
                for (e, f) in expected_features.iter_mut().zip(row) {
                    *e += d[s * a_count + a] * f;
                }
            }
        }
        assert_eq!(phi.expectation(&d), expected_features);
    }
}

// ---------------------------------------------------------------- The line search

#[test]
fn every_accepted_step_meets_the_armijo_condition() {
    // `fit_irl` accepts a step η d only if L(θ + η d) ≥ L(θ) + c η ∇L·d. With c = 0.9 on a
    // concave L, whose increase along d is always at most the linear prediction η ∇L·d, a
    // long step must be halved until the increase is at least 90% of that prediction.
    // Witness: the first step, whose direction is known without the L-BFGS memory —
    // d = (∇L/‖∇L‖∞) · initial_step, so η = ‖θ_1 − θ_0‖∞ / initial_step — checked with the
    // objective and gradient evaluated here. A line search that accepted steps within c η
    // ∇L·d *below* L(θ) (the sign of the margin flipped) takes the first trial step.
    for (seed, causal) in [(0u64, true), (1, false), (2, true), (3, false)] {
        let (mdp, phi, demos) = garnet_problem(seed);
        let problem = IrlProblem::new(&mdp, &phi, &demos)
            .unwrap()
            .with_l2(0.5)
            .unwrap();
        let model = if causal {
            IrlModel::MaxCausalEnt
        } else {
            IrlModel::MaxEnt
        };
        let config = IrlConfig {
            armijo: 0.9,
            initial_step: 8.0,
            max_iterations: 1,
            ..IrlConfig::default()
        };
        let theta0 = [0.0; 3];
        let fit = fit_irl(&problem, model, &theta0, &config).unwrap();
        let e0 = problem.evaluate(model, &theta0).unwrap();
        let g_norm = e0.gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        let slope = e0.gradient.iter().map(|g| g * g).sum::<f64>() / g_norm * config.initial_step;
        let eta = fit.history[0].step / config.initial_step;
        // η is a power of two (halvings from 1), so ‖θ_1 − θ_0‖∞ / initial_step recovers it
        // to rounding; the objective values are O(10) and exact to ~1e-14.
        assert_eq!(eta, 2f64.powi(eta.log2().round() as i32), "seed {seed}");
        assert!(
            eta < 1.0,
            "seed {seed}: the first trial step should be rejected"
        );
        let (l0, l1) = (fit.history[0].objective, fit.history[1].objective);
        assert_eq!(l0, e0.objective);
        assert!(
            l1 >= l0 + config.armijo * eta * slope - 1e-12,
            "seed {seed}: L rose by {} < c η ∇L·d = {}",
            l1 - l0,
            config.armijo * eta * slope
        );
        // And the step before it (2η) did not meet the condition, or it would have been taken.
        let theta_2eta: Vec<f64> = e0
            .gradient
            .iter()
            .map(|g| 2.0 * eta * g / g_norm * config.initial_step)
            .collect();
        let l_2eta = problem.evaluate(model, &theta_2eta).unwrap().objective;
        assert!(
            l_2eta < l0 + config.armijo * 2.0 * eta * slope,
            "seed {seed}"
        );
    }
}

// ---------------------------------------------------------------- Claim 8.6, exp-space steps

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// `MaxEntPartition::new` runs the recursion in exp-space, rescaled every step, and hands
    /// over to the log-space recursion where rescaling cannot represent a step. Witness: the
    /// log-space recursion for every step (`new_log_space`), on random MDPs, with terminal
    /// states and goal sets, and rewards up to ±40 over up to 300 steps — where `Z` itself
    /// reaches e^{12 000}, far outside f64 — and up to ±900 (spread beyond the ~645 nats the
    /// exp-space steps accept, so the hand-over is exercised too).
    #[test]
    fn claim_8_6_exp_space_steps_equal_the_log_space_recursion(
        seed in any::<u64>(),
        horizon in 1usize..300,
        scale in prop_oneof![0.01..2.0f64, 2.0..40.0f64, 300.0..900.0f64],
        terminal in any::<bool>(),
        goal in any::<bool>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut mdp = garnet(10, 3, 3, 0.9, &mut rng).unwrap();
        if terminal {
            mdp = mdp.with_terminal_states(&[0, 7]).unwrap();
        }
        let reward = random_reward(30, scale, &mut rng);
        let end = if goal {
            TrajectoryEnd::InStates((0..10).map(|s| s % 3 == 0).collect())
        } else {
            TrajectoryEnd::Anywhere
        };
        let fast = MaxEntPartition::new(&mdp, &reward, horizon, &end).unwrap();
        let slow = MaxEntPartition::new_log_space(&mdp, &reward, horizon, &end).unwrap();
        // Each step rounds a sum of ≤ 3 + 3 terms and a logarithm in either algorithm: a few
        // ε of relative error in Z per step, so ≤ 16 ε absolute in ln Z per step, plus the
        // rounding of the accumulated ln Z itself (ε |ln Z| per step).
        let close = |a: f64, b: f64| {
            if a == f64::NEG_INFINITY || b == f64::NEG_INFINITY {
                return a == b;
            }
            (a - b).abs() <= 16.0 * (horizon + 1) as f64 * f64::EPSILON * (1.0 + b.abs())
        };
        for t in 0..=horizon {
            for (s, (a, b)) in fast.log_z_state(t).iter().zip(slow.log_z_state(t)).enumerate() {
                prop_assert!(close(*a, *b), "ln Z_{t}({s}): {a} vs {b}");
            }
        }
        for t in 0..horizon {
            for s in 0..10 {
                for (a, (x, y)) in fast.log_z_action(t, s).iter().zip(slow.log_z_action(t, s)).enumerate() {
                    prop_assert!(close(*x, *y), "ln Z_{t}({s}, {a}): {x} vs {y}");
                }
                let (pf, ps) = (fast.policy().log_probs(t, s), slow.policy().log_probs(t, s));
                for (a, (x, y)) in pf.iter().zip(ps).enumerate() {
                    // ln π = ln Z(s, a) − ln Z(s): the same scale as ln Z.
                    let zs = slow.log_z_state(t)[s].abs();
                    let ok = (x == y)
                        || (x - y).abs() <= 16.0 * (horizon + 1) as f64 * f64::EPSILON * (1.0 + zs + y.abs());
                    prop_assert!(ok, "ln π_{t}({a} | {s}): {x} vs {y}");
                }
            }
        }
    }
}

#[test]
fn claim_8_6_exp_space_hands_over_when_a_rescaled_z_would_underflow() {
    // A chain 0 → 1 → goal (terminal) over two steps, rewards −690 and −1330, so the one
    // trajectory has ln Z_0(0) = −2020 (worked by hand). At t = 1 the goal's Z = 1 rescales
    // to e^{690} while state 1's Z rescales to e^{−640}: state 1's z = e^{−1330} is below
    // the smallest normal number (it would round to 0, and state 0 would look unable to
    // reach the goal). The exp-space pass must hand that step to the log-space recursion.
    let mdp = Mdp::new(
        3,
        1,
        &[vec![(1, 1.0)], vec![(2, 1.0)], vec![(2, 1.0)]],
        vec![-690.0, -1330.0, -690.0],
        1.0,
    )
    .unwrap()
    .with_terminal_states(&[2])
    .unwrap();
    let end = TrajectoryEnd::InStates(vec![false, false, true]);
    let reward = mdp.rewards().to_vec();
    let fast = MaxEntPartition::new(&mdp, &reward, 2, &end).unwrap();
    let slow = MaxEntPartition::new_log_space(&mdp, &reward, 2, &end).unwrap();
    for part in [&fast, &slow] {
        let l = part.log_z_state(0)[0];
        assert!((l + 2020.0).abs() <= 4.0 * f64::EPSILON * 2020.0, "{l}");
        assert!((part.log_z_state(1)[1] + 1330.0).abs() <= 4.0 * f64::EPSILON * 1330.0);
    }
}

//! Claims of chapter 9, "Maximum causal entropy" (Ziebart 2010).

#[path = "common/brute_force_irl.rs"]
mod brute;
mod common;

use common::{MC_Z, check_generated_block};
use maxent_rl::{
    Demonstrations, Features, IrlModel, IrlProblem, MaxCausalEntSolution, MaxEntPartition, Mdp,
    MonteCarloEstimate, Trajectory, TrajectoryEnd, finite_horizon_soft_value_iteration,
    forward_pass, garnet, trajectory_model_visitation,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The gamble of chapter 9: from state 0, action 0 ("safe") leads to state 3, action 1
/// ("gamble") to state 1 (+3) or state 2 (−3) with probability ½ each. State rewards,
/// horizon 2.
fn gamble() -> (Mdp, Vec<f64>) {
    let transitions = vec![
        vec![(3, 1.0)],
        vec![(1, 0.5), (2, 0.5)],
        vec![(1, 1.0)],
        vec![(1, 1.0)],
        vec![(2, 1.0)],
        vec![(2, 1.0)],
        vec![(3, 1.0)],
        vec![(3, 1.0)],
    ];
    let mdp = Mdp::new(4, 2, &transitions, vec![0.0; 8], 1.0).unwrap();
    let state_reward = [0.0, 3.0, -3.0, 0.0];
    let reward: Vec<f64> = (0..8).map(|i| state_reward[i / 2]).collect();
    (mdp, reward)
}

/// The three distributions on the gamble: `(P(gamble at s0), P(s1 = win))` for the
/// trajectory-level model, Algorithm 1, and the causal model; each also checked against
/// brute-force enumeration.
fn gamble_numbers() -> [(f64, f64); 3] {
    let (mdp, reward) = gamble();
    let horizon = 2;
    let initial = [1.0, 0.0, 0.0, 0.0];
    let part = MaxEntPartition::new(&mdp, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
    let causal = MaxCausalEntSolution::new(&mdp, &reward, horizon).unwrap();

    let tilted = trajectory_model_visitation(&mdp, &initial, &part).unwrap();
    let alg1 = forward_pass(&mdp, &initial, part.policy()).unwrap();
    let caus = forward_pass(&mdp, &initial, causal.policy()).unwrap();

    // Witnesses by enumeration.
    let b_traj = brute::marginals(
        &brute::trajectory_model(&mdp, &reward, 0, horizon),
        4,
        horizon,
    );
    let pi_alg1 = |t: usize, s: usize, a: usize| part.policy().prob(t, s, a);
    let b_alg1 = brute::marginals(
        &brute::policy_process(&mdp, &pi_alg1, 0, horizon),
        4,
        horizon,
    );
    let pi_caus = |t: usize, s: usize, a: usize| causal.policy().prob(t, s, a);
    let b_caus = brute::marginals(
        &brute::policy_process(&mdp, &pi_caus, 0, horizon),
        4,
        horizon,
    );
    for (vis, b) in [(&tilted, &b_traj), (&alg1, &b_alg1), (&caus, &b_caus)] {
        for t in 0..horizon {
            for s in 0..4 {
                assert!((vis.at(t)[s] - b[t * 4 + s]).abs() < 1e-14);
            }
        }
    }
    let gamble_prob = |vis: &maxent_rl::Visitation| vis.state_actions()[1];
    [
        (gamble_prob(&tilted), tilted.at(1)[1]),
        (gamble_prob(&alg1), alg1.at(1)[1]),
        (gamble_prob(&caus), caus.at(1)[1]),
    ]
}

// ---------------------------------------------------------------- Claim 9.1

#[test]
fn claim_9_1_three_distributions_under_stochastic_dynamics() {
    let [(g_traj, w_traj), (g_alg1, w_alg1), (g_caus, w_caus)] = gamble_numbers();
    // Hand-worked: Z_1(s) = 2 e^{r(s)}, so Z_0(0, gamble) = ½·2e³ + ½·2e⁻³ = 2 cosh 3 and
    // Z_0(0, safe) = 2: P(gamble) = cosh 3 / (1 + cosh 3). The trajectory-level model and
    // Algorithm 1 share it.
    let c3 = 3f64.cosh();
    assert!((g_traj - c3 / (1.0 + c3)).abs() < 1e-14);
    assert!((g_alg1 - g_traj).abs() < 1e-14);
    // Causal: Q(0, gamble) = ½(3 + ln 2) + ½(−3 + ln 2) = ln 2 = Q(0, safe): P = ½.
    assert!((g_caus - 0.5).abs() < 1e-14);
    // Win probability: the trajectory model tilts the coin, e³/(e³ + e⁻³) given the gamble.
    let tilt = 3f64.exp() / (3f64.exp() + (-3f64).exp());
    assert!((w_traj - g_traj * tilt).abs() < 1e-14);
    assert!((w_alg1 - g_alg1 * 0.5).abs() < 1e-14);
    assert!((w_caus - 0.25).abs() < 1e-14);
}

#[test]
fn gamble_table_in_book_is_current() {
    let [(g_traj, w_traj), (g_alg1, w_alg1), (g_caus, w_caus)] = gamble_numbers();
    let row = |name: &str, g: f64, w: f64| {
        format!(
            "| {name} | {g:.4} | {w:.4} | {:.4} |\n",
            if g > 0.0 { w / g } else { 0.0 }
        )
    };
    let mut table = String::from(
        "| Distribution | P(gamble) | P(win) | P(win \\| gamble) |\n|---|---:|---:|---:|\n",
    );
    table.push_str(&row(
        "trajectory-level model $P(\\tau) \\propto \\prod P \\cdot e^{r_\\tau}$",
        g_traj,
        w_traj,
    ));
    table.push_str(&row(
        "Algorithm 1 (local action probabilities, true dynamics)",
        g_alg1,
        w_alg1,
    ));
    table.push_str(&row("maximum causal entropy policy", g_caus, w_caus));
    check_generated_block("book/src/ch09-causal-entropy.md", "gamble-table", &table);
}

// ---------------------------------------------------------------- Claim 9.2

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn claim_9_2_models_coincide_iff_dynamics_are_deterministic(
        seed in any::<u64>(),
        horizon in 1usize..12,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let reward: Vec<f64> = (0..16).map(|_| rng.random_range(-2.0..2.0)).collect();
        // Deterministic: ln Z_t = V_t and the policies agree.
        let det: Vec<Vec<(usize, f64)>> =
            (0..16).map(|_| vec![(rng.random_range(0..8), 1.0)]).collect();
        let det = Mdp::new(8, 2, &det, vec![0.0; 16], 1.0).unwrap();
        let part = MaxEntPartition::new(&det, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
        let causal = MaxCausalEntSolution::new(&det, &reward, horizon).unwrap();
        for s in 0..8 {
            let (lz, v) = (part.log_z_state(0)[s], causal.values(0)[s]);
            // T log-sum-exps of values ≤ 2T: a few ulps each.
            prop_assert!((lz - v).abs() <= 1e-13 * (1.0 + v.abs()));
        }
        // Stochastic (every (s, a) has 3 successors): ln Z_0 ≥ V_0 by Jensen, strictly
        // somewhere once there is a decision to make after a random transition.
        let stoch = garnet(8, 2, 3, 0.9, &mut rng).unwrap();
        let part = MaxEntPartition::new(&stoch, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
        let causal = MaxCausalEntSolution::new(&stoch, &reward, horizon).unwrap();
        let mut max_gap = 0.0f64;
        for s in 0..8 {
            let gap = part.log_z_state(0)[s] - causal.values(0)[s];
            prop_assert!(gap >= -1e-12);
            max_gap = max_gap.max(gap);
        }
        if horizon >= 2 {
            prop_assert!(max_gap > 1e-6, "gap {max_gap:e}");
        }
    }
}

// ---------------------------------------------------------------- Claim 9.3

#[test]
fn claim_9_3_causal_policy_is_finite_horizon_soft_value_iteration_at_unit_temperature() {
    let mut rng = ChaCha8Rng::seed_from_u64(93);
    for _ in 0..10 {
        let mut mdp = garnet(10, 3, 4, 1.0, &mut rng).unwrap();
        let reward: Vec<f64> = (0..30).map(|_| rng.random_range(-3.0..3.0)).collect();
        mdp.set_rewards(&reward).unwrap();
        let horizon = 7;
        let causal = MaxCausalEntSolution::new(&mdp, &reward, horizon).unwrap();
        // Second algorithm: the soft DP chapter's solver, γ = 1, α = 1, V_T = 0.
        let reference =
            finite_horizon_soft_value_iteration(&mdp, 1.0, horizon, &[0.0; 10]).unwrap();
        for t in 0..horizon {
            for s in 0..10 {
                let v = reference.values[t][s];
                assert!((causal.values(t)[s] - v).abs() <= 1e-13 * (1.0 + v.abs()));
                for a in 0..3 {
                    let p = reference.policies[t].prob(s, a);
                    assert!((causal.policy().prob(t, s, a) - p).abs() < 1e-13);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- Claim 9.4

#[test]
fn claim_9_4_causal_objective_is_expected_action_log_likelihood() {
    // Deterministic dynamics: the objective is the demonstrations' log-likelihood exactly.
    let mut rng = ChaCha8Rng::seed_from_u64(94);
    let det: Vec<Vec<(usize, f64)>> = (0..12)
        .map(|_| vec![(rng.random_range(0..6), 1.0)])
        .collect();
    let det = Mdp::new(6, 2, &det, vec![0.0; 12], 1.0).unwrap();
    let phi = Features::one_hot_states(&det).unwrap();
    let demos = brute::uniform_demos(&det, 8, 5, &mut rng);
    let problem = IrlProblem::new(&det, &phi, &demos).unwrap();
    let theta: Vec<f64> = (0..6).map(|_| rng.random_range(-1.0..1.0)).collect();
    let eval = problem.evaluate(IrlModel::MaxCausalEnt, &theta).unwrap();
    assert!((eval.objective - eval.log_likelihood).abs() < 1e-13);

    // Stochastic dynamics: they differ per data set, by a term with mean zero when the
    // demonstrations follow the dynamics. Monte-Carlo over data sets sampled from the
    // causal policy itself.
    let stoch = garnet(6, 2, 3, 0.9, &mut rng).unwrap();
    let phi = Features::one_hot_states(&stoch).unwrap();
    let reward = phi.reward(&theta).unwrap();
    let sol = MaxCausalEntSolution::new(&stoch, &reward, 5).unwrap();
    let diffs = (0..2000).map(|_| {
        let trajs: Vec<Trajectory> = (0..4)
            .map(|_| Trajectory::sample(&stoch, sol.policy(), 0, &mut rng))
            .collect();
        let demos = Demonstrations::new(&stoch, trajs).unwrap();
        let problem = IrlProblem::new(&stoch, &phi, &demos).unwrap();
        let e = problem.evaluate(IrlModel::MaxCausalEnt, &theta).unwrap();
        let dynamics: f64 = demos
            .trajectories()
            .iter()
            .map(|tr| {
                (0..tr.len())
                    .map(|t| {
                        stoch
                            .transition_prob(tr.states[t], tr.actions[t], tr.states[t + 1])
                            .ln()
                    })
                    .sum::<f64>()
            })
            .sum::<f64>()
            / demos.len() as f64;
        // Action log-likelihood minus the objective.
        e.log_likelihood - dynamics - e.objective
    });
    let est = MonteCarloEstimate::from_samples(diffs).unwrap();
    assert!(
        est.std_error > 0.0,
        "the difference is not identically zero"
    );
    assert!(
        est.z_score(0.0).abs() <= MC_Z,
        "mean {} ± {}",
        est.mean,
        est.std_error
    );
}

// ---------------------------------------------------------------- Claim 9.5

#[test]
fn claim_9_5_discounted_occupancy_matches_linear_solve_and_gradient_matches_finite_differences() {
    use maxent_rl::{SoftValueIteration, discounted_occupancy};
    let mut rng = ChaCha8Rng::seed_from_u64(95);
    // γ = 0.6 as well as 0.9: the model's inner value iteration then needs few sweeps,
    // and its cap must still allow them.
    for gamma in [0.9, 0.6, 0.9, 0.6, 0.9, 0.6] {
        let mdp = garnet(8, 3, 3, gamma, &mut rng).unwrap();
        let phi = Features::state(
            &mdp,
            3,
            (0..24).map(|_| rng.random_range(-1.0..1.0)).collect(),
        )
        .unwrap();
        let demos = brute::uniform_demos(&mdp, 5, 6, &mut rng);
        let problem = IrlProblem::new(&mdp, &phi, &demos)
            .unwrap()
            .with_l2(0.2)
            .unwrap();
        let theta: Vec<f64> = (0..3).map(|_| rng.random_range(-2.0..2.0)).collect();

        // Occupancy against the linear solve d = (I − γ P_πᵀ)⁻¹ ρ₀ (nalgebra LU).
        let mut with_reward = mdp.clone();
        with_reward
            .set_rewards(&phi.reward(&theta).unwrap())
            .unwrap();
        let policy = SoftValueIteration::new(1.0)
            .tolerance(1e-12)
            .run(&with_reward)
            .unwrap()
            .policy()
            .unwrap();
        let initial = problem.initial_distribution();
        let occ = discounted_occupancy(&mdp, initial, &policy, 1e-14, 100_000).unwrap();
        let mut m = nalgebra::DMatrix::<f64>::identity(8, 8);
        for s in 0..8 {
            for a in 0..3 {
                for (s2, p) in mdp.successors(s, a) {
                    m[(s2, s)] -= gamma * policy.prob(s, a) * p;
                }
            }
        }
        let d = m
            .lu()
            .solve(&nalgebra::DVector::from_column_slice(initial))
            .unwrap();
        for s in 0..8 {
            let from_occ: f64 = (0..3).map(|a| occ[s * 3 + a]).sum();
            // Series truncated at 1e-14; the solve's conditioning is 1/(1 − γ) ≤ 10.
            assert!(
                (from_occ - d[s]).abs() < 1e-12,
                "s = {s}: {from_occ} vs {}",
                d[s]
            );
        }
        assert!((occ.iter().sum::<f64>() - 1.0 / (1.0 - gamma)).abs() < 1e-12);

        // Gradient against central differences (h = 1e-4: truncation ≈ h² · |L'''| ≤ 1e-7,
        // value-iteration error ≤ 1e-13 · scale / h ≈ 1e-8); 1e-6 leaves a factor 10.
        let eval = problem
            .evaluate(IrlModel::MaxCausalEntDiscounted, &theta)
            .unwrap();
        // The model's expected features are the state features summed under that
        // occupancy (the policy above is certified to 1e-12; ‖φ‖ ≤ 1, 8 states).
        for k in 0..3 {
            let from_lu: f64 = (0..8).map(|s| d[s] * phi.phi(s, 0)[k]).sum();
            assert!(
                (eval.expected_features[k] - from_lu).abs() < 1e-10,
                "γ = {gamma}, k = {k}: {} vs {from_lu}",
                eval.expected_features[k]
            );
        }
        let h = 1e-4;
        for k in 0..3 {
            let mut plus = theta.clone();
            plus[k] += h;
            let mut minus = theta.clone();
            minus[k] -= h;
            let fd = (problem
                .evaluate(IrlModel::MaxCausalEntDiscounted, &plus)
                .unwrap()
                .objective
                - problem
                    .evaluate(IrlModel::MaxCausalEntDiscounted, &minus)
                    .unwrap()
                    .objective)
                / (2.0 * h);
            assert!(
                (eval.gradient[k] - fd).abs() < 1e-6,
                "k = {k}: {} vs {fd}",
                eval.gradient[k]
            );
        }
    }
}

// ---------------------------------------------------------------- Claim 9.6

#[test]
fn claim_9_6_value_gradient_is_expected_future_features() {
    // A tiny stochastic MDP, two random state–action features (the test's own table).
    let mut rng = ChaCha8Rng::seed_from_u64(96);
    let mdp = maxent_rl::garnet(4, 2, 2, 0.9, &mut rng).unwrap();
    let (n, k, horizon) = (4, 2, 4);
    let phi: Vec<[f64; 2]> = (0..n * k)
        .map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)])
        .collect();
    let theta = [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)];
    let reward = |theta: &[f64; 2]| -> Vec<f64> {
        phi.iter()
            .map(|f| theta[0] * f[0] + theta[1] * f[1])
            .collect()
    };
    let sol = MaxCausalEntSolution::new(&mdp, &reward(&theta), horizon).unwrap();
    let h = 1e-5;
    for j in 0..2 {
        let (mut plus, mut minus) = (theta, theta);
        plus[j] += h;
        minus[j] -= h;
        let up = MaxCausalEntSolution::new(&mdp, &reward(&plus), horizon).unwrap();
        let down = MaxCausalEntSolution::new(&mdp, &reward(&minus), horizon).unwrap();
        for t in 0..horizon {
            for s in 0..n {
                let fd = (up.values(t)[s] - down.values(t)[s]) / (2.0 * h);
                // Expected future features from (s, t): enumerate every continuation of
                // T − t steps under the policy and the true dynamics.
                let trajs = brute::enumerate(
                    &mdp,
                    s,
                    horizon - t,
                    &|u, s, a| sol.policy().prob(t + u, s, a),
                    &|_, s, a, s2| mdp.transition_prob(s, a, s2),
                );
                let expected: f64 = trajs
                    .iter()
                    .map(|tr| {
                        tr.weight
                            * tr.states
                                .iter()
                                .zip(&tr.actions)
                                .map(|(&s, &a)| phi[s * k + a][j])
                                .sum::<f64>()
                    })
                    .sum();
                // Central difference: truncation h² |V'''|/6 ≈ 1e-10 · T, rounding
                // ε |V| / h ≈ 2.2e-16 · 5 / 1e-5 ≈ 1e-10; 1e-8 has margin.
                assert!(
                    (fd - expected).abs() < 1e-8,
                    "t = {t}, s = {s}, θ_{j}: {fd} vs {expected}"
                );
            }
        }
    }
}

/// `IrlProblem::evaluate` runs the causal model's backward and forward passes fused (the
/// forward pass reuses the backward pass's probabilities, the log-likelihood is added in
/// the backward pass). The witness is the separate public passes, `MaxCausalEntSolution`
/// and `forward_pass`, with the objective and log-likelihood assembled here from them.
#[test]
fn fused_causal_evaluation_matches_the_separate_passes() {
    let mut rng = ChaCha8Rng::seed_from_u64(914);
    for terminal in [&[][..], &[2, 5][..]] {
        let mdp = garnet(8, 3, 3, 0.9, &mut rng)
            .unwrap()
            .with_terminal_states(terminal)
            .unwrap();
        let values: Vec<f64> = (0..8 * 4).map(|_| rng.random_range(-1.0..1.0)).collect();
        let phi = Features::state(&mdp, 4, values).unwrap();
        // Demonstrations from the causal policy of another reward (they stop at terminal
        // states, so their lengths differ).
        let other: Vec<f64> = (0..24).map(|_| rng.random_range(-1.0..1.0)).collect();
        let expert = MaxCausalEntSolution::new(&mdp, &other, 6).unwrap();
        let trajs: Vec<Trajectory> = (0..7)
            .map(|i| Trajectory::sample(&mdp, expert.policy(), [0, 1, 3][i % 3], &mut rng))
            .collect();
        let demos = Demonstrations::new(&mdp, trajs).unwrap();
        let problem = IrlProblem::new(&mdp, &phi, &demos)
            .unwrap()
            .with_l2(0.3)
            .unwrap();
        let theta: Vec<f64> = (0..4).map(|_| rng.random_range(-2.0..2.0)).collect();
        let eval = problem.evaluate(IrlModel::MaxCausalEnt, &theta).unwrap();

        let sol = MaxCausalEntSolution::new(&mdp, &phi.reward(&theta).unwrap(), 6).unwrap();
        let vis = forward_pass(&mdp, problem.initial_distribution(), sol.policy()).unwrap();
        let expected = phi.expectation(vis.state_actions());
        let log_z: f64 = problem
            .initial_distribution()
            .iter()
            .zip(sol.values(0))
            .map(|(p, v)| p * v)
            .sum();
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let objective =
            dot(&theta, problem.empirical_features()) - log_z - 0.15 * dot(&theta, &theta);
        let n = demos.len() as f64;
        let mut log_lik = 0.0;
        for tr in demos.trajectories() {
            for t in 0..tr.len() {
                let (s, a, s2) = (tr.states[t], tr.actions[t], tr.states[t + 1]);
                log_lik +=
                    (sol.policy().log_probs(t, s)[a] + mdp.transition_prob(s, a, s2).ln()) / n;
            }
        }
        // The two compute the same sums in a different order, and the probabilities as
        // e^{Q−m}/Σ rather than exp((Q−m) − ln Σ): a few ulps per operation over some
        // hundred operations of values of order 10, far below 1e-12.
        let close = |x: f64, y: f64, what: &str| {
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                "{what}: {x} vs {y}"
            );
        };
        close(eval.objective, objective, "objective");
        close(eval.log_likelihood, log_lik, "log-likelihood");
        for (x, y) in eval.state_action_visitation.iter().zip(vis.state_actions()) {
            close(*x, *y, "visitation");
        }
        for (x, y) in eval.expected_features.iter().zip(&expected) {
            close(*x, *y, "expected features");
        }
    }
}

#[test]
fn trajectory_model_visitation_stops_at_terminal_states() {
    // Under the trajectory-level model a trajectory ends when it reaches a terminal state:
    // it is counted there once, at its arrival, takes no action and goes nowhere. Witness:
    // every trajectory enumerated, with weight Π P · exp(Σ r), on stochastic Garnet MDPs
    // where two of the five states are terminal.
    let mut rng = ChaCha8Rng::seed_from_u64(916);
    for _ in 0..10 {
        let mdp = garnet(5, 2, 2, 0.9, &mut rng)
            .unwrap()
            .with_terminal_states(&[1, 3])
            .unwrap();
        let reward: Vec<f64> = (0..10).map(|_| rng.random_range(-1.0..1.0)).collect();
        let horizon = 4;
        let s0 = [0, 2, 4][rng.random_range(0..3)];
        let mut initial = vec![0.0; 5];
        initial[s0] = 1.0;
        let part = MaxEntPartition::new(&mdp, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
        let vis = trajectory_model_visitation(&mdp, &initial, &part).unwrap();
        let trajs = brute::trajectory_model(&mdp, &reward, s0, horizon);
        let d = brute::marginals(&trajs, 5, horizon);
        let total: f64 = trajs.iter().map(|t| t.weight).sum();
        let mut d_sa = vec![0.0; 10];
        for tr in &trajs {
            for (&s, &a) in tr.states.iter().zip(&tr.actions) {
                d_sa[s * 2 + a] += tr.weight / total;
            }
        }
        // Sums of at most 2^4 · 2^4 positive terms: rounding far below 1e-13.
        for t in 0..horizon {
            for s in 0..5 {
                let (got, want) = (vis.at(t)[s], d[t * 5 + s]);
                assert!(
                    (got - want).abs() < 1e-13,
                    "t = {t}, s = {s}: {got} vs {want}"
                );
            }
        }
        for (i, (got, want)) in vis.state_actions().iter().zip(&d_sa).enumerate() {
            assert!((got - want).abs() < 1e-13, "(s, a) = {i}: {got} vs {want}");
        }
        assert!(vis.state_actions()[2..4].iter().all(|&x| x == 0.0));
    }
}

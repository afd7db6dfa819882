//! Claims of chapter 6, "Soft value iteration and soft policy iteration".

#[path = "common/independent_dp.rs"]
mod independent_dp;

use maxent_rl::{
    Gridworld, Mdp, NewtonSoftPolicyIteration, SoftPolicyIteration, SoftValueIteration,
    TabularPolicy, Termination, finite_horizon_soft_value_iteration, garnet, soft_bellman_backup,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn sup_distance(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// The test MDPs: a gridworld with walls and slip, a dense-ish and a sparse Garnet.
fn test_mdps() -> Vec<(&'static str, Mdp)> {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    vec![
        (
            "gridworld",
            Gridworld::new(7, 5)
                .walls(&[(3, 0), (3, 1), (3, 2), (5, 3)])
                .slip(0.1)
                .goal_reward(10.0)
                .build(0.95)
                .unwrap(),
        ),
        ("garnet-40", garnet(40, 4, 8, 0.9, &mut rng).unwrap()),
        ("garnet-60", garnet(60, 3, 2, 0.97, &mut rng).unwrap()),
    ]
}

// ---------------------------------------------------------------- Claim 6.1

#[test]
fn claim_6_1_certified_stopping_bound_holds() {
    for (name, mdp) in test_mdps() {
        for alpha in [0.01, 0.3, 2.0] {
            // Reference: soft policy iteration (exact solves; a second algorithm), run
            // until its own residual bound is below 1e-11.
            let reference = SoftPolicyIteration::new(alpha)
                .tolerance(1e-11)
                .run(&mdp)
                .unwrap();
            assert_eq!(reference.termination, Termination::Converged);
            for tolerance in [1e-1, 1e-3, 1e-6, 1e-9] {
                let sol = SoftValueIteration::new(alpha)
                    .tolerance(tolerance)
                    .run(&mdp)
                    .unwrap();
                assert_eq!(sol.termination, Termination::Converged);
                assert!(sol.error_bound <= tolerance);
                let error = sup_distance(&sol.values, &reference.values);
                // The reference's own error (≤ 1e-11) plus rounding of the sweep.
                assert!(
                    error <= sol.error_bound + reference.error_bound + 1e-12,
                    "{name}, α = {alpha}, tol = {tolerance}: error {error:e} > bound {:e}",
                    sol.error_bound
                );
            }
            // Stopped early by the budget, the reported bound still holds.
            let early = SoftValueIteration::new(alpha)
                .max_iterations(5)
                .run(&mdp)
                .unwrap();
            assert_eq!(early.termination, Termination::MaxIterations);
            assert_eq!(early.iterations, 5);
            assert!(
                sup_distance(&early.values, &reference.values)
                    <= early.error_bound + reference.error_bound + 1e-12
            );
        }
    }
}

// ---------------------------------------------------------------- Claim 6.2

#[test]
fn claim_6_2_error_shrinks_at_least_geometrically() {
    for (name, mdp) in test_mdps() {
        let alpha = 0.5;
        let reference = SoftPolicyIteration::new(alpha)
            .tolerance(1e-11)
            .run(&mdp)
            .unwrap();
        let mut v = vec![0.0; mdp.num_states()];
        let mut next = v.clone();
        let e0 = sup_distance(&v, &reference.values);
        let gamma = mdp.discount();
        for k in 1..=200 {
            soft_bellman_backup(&mdp, alpha, &v, &mut next).unwrap();
            std::mem::swap(&mut v, &mut next);
            let ek = sup_distance(&v, &reference.values);
            // The reference's error (≤ 1e-11) enters twice (e_0 and e_k).
            assert!(
                ek <= gamma.powi(k) * e0 + 3e-11,
                "{name}, k = {k}: {ek:e} > γ^k e_0 = {:e}",
                gamma.powi(k) * e0
            );
        }
    }
}

// ---------------------------------------------------------------- Claim 6.3

#[test]
fn claim_6_3_soft_policy_iteration_improves_monotonically_to_the_same_fixed_point() {
    for (name, mdp) in test_mdps() {
        for alpha in [0.05, 1.0] {
            let spi = SoftPolicyIteration::new(alpha)
                .tolerance(1e-10)
                .run(&mdp)
                .unwrap();
            assert_eq!(spi.termination, Termination::Converged);
            for pair in spi.value_history.windows(2) {
                for (s, (new, old)) in pair[1].iter().zip(&pair[0]).enumerate() {
                    // Two LU solves: rounding ≤ ε S (1+γ)/(1−γ) ‖V‖ < 1e-10.
                    assert!(*new >= old - 1e-10, "{name}: not monotone at {s}");
                }
            }
            let svi = SoftValueIteration::new(alpha)
                .tolerance(1e-10)
                .run(&mdp)
                .unwrap();
            let gap = sup_distance(&spi.values, &svi.values);
            // Each is certified within its bound of V*; 1e-12 covers rounding of values ≤ 300.
            assert!(
                gap <= spi.error_bound + svi.error_bound + 1e-12,
                "{name}: {gap:e}"
            );
            // Policy iteration needs fewer (if costlier) iterations.
            assert!(
                spi.iterations < svi.iterations,
                "{} vs {}",
                spi.iterations,
                svi.iterations
            );
        }
    }
}

// ---------------------------------------------------------------- Claim 6.4

#[test]
fn claim_6_4_soft_minus_hard_value_is_between_zero_and_entropy_bound() {
    // Hard optimum by brute force: every deterministic policy of a 5-state, 3-action
    // Garnet, evaluated exactly (the test's own LU solve); the best one in each state.
    let mut rng = ChaCha8Rng::seed_from_u64(64);
    let tiny = garnet(5, 3, 3, 0.9, &mut rng).unwrap();
    let mut hard = vec![f64::NEG_INFINITY; 5];
    for code in 0..243usize {
        let mut probs = vec![0.0; 15];
        for s in 0..5 {
            probs[s * 3 + code / 3usize.pow(s as u32) % 3] = 1.0;
        }
        let v = independent_dp::policy_value(&tiny, &probs, 0.0);
        for s in 0..5 {
            hard[s] = hard[s].max(v[s]);
        }
    }
    // Rounding of 243 LU solves of a 5 × 5 system with values ≤ 10: below 1e-13.
    let mut cases = vec![(tiny, hard, 1e-13)];
    for (_, mdp) in test_mdps() {
        // The exact value of a greedy policy with the certificate that no action improves
        // on it — code that shares nothing with the sweep under test.
        let hard = independent_dp::hard_optimum(&mdp);
        // LU rounding, ε S (1+γ)/(1−γ) ‖V‖ ≤ 2.2e-16 · 60 · 66 · 200 < 2e-10, plus the certificate.
        let slack = hard.error_bound + 2e-10;
        cases.push((mdp, hard.values, slack));
    }
    for (mdp, hard, hard_slack) in &cases {
        let ln_a = (mdp.num_actions() as f64).ln();
        for alpha in [1e-4, 1e-2, 0.1, 1.0, 10.0] {
            let soft = SoftValueIteration::new(alpha)
                .tolerance(1e-12)
                .run(mdp)
                .unwrap();
            let bound = alpha * ln_a / (1.0 - mdp.discount());
            for (soft_s, hard_s) in soft.values.iter().zip(hard) {
                let gap = soft_s - hard_s;
                // Certified error 1e-12 of soft VI, the reference's slack, and rounding of
                // values ≤ 300 (7e-14).
                let slack = 2e-12 + hard_slack;
                assert!(gap >= -slack, "α = {alpha}: gap {gap} < 0");
                assert!(gap <= bound + slack, "α = {alpha}: gap {gap} > {bound}");
            }
            if (0.1..=1.0).contains(&alpha) {
                // At moderate α the soft values themselves equal those of soft policy
                // iteration written in the test.
                let reference = independent_dp::soft_optimum(mdp, alpha);
                let gap = sup_distance(&soft.values, &reference.values);
                assert!(
                    gap <= 2e-12 + reference.error_bound + 2e-10,
                    "α = {alpha}: soft VI is {gap:e} from soft policy iteration"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- Claim 6.5

#[test]
fn claim_6_5_boltzmann_policy_limits_greedy_and_uniform() {
    let mut rng = ChaCha8Rng::seed_from_u64(65);
    let mdp = garnet(30, 4, 4, 0.9, &mut rng).unwrap();
    let (n, k, gamma) = (30, 4, 0.9);
    // Hard-optimal actions and the gap Δ from the test's own policy iteration (exact
    // solves, certified), not from the sweep under test.
    let hard = independent_dp::hard_optimum(&mdp);
    assert!(hard.error_bound < 1e-12, "{}", hard.error_bound);
    // Hard-optimal actions and the smallest hard gap Δ between an optimal and a
    // non-optimal action (Q within 1e-11 of the max counts as optimal).
    let mut delta_min = f64::INFINITY;
    let mut optimal = vec![false; n * k];
    for s in 0..n {
        let q = &hard.q_values[s * k..(s + 1) * k];
        let m = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for a in 0..k {
            if m - q[a] <= 1e-11 {
                optimal[s * k + a] = true;
            } else {
                delta_min = delta_min.min(m - q[a]);
            }
        }
    }
    assert!(
        delta_min > 1e-3,
        "the test needs a clear hard gap: {delta_min}"
    );
    // The reference Q is within γ · (its certificate, < 1e-12) of Q*_hard: Δ shrinks by
    // at most 2e-12.
    let delta_min = delta_min - 2e-12;
    // α → 0: the mass on non-optimal actions vanishes. 0 ≤ Q_soft − Q_hard ≤
    // γ α ln A/(1−γ), so Q_soft(s,a) − Q_soft(s,a*) ≤ −Δ + γ α ln A/(1−γ), and
    // π(a|s) ≤ exp of that over α.
    let mut previous = f64::INFINITY;
    for alpha in [0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4] {
        let pi = SoftValueIteration::new(alpha)
            .tolerance(1e-12)
            .run(&mdp)
            .unwrap()
            .policy()
            .unwrap();
        let worst = (0..n)
            .map(|s| {
                (0..k)
                    .filter(|&a| !optimal[s * k + a])
                    .map(|a| pi.prob(s, a))
                    .sum::<f64>()
            })
            .fold(0.0, f64::max);
        // The computed Q is within γ · 1e-12 of the soft Q* (certified), which widens the
        // margin by 2e-12.
        let shift = gamma * alpha * (k as f64).ln() / (1.0 - gamma) + 2e-12;
        let bound = (k as f64 - 1.0) * (-(delta_min - shift) / alpha).exp();
        assert!(worst <= bound.min(1.0), "α = {alpha}: {worst} > {bound}");
        assert!(worst <= previous);
        previous = worst;
    }
    // Δ ≈ 0.0094 on this Garnet, so at α = 1e-4 the bound is e^{−94}.
    assert!(previous < 1e-30);
    // α → ∞: the policy tends to uniform. Garnet rewards lie in [0, 1), so V* spans at
    // most D = 1/(1−γ) and so does each Q*(s, ·): |ln(A π(a|s))| ≤ D/α.
    let d = 1.0 / (1.0 - gamma);
    let mut previous = f64::INFINITY;
    for alpha in [1.0, 10.0, 100.0, 1e3, 1e4] {
        let pi = SoftValueIteration::new(alpha)
            .tolerance(1e-9 * alpha)
            .run(&mdp)
            .unwrap()
            .policy()
            .unwrap();
        let worst = pi
            .log_probs()
            .iter()
            .map(|lp| (lp + (k as f64).ln()).abs())
            .fold(0.0, f64::max);
        // The computed Q is within γ · 1e-9 α of Q* (certified tolerance 1e-9 α), which
        // moves each log-probability by at most 2e-9.
        assert!(worst <= d / alpha + 2e-9, "α = {alpha}: {worst}");
        assert!(worst <= previous);
        previous = worst;
    }
    assert!(previous < 1e-3);
    // At α = 1 the policy is the Boltzmann policy of the test's own soft policy iteration.
    let reference = independent_dp::soft_optimum(&mdp, 1.0);
    let pi = SoftValueIteration::new(1.0)
        .tolerance(1e-12)
        .run(&mdp)
        .unwrap()
        .policy()
        .unwrap();
    for s in 0..n {
        let q = &reference.q_values[s * k..(s + 1) * k];
        let m = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = q.iter().map(|x| (x - m).exp()).sum();
        for (a, qa) in q.iter().enumerate() {
            // Q errors of 1e-12 (certified) on both sides move a probability by < 1e-11.
            assert!((pi.prob(s, a) - (qa - m).exp() / z).abs() < 1e-10);
        }
    }
}

// ---------------------------------------------------------------- Claim 6.6

/// Brute-force soft objective of time-indexed policies from `s`: enumerate every
/// trajectory `(a_t, s_{t+1})` to the horizon, with its probability.
fn enumerate(
    mdp: &Mdp,
    policies: &[TabularPolicy],
    alpha: f64,
    terminal_values: &[f64],
    t: usize,
    s: usize,
) -> f64 {
    if t == policies.len() {
        return terminal_values[s];
    }
    let mut total = 0.0;
    for a in 0..mdp.num_actions() {
        let p = policies[t].prob(s, a);
        if p == 0.0 {
            continue;
        }
        let mut future = 0.0;
        for (next, q) in mdp.successors(s, a) {
            future += q * enumerate(mdp, policies, alpha, terminal_values, t + 1, next);
        }
        total += p * (mdp.reward(s, a) - alpha * p.ln() + mdp.discount() * future);
    }
    total
}

#[test]
fn claim_6_6_finite_horizon_soft_value_iteration_equals_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(66);
    let mdp = garnet(3, 2, 2, 0.9, &mut rng).unwrap();
    let terminal: Vec<f64> = (0..3).map(|_| rng.random_range(-1.0..1.0)).collect();
    let horizon = 4;
    for alpha in [0.05, 1.0] {
        let sol = finite_horizon_soft_value_iteration(&mdp, alpha, horizon, &terminal).unwrap();
        assert_eq!(sol.values.len(), horizon + 1);
        for s in 0..3 {
            // (A · branching)^T = 256 trajectories, sums of ≤ 4 terms: rounding ≪ 1e-13.
            let brute = enumerate(&mdp, &sol.policies, alpha, &terminal, 0, s);
            assert!(
                (brute - sol.values[0][s]).abs() < 1e-13,
                "{brute} vs {}",
                sol.values[0][s]
            );
        }
        // Any other time-indexed policy does worse (brute force again).
        for _ in 0..200 {
            let others: Vec<TabularPolicy> = (0..horizon)
                .map(|_| {
                    let probs: Vec<f64> = (0..3)
                        .flat_map(|_| {
                            let p = rng.random::<f64>();
                            [p, 1.0 - p]
                        })
                        .collect();
                    TabularPolicy::from_probs(3, 2, probs).unwrap()
                })
                .collect();
            for s in 0..3 {
                let v = enumerate(&mdp, &others, alpha, &terminal, 0, s);
                assert!(v <= sol.values[0][s] + 1e-13);
            }
        }
    }
    // As the horizon grows, V_0 approaches the discounted fixed point: with zero terminal
    // values, |V_0^T − V*| ≤ γ^T ‖V*‖∞.
    let alpha = 0.5;
    let v_star = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap();
    let norm = v_star.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for horizon in [1, 10, 50, 200] {
        let sol = finite_horizon_soft_value_iteration(&mdp, alpha, horizon, &[0.0; 3]).unwrap();
        let gap = sup_distance(&sol.values[0], &v_star.values);
        // V_k is within 1e-13 of V* (certified), once in the gap and once in the norm.
        assert!(gap <= 0.9f64.powi(horizon as i32) * norm + 2e-13);
    }
}

// ---------------------------------------------------------------- Claim 6.7

#[test]
fn claim_6_7_newton_soft_policy_iteration_reaches_the_fixed_point_within_its_bound() {
    // Witness 1: soft policy iteration with exact LU evaluations (a second algorithm),
    // certified to 1e-11, on the gridworld and the two Garnets.
    for (name, mdp) in test_mdps() {
        for alpha in [0.01, 0.3, 2.0] {
            let reference = SoftPolicyIteration::new(alpha)
                .tolerance(1e-11)
                .run(&mdp)
                .unwrap();
            assert_eq!(reference.termination, Termination::Converged);
            // Both modes: the pure Newton iteration from the constant sub-solution, and
            // the default with a Gauss–Seidel phase first (its sweeps counted apart).
            for (tolerance, gs) in [1e-3, 1e-6, 1e-9]
                .into_iter()
                .flat_map(|t| [(t, 0), (t, 100)])
            {
                let newton = NewtonSoftPolicyIteration::new(alpha)
                    .tolerance(tolerance)
                    .gauss_seidel_sweeps(gs)
                    .run(&mdp)
                    .unwrap();
                assert_eq!(newton.termination, Termination::Converged, "{name}");
                assert!(newton.error_bound <= tolerance);
                assert!(newton.gauss_seidel_sweeps <= gs);
                let error = sup_distance(&newton.values, &reference.values);
                // Both certified: the sum of the two bounds, plus 1e-12 for the rounding of
                // values of size ≤ 300 (a few hundred ulps).
                assert!(
                    error <= newton.error_bound + reference.error_bound + 1e-12,
                    "{name}, α = {alpha}, tol = {tolerance}, gs = {gs}: {error:e} > {:e}",
                    newton.error_bound
                );
                // Newton converges superlinearly: a handful of sweeps, never the
                // hundreds soft value iteration needs at γ ≥ 0.9 to reach 1e-9. Exact
                // soft policy iteration takes 3–6 evaluations here; the inexact inner
                // solves and the sweep that certifies each iterate add a few.
                let newton_sweeps = newton.sweeps - newton.gauss_seidel_sweeps;
                assert!(
                    newton_sweeps <= 12 && newton.fallback_steps == 0,
                    "{name}, α = {alpha}, gs = {gs}: {newton_sweeps} Newton sweeps, {} fallbacks",
                    newton.fallback_steps
                );
            }
            // Stopped by the budget, the reported bound still holds.
            let early = NewtonSoftPolicyIteration::new(alpha)
                .max_iterations(2)
                .run(&mdp)
                .unwrap();
            assert_eq!(early.termination, Termination::MaxIterations);
            assert!(
                sup_distance(&early.values, &reference.values)
                    <= early.error_bound + reference.error_bound + 1e-12
            );
            // No inner iterations at all: every step is the plain sweep T V (the
            // safeguard's path), and the certificate is the same.
            let plain = NewtonSoftPolicyIteration::new(alpha)
                .tolerance(1e-9)
                .max_inner_iterations(0)
                .run(&mdp)
                .unwrap();
            assert_eq!(plain.termination, Termination::Converged);
            assert!(
                sup_distance(&plain.values, &reference.values)
                    <= plain.error_bound + reference.error_bound + 1e-12
            );
        }
    }
    // Witness 2: plain soft value iteration at a tight tolerance, on a 20 × 20 gridworld
    // with slip at γ = 0.999 (too large for the dense LU reference to be quick).
    let mdp = Gridworld::new(20, 20).slip(0.1).build(0.999).unwrap();
    let vi = SoftValueIteration::new(0.1)
        .tolerance(1e-10)
        .max_iterations(1_000_000)
        .run(&mdp)
        .unwrap();
    assert_eq!(vi.termination, Termination::Converged);
    let newton = NewtonSoftPolicyIteration::new(0.1)
        .tolerance(1e-8)
        .run(&mdp)
        .unwrap();
    assert_eq!(newton.termination, Termination::Converged);
    let error = sup_distance(&newton.values, &vi.values);
    // Values ≈ 40 here; 1e-11 covers their rounding.
    assert!(
        error <= newton.error_bound + vi.error_bound + 1e-11,
        "{error:e} > {:e}",
        newton.error_bound
    );
}

#[test]
fn newton_soft_policy_iteration_rejects_bad_input_with_typed_errors() {
    use maxent_rl::MdpError;
    let mdp = Gridworld::new(3, 3).build(0.9).unwrap();
    for alpha in [f64::NAN, -1.0, f64::INFINITY] {
        assert!(matches!(
            NewtonSoftPolicyIteration::new(alpha).run(&mdp),
            Err(MdpError::InvalidTemperature { .. })
        ));
    }
    assert!(matches!(
        NewtonSoftPolicyIteration::new(0.1)
            .tolerance(-1.0)
            .run(&mdp),
        Err(MdpError::InvalidParameter { .. })
    ));
    let undiscounted = mdp.clone().with_discount(1.0).unwrap();
    assert!(matches!(
        NewtonSoftPolicyIteration::new(0.1).run(&undiscounted),
        Err(MdpError::DiscountNotBelowOne { .. })
    ));
    let newton = NewtonSoftPolicyIteration::new(0.1);
    assert!(matches!(
        newton.run_from(&mdp, &[0.0; 2]),
        Err(MdpError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        newton.run_from(&mdp, &[f64::NAN; 9]),
        Err(MdpError::NonFiniteValue { .. })
    ));
    // Rewards near f64::MAX: refused before any sweep, as soft value iteration does.
    let mut huge = mdp.clone();
    huge.set_rewards(&vec![-1e308; 36]).unwrap();
    assert!(matches!(
        newton.run(&huge),
        Err(MdpError::ValuesOutOfRange { .. })
    ));
    // α = 0 (Howard's policy iteration, inexact) reaches the hard optimum's certificate.
    let hard = NewtonSoftPolicyIteration::new(0.0)
        .tolerance(1e-9)
        .run(&mdp)
        .unwrap();
    assert_eq!(hard.termination, Termination::Converged);
    let vi = maxent_rl::value_iteration(&mdp, 1e-12, 100_000).unwrap();
    // Both certified; 1e-12 covers rounding of values of size ≤ 10.
    assert!(sup_distance(&hard.values, &vi.values) <= hard.error_bound + vi.error_bound + 1e-12);
}

// ---------------------------------------------------------------- Claim 6.8

#[test]
fn claim_6_8_goal_ordered_gauss_seidel_newton_is_certified_and_cheap() {
    // A 40 × 40 gridworld with slip, goal in the far corner, step reward −1, α = 0.1.
    for gamma in [0.99, 0.999] {
        let mdp = Gridworld::new(40, 40).slip(0.1).build(gamma).unwrap();
        // Witness: plain soft value iteration (a second algorithm) at 1e-10.
        let vi = SoftValueIteration::new(0.1)
            .tolerance(1e-10)
            .max_iterations(1_000_000)
            .run(&mdp)
            .unwrap();
        assert_eq!(vi.termination, Termination::Converged);
        let newton = NewtonSoftPolicyIteration::new(0.1).run(&mdp).unwrap();
        assert_eq!(newton.termination, Termination::Converged);
        assert!(newton.error_bound <= 1e-8);
        let error = sup_distance(&newton.values, &vi.values);
        // Both certified; values are at most 1/(1 − γ) = 1000 in size, whose rounding over a
        // few hundred operations stays below 1e-10.
        assert!(
            error <= newton.error_bound + vi.error_bound + 1e-10,
            "γ = {gamma}: {error:e} > {:e}",
            newton.error_bound
        );
        // The work is deterministic: 10–11 sweeps (3 of them Gauss–Seidel) and 36–44
        // products with the goal order; with BiCGSTAB unpreconditioned, or the states in
        // index or reversed order, 290–400 products. The bounds leave room for small
        // changes in BiCGSTAB's path, not for a lost ordering.
        assert!(
            newton.sweeps <= 12 && newton.matrix_vector_products <= 60,
            "γ = {gamma}: {} sweeps ({} Gauss–Seidel), {} products; soft VI {} sweeps",
            newton.sweeps,
            newton.gauss_seidel_sweeps,
            newton.matrix_vector_products,
            vi.iterations
        );
        assert!(vi.iterations >= 10 * newton.sweeps);
    }
}

#[test]
fn newton_safeguard_keeps_short_inner_solves_converging() {
    // With two BiCGSTAB iterations per Newton step the steps are far from exact, and some
    // do worse than a plain sweep. The safeguard replaces those by the plain step, and the
    // run converges; without it, or with its test inverted (residual < γ · previous) or
    // weakened (residual > γ + previous), none of these four runs converges within
    // 10 000 sweeps (each planted and watched). Witness for the answer: soft value
    // iteration at 1e-12.
    for seed in [17, 30, 44, 60] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mdp = garnet(11, 2, 2, 0.99, &mut rng).unwrap();
        let mut solver = NewtonSoftPolicyIteration::new(0.1).tolerance(1e-8);
        solver.max_inner_iterations = 2;
        solver.gauss_seidel_sweeps = 0;
        let newton = solver.run(&mdp).unwrap();
        assert_eq!(newton.termination, Termination::Converged, "seed {seed}");
        assert!(
            newton.fallback_steps > 0 && newton.sweeps < 200,
            "seed {seed}: {newton:?}"
        );
        let vi = SoftValueIteration::new(0.1)
            .tolerance(1e-12)
            .max_iterations(100_000)
            .run(&mdp)
            .unwrap();
        // Values of size ≤ 1/(1 − γ) · max|r| ≈ 100: rounding below 1e-12.
        let error = sup_distance(&newton.values, &vi.values);
        assert!(
            error <= newton.error_bound + vi.error_bound + 1e-12 && newton.error_bound <= 1e-8,
            "seed {seed}: {error:e} > {:e}",
            newton.error_bound
        );
    }
}

#[test]
fn newton_q_values_are_those_of_the_returned_values_wherever_the_run_stops() {
    // Q is returned from the last sweep when that sweep was at the returned V, and
    // recomputed when the run ended on a replaced step. Either way it must be
    // r + γ P V of the returned V, to the bit (the same sums in the same order). Capping
    // the runs of the safeguard test at every sweep count stops some of them on a
    // replaced step.
    let mut stopped_on_a_replaced_step = 0;
    for seed in [17, 30] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mdp = garnet(11, 2, 2, 0.99, &mut rng).unwrap();
        let mut previous_fallbacks = 0;
        for cap in 1..=60 {
            let mut solver = NewtonSoftPolicyIteration::new(0.1).tolerance(1e-8);
            solver.max_inner_iterations = 2;
            solver.gauss_seidel_sweeps = 0;
            solver.max_iterations = cap;
            let run = solver.run(&mdp).unwrap();
            let mut q = vec![0.0; 22];
            maxent_rl::q_values_from_values(&mdp, &run.values, &mut q).unwrap();
            assert_eq!(run.q_values, q, "seed {seed}, cap {cap}");
            if run.fallback_steps > previous_fallbacks {
                stopped_on_a_replaced_step += 1;
            }
            previous_fallbacks = run.fallback_steps;
        }
    }
    assert!(stopped_on_a_replaced_step > 0);
}

#[test]
fn newton_replaces_a_step_that_leaves_the_value_range() {
    // At α = 0.001, γ = 0.99 and two BiCGSTAB iterations per step, the first Newton step
    // on this Garnet lands outside the range values can take (seen by instrumenting the
    // solver): it is replaced by the plain sweep, counted as a fallback, and the run still
    // converges to soft value iteration's answer.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mdp = garnet(6, 2, 2, 0.99, &mut rng).unwrap();
    let mut solver = NewtonSoftPolicyIteration::new(0.001).tolerance(1e-8);
    solver.max_inner_iterations = 2;
    solver.gauss_seidel_sweeps = 0;
    // Capped at two sweeps: the first Newton step, replaced, is the one fallback.
    let mut first = solver;
    first.max_iterations = 2;
    assert_eq!(first.run(&mdp).unwrap().fallback_steps, 1);
    let newton = solver.run(&mdp).unwrap();
    assert_eq!(newton.termination, Termination::Converged);
    assert!(newton.fallback_steps >= 1, "{newton:?}");
    let vi = SoftValueIteration::new(0.001)
        .tolerance(1e-12)
        .max_iterations(100_000)
        .run(&mdp)
        .unwrap();
    let error = sup_distance(&newton.values, &vi.values);
    assert!(
        error <= newton.error_bound + vi.error_bound + 1e-12,
        "{error:e}"
    );
}

#[test]
fn newton_converges_superlinearly_near_the_fixed_point() {
    // The inner solves stop at a linear residual of min(0.01, 0.1 ‖F(V_k)‖)·‖F(V_k)‖, a
    // forcing term that tends to 0, so the outer residual falls superlinearly: here from
    // the first certificate below 1 to one below 1e-9 in two sweeps (0.26 → 1.9e-4 →
    // 1.1e-10 on this run). A forcing term stuck at 0.01 converges linearly at about that
    // rate and needs four (planted and watched). The certificate of the iterate after k
    // sweeps is read by capping the (deterministic) run at k sweeps.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mdp = garnet(200, 4, 5, 0.99, &mut rng).unwrap();
    let bound_after = |k: usize| {
        NewtonSoftPolicyIteration::new(0.1)
            .tolerance(1e-13)
            .max_iterations(k)
            .run(&mdp)
            .unwrap()
            .error_bound
    };
    let first_below_one = (1..20).find(|&k| bound_after(k) < 1.0).unwrap();
    let two_later = bound_after(first_below_one + 2);
    assert!(
        two_later < 1e-9,
        "after sweep {first_below_one} + 2: {two_later:e}"
    );
}

#[test]
fn newton_counts_one_product_plus_two_per_bicgstab_iteration() {
    // Each Newton step's BiCGSTAB solve applies I − γ P_π once for the starting residual
    // and twice per iteration (an early exit after the first half saves one). With a
    // budget of k iterations a solve costs 1 to 1 + 2k products, and more than one
    // whenever it iterates at all — which it must here: k = 1 cannot meet a target of 1 %
    // of the residual on a slippery gridworld at γ = 0.95.
    let mdp = Gridworld::new(8, 8).slip(0.2).build(0.95).unwrap();
    for k in [1, 2, 5] {
        let mut solver = NewtonSoftPolicyIteration::new(0.3).tolerance(1e-9);
        solver.max_inner_iterations = k;
        solver.gauss_seidel_sweeps = 0;
        let r = solver.run(&mdp).unwrap();
        assert_eq!(r.termination, Termination::Converged);
        assert_eq!(r.fallback_steps, 0);
        // Every sweep but the certifying last one is followed by a solve.
        let solves = r.sweeps - 1;
        assert!(solves > 0);
        assert!(
            r.matrix_vector_products > solves && r.matrix_vector_products <= (1 + 2 * k) * solves,
            "k = {k}: {} products in {solves} solves",
            r.matrix_vector_products
        );
        // With k = 1 (deterministically, on this MDP) no solve meets its target early, so
        // each costs exactly 1 + 2 products: 11 solves, 33 products.
        if k == 1 {
            assert_eq!(r.matrix_vector_products, 3 * solves);
        }
    }
}

#[test]
fn iterative_policy_evaluation_stops_when_its_bound_is_met() {
    use maxent_rl::soft_policy_evaluation_iterative;
    // One state, one action, reward 1, γ = 1/2, worked by hand: V_k = 2(1 − 2⁻ᵏ), so the
    // k-th sweep changes V by 2^{1−k} and the bound γ/(1 − γ) · change = 2^{1−k} first
    // drops to 1e-3 at k = 11 (2⁻¹⁰ ≈ 9.8e-4). All these numbers are exact in binary.
    let mdp = Mdp::new(1, 1, &[vec![(0, 1.0)]], vec![1.0], 0.5).unwrap();
    let policy = TabularPolicy::uniform(1, 1).unwrap();
    let run = soft_policy_evaluation_iterative(&mdp, &policy, 0.3, 1e-3, 100).unwrap();
    assert_eq!(run.termination, Termination::Converged);
    assert_eq!(run.iterations, 11);
    assert_eq!(run.last_change, 2f64.powi(-10));
    assert_eq!(run.error_bound, 2f64.powi(-10));
    // The bound is tight here: the true error 2 − V_11 = 2⁻¹⁰.
    assert_eq!(2.0 - run.values[0], run.error_bound);
    // Capped at 5 sweeps, it stops after exactly 5, uncertified: V_5 = 2(1 − 2⁻⁵), and
    // the bound 2⁻⁴ is still a bound.
    let capped = soft_policy_evaluation_iterative(&mdp, &policy, 0.3, 1e-3, 5).unwrap();
    assert_eq!(capped.termination, Termination::MaxIterations);
    assert_eq!(capped.iterations, 5);
    assert_eq!(capped.values[0], 2.0 * (1.0 - 2f64.powi(-5)));
    assert_eq!(capped.error_bound, 2f64.powi(-4));
    // KL-regularised value iteration with a one-action prior runs the same recursion
    // (the KL term is 0): the same counts, converged and capped.
    let prior = TabularPolicy::uniform(1, 1).unwrap();
    for (cap, iterations, termination) in [
        (100, 11, Termination::Converged),
        (5, 5, Termination::MaxIterations),
    ] {
        let kl = maxent_rl::KlSoftValueIteration::new(0.3)
            .tolerance(1e-3)
            .max_iterations(cap)
            .run(&mdp, &prior)
            .unwrap();
        assert_eq!((kl.iterations, kl.termination), (iterations, termination));
        assert_eq!(kl.values[0], 2.0 * (1.0 - 2f64.powi(-(iterations as i32))));
    }
}

#[test]
fn newton_soft_policy_iteration_stops_at_its_sweep_cap() {
    // γ = 0.999 on a 20 × 20 gridworld needs more than 3 sweeps to certify 1e-12: with the
    // cap at 0, 1 or 3 (Gauss–Seidel sweeps off) the run must stop after exactly that many,
    // uncertified.
    let mdp = Gridworld::new(20, 20).slip(0.1).build(0.999).unwrap();
    for cap in [0, 1, 3] {
        let run = NewtonSoftPolicyIteration::new(0.1)
            .tolerance(1e-12)
            .gauss_seidel_sweeps(0)
            .max_iterations(cap)
            .run(&mdp)
            .unwrap();
        assert_eq!(run.sweeps, cap);
        assert_eq!(run.termination, Termination::MaxIterations);
    }
}

#[test]
fn an_empty_gridworld_is_refused() {
    for (w, h) in [(0, 3), (3, 0), (0, 0)] {
        assert!(
            matches!(
                Gridworld::new(w, h).build(0.9),
                Err(maxent_rl::MdpError::Empty { what: "states" })
            ),
            "{w} × {h}"
        );
    }
}

#[test]
fn newton_on_dense_rows_matches_soft_policy_iteration() {
    // Every action reaches every state (branching = S): the Newton matrix is assembled by
    // its dense path, which the claim's gridworld and sparse Garnets never take. Witness:
    // soft policy iteration with exact LU evaluations, certified to 1e-11.
    let mut rng = ChaCha8Rng::seed_from_u64(68);
    let mdp = garnet(12, 3, 12, 0.95, &mut rng).unwrap();
    for alpha in [0.05, 1.0] {
        let reference = SoftPolicyIteration::new(alpha)
            .tolerance(1e-11)
            .run(&mdp)
            .unwrap();
        let newton = NewtonSoftPolicyIteration::new(alpha)
            .tolerance(1e-9)
            .gauss_seidel_sweeps(0)
            .run(&mdp)
            .unwrap();
        assert_eq!(newton.termination, Termination::Converged);
        let error = sup_distance(&newton.values, &reference.values);
        assert!(error <= newton.error_bound + reference.error_bound + 1e-12);
        // As in Claim 6.7: a handful of Newton sweeps and no fallback. A wrong matrix
        // (P_π mis-assembled) still ends within the certificate, but only through the
        // plain sweeps of the safeguard.
        assert!(
            newton.sweeps <= 12 && newton.fallback_steps == 0,
            "α = {alpha}: {} sweeps, {} fallbacks",
            newton.sweeps,
            newton.fallback_steps
        );
    }
}

#[test]
fn newton_gauss_seidel_phase_solves_a_deterministic_chain_in_one_sweep() {
    // States 0 → 1 → … → 5 with one action, reward −1, state 5 terminal. In goal order
    // (5, 4, …, 0) one in-place sweep is exact; the second changes nothing, which ends the
    // phase, and the first Newton sweep certifies a zero residual without any product.
    let n = 6;
    let transitions: Vec<Vec<(usize, f64)>> =
        (0..n).map(|s| vec![((s + 1).min(n - 1), 1.0)]).collect();
    let mdp = Mdp::new(n, 1, &transitions, vec![-1.0; n], 0.9)
        .unwrap()
        .with_terminal_states(&[n - 1])
        .unwrap();
    let result = NewtonSoftPolicyIteration::new(0.3).run(&mdp).unwrap();
    assert_eq!(result.gauss_seidel_sweeps, 2);
    assert_eq!(result.sweeps, 3);
    assert_eq!(result.matrix_vector_products, 0);
    assert_eq!(result.error_bound, 0.0);
    assert_eq!(result.termination, Termination::Converged);
    // Witness: V(s) = −Σ_{t < 5 − s} γ^t, summed here.
    for (s, v) in result.values.iter().enumerate() {
        let exact: f64 = -(0..n - 1 - s).map(|t| 0.9f64.powi(t as i32)).sum::<f64>();
        assert!(
            (v - exact).abs() <= 4.0 * f64::EPSILON * exact.abs(),
            "s = {s}: {v} vs {exact}"
        );
    }
}

//! Claims of chapter 4, "The soft Bellman equation".

#[path = "common/independent_dp.rs"]
mod independent_dp;

use maxent_rl::{
    Gridworld, SoftValueIteration, boltzmann_policy, garnet, q_values_from_values,
    soft_bellman_backup, soft_bellman_q_backup, soft_policy_evaluation,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn sup_distance(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------- Claim 4.1

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn claim_4_1_soft_bellman_operator_is_a_contraction(
        num_states in 2usize..30,
        num_actions in 1usize..6,
        // Up to every state a successor (branching is clamped to the number of states).
        branching in 1usize..31,
        discount in 0.0..0.99f64,
        alpha in prop_oneof![Just(0.0), 1e-3..5.0f64],
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mdp = garnet(num_states, num_actions, branching.min(num_states), discount, &mut rng).unwrap();
        let mut v1: Vec<f64> = (0..num_states).map(|_| rng.random_range(-10.0..10.0)).collect();
        let v2: Vec<f64> = (0..num_states).map(|_| rng.random_range(-10.0..10.0)).collect();
        if rng.random::<bool>() {
            // Nearby pairs too, where rounding matters most relative to the distance.
            for (a, b) in v1.iter_mut().zip(&v2) {
                *a = b + rng.random_range(-1e-3..1e-3);
            }
        }
        let (mut t1, mut t2) = (vec![0.0; num_states], vec![0.0; num_states]);
        soft_bellman_backup(&mdp, alpha, &v1, &mut t1).unwrap();
        soft_bellman_backup(&mdp, alpha, &v2, &mut t2).unwrap();
        // Rounding: each T V(s) is a sum of ≤ 30 products of size ≤ 10 plus a soft max
        // of size ≤ 11 + α ln 6: absolute error ≤ 64 ε · 20 ≈ 3e-13 per evaluation.
        let slack = 1e-12;
        prop_assert!(
            sup_distance(&t1, &t2) <= discount * sup_distance(&v1, &v2) + slack,
            "‖TV1 − TV2‖ = {} > γ‖V1 − V2‖ = {}",
            sup_distance(&t1, &t2),
            discount * sup_distance(&v1, &v2)
        );

        // The Q form contracts in the same way.
        let n = num_states * num_actions;
        let mut q1: Vec<f64> = (0..n).map(|_| rng.random_range(-10.0..10.0)).collect();
        let q2: Vec<f64> = (0..n).map(|_| rng.random_range(-10.0..10.0)).collect();
        if rng.random::<bool>() {
            // Nearby pairs for the Q form too.
            for (a, b) in q1.iter_mut().zip(&q2) {
                *a = b + rng.random_range(-1e-3..1e-3);
            }
        }
        let (mut u1, mut u2) = (vec![0.0; n], vec![0.0; n]);
        soft_bellman_q_backup(&mdp, alpha, &q1, &mut u1).unwrap();
        soft_bellman_q_backup(&mdp, alpha, &q2, &mut u2).unwrap();
        prop_assert!(sup_distance(&u1, &u2) <= discount * sup_distance(&q1, &q2) + slack);

        // The modulus γ is attained: a constant shift c of V (or Q) shifts T V (or T Q) by
        // exactly γ c in every state, since the soft maximum commutes with constants. This
        // pins the factor itself, not only an upper bound on it.
        let c = rng.random_range(-5.0..5.0f64);
        let shifted: Vec<f64> = v2.iter().map(|v| v + c).collect();
        let mut t3 = vec![0.0; num_states];
        soft_bellman_backup(&mdp, alpha, &shifted, &mut t3).unwrap();
        for (a, b) in t3.iter().zip(&t2) {
            prop_assert!((a - b - discount * c).abs() <= slack, "shift {} vs γc = {}", a - b, discount * c);
        }
        let q_shifted: Vec<f64> = q2.iter().map(|q| q + c).collect();
        let mut u3 = vec![0.0; n];
        soft_bellman_q_backup(&mdp, alpha, &q_shifted, &mut u3).unwrap();
        for (a, b) in u3.iter().zip(&u2) {
            prop_assert!((a - b - discount * c).abs() <= slack);
        }
    }
}

// ---------------------------------------------------------------- Claim 4.2

#[test]
fn claim_4_2_fixed_point_is_soft_value_of_its_boltzmann_policy() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut cases = vec![
        (
            Gridworld::new(6, 5)
                .walls(&[(2, 1), (2, 2), (2, 3), (4, 3)])
                .slip(0.2)
                .build(0.95)
                .unwrap(),
            0.3,
        ),
        (garnet(40, 4, 5, 0.9, &mut rng).unwrap(), 1.0),
        (garnet(25, 3, 25, 0.8, &mut rng).unwrap(), 0.05),
    ];
    cases.push((garnet(10, 6, 2, 0.99, &mut rng).unwrap(), 3.0));
    for (mdp, alpha) in &cases {
        let sol = SoftValueIteration::new(*alpha)
            .tolerance(1e-11)
            .run(mdp)
            .unwrap();
        let pi = boltzmann_policy(&sol.q_values, mdp.num_actions(), *alpha).unwrap();
        let v_pi = soft_policy_evaluation(mdp, &pi, *alpha).unwrap();
        // ‖V_k − V*‖ ≤ 1e-11 (certified). V* − V^{π_k} = (I − γP_π)⁻¹ α KL(π_k ‖ π*) is
        // second order in ‖Q_k − Q*‖/α ≤ 2e-10: below 1e-17. The LU solve adds
        // ≈ ε S (1+γ)/(1−γ) ‖V‖∞ ≤ 2.2e-16 · 40 · 200 · 100 ≈ 2e-10. So 1e-9 has margin.
        let gap = sup_distance(&sol.values, &v_pi);
        assert!(gap < 1e-9, "‖V_svi − V^π‖ = {gap:e}");

        // And the two forms of the soft Bellman equation agree at the fixed point:
        // V(s) = Σ_a π(a|s) (Q(s,a) − α ln π(a|s)), evaluated term by term.
        let mut q = vec![0.0; sol.q_values.len()];
        q_values_from_values(mdp, &v_pi, &mut q).unwrap();
        for s in (0..mdp.num_states()).filter(|&s| !mdp.is_terminal(s)) {
            let expectation: f64 = (0..mdp.num_actions())
                .map(|a| {
                    let p = pi.prob(s, a);
                    if p > 0.0 {
                        p * (q[s * mdp.num_actions() + a] - alpha * pi.log_prob(s, a))
                    } else {
                        0.0
                    }
                })
                .sum();
            // Same sources of error as above (the LU solve's), plus A roundings of ≤ 1e-13.
            assert!((expectation - v_pi[s]).abs() < 1e-9);
        }
    }
}

// ---------------------------------------------------------------- Claim 4.3

#[test]
fn claim_4_3_log_space_backup_survives_tiny_alpha_and_huge_rewards() {
    let mut rng = ChaCha8Rng::seed_from_u64(43);
    let mut mdp = garnet(20, 4, 3, 0.9, &mut rng).unwrap();
    // Rewards of order 1e6: Q/α reaches 1e6/1e-12 = 1e18 — far beyond exp's range (709).
    let big: Vec<f64> = mdp.rewards().iter().map(|r| 1e6 * r).collect();
    mdp.set_rewards(&big).unwrap();
    // The hard optimum from code that shares nothing with the sweep: the exact value of
    // a greedy policy (LU solve) and a check that no action improves on it.
    let hard = independent_dp::hard_optimum(&mdp);
    // Rounding of the LU solve at values ≈ 1e7: ε S (1+γ)/(1−γ) ‖V‖ ≈ 2.2e-16·20·19·1e7 ≈ 1e-6.
    assert!(hard.error_bound < 1e-5, "{}", hard.error_bound);
    let ln_a = 4f64.ln();
    for alpha in [1e5, 1e3, 1.0, 1e-3, 1e-6, 1e-12, 1e-300] {
        let soft = SoftValueIteration::new(alpha)
            .tolerance(1e-6)
            .run(&mdp)
            .unwrap();
        let bound = alpha * ln_a / (1.0 - mdp.discount());
        for (s, (&vs, &vh)) in soft.values.iter().zip(&hard.values).enumerate() {
            assert!(vs.is_finite(), "α = {alpha}: V({s}) = {vs}");
            // Soft VI's certified error (1e-6), the reference's certificate and LU
            // rounding (each < 1e-5, checked above), and storage of values ≈ 1e7 (2e-9).
            let slack = 1e-6 + hard.error_bound + 1e-5;
            assert!(vs >= vh - slack, "α = {alpha}, s = {s}: {vs} < {vh}");
            assert!(vs <= vh + bound + slack, "α = {alpha}, s = {s}");
        }
        let pi = soft.policy().unwrap();
        assert!(pi.probs().iter().all(|p| p.is_finite()));
        assert!(pi.log_probs().iter().all(|lp| !lp.is_nan()));
        if alpha >= 1e3 {
            // At temperatures that matter at this reward scale, the values themselves
            // (not only the sandwich) match independent soft policy iteration.
            let reference = independent_dp::soft_optimum(&mdp, alpha);
            let gap = sup_distance(&soft.values, &reference.values);
            assert!(
                gap <= 1e-6 + reference.error_bound + 1e-5,
                "α = {alpha}: soft VI is {gap} from soft policy iteration"
            );
        }
    }
    // The textbook formula α ln Σ exp(Q/α) overflows here.
    let q = [1e6f64, 0.5e6];
    let naive = 1e-3 * q.iter().map(|x| (x / 1e-3).exp()).sum::<f64>().ln();
    assert!(naive.is_infinite());
}

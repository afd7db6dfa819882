//! Claims of chapter 10, "Learning from samples".

mod common;

use common::MC_Z;
use maxent_rl::{
    DiscreteSac, DiscreteSacConfig, Gridworld, LearningError, Mdp, Pcl, ReplayBuffer, SacTables,
    SoftQLearning, SoftValueIteration, TabularPolicy, Transition, a2c_bonus_gradient,
    boltzmann_policy, discrete_sac_losses, entropy_regularised_pg_loss, garnet,
    path_consistency_error, reinforce_soft_gradient, sample_transition, soft_policy_evaluation,
    soft_policy_gradient, soft_q_learning_update, soft_q_pg_decomposition, softmax_policy,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

fn sup_distance(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// `α ln Σ exp(x/α)`, written out naively (the test inputs are moderate, so no shift is
/// needed): an independent evaluation of the soft maximum.
fn naive_soft_max(xs: &[f64], alpha: f64) -> f64 {
    alpha * xs.iter().map(|x| (x / alpha).exp()).sum::<f64>().ln()
}

/// The MDPs of Claim 1: a Garnet and a slippery gridworld whose episodes may start in any
/// non-terminal cell (so that a uniform behaviour policy visits every pair often).
fn soft_q_learning_mdps() -> Vec<(&'static str, Mdp)> {
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let g = garnet(8, 3, 3, 0.8, &mut rng).unwrap();
    let grid = Gridworld::new(3, 3).slip(0.1).build(0.8).unwrap();
    let open: Vec<f64> = (0..9)
        .map(|s| if grid.is_terminal(s) { 0.0 } else { 1.0 / 8.0 })
        .collect();
    let grid = grid.with_initial_distribution(open).unwrap();
    vec![("garnet", g), ("gridworld", grid)]
}

// ---------------------------------------------------------------- Claim 10.1

const OMEGA: f64 = 0.6;

#[test]
fn claim_10_1_soft_q_learning_converges_to_soft_value_iteration() {
    let alpha = 0.5;
    let seeds = 16;
    let steps = 200_000;
    let mut table = String::from(
        "| MDP | ‖Q − Q*‖∞ at 0 | at 2 000 | at 20 000 | at 200 000 updates | worst seed at 200 000 |\n|---|---|---|---|---|---|\n",
    );
    for (name, mdp) in soft_q_learning_mdps() {
        let exact = SoftValueIteration::new(alpha)
            .tolerance(1e-12)
            .run(&mdp)
            .unwrap();
        let q_star = &exact.q_values;
        let behaviour = TabularPolicy::uniform(mdp.num_states(), mdp.num_actions()).unwrap();
        let (mut finals, mut curves) = (Vec::new(), Vec::new());
        for seed in 0..seeds {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
            let run = SoftQLearning::new(alpha)
                .steps(steps)
                .step_size_exponent(OMEGA)
                .max_episode_length(100)
                .record_every(steps / 100)
                .run(&mdp, &behaviour, &mut rng, |q| sup_distance(q, q_star))
                .unwrap();
            curves.push(run.curve.values);
            finals.push(run.q_values);
        }
        // The error falls with the step count: its mean over seeds at 0, 1 %, 10 % and
        // 100 % of the budget decreases (the curve of one seed is noisy between nearby
        // checkpoints; a decade apart the noise, ∝ n^(−ω/2), halves).
        let mean_at = |k: usize| curves.iter().map(|c| c[k]).sum::<f64>() / seeds as f64;
        let checkpoints = [mean_at(0), mean_at(1), mean_at(10), mean_at(100)];
        assert!(
            checkpoints.windows(2).all(|w| w[1] < w[0]),
            "{name}: mean error at 0, 1 %, 10 %, 100 %: {checkpoints:?}"
        );
        // Tolerance from the spread over seeds: per entry, the seed mean of Q̂(s, a) is
        // within a Student-t interval of Q*(s, a), Bonferroni-corrected over the entries
        // (family-wise level 1e-3), i.e. no systematic error beyond the sampling noise.
        let entries: Vec<usize> = (0..q_star.len())
            .filter(|&i| !mdp.is_terminal(i / mdp.num_actions()))
            .collect();
        let t = StudentsT::new(0.0, 1.0, (seeds - 1) as f64).unwrap();
        let t_crit = t.inverse_cdf(1.0 - 1e-3 / (2.0 * entries.len() as f64));
        let n = seeds as f64;
        let mut worst_error: f64 = 0.0;
        for &i in &entries {
            let xs: Vec<f64> = finals.iter().map(|q| q[i]).collect();
            let mean = xs.iter().sum::<f64>() / n;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let se = sd / n.sqrt();
            assert!(
                (mean - q_star[i]).abs() <= t_crit * se,
                "{name}, entry {i}: mean {mean} vs Q* {}, se {se:e}, t {t_crit}",
                q_star[i]
            );
            worst_error = worst_error.max(
                finals
                    .iter()
                    .map(|q| (q[i] - q_star[i]).abs())
                    .fold(0.0, f64::max),
            );
        }
        // And the final sup error of every seed is small against the scale of Q*.
        let scale = q_star.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        assert!(
            worst_error < 0.05 * scale,
            "{name}: worst error {worst_error} vs ‖Q*‖ {scale}"
        );
        table.push_str(&format!(
            "| {name} | {:.3} | {:.3} | {:.4} | {:.4} | {worst_error:.4} |\n",
            checkpoints[0], checkpoints[1], checkpoints[2], checkpoints[3]
        ));
    }
    common::check_generated_block(
        "book/src/ch10-learning-from-samples.md",
        "sql-table",
        &table,
    );
}

#[test]
fn claim_10_1_bad_settings_are_typed_errors() {
    let mdp = Gridworld::new(2, 2).build(0.9).unwrap();
    let mu = TabularPolicy::uniform(4, 4).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let err = SoftQLearning::new(0.5)
        .step_size_exponent(0.5)
        .run(&mdp, &mu, &mut rng, |_| 0.0)
        .unwrap_err();
    assert!(matches!(
        err,
        LearningError::InvalidConfig {
            what: "step_size_exponent",
            ..
        }
    ));
    let err = SoftQLearning::new(-1.0)
        .run(&mdp, &mu, &mut rng, |_| 0.0)
        .unwrap_err();
    assert_eq!(err.to_string(), "`alpha` is -1; it must be finite and > 0");
    let err = SoftQLearning::new(0.5)
        .steps(0)
        .run(&mdp, &mu, &mut rng, |_| 0.0)
        .unwrap_err();
    assert!(matches!(
        err,
        LearningError::InvalidConfig { what: "steps", .. }
    ));
    let undiscounted = mdp.clone().with_discount(1.0).unwrap();
    let err = SoftQLearning::new(0.5)
        .run(&undiscounted, &mu, &mut rng, |_| 0.0)
        .unwrap_err();
    assert!(matches!(
        err,
        LearningError::InvalidConfig {
            what: "discount",
            ..
        }
    ));
    let wrong = TabularPolicy::uniform(3, 4).unwrap();
    assert!(matches!(
        SoftQLearning::new(0.5).run(&mdp, &wrong, &mut rng, |_| 0.0),
        Err(LearningError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        ReplayBuffer::<Transition>::new(0),
        Err(LearningError::InvalidConfig {
            what: "capacity",
            ..
        })
    ));
    let buffer = ReplayBuffer::<Transition>::new(3).unwrap();
    assert_eq!(buffer.sample(2, &mut rng), Err(LearningError::EmptyBuffer));
    let mut q = vec![0.0; 16];
    let t = Transition {
        s: 0,
        a: 4,
        r: 0.0,
        next_s: 1,
        done: false,
    };
    assert!(matches!(
        soft_q_learning_update(&mdp, &mut q, &t, 0.5, 0.1),
        Err(LearningError::IndexOutOfRange {
            what: "action",
            index: 4,
            bound: 4
        })
    ));
}

#[test]
fn claim_10_1_runs_are_seeded_and_deterministic() {
    let (_, mdp) = soft_q_learning_mdps().remove(0);
    let mu = TabularPolicy::uniform(8, 3).unwrap();
    let run = |seed| {
        SoftQLearning::new(0.3)
            .steps(5000)
            .run(&mdp, &mu, &mut ChaCha8Rng::seed_from_u64(seed), |q| {
                q.iter().sum()
            })
            .unwrap()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5).q_values, run(6).q_values);
}

// ---------------------------------------------------------------- Claim 10.2

fn random_logits(n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-1.5..1.5)).collect()
}

/// `J(z) = Σ_s d₀(s) V^π(s)` by exact soft policy evaluation of `softmax(z)`.
fn soft_objective(mdp: &Mdp, z: &[f64], alpha: f64) -> f64 {
    let pi = softmax_policy(z, mdp.num_actions()).unwrap();
    let v = soft_policy_evaluation(mdp, &pi, alpha).unwrap();
    v.iter()
        .zip(mdp.initial_distribution())
        .map(|(v, d)| v * d)
        .sum()
}

#[test]
fn claim_10_2_exact_soft_policy_gradient_equals_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(102);
    for case in 0..6 {
        let mdp = garnet(6, 3, 3, 0.9, &mut rng).unwrap();
        let alpha = [0.05, 0.5, 2.0][case % 3];
        let z = random_logits(18, &mut rng);
        let g = soft_policy_gradient(&mdp, &z, alpha).unwrap();
        assert!((g.objective - soft_objective(&mdp, &z, alpha)).abs() < 1e-12);
        let h = 1e-5;
        for i in 0..z.len() {
            let (mut zp, mut zm) = (z.clone(), z.clone());
            zp[i] += h;
            zm[i] -= h;
            let fd =
                (soft_objective(&mdp, &zp, alpha) - soft_objective(&mdp, &zm, alpha)) / (2.0 * h);
            // Central differences: truncation h²/6 · |J'''| (J''' = O(‖J‖∞) ≈ 10–40
            // here) ≈ 1e-9, plus rounding ε‖J‖/h ≈ 1e-10 from the LU solves.
            assert!(
                (fd - g.gradient[i]).abs() < 1e-7,
                "case {case}, α = {alpha}, i = {i}: exact {} vs FD {fd}",
                g.gradient[i]
            );
        }
    }
}

#[test]
fn claim_10_2_reinforce_with_the_soft_return_is_unbiased() {
    let mut rng = ChaCha8Rng::seed_from_u64(1022);
    let mdp = garnet(4, 2, 2, 0.8, &mut rng).unwrap();
    let alpha = 0.7;
    let z = random_logits(8, &mut rng);
    let exact = soft_policy_gradient(&mdp, &z, alpha).unwrap();
    // Horizon 150 at γ = 0.8: truncation bias ≤ 2·150·0.8¹⁵⁰·c_max/0.2 ≈ 4e-12 (c_max ≤ 3),
    // negligible against standard errors of order 1e-2.
    let episodes = 20_000;
    let mut se_ratio = Vec::new();
    let plain = reinforce_soft_gradient(&mdp, &z, alpha, episodes, 150, None, &mut rng).unwrap();
    let with_baseline = reinforce_soft_gradient(
        &mdp,
        &z,
        alpha,
        episodes,
        150,
        Some(&exact.values),
        &mut rng,
    )
    .unwrap();
    for est in [&plain, &with_baseline] {
        for i in 0..8 {
            let z_score = (est.mean[i] - exact.gradient[i]) / est.std_error[i];
            assert!(
                z_score.abs() <= MC_Z,
                "component {i}: estimate {} ± {} vs exact {}",
                est.mean[i],
                est.std_error[i],
                exact.gradient[i]
            );
        }
    }
    for i in 0..8 {
        se_ratio.push(with_baseline.std_error[i] / plain.std_error[i]);
    }
    // The baseline V^π leaves the mean alone and cuts the noise of every component.
    assert!(se_ratio.iter().all(|r| *r < 1.0), "{se_ratio:?}");
}

#[test]
fn reinforce_estimate_is_the_mean_and_standard_error_of_its_episodes() {
    // The N-episode estimate is the average of N one-episode estimates drawn in turn from
    // the same stream, and its standard error their sample standard deviation over √N
    // (computed here by the two-pass formula). Checked on a garnet with a baseline, whose
    // components have a mean comparable to their spread.
    let mut rng = ChaCha8Rng::seed_from_u64(1023);
    let mdp = garnet(4, 3, 2, 0.8, &mut rng).unwrap();
    let z = random_logits(12, &mut rng);
    let baseline = [1.0, -2.0, 0.5, 3.0];
    let n = 7;
    let mut stream = ChaCha8Rng::seed_from_u64(77);
    let singles: Vec<Vec<f64>> = (0..n)
        .map(|_| {
            reinforce_soft_gradient(&mdp, &z, 0.4, 1, 60, Some(&baseline), &mut stream)
                .unwrap()
                .mean
        })
        .collect();
    let mut stream = ChaCha8Rng::seed_from_u64(77);
    let est = reinforce_soft_gradient(&mdp, &z, 0.4, n, 60, Some(&baseline), &mut stream).unwrap();
    assert_eq!(est.episodes, n);
    for k in 0..12 {
        let xs: Vec<f64> = singles.iter().map(|g| g[k]).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        let scale = xs.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
        // Rounding only: a few ulps of the largest estimate per episode.
        assert!(
            (est.mean[k] - mean).abs() <= 1e-13 * scale,
            "{k}: {} vs {mean}",
            est.mean[k]
        );
        assert!(
            (est.std_error[k] - se).abs() <= 1e-13 * scale,
            "{k}: {} vs {se}",
            est.std_error[k]
        );
    }
    assert!(
        est.std_error.iter().filter(|&&e| e > 0.1).count() >= 3,
        "{est:?}"
    );
    // One episode says nothing about the spread.
    let one = reinforce_soft_gradient(&mdp, &z, 0.4, 1, 60, None, &mut stream).unwrap();
    assert!(one.std_error.iter().all(|&e| e == f64::INFINITY));
}

#[test]
fn learners_record_about_a_hundred_points_by_default() {
    // Without `record_every`, each learner records at step 0, every ⌊budget/100⌋ steps
    // (at least every step) and at the end; counted here through the monitor.
    let mdp = Gridworld::new(2, 2).build(0.8).unwrap();
    let behaviour = TabularPolicy::uniform(4, 4).unwrap();
    for (budget, expected) in [
        (1000, (0..=1000).step_by(10).collect::<Vec<_>>()),
        (50, (0..=50).collect()),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let q = SoftQLearning::new(0.5)
            .steps(budget)
            .run(&mdp, &behaviour, &mut rng, |_| 0.0)
            .unwrap();
        assert_eq!(q.curve.steps, expected, "soft Q-learning, {budget} steps");
        let pcl = Pcl::new(0.5)
            .episodes(budget)
            .max_episode_length(5)
            .run(&mdp, &mut rng, |_| 0.0)
            .unwrap();
        assert_eq!(pcl.curve.steps, expected, "PCL, {budget} episodes");
        let config = DiscreteSacConfig::new(4, budget);
        let sac = DiscreteSac::new(config)
            .run(&mdp, &mut rng, |_| 0.0)
            .unwrap();
        assert_eq!(sac.curve.steps, expected, "discrete SAC, {budget} steps");
    }
}

// ---------------------------------------------------------------- Claim 10.4

#[test]
fn claim_10_4_soft_q_learning_step_is_policy_gradient_plus_value_term() {
    let mut rng = ChaCha8Rng::seed_from_u64(104);
    for case in 0..200 {
        let num_actions = 2 + case % 4;
        let mdp = garnet(5, num_actions, 2, rng.random_range(0.5..0.99), &mut rng).unwrap();
        let alpha = rng.random_range(0.1..2.0);
        let mut q: Vec<f64> = (0..5 * num_actions)
            .map(|_| rng.random_range(-3.0..3.0))
            .collect();
        let (s, a) = (rng.random_range(0..5), rng.random_range(0..num_actions));
        let t = Transition {
            s,
            a,
            r: mdp.reward(s, a),
            next_s: rng.random_range(0..5),
            done: false,
        };
        // The target, written out: y = r + γ α ln Σ exp(Q(s', ·)/α).
        let row = |q: &[f64], s: usize| q[s * num_actions..(s + 1) * num_actions].to_vec();
        let y = t.r + mdp.discount() * naive_soft_max(&row(&q, t.next_s), alpha);
        let q_row = row(&q, s);
        let d = soft_q_pg_decomposition(&q_row, a, y, alpha).unwrap();

        // (i) The two terms, against finite differences of ln π(a|s) = ln softmax(Q/α)_a
        // and V(s) = α ln Σ exp(Q/α), each computed naively.
        let log_pi_a = |x: &[f64]| x[a] / alpha - naive_soft_max(x, alpha) / alpha;
        let h = 1e-6;
        for b in 0..num_actions {
            let (mut xp, mut xm) = (q_row.clone(), q_row.clone());
            xp[b] += h;
            xm[b] -= h;
            let d_log_pi = (log_pi_a(&xp) - log_pi_a(&xm)) / (2.0 * h);
            let d_v = (naive_soft_max(&xp, alpha) - naive_soft_max(&xm, alpha)) / (2.0 * h);
            // Central differences at h = 1e-6 of functions of size ≤ 10 with bounded third
            // derivatives (≤ 1/α² ≤ 100): truncation ≤ 2e-10, rounding ≤ 1e-9; |δ| ≤ 20.
            assert!((d.policy_gradient_term[b] - alpha * d.td_error * d_log_pi).abs() < 1e-7);
            assert!((d.value_term[b] - d.td_error * d_v).abs() < 1e-7);
        }

        // (ii) The learner's own step, divided by η, is the sum of the two terms.
        let eta = 0.3;
        let before = q.clone();
        soft_q_learning_update(&mdp, &mut q, &t, alpha, eta).unwrap();
        for b in 0..num_actions {
            let moved = (q[s * num_actions + b] - before[s * num_actions + b]) / eta;
            let sum = d.policy_gradient_term[b] + d.value_term[b];
            // Rounding of the update (|Q| ≤ 30) divided by η: ≤ 1e-13.
            assert!((moved - sum).abs() < 1e-12, "case {case}: {moved} vs {sum}");
            // … and so is the returned Q-learning direction δ·1[b = a].
            let direction = d.q_learning_direction[b];
            assert!(
                (moved - direction).abs() < 1e-12,
                "case {case}: {moved} vs {direction}"
            );
        }
        assert!(
            q.iter()
                .zip(&before)
                .enumerate()
                .all(|(i, (x, y))| i / num_actions == s || x == y)
        );

        // (iii) In expectation over a ~ π, the policy-gradient term is chapter 2's
        // entropy-regularised policy-gradient step: −Σ_a π_a ∇_z L(z; a, Â_a, α) with
        // z = Q(s, ·)/α and Â_a = y_a − V(s), for per-action targets y_a.
        let v_s = naive_soft_max(&q_row, alpha);
        let targets: Vec<f64> = (0..num_actions)
            .map(|_| rng.random_range(-3.0..3.0))
            .collect();
        let z: Vec<f64> = q_row.iter().map(|x| x / alpha).collect();
        let mut expected_pg = vec![0.0; num_actions];
        let mut ch02 = vec![0.0; num_actions];
        for (b, &y_b) in targets.iter().enumerate() {
            let db = soft_q_pg_decomposition(&q_row, b, y_b, alpha).unwrap();
            let loss =
                entropy_regularised_pg_loss(&z, num_actions, &[b], &[y_b - v_s], alpha).unwrap();
            for k in 0..num_actions {
                expected_pg[k] += db.probs[b] * db.policy_gradient_term[k];
                ch02[k] -= db.probs[b] * loss.grad_logits[k];
            }
        }
        // Both are sums of A terms of size ≤ 30; rounding ≤ 1e-12.
        assert!(
            sup_distance(&expected_pg, &ch02) < 1e-11,
            "case {case}: {expected_pg:?} vs {ch02:?}"
        );
    }
}

// ---------------------------------------------------------------- Claim 10.6

/// A 3 × 3 gridworld (deterministic, or slipping with probability 0.2) whose episodes
/// start in any open cell.
fn sac_gridworld(slip: f64) -> Mdp {
    let grid = Gridworld::new(3, 3).slip(slip).build(0.8).unwrap();
    let open: Vec<f64> = (0..9)
        .map(|s| if grid.is_terminal(s) { 0.0 } else { 1.0 / 8.0 })
        .collect();
    grid.with_initial_distribution(open).unwrap()
}

/// `max_s KL(π(·|s) ‖ π*(·|s))` over non-terminal states, from log-probabilities.
fn max_kl(mdp: &Mdp, tables: &SacTables, star: &TabularPolicy) -> f64 {
    (0..mdp.num_states())
        .filter(|&s| !mdp.is_terminal(s))
        .map(|s| {
            let lp = tables.log_policy(s);
            lp.iter()
                .zip(star.action_log_probs(s))
                .map(|(l, ls)| l.exp() * (l - ls))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

fn entropy_of(log_pi: &[f64]) -> f64 {
    -log_pi.iter().map(|l| l.exp() * l).sum::<f64>()
}

#[test]
fn claim_10_6_discrete_sac_at_fixed_alpha_reaches_the_boltzmann_policy() {
    let alpha = 0.5;
    // Deterministic moves: every sampled target is the exact soft backup, so the joint
    // fixed point of the critic and actor steps is reached to rounding.
    let mdp = sac_gridworld(0.0);
    let star = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap()
        .policy()
        .unwrap();
    let mut worst_deterministic: f64 = 0.0;
    for seed in 0..2 {
        let config = DiscreteSacConfig::new(4, 6000).with_fixed_alpha(alpha);
        let mut rng = ChaCha8Rng::seed_from_u64(600 + seed);
        let run = DiscreteSac::new(config)
            .run(&mdp, &mut rng, |t| max_kl(&mdp, t, &star))
            .unwrap();
        let kl = run.curve.last().unwrap();
        // Soft VI's policy is within 1e-13 of π* in value, so KL ≲ (1e-13/α)²; what is
        // left is rounding of the tables (|Q| ≤ 3): 1e-12 is far above both.
        assert!(kl < 1e-12, "seed {seed}: KL(π ‖ π*) = {kl:e}");
        worst_deterministic = worst_deterministic.max(kl);
    }

    // Slipping moves: the sampled targets are noisy and the constant SGD steps leave a
    // noise floor. Its level, averaged over the second half of each run and over seeds,
    // is far below the starting KL, and it falls when the step sizes are quartered (a
    // bias would not).
    let mdp = sac_gridworld(0.2);
    let star = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap()
        .policy()
        .unwrap();
    let mut floors = Vec::new();
    for lr in [1.0, 0.25] {
        let mut tails = Vec::new();
        for seed in 0..4 {
            let mut config = DiscreteSacConfig::new(4, 12_000).with_fixed_alpha(alpha);
            config.critic_learning_rate = lr;
            config.actor_learning_rate = lr;
            let mut rng = ChaCha8Rng::seed_from_u64(610 + seed);
            let run = DiscreteSac::new(config)
                .run(&mdp, &mut rng, |t| max_kl(&mdp, t, &star))
                .unwrap();
            let c = &run.curve.values;
            tails.push(c[51..].iter().sum::<f64>() / (c.len() - 51) as f64);
            if lr == 1.0 {
                assert!(
                    tails[seed as usize] < 0.02 * c[0],
                    "seed {seed}: {tails:?} vs start {}",
                    c[0]
                );
            }
        }
        floors.push(tails.iter().sum::<f64>() / tails.len() as f64);
    }
    assert!(floors[1] < 0.6 * floors[0], "{floors:?}");
    let table = format!(
        "| gridworld | step sizes | KL(π ‖ π*), worst state |\n|---|---|---|\n\
         | deterministic | 1 | {:.1e} (after 6 000 steps, worst of 2 seeds) |\n\
         | slip 0.2 | 1 | {:.1e} (mean over the second half of 12 000 steps, 4 seeds) |\n\
         | slip 0.2 | 0.25 | {:.1e} (same) |\n",
        worst_deterministic, floors[0], floors[1]
    );
    common::check_generated_block(
        "book/src/ch10-learning-from-samples.md",
        "sac-table",
        &table,
    );
}

#[test]
fn claim_10_6_automatic_temperature_reaches_the_target_entropy() {
    // Automatic temperature, target H̄ = ½ ln 4. The temperature step drives the batch
    // entropy, i.e. the mean entropy over the states of the replay buffer, to H̄; measure
    // the final policy's exact entropy averaged over the buffer's states.
    let mdp = sac_gridworld(0.2);
    let target = 0.5 * 4f64.ln();
    let seeds = 6;
    let (mut gaps, mut uniform_entropies) = (Vec::new(), Vec::new());
    for seed in 0..seeds {
        let config = DiscreteSacConfig::new(4, 12_000);
        let mut rng = ChaCha8Rng::seed_from_u64(660 + seed);
        let run = DiscreteSac::new(config)
            .run(&mdp, &mut rng, |t| t.alpha)
            .unwrap();
        let states = &run.buffer_states;
        let h: f64 = states
            .iter()
            .map(|&s| entropy_of(&run.tables.log_policy(s)))
            .sum::<f64>()
            / states.len() as f64;
        gaps.push(h - target);
        let open: Vec<usize> = (0..9).filter(|&s| !mdp.is_terminal(s)).collect();
        uniform_entropies.push(
            open.iter()
                .map(|&s| entropy_of(&run.tables.log_policy(s)))
                .sum::<f64>()
                / open.len() as f64,
        );
    }
    // Tolerance from the spread over seeds: the seed mean of the gap lies within a
    // Student-t interval (level 1e-3) around 0, and every gap is small against H̄.
    let n = seeds as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    let sd = (gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t_crit = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(1.0 - 0.5e-3);
    let uniform_mean = uniform_entropies.iter().sum::<f64>() / n;
    let line = format!(
        "Mean entropy over the buffer's states minus H̄ = {target:.4}: {:+.4} ± {:.4} (mean ± standard error over {seeds} seeds; largest gap {:.4}). Mean entropy over the 8 open cells, uniformly weighted: {uniform_mean:.3}.\n",
        mean,
        sd / n.sqrt(),
        gaps.iter().fold(0.0f64, |m, g| m.max(g.abs()))
    );
    assert!(mean.abs() <= t_crit * sd / n.sqrt(), "gaps {gaps:?}");
    common::check_generated_block(
        "book/src/ch10-learning-from-samples.md",
        "sac-entropy",
        &line,
    );
    assert!(
        gaps.iter().all(|g| g.abs() < 0.05 * target),
        "gaps {gaps:?}"
    );
}

#[test]
fn claim_10_6_sac_gradients_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(606);
    let mdp = garnet(4, 3, 2, 0.9, &mut rng)
        .unwrap()
        .with_terminal_states(&[3])
        .unwrap();
    let n = 12;
    let mut table =
        |scale: f64| -> Vec<f64> { (0..n).map(|_| rng.random_range(-scale..scale)).collect() };
    let mut tables = SacTables::new(4, 3, table(1.5), table(2.0), table(2.0), 0.4).unwrap();
    tables.q1_target = table(2.0);
    tables.q2_target = table(2.0);
    let mut rng = ChaCha8Rng::seed_from_u64(607);
    let batch: Vec<Transition> = (0..7)
        .map(|_| {
            let (s, a) = (rng.random_range(0..3), rng.random_range(0..3));
            sample_transition(&mdp, s, a, &mut rng).unwrap()
        })
        .collect();
    let out = discrete_sac_losses(&mdp, &tables, &batch).unwrap();
    let h = 1e-6;
    // Central differences of losses of size ≤ 10 with bounded third derivatives:
    // truncation ≤ 1e-11, rounding ≤ 1e-16 · 10 / 1e-6 = 1e-9.
    let tol = 1e-8;
    for i in 0..n {
        let bump = |which: usize, delta: f64| {
            let mut t = tables.clone();
            match which {
                0 => t.q1[i] += delta,
                1 => t.q2[i] += delta,
                _ => t.logits[i] += delta,
            }
            discrete_sac_losses(&mdp, &t, &batch).unwrap()
        };
        let fd_q1 = (bump(0, h).critic_loss[0] - bump(0, -h).critic_loss[0]) / (2.0 * h);
        let fd_q2 = (bump(1, h).critic_loss[1] - bump(1, -h).critic_loss[1]) / (2.0 * h);
        let fd_z = (bump(2, h).actor_loss - bump(2, -h).actor_loss) / (2.0 * h);
        assert!(
            (fd_q1 - out.grad_q1[i]).abs() < tol,
            "q1[{i}]: {fd_q1} vs {}",
            out.grad_q1[i]
        );
        assert!(
            (fd_q2 - out.grad_q2[i]).abs() < tol,
            "q2[{i}]: {fd_q2} vs {}",
            out.grad_q2[i]
        );
        // The actor's gradient holds the critics fixed (as the actor step does).
        assert!(
            (fd_z - out.grad_logits[i]).abs() < tol,
            "z[{i}]: {fd_z} vs {}",
            out.grad_logits[i]
        );
    }
    // A target written out for one transition: y = r + γ(1 − done) Σ_a π (min Q' − α ln π).
    let t = &batch[0];
    let lp = tables.log_policy(t.next_s);
    let v: f64 = (0..3)
        .map(|a| {
            let k = t.next_s * 3 + a;
            lp[a].exp() * (tables.q1_target[k].min(tables.q2_target[k]) - 0.4 * lp[a])
        })
        .sum();
    let y = t.r + if t.done { 0.0 } else { mdp.discount() * v };
    assert!((out.targets[0] - y).abs() < 1e-14);
}

// ---------------------------------------------------------------- Claim 10.3

/// Constants of the MDP of Claim 10.3: discount, temperature, the cost δ of the "free"
/// branch and the penalty c of the wrong action on the "precise" branch.
const MYOPIC: (f64, f64, f64, f64) = (0.9, 0.5, 0.2, 1.5);

/// The MDP of Claim 10.3. From the start (state 0), action 0 goes to state 1 ("free": both
/// actions there cost δ, so the policy may stay uniform) and action 1 to state 2 ("precise":
/// action 0 costs nothing, action 1 costs c). Both then end (state 3 is terminal).
fn myopic_mdp() -> Mdp {
    let (gamma, _, delta, c) = MYOPIC;
    let p = vec![
        vec![(1, 1.0)],
        vec![(2, 1.0)], // start
        vec![(3, 1.0)],
        vec![(3, 1.0)], // free
        vec![(3, 1.0)],
        vec![(3, 1.0)], // precise
        vec![(3, 1.0)],
        vec![(3, 1.0)], // terminal
    ];
    let r = vec![0.0, 0.0, -delta, -delta, 0.0, -c, 0.0, 0.0];
    Mdp::new(4, 2, &p, r, gamma)
        .unwrap()
        .with_terminal_states(&[3])
        .unwrap()
        .with_initial_state(0)
        .unwrap()
}

/// Gradient ascent `z ← z + η g(z)` from uniform logits until `‖g‖∞ < 1e-12`.
fn ascend(gradient: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let mut z = vec![0.0; 8];
    for _ in 0..200_000 {
        let g = gradient(&z);
        if g.iter().all(|x| x.abs() < 1e-12) {
            return z;
        }
        for (zi, gi) in z.iter_mut().zip(&g) {
            *zi += 2.0 * gi;
        }
    }
    panic!("gradient ascent did not converge");
}

fn prob_free(z: &[f64]) -> f64 {
    softmax_policy(z, 2).unwrap().prob(0, 0)
}

#[test]
fn claim_10_3_a2c_bonus_is_myopic() {
    let (gamma, alpha, delta, c) = MYOPIC;
    let mdp = myopic_mdp();

    // The two directions differ where the successors are not terminal (the start), and
    // agree where they are (both branches end after one step): exactly the missing
    // future entropy.
    let z = [0.3, -0.4, 0.1, 0.5, 2.0, -1.0, 0.0, 0.0];
    let soft = soft_policy_gradient(&mdp, &z, alpha).unwrap();
    let a2c = a2c_bonus_gradient(&mdp, &z, alpha).unwrap();
    assert!(
        sup_distance(&soft.gradient[2..6], &a2c.gradient[2..6]) < 1e-14,
        "{:?} vs {:?}",
        soft.gradient,
        a2c.gradient
    );
    // At the start: d(0) = 1 and the soft advantage adds γ(α H(π(·|s')) − E[α H]) to the
    // ordinary one; here the entropies of the two branches differ, so the rows do too.
    let h = |s: usize| softmax_policy(&z, 2).unwrap().entropy(s);
    let p0 = softmax_policy(&z, 2).unwrap().prob(0, 0);
    let extra = gamma * alpha * (h(1) - h(2)); // entropy-value gap between the branches
    let expected_diff = p0 * (1.0 - p0) * extra; // ∂/∂z(0, 0) of the difference
    assert!((soft.gradient[0] - a2c.gradient[0] - expected_diff).abs() < 1e-13);
    assert!(expected_diff.abs() > 1e-2);

    // Fixed points, against closed forms worked by hand:
    // soft: V*(free) = −δ + α ln 2, V*(precise) = α ln(1 + e^(−c/α)),
    //       π*(free | 0) = σ(γ (V*(free) − V*(precise))/α);
    // A2C:  π(· | precise) = softmax(r/α), V₀(precise) = −c σ(−c/α), V₀(free) = −δ,
    //       π(free | 0) = σ(γ (V₀(free) − V₀(precise))/α).
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let v_free = -delta + alpha * 2f64.ln();
    let v_precise = alpha * (-c / alpha).exp().ln_1p();
    let soft_closed = sigmoid(gamma * (v_free - v_precise) / alpha);
    let v0_precise = -c * sigmoid(-c / alpha);
    let a2c_closed = sigmoid(gamma * (-delta - v0_precise) / alpha);

    let z_soft = ascend(|z| soft_policy_gradient(&mdp, z, alpha).unwrap().gradient);
    let z_a2c = ascend(|z| a2c_bonus_gradient(&mdp, z, alpha).unwrap().gradient);
    // ‖g‖∞ < 1e-12 at d(0) = 1 and π(1 − π) ≈ 0.24 leaves logits within ≈ 1e-11/α.
    assert!((prob_free(&z_soft) - soft_closed).abs() < 1e-9);
    assert!((prob_free(&z_a2c) - a2c_closed).abs() < 1e-9);
    // The soft fixed point is soft value iteration's Boltzmann policy (a second algorithm).
    let star = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap()
        .policy()
        .unwrap();
    assert!((star.prob(0, 0) - soft_closed).abs() < 1e-10);
    // Only the maximum-entropy objective prefers the free branch.
    assert!(soft_closed > 0.5 && a2c_closed < 0.5);

    // Quantify: soft objective and ordinary return of each fixed point.
    let j = |z: &[f64], a: f64| {
        let pi = softmax_policy(z, 2).unwrap();
        soft_policy_evaluation(&mdp, &pi, a).unwrap()[0]
    };
    let rows = [
        ("soft policy gradient", &z_soft),
        ("A2C entropy bonus", &z_a2c),
    ];
    let mut table = String::from(
        "| Fixed point of | π(free \\| start) | soft objective J_α | ordinary return J₀ |\n|---|---|---|---|\n",
    );
    for (name, z) in rows {
        table.push_str(&format!(
            "| {name} | {:.4} | {:.4} | {:.4} |\n",
            prob_free(z),
            j(z, alpha),
            j(z, 0.0)
        ));
    }
    table.push_str(&format!(
        "| soft value iteration (π\\*) | {:.4} | {:.4} | {:.4} |\n",
        star.prob(0, 0),
        SoftValueIteration::new(alpha)
            .tolerance(1e-13)
            .run(&mdp)
            .unwrap()
            .values[0],
        soft_policy_evaluation(&mdp, &star, 0.0).unwrap()[0]
    ));
    assert!(j(&z_soft, alpha) > j(&z_a2c, alpha) && j(&z_a2c, 0.0) > j(&z_soft, 0.0));
    common::check_generated_block(
        "book/src/ch10-learning-from-samples.md",
        "myopic-table",
        &table,
    );
}

// ---------------------------------------------------------------- Claim 10.5

/// Every path of `d` steps from `s`: all action sequences and all successors with positive
/// probability, as (path, probability given the actions, the action sequence). A path that
/// reaches a terminal state stops there, and is listed under every continuation of its
/// action sequence (so that each sequence's probabilities sum to one).
fn all_paths(mdp: &Mdp, s: usize, d: usize) -> Vec<(Vec<Transition>, f64, Vec<usize>)> {
    let mut out = vec![(Vec::new(), 1.0, Vec::new())];
    for _ in 0..d {
        let mut next = Vec::new();
        for (path, p, actions) in out {
            let last: Option<&Transition> = path.last();
            let here = last.map_or(s, |t| t.next_s);
            let ended = last.is_some_and(|t| t.done);
            for a in 0..mdp.num_actions() {
                let mut key = actions.clone();
                key.push(a);
                if ended {
                    next.push((path.clone(), p, key));
                    continue;
                }
                for (s2, q) in mdp.successors(here, a) {
                    let mut longer = path.clone();
                    longer.push(Transition {
                        s: here,
                        a,
                        r: mdp.reward(here, a),
                        next_s: s2,
                        done: mdp.is_terminal(s2),
                    });
                    next.push((longer, p * q, key.clone()));
                }
            }
        }
        out = next;
    }
    out
}

#[test]
fn claim_10_5_path_consistency_holds_on_every_path_of_the_optimum() {
    let alpha = 0.5;
    let mut rng = ChaCha8Rng::seed_from_u64(105);
    // Deterministic dynamics: a gridworld with walls and a one-successor Garnet.
    let grid = Gridworld::new(4, 3).walls(&[(1, 1)]).build(0.9).unwrap();
    let det_garnet = garnet(7, 3, 1, 0.85, &mut rng).unwrap();
    for mdp in [&grid, &det_garnet] {
        let sol = SoftValueIteration::new(alpha)
            .tolerance(1e-13)
            .run(mdp)
            .unwrap();
        let pi = sol.policy().unwrap();
        let mut worst: f64 = 0.0;
        for s in (0..mdp.num_states()).filter(|&s| !mdp.is_terminal(s)) {
            for d in 1..=3 {
                for (path, _, _) in all_paths(mdp, s, d) {
                    let c = path_consistency_error(mdp, &sol.values, pi.log_probs(), &path, alpha)
                        .unwrap();
                    worst = worst.max(c.abs());
                }
            }
        }
        // V* certified to 1e-13; C sums ≤ 4 terms of it and of α ln π* (rounding 1e-15).
        assert!(worst < 1e-11, "max |C| = {worst:e}");

        // A pair that is not optimal violates it on some path: the Boltzmann policy of a
        // perturbed Q*, or V* shifted at one state.
        let mut q = sol.q_values.clone();
        q[0] += 0.3;
        let off = boltzmann_policy(&q, mdp.num_actions(), alpha).unwrap();
        let mut shifted = sol.values.clone();
        shifted[0] += 0.3;
        for (values, log_pi) in [(&sol.values, off.log_probs()), (&shifted, pi.log_probs())] {
            let worst = all_paths(mdp, 0, 1)
                .iter()
                .map(|(path, _, _)| {
                    path_consistency_error(mdp, values, log_pi, path, alpha)
                        .unwrap()
                        .abs()
                })
                .fold(0.0, f64::max);
            assert!(worst > 0.1, "a non-optimal pair is consistent: {worst}");
        }
    }
}

#[test]
fn claim_10_5_stochastic_dynamics_hold_only_in_expectation() {
    let alpha = 0.5;
    let mdp = Gridworld::new(4, 3)
        .walls(&[(1, 1)])
        .slip(0.2)
        .build(0.9)
        .unwrap();
    let sol = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap();
    let pi = sol.policy().unwrap();
    let d = 2;
    let (mut worst_mean, mut worst_path, mut second_moment, mut weight): (f64, f64, f64, f64) =
        (0.0, 0.0, 0.0, 0.0);
    for s in (0..mdp.num_states()).filter(|&s| !mdp.is_terminal(s)) {
        // Group the paths by their action sequence; within a group, average over the
        // next states with their probabilities.
        let mut groups: std::collections::BTreeMap<Vec<usize>, (f64, f64, f64)> =
            Default::default();
        for (path, p, actions) in all_paths(&mdp, s, d) {
            let c =
                path_consistency_error(&mdp, &sol.values, pi.log_probs(), &path, alpha).unwrap();
            worst_path = worst_path.max(c.abs());
            let e = groups.entry(actions).or_default();
            e.0 += p * c;
            e.1 += p;
            e.2 += p * c * c;
        }
        for (mean_times_p, p, sq) in groups.values() {
            assert!((p - 1.0).abs() < 1e-12);
            worst_mean = worst_mean.max(mean_times_p.abs());
            second_moment += sq;
            weight += p;
        }
    }
    // In expectation over the next states, for every state and action sequence: zero
    // (V* certified to 1e-13, sums of ≤ 9 paths).
    assert!(worst_mean < 1e-11, "{worst_mean:e}");
    // Single paths do not: their consistency errors spread by this much.
    let rms = (second_moment / weight).sqrt();
    assert!(
        worst_path > 0.1 && rms > 0.01,
        "max |C| {worst_path}, rms {rms}"
    );
    let table = format!(
        "| slip | max over paths of \\|E[C \\| actions]\\| | max over paths of \\|C\\| | rms of C |\n|---|---|---|---|\n| 0.2 | {worst_mean:.1e} | {worst_path:.3} | {rms:.3} |\n"
    );
    common::check_generated_block(
        "book/src/ch10-learning-from-samples.md",
        "pcl-stochastic",
        &table,
    );
}

#[test]
fn claim_10_5_pcl_from_samples_reaches_the_soft_optimum() {
    let alpha = 0.5;
    let mdp = Gridworld::new(4, 3).walls(&[(1, 1)]).build(0.9).unwrap();
    let open: Vec<f64> = (0..12)
        .map(|s| if mdp.is_terminal(s) { 0.0 } else { 1.0 / 10.0 })
        .collect();
    let mdp = mdp.with_initial_distribution(open).unwrap();
    let sol = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap();
    let star = sol.policy().unwrap();
    for seed in 0..3 {
        let mut rng = ChaCha8Rng::seed_from_u64(150 + seed);
        let run = Pcl::new(alpha)
            .episodes(1500)
            .run(&mdp, &mut rng, |t| sup_distance(&t.values, &sol.values))
            .unwrap();
        let v_err = run.curve.last().unwrap();
        let kl = (0..12)
            .filter(|&s| !mdp.is_terminal(s))
            .map(|s| {
                (0..4)
                    .map(|a| {
                        let lp = run.tables.log_pi[s * 4 + a];
                        lp.exp() * (lp - star.log_prob(s, a))
                    })
                    .sum::<f64>()
            })
            .fold(0.0, f64::max);
        // Deterministic dynamics make the consistency equations solvable exactly, so the
        // SGD steps converge linearly (no noise floor): the error falls by more than 10³
        // over the first half of the budget and 10× more over the second, and ends below
        // 1e-6 in V (the worst of three seeds, 1.5e-9, with a 600× margin) and 1e-12 in
        // KL (KL is quadratic in the logit error).
        let c = &run.curve.values;
        assert!(
            c[50] < 1e-3 * c[0] && c[100] < 0.1 * c[50],
            "seed {seed}: {c:?}"
        );
        assert!(v_err < 1e-6, "seed {seed}: ‖V − V*‖∞ = {v_err:e}");
        assert!(kl < 1e-12, "seed {seed}: KL = {kl:e}");
    }
}

// ---------------------------------------------------------------- robustness

#[test]
fn learners_reject_non_finite_input_with_typed_errors() {
    let mdp = Gridworld::new(2, 2).build(0.9).unwrap();
    let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for x in bad {
        // Soft Q-learning: a non-finite reward or table entry read by the update.
        let mut q = vec![0.0; 16];
        let t = Transition {
            s: 0,
            a: 1,
            r: x,
            next_s: 1,
            done: false,
        };
        assert!(matches!(
            soft_q_learning_update(&mdp, &mut q, &t, 0.5, 0.5),
            Err(LearningError::InvalidConfig {
                what: "transition.r",
                ..
            })
        ));
        q[5] = x;
        let t = Transition {
            s: 0,
            a: 1,
            r: 0.0,
            next_s: 1,
            done: false,
        };
        assert!(soft_q_learning_update(&mdp, &mut q, &t, 0.5, 0.5).is_err());
        assert!(q[1] == 0.0, "the table is unchanged on error");
        // Exactly the entries the update reads are checked: every entry of the next
        // state's row, and no entry of another state's row.
        for next_s in 0..4 {
            for i in 0..16 {
                let mut q = vec![0.0; 16];
                q[i] = x;
                let t = Transition {
                    s: 3,
                    a: 2,
                    r: 0.0,
                    next_s,
                    done: false,
                };
                let r = soft_q_learning_update(&mdp, &mut q, &t, 0.5, 0.5);
                let named = match r {
                    Err(LearningError::InvalidConfig { what, .. }) => Some(what),
                    Ok(_) => None,
                    Err(e) => panic!("s' = {next_s}, entry {i}: {e:?}"),
                };
                let expected = if i == 14 {
                    Some("q(s, a)")
                } else if i / 4 == next_s {
                    Some("q(s', ·)")
                } else {
                    None
                };
                assert_eq!(named, expected, "s' = {next_s}, entry {i}");
            }
        }
        // Hyperparameters.
        assert!(
            SoftQLearning::new(x)
                .run(
                    &mdp,
                    &TabularPolicy::uniform(4, 4).unwrap(),
                    &mut rng,
                    |_| 0.0
                )
                .is_err()
        );
        assert!(soft_q_learning_update(&mdp, &mut [0.0; 16], &t, 0.5, x).is_err());
        // Policy gradients: non-finite logits or temperature.
        let mut z = vec![0.0; 16];
        z[3] = x;
        assert!(soft_policy_gradient(&mdp, &z, 0.5).is_err());
        assert!(a2c_bonus_gradient(&mdp, &[0.0; 16], x).is_err());
        assert!(
            reinforce_soft_gradient(
                &mdp,
                &[0.0; 16],
                0.5,
                10,
                10,
                Some(&[x, 0.0, 0.0, 0.0]),
                &mut rng
            )
            .is_err()
        );
        // Path consistency.
        let path = [Transition {
            s: 0,
            a: 1,
            r: 0.0,
            next_s: 1,
            done: false,
        }];
        assert!(path_consistency_error(&mdp, &[x, 0.0, 0.0, 0.0], &[0.0; 16], &path, 0.5).is_err());
        let nan_path = [Transition { r: x, ..path[0] }];
        assert!(path_consistency_error(&mdp, &[0.0; 4], &[0.0; 16], &nan_path, 0.5).is_err());
        assert!(
            Pcl::new(0.5)
                .learning_rates(x, 0.1)
                .run(&mdp, &mut rng, |_| 0.0)
                .is_err()
        );
        // SAC: tables and configuration.
        let mut q1 = vec![0.0; 16];
        q1[2] = x;
        assert!(SacTables::new(4, 4, vec![0.0; 16], q1, vec![0.0; 16], 0.5).is_err());
        let mut config = DiscreteSacConfig::new(4, 100);
        config.tau = x;
        assert!(matches!(
            DiscreteSac::new(config).run(&mdp, &mut rng, |_| 0.0),
            Err(LearningError::InvalidConfig { what: "tau", .. })
        ));
        let config = DiscreteSacConfig::new(4, 100).with_fixed_alpha(x);
        assert!(
            DiscreteSac::new(config)
                .run(&mdp, &mut rng, |_| 0.0)
                .is_err()
        );
    }
    // An MDP whose episodes can only start in a terminal state: an error, not a hang.
    let stuck = mdp.clone().with_initial_state(3).unwrap();
    assert!(
        SoftQLearning::new(0.5)
            .run(
                &stuck,
                &TabularPolicy::uniform(4, 4).unwrap(),
                &mut rng,
                |_| 0.0
            )
            .is_err()
    );
    assert!(
        DiscreteSac::new(DiscreteSacConfig::new(4, 100))
            .run(&stuck, &mut rng, |_| 0.0)
            .is_err()
    );
    assert!(
        Pcl::new(0.5)
            .episodes(10)
            .run(&stuck, &mut rng, |_| 0.0)
            .is_ok()
    );
    // Sizes: a batch of zero, a zero capacity, mismatched tables.
    let mut config = DiscreteSacConfig::new(4, 100);
    config.batch_size = 0;
    assert!(matches!(
        DiscreteSac::new(config).run(&mdp, &mut rng, |_| 0.0),
        Err(LearningError::InvalidConfig {
            what: "batch_size",
            ..
        })
    ));
    assert!(matches!(
        soft_policy_gradient(&mdp, &[0.0; 15], 0.5),
        Err(LearningError::DimensionMismatch {
            what: "logits",
            expected: 16,
            found: 15
        })
    ));
    let t = Transition {
        s: 0,
        a: 0,
        r: 0.0,
        next_s: 9,
        done: false,
    };
    assert!(matches!(
        discrete_sac_losses(
            &mdp,
            &SacTables::new(4, 4, vec![0.0; 16], vec![0.0; 16], vec![0.0; 16], 0.5).unwrap(),
            &[t]
        ),
        Err(LearningError::IndexOutOfRange {
            what: "state",
            index: 9,
            bound: 4
        })
    ));
}

#[test]
fn claim_10_5_pcl_on_single_paths_is_biased_under_stochastic_dynamics() {
    // The same gridworld with slip 0.2. PCL minimises E[C²] = (E[C])² + Var(C) on single
    // paths, and Var(C) depends on V and π: the minimiser is not (V*, π*). Constant steps
    // also leave noise, which shrinks when the steps do (∝ √η); a bias does not.
    let alpha = 0.5;
    let mdp = Gridworld::new(4, 3)
        .walls(&[(1, 1)])
        .slip(0.2)
        .build(0.9)
        .unwrap();
    let open: Vec<f64> = (0..12)
        .map(|s| if mdp.is_terminal(s) { 0.0 } else { 1.0 / 10.0 })
        .collect();
    let mdp = mdp.with_initial_distribution(open).unwrap();
    let sol = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap();
    let mut table = String::from(
        "| rollout d | ‖V − V*‖∞, steps 0.1 | ‖V − V*‖∞, steps 0.025 |\n|---|---|---|\n",
    );
    for d in [1, 3] {
        let mut tails = [0.0; 2];
        for (k, lr) in [0.1, 0.025].into_iter().enumerate() {
            for seed in 0..2 {
                let mut rng = ChaCha8Rng::seed_from_u64(170 + seed);
                let run = Pcl::new(alpha)
                    .rollout(d)
                    .learning_rates(lr, lr)
                    .episodes(3000)
                    .run(&mdp, &mut rng, |t| sup_distance(&t.values, &sol.values))
                    .unwrap();
                let c = &run.curve.values;
                // Mean over the second half of the run and over the two seeds.
                tails[k] += c[51..].iter().sum::<f64>() / (c.len() - 51) as f64 / 2.0;
            }
        }
        // Far from V* (|V*| is between 1 and 5 here), and not closer with 4× smaller
        // steps: noise would have shrunk by about half.
        assert!(
            tails[0] > 0.1 && tails[1] > 0.7 * tails[0],
            "d = {d}: {tails:?}"
        );
        table.push_str(&format!("| {d} | {:.3} | {:.3} |\n", tails[0], tails[1]));
    }
    common::check_generated_block("book/src/ch10-learning-from-samples.md", "pcl-bias", &table);
}

#[test]
fn the_replay_buffer_keeps_the_newest_items_up_to_its_capacity() {
    // A ring buffer of capacity 3 fed 0..5 holds 3, 4 and 2 (slot 2 was written last by
    // item 2; items 3 and 4 overwrote slots 0 and 1), and reports its capacity.
    let mut buffer = ReplayBuffer::<usize>::new(3).unwrap();
    assert_eq!((buffer.capacity(), buffer.len()), (3, 0));
    assert!(buffer.is_empty());
    for i in 0..5 {
        buffer.push(i);
        assert_eq!(buffer.len(), (i + 1).min(3));
        assert!(!buffer.is_empty());
    }
    assert_eq!(buffer.capacity(), 3);
    assert_eq!(buffer.items(), &[3, 4, 2]);
}

#[test]
fn reinforce_truncated_at_h_steps_estimates_the_h_step_gradient() {
    // A one-state MDP that never ends: every step is an independent draw from π, so the
    // H-step soft return J_H = (1 − γ^H)/(1 − γ) · f(π), f(π) = Σ_a π_a (r_a − α ln π_a), and
    // ∂J_H/∂z_k = (1 − γ^H)/(1 − γ) · π_k (r_k − α ln π_k − f) — worked by hand, independent
    // of the estimator. Horizons 1 and 3 differ by the factor 1 + γ + γ² = 2.71.
    let mdp = Mdp::new(
        1,
        2,
        &[vec![(0, 1.0)], vec![(0, 1.0)]],
        vec![1.0, -0.5],
        0.9,
    )
    .unwrap()
    .with_terminal_states(&[])
    .unwrap();
    let (z, alpha, gamma) = ([0.3, -0.2], 0.5, 0.9f64);
    let pi = softmax_policy(&z, 2).unwrap();
    let c: Vec<f64> = (0..2)
        .map(|a| [1.0, -0.5][a] - alpha * pi.log_prob(0, a))
        .collect();
    let f: f64 = (0..2).map(|a| pi.prob(0, a) * c[a]).sum();
    let mut rng = ChaCha8Rng::seed_from_u64(1010);
    for horizon in [1usize, 3] {
        let scale = (1.0 - gamma.powi(horizon as i32)) / (1.0 - gamma);
        let est =
            reinforce_soft_gradient(&mdp, &z, alpha, 20_000, horizon, None, &mut rng).unwrap();
        for (k, c_k) in c.iter().enumerate() {
            let exact = scale * pi.prob(0, k) * (c_k - f);
            assert!(
                (est.mean[k] - exact).abs() <= MC_Z * est.std_error[k],
                "H = {horizon}, k = {k}: {} ± {} vs {exact}",
                est.mean[k],
                est.std_error[k]
            );
        }
    }
}

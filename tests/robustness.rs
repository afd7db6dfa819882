//! The promise of the README, as a property: every public function fed arbitrary `f64`
//! values (NaN, ±∞, ±0, subnormals, ±1e308, ±f64::MAX), arbitrary sizes and mismatched
//! shapes returns a typed error or finite output, and never panics or hangs.
//!
//! Each property runs a bounded number of cases with proptest's persisted seeds
//! (`tests/robustness.proptest-regressions`), so a failure found once is replayed first.

use maxent_rl::rand::SeedableRng;
use maxent_rl::rand::rngs::StdRng;
use maxent_rl::{
    TanhGaussian, TemperatureConfig, TemperatureState, categorical_entropy,
    categorical_entropy_and_grad, categorical_entropy_from_probs, diag_gaussian_entropy,
    diag_gaussian_log_prob, discrete_sac_actor_loss, discrete_soft_critic_target, entropy_loss,
    entropy_regularised_pg_loss, ppo_clipped_loss, sac_actor_loss, soft_critic_target,
    temperature_loss, temperature_loss_grad,
};
use proptest::prelude::*;

mod common;

use common::extreme_f64 as wild;

fn wild_vec(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(wild(), 0..=max_len)
}

fn finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn categorical_entropies_are_finite_or_errors(z in wild_vec(6)) {
        if let Ok(h) = categorical_entropy(&z) {
            prop_assert!(h.is_finite() && h >= 0.0, "H({z:?}) = {h}");
        }
        if let Ok((h, g)) = categorical_entropy_and_grad(&z) {
            prop_assert!(h.is_finite() && finite(&g), "H({z:?}) = {h}, ∇ = {g:?}");
        }
        if let Ok(h) = categorical_entropy_from_probs(&z) {
            prop_assert!(h.is_finite() && h >= 0.0, "H({z:?}) = {h}");
        }
    }

    #[test]
    fn gaussian_quantities_are_finite_or_errors(
        x in wild_vec(3), mean in wild_vec(3), log_std in wild_vec(3)
    ) {
        if let Ok(h) = diag_gaussian_entropy(&log_std) {
            prop_assert!(h.is_finite(), "H = {h} for log σ = {log_std:?}");
        }
        if let Ok(lp) = diag_gaussian_log_prob(&x, &mean, &log_std) {
            // −∞ is the correctly rounded value of a log-density below −f64::MAX.
            prop_assert!(lp.is_finite() || lp == f64::NEG_INFINITY,
                "ln p = {lp} for {x:?}, {mean:?}, {log_std:?}");
        }
        if let Ok(policy) = TanhGaussian::new(mean.clone(), log_std.clone()) {
            let mut rng = StdRng::seed_from_u64(0);
            let sample = policy.sample_and_log_prob(&mut rng);
            prop_assert!(finite(&sample.action) && finite(&sample.pre_tanh) && sample.log_prob.is_finite(),
                "sample {sample:?} of {mean:?}, {log_std:?}");
            prop_assert!(policy.base_gaussian_entropy().is_finite());
            if let Ok(lp) = policy.log_prob_pre_tanh(&x) {
                // ±∞ are the correctly rounded values beyond the f64 range (documented).
                prop_assert!(!lp.is_nan(),
                    "ln π(u = {x:?}) = {lp} for {mean:?}, {log_std:?}");
            }
            if let Ok(lp) = policy.log_prob(&x) {
                prop_assert!(!lp.is_nan(),
                    "ln π(a = {x:?}) = {lp} for {mean:?}, {log_std:?}");
            }
            if let Ok(g) = policy.reparam_grad(&x) {
                prop_assert!(finite(&g.d_action_d_mean) && finite(&g.d_log_prob_d_mean)
                    && finite(&g.d_action_d_log_std) && finite(&g.d_log_prob_d_log_std),
                    "∇ at {x:?} of {mean:?}, {log_std:?}: {g:?}");
            }
        }
    }

    #[test]
    fn categorical_losses_are_finite_or_errors(
        logits in wild_vec(6),
        actions in prop::collection::vec(0usize..4, 0..4),
        per_item in wild_vec(3),
        other in wild_vec(3),
        alpha in wild(),
        eps in wild(),
        num_actions in 0usize..4,
    ) {
        if let Ok(out) = entropy_regularised_pg_loss(&logits, num_actions, &actions, &per_item, alpha) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
        if let Ok(out) = ppo_clipped_loss(&logits, num_actions, &actions, &other, &per_item, eps, alpha) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
        if let Ok(out) = entropy_loss(&logits, num_actions, &per_item) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
        if let Ok(out) = discrete_sac_actor_loss(&logits, num_actions, &other, alpha) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
    }

    #[test]
    fn sac_losses_and_targets_are_finite_or_errors(
        r in wild_vec(2), d in wild_vec(2), q1 in wild_vec(4), q2 in wild_vec(4),
        log_pi in wild_vec(2), logits in wild_vec(4), alpha in wild(), num_actions in 0usize..3,
    ) {
        if let Ok(l) = sac_actor_loss(&log_pi, &q1, alpha) {
            prop_assert!(l.is_finite(), "{l}");
        }
        if let Ok(y) = soft_critic_target(&r, &d, &q1, &q2, &log_pi, alpha) {
            prop_assert!(finite(&y), "{y:?}");
        }
        if let Ok(y) = discrete_soft_critic_target(&r, &d, &logits, num_actions, &q1, &q2, alpha) {
            prop_assert!(finite(&y), "{y:?}");
        }
    }

    #[test]
    fn temperature_updates_are_finite_or_errors(
        log_alpha in wild(), log_pi in wild_vec(3), target in wild(), lr in wild(),
        steps in 1usize..4,
    ) {
        if let Ok(l) = temperature_loss(log_alpha, &log_pi, target) {
            prop_assert!(l.is_finite(), "{l}");
        }
        if let Ok(g) = temperature_loss_grad(&log_pi, target) {
            prop_assert!(g.is_finite(), "{g}");
        }
        let config = TemperatureConfig { target_entropy: target, learning_rate: lr, initial_log_alpha: log_alpha };
        let mut state = TemperatureState::new(&config);
        for _ in 0..steps {
            match state.update(&config, &log_pi) {
                Ok(step) => prop_assert!(step.alpha.is_finite() && step.alpha > 0.0
                    && step.loss.is_finite() && state.log_alpha.is_finite(),
                    "{step:?} with {config:?}"),
                Err(_) => break,
            }
        }
    }
}

// ------------------------------------------------------------------ tabular MDPs

use maxent_rl::{
    Demonstrations, Features, Gridworld, IrlModel, IrlProblem, Mdp, MdpError, SoftPolicyIteration,
    SoftValueIteration, TabularPolicy, Trajectory, discounted_occupancy,
    finite_horizon_soft_value_iteration, forward_pass, garnet, soft_policy_evaluation,
    soft_policy_evaluation_iterative, visitation_until_absorbed,
};

fn small_config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(small_config())]

    #[test]
    fn solvers_return_finite_values_or_errors(
        rewards in prop::collection::vec(wild(), 4),
        discount in prop_oneof![wild(), 0.0..1.0f64, Just(0.999_999)],
        alpha in prop_oneof![wild(), 0.0..5.0f64],
        tolerance in prop_oneof![wild(), Just(1e-12)],
        max_iterations in 0usize..50,
        horizon in 0usize..6,
    ) {
        let Ok(mdp) = common::two_state_mdp(&rewards, discount) else { return Ok(()) };
        if let Ok(sol) = SoftValueIteration::new(alpha).tolerance(tolerance)
            .max_iterations(max_iterations).run(&mdp)
        {
            prop_assert!(finite(&sol.values) && finite(&sol.q_values), "{sol:?}");
            prop_assert!(!sol.error_bound.is_nan(), "{sol:?}");
            if sol.termination == maxent_rl::Termination::Converged {
                prop_assert!(sol.error_bound <= tolerance);
            }
        }
        if let Ok(sol) = SoftPolicyIteration::new(alpha).tolerance(tolerance)
            .max_iterations(max_iterations).run(&mdp)
        {
            prop_assert!(finite(&sol.values) && finite(&sol.q_values) && !sol.error_bound.is_nan(),
                "{sol:?}");
        }
        let pi = TabularPolicy::uniform(2, 2).unwrap();
        if let Ok(v) = soft_policy_evaluation(&mdp, &pi, alpha) {
            prop_assert!(finite(&v), "{v:?}");
        }
        if let Ok(sol) = soft_policy_evaluation_iterative(&mdp, &pi, alpha, tolerance, max_iterations) {
            prop_assert!(finite(&sol.values) && !sol.error_bound.is_nan(), "{sol:?}");
        }
        if let Ok(sol) = finite_horizon_soft_value_iteration(&mdp, alpha, horizon, &[0.0, 0.0]) {
            prop_assert!(sol.values.iter().all(|v| finite(v)), "{sol:?}");
        }
    }

    #[test]
    fn forward_passes_return_finite_visits_or_errors(
        initial in prop::collection::vec(wild(), 0..4),
        tolerance in prop_oneof![wild(), Just(5e-324), Just(1e-12)],
        discount in prop_oneof![0.0..1.0f64, Just(1.0 - 1e-12), wild()],
        max_steps in 0usize..1000,
    ) {
        let Ok(mdp) = common::two_state_mdp(&[0.0; 4], discount) else { return Ok(()) };
        let pi = TabularPolicy::uniform(2, 2).unwrap();
        if let Ok(d) = discounted_occupancy(&mdp, &initial, &pi, tolerance, max_steps) {
            prop_assert!(finite(&d), "{d:?}");
        }
        let ends = mdp.clone().with_terminal_states(&[1]).unwrap();
        if let Ok(d) = visitation_until_absorbed(&ends, &initial, &pi, tolerance, max_steps) {
            prop_assert!(finite(&d), "{d:?}");
        }
        let policy = maxent_rl::TimeIndexedPolicy::stationary(&pi, 3).unwrap();
        if let Ok(d) = forward_pass(&mdp, &initial, &policy) {
            prop_assert!(finite(d.state_actions()), "{d:?}");
        }
    }

    #[test]
    fn irl_objectives_are_finite_or_errors(
        theta in prop::collection::vec(wild(), 2),
        discount in prop_oneof![8 => 0.0..1.0f64, 1 => Just(0.9999)],
    ) {
        let mdp = common::two_state_mdp(&[0.0; 4], discount).unwrap();
        let phi = Features::one_hot_states(&mdp)?;
        let demos = Demonstrations::new(&mdp, vec![Trajectory::new(vec![0, 1, 0], vec![1, 1])]).unwrap();
        let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
        for model in [IrlModel::MaxEnt, IrlModel::MaxCausalEnt, IrlModel::MaxCausalEntDiscounted] {
            if let Ok(e) = problem.evaluate(model, &theta) {
                prop_assert!(e.objective.is_finite() && finite(&e.gradient)
                    && e.log_likelihood.is_finite(), "{model:?} at {theta:?}: {e:?}");
            }
        }
    }

    #[test]
    fn partition_functions_are_never_nan_and_both_passes_agree(
        reward in prop::collection::vec(wild(), 4),
        horizon in prop_oneof![1usize..50, Just(usize::MAX)],
        goal in any::<bool>(),
    ) {
        use maxent_rl::{MaxEntPartition, TrajectoryEnd};
        let mdp = common::two_state_mdp(&[0.0; 4], 0.9).unwrap();
        let end = if goal {
            TrajectoryEnd::InStates(vec![false, true])
        } else {
            TrajectoryEnd::Anywhere
        };
        // The exp-space pass and the log-space recursion accept and refuse the same
        // inputs, and an accepted table holds no NaN (−∞ marks an unreachable goal).
        let fast = MaxEntPartition::new(&mdp, &reward, horizon, &end);
        let slow = MaxEntPartition::new_log_space(&mdp, &reward, horizon, &end);
        prop_assert_eq!(fast.is_ok(), slow.is_ok(), "{:?} vs {:?}", fast.as_ref().err(), slow.as_ref().err());
        for part in [fast, slow].into_iter().flatten() {
            for t in 0..=part.horizon() {
                prop_assert!(part.log_z_state(t).iter().all(|z| !z.is_nan() && *z < f64::INFINITY));
            }
            for t in 0..part.horizon() {
                prop_assert!(part.policy().log_probs_at(t).iter().all(|x| !x.is_nan()));
            }
        }
    }

    #[test]
    fn environments_refuse_what_they_cannot_build(
        (width, height) in prop_oneof![
            (0usize..5, 0usize..5),
            Just((70_000, 70_000)),
            Just((60_000, 60_000)),
            Just((usize::MAX, 2)),
            Just((usize::MAX / 2, usize::MAX / 2)),
        ],
        num_states in prop_oneof![0usize..5, Just(usize::MAX)],
        num_actions in prop_oneof![0usize..5, Just(usize::MAX / 3)],
        branching in 0usize..6,
    ) {
        // Each either builds or gives a typed error; none aborts on allocation.
        if let Ok(mdp) = Gridworld::new(width, height).build(0.9) {
            prop_assert!(mdp.num_states() == width * height);
        }
        let mut rng = StdRng::seed_from_u64(1);
        let _ = garnet(num_states, num_actions, branching, 0.9, &mut rng);
        let _ = TabularPolicy::uniform(num_states, num_actions);
    }
}

#[test]
fn one_hot_features_that_cannot_fit_are_a_typed_error() {
    // Once an abort: S² = 1.3e11 entries (1 TB) for a 600×600 gridworld.
    let mdp = Gridworld::new(600, 600).build(0.9).unwrap();
    let err = Features::one_hot_states(&mdp).unwrap_err();
    assert!(
        matches!(
            err,
            maxent_rl::IrlError::Mdp(MdpError::TooLarge { entries, .. })
                if entries == 360_000.0 * 360_000.0
        ),
        "{err}"
    );
}

#[test]
fn near_one_discounts_finish_with_a_typed_answer() {
    // Once a hang: the discounted causal model at γ = 0.9999 on a two-state MDP.
    let mdp = common::two_state_mdp(&[0.0; 4], 0.9999).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let demos =
        Demonstrations::new(&mdp, vec![Trajectory::new(vec![0, 1, 0], vec![1, 1])]).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
    let e = problem
        .evaluate(IrlModel::MaxCausalEntDiscounted, &[0.3, -0.2])
        .unwrap();
    assert!(e.objective.is_finite());
    // A subnormal tolerance cannot be met: the cap ends the sum with an error.
    let pi = TabularPolicy::uniform(2, 2).unwrap();
    assert!(matches!(
        discounted_occupancy(&mdp, &[1.0, 0.0], &pi, 5e-324, 10_000),
        Err(maxent_rl::IrlError::NotAbsorbed { steps: 10_000, .. })
    ));
}

#[test]
fn overflow_is_named_not_reported_as_converged() {
    // Rewards of 1e308 once gave V = [inf] with error bound 0, "converged".
    let mdp = common::two_state_mdp(&[1e308, 0.0, 0.0, 0.0], 0.9).unwrap();
    assert!(matches!(
        SoftValueIteration::new(0.1).run(&mdp),
        Err(MdpError::ValuesOutOfRange { .. })
    ));
    assert!(matches!(
        SoftPolicyIteration::new(0.1).run(&mdp),
        Err(MdpError::ValuesOutOfRange { .. })
    ));
    // max_iterations(0) with γ = 0: no sweep, so nothing is certified (not 0 · ∞ = NaN).
    let mdp = common::two_state_mdp(&[1.0; 4], 0.0).unwrap();
    let sol = SoftValueIteration::new(0.1)
        .max_iterations(0)
        .run(&mdp)
        .unwrap();
    assert_eq!(sol.error_bound, f64::INFINITY);
    // Messages print extreme values compactly, not as 309 digits.
    let msg = common::two_state_mdp(&[f64::NAN, 0.0, 0.0, 0.0], 0.9)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("NaN"), "{msg}");
    let msg = Mdp::new(1, 1, &[vec![(0, 1.0)]], vec![0.0], 1e308)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("1e308") && msg.len() < 100, "{msg}");
}

#[test]
fn an_overlong_first_step_is_shortened_not_reported_as_a_bad_theta() {
    use maxent_rl::{IrlConfig, fit_irl};
    let mdp = common::two_state_mdp(&[0.0; 4], 0.9).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let demos =
        Demonstrations::new(&mdp, vec![Trajectory::new(vec![0, 1, 1], vec![0, 1])]).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos)
        .unwrap()
        .with_l2(0.1)
        .unwrap();
    let config = IrlConfig {
        initial_step: 1e308,
        ..IrlConfig::default()
    };
    // The first trial θ is about ±1e308; the line search shortens it until it is usable.
    let fit = fit_irl(&problem, IrlModel::MaxCausalEnt, &[0.0, 0.0], &config).unwrap();
    assert!(fit.theta.iter().all(|t| t.is_finite()));
    assert!(
        matches!(fit.termination, maxent_rl::IrlTermination::Converged { .. }),
        "{fit:?}"
    );
}

// ------------------------------------------------------------------ found by mutation testing

#[test]
fn subnormal_temperatures_act_as_the_hard_maximum() {
    use maxent_rl::{boltzmann_policy, soft_state_value};
    // 1/α overflows to ∞ for a subnormal α: both functions must take the hard-max branch
    // rather than form 0 · ∞.
    let tiny = 5e-324;
    assert_eq!(soft_state_value(&[1.0, 0.0, -2.0], tiny), 1.0);
    let pi = boltzmann_policy(&[1.0, 0.0, -2.0], 3, tiny).unwrap();
    assert_eq!(pi.log_probs(), &[0.0, f64::NEG_INFINITY, f64::NEG_INFINITY]);
}

#[test]
fn the_greedy_policy_splits_ties_evenly() {
    use maxent_rl::boltzmann_policy;
    // α = 0: uniform over the maximisers, ln π = −ln(number of ties), exactly.
    let pi = boltzmann_policy(&[1.0, 1.0, 0.0, 1.0, -3.0, 0.5], 3, 0.0).unwrap();
    let third = -(3.0f64.ln());
    assert_eq!(
        &pi.log_probs()[..3],
        &[-(2.0f64.ln()), -(2.0f64.ln()), f64::NEG_INFINITY]
    );
    assert_eq!(
        &pi.log_probs()[3..],
        &[0.0, f64::NEG_INFINITY, f64::NEG_INFINITY]
    );
    let all_tied = boltzmann_policy(&[2.0, 2.0, 2.0], 3, 0.0).unwrap();
    assert_eq!(all_tied.log_probs(), &[third, third, third]);
}

#[test]
fn error_payloads_name_the_expected_size() {
    use maxent_rl::boltzmann_policy;
    // Five Q-values for two actions: the next whole table has six.
    assert_eq!(
        boltzmann_policy(&[0.0; 5], 2, 1.0).unwrap_err(),
        MdpError::DimensionMismatch {
            what: "q_values",
            expected: 6,
            found: 5
        }
    );
}

#[test]
fn terminal_values_count_in_the_finite_horizon_value_bound() {
    // Rewards of 2e299 over one step plus terminal values of 9e299 can reach 1.1e300 > 1e300.
    let mdp = common::two_state_mdp(&[2e299; 4], 1.0).unwrap();
    assert!(matches!(
        finite_horizon_soft_value_iteration(&mdp, 0.0, 1, &[9e299, 0.0]),
        Err(MdpError::ValuesOutOfRange { .. })
    ));
    // Below the bound it is accepted.
    assert!(finite_horizon_soft_value_iteration(&mdp, 0.0, 1, &[7e299, 0.0]).is_ok());
}

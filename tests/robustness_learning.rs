//! The README's promise for the parts that learn from samples, act in continuous spaces or
//! explore (chapters 10, 11 and 14): every public function and learner fed arbitrary `f64`
//! values (NaN, ±∞, ±0, subnormals, ±1e308, ±f64::MAX, ±800), arbitrary sizes and
//! mismatched shapes returns a typed error or finite output, and never panics or hangs.
//!
//! "Finite output" is checked on the `Debug` form of the whole `Ok` value, so a field added
//! later is covered without editing this file: it must not print `NaN` or `inf`.

use maxent_rl::nalgebra::{DMatrix, DVector};
use maxent_rl::rand::SeedableRng;
use maxent_rl::rand::rngs::StdRng;
use maxent_rl::{
    ActionBox, Adam, DeepSea, DiscreteSac, DiscreteSacConfig, ExplorationConfig, Explorer,
    LqProblem, MaxEntLqr, Pcl, QuadraticCritic, RiccatiSolver, SacLqrConfig, SacLqrTemperature,
    SacTables, SoftQLearning, TabularPolicy, Transition, a2c_bonus_gradient, boltzmann_operator,
    discrete_sac_losses, finite_horizon_maxent_lqr, fit_growth, gauss_hermite,
    generalised_value_iteration, hitting_probability, importance_sampled_soft_value,
    linear_gaussian_actor_loss, mellowmax, path_consistency_error, reinforce_soft_gradient,
    run_exploration, sac_lqr, soft_maximum, soft_policy_gradient, soft_q_learning_update,
    soft_q_pg_decomposition, softmax_policy, svgd_direction, tanh_gaussian_actor_loss,
    tanh_gaussian_entropy_quadrature,
};
use proptest::prelude::*;

mod common;

use common::extreme_f64 as wild;

/// Whether the `Debug` form of a value shows no `NaN` and no infinity.
fn finite_debug(value: &impl std::fmt::Debug) -> bool {
    let text = format!("{value:?}");
    let bytes = text.as_bytes();
    let is_word = |i: usize| bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric());
    let standalone = |word: &str| {
        text.match_indices(word)
            .any(|(i, _)| (i == 0 || !is_word(i - 1)) && !is_word(i + word.len()))
    };
    !standalone("NaN") && !standalone("inf")
}

/// A typical value three times in four, else an extreme one: every case then reaches the
/// `Ok` branch often enough to check its output, and each argument is still extreme in a
/// quarter of the cases.
fn mostly(typical: std::ops::Range<f64>) -> impl Strategy<Value = f64> {
    prop_oneof![3 => typical, 1 => wild()]
}

fn wild_vec(len: impl Into<proptest::sample::SizeRange>) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(wild(), len)
}

/// A table of `len` mostly typical entries three times in four, else one of any length
/// with extreme entries.
fn table(len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        3 => proptest::collection::vec(mostly(-5.0..5.0), len),
        1 => wild_vec(0..len + 2),
    ]
}

fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn sample_based_updates_are_finite_or_errors(
        q in table(4),
        values in table(2),
        log_pi in prop_oneof![3 => Just(vec![-std::f64::consts::LN_2; 4]), 1 => wild_vec(0..6)],
        (s, a, next_s) in (0usize..3, 0usize..3, 0usize..3),
        r in wild(),
        done: bool,
        alpha in mostly(0.01..10.0),
        step in mostly(0.0..1.0),
        target in wild(),
    ) {
        let mdp = common::two_state_mdp(&[0.0, 1.0, -1.0, 0.5], 0.9).unwrap();
        let transition = Transition { s, a, r, next_s, done };
        let mut q_after = q.clone();
        if let Ok(delta) = soft_q_learning_update(&mdp, &mut q_after, &transition, alpha, step) {
            let written = q_after[s * 2 + a];
            prop_assert!(delta.is_finite() && written.is_finite(), "{delta} {q_after:?}");
        }
        let path = [transition, transition];
        if let Ok(e) = path_consistency_error(&mdp, &values, &log_pi, &path, alpha) {
            // +∞ is documented for a path through an action of probability 0.
            let impossible = log_pi.contains(&f64::NEG_INFINITY);
            prop_assert!(e.is_finite() || (impossible && e == f64::INFINITY), "{e}");
        }
        if let Ok(d) = soft_q_pg_decomposition(&q, a, target, alpha) {
            prop_assert!(finite_debug(&d), "{d:?}");
        }
    }

    #[test]
    fn policy_gradients_are_finite_or_errors(
        rewards in proptest::collection::vec(mostly(-5.0..5.0), 4),
        discount in prop_oneof![Just(0.9), wild()],
        logits in table(4),
        alpha in mostly(0.0..10.0),
    ) {
        if let Ok(policy) = softmax_policy(&logits, 2) {
            // ln 0 = −∞ is the right log-probability of an action a huge logit gap rules out.
            prop_assert!(finite_debug(&policy.probs()), "{policy:?}");
            prop_assert!(policy.log_probs().iter().all(|l| *l <= 0.0), "{policy:?}");
        }
        if let Ok(mdp) = common::two_state_mdp(&rewards, discount) {
            if let Ok(g) = soft_policy_gradient(&mdp, &logits, alpha) {
                prop_assert!(finite_debug(&g), "{g:?}");
            }
            if let Ok(g) = a2c_bonus_gradient(&mdp, &logits, alpha) {
                prop_assert!(finite_debug(&g), "{g:?}");
            }
        }
    }

    #[test]
    fn discrete_sac_losses_are_finite_or_errors(
        logits in table(4),
        q1 in table(4),
        q2 in table(4),
        alpha in mostly(0.01..10.0),
        r in wild(),
        done: bool,
    ) {
        let mdp = common::two_state_mdp(&[0.0, 1.0, -1.0, 0.5], 0.9).unwrap();
        if let Ok(tables) = SacTables::new(2, 2, logits, q1, q2, alpha) {
            let batch = [Transition { s: 0, a: 1, r, next_s: 1, done }];
            if let Ok(losses) = discrete_sac_losses(&mdp, &tables, &batch) {
                prop_assert!(finite_debug(&losses), "{losses:?}");
            }
        }
    }

    #[test]
    fn operators_and_fits_are_finite_on_finite_input(
        x in proptest::collection::vec(-1e6..1e6f64, 1..6),
        parameter in mostly(0.01..100.0),
        (xs, ys) in (3usize..7).prop_flat_map(|n| (table(n), table(n))),
    ) {
        // Finite entries and a positive finite parameter: a finite value. Outside that
        // domain the documented answer is NaN, never a panic.
        for (name, f) in [
            ("boltzmann", boltzmann_operator as fn(&[f64], f64) -> f64),
            ("mellowmax", mellowmax),
            ("soft maximum", soft_maximum),
        ] {
            let value = f(&x, parameter);
            // The soft maximum is max x + α ln(Σ …) ≤ max x + α ln n, which is itself
            // beyond f64 for α near f64::MAX; the others lie between the mean and the max.
            let representable = name != "soft maximum" || parameter * (x.len() as f64).ln() < 1e307;
            if parameter.is_finite() && parameter > 0.0 && representable {
                prop_assert!(value.is_finite(), "{name}({x:?}, {parameter}) = {value}");
            }
        }
        if let Ok(fit) = fit_growth(&xs, &ys) {
            prop_assert!(finite_debug(&fit), "{fit:?}");
        }
    }

    #[test]
    fn continuous_helpers_are_finite_or_errors(
        low in wild_vec(0..3),
        high in wild_vec(0..3),
        learning_rate in mostly(0.0..1.0),
        params in wild_vec(3),
        grad in wild_vec(0..4),
        particles in wild_vec(0..7),
        bandwidth in prop_oneof![Just(None), wild().prop_map(Some)],
        q_values in wild_vec(0..4),
        log_q in wild_vec(0..4),
        alpha in mostly(0.01..10.0),
        mean in wild_vec(0..3),
        log_std in wild_vec(0..3),
        nodes in prop_oneof![0usize..40, Just(usize::MAX)],
    ) {
        if let Ok(action_box) = ActionBox::new(low, high) {
            prop_assert!(finite_debug(&action_box), "{action_box:?}");
        }
        if let Ok(mut adam) = Adam::new(3, learning_rate) {
            let mut p = params;
            if adam.step(&mut p, &grad).is_ok() {
                prop_assert!(finite_debug(&p), "{p:?}");
            }
        }
        prop_assert!(Adam::new(usize::MAX, 0.1).is_err());
        let g = particles.iter().map(|x| -x).collect::<Vec<_>>();
        if let Ok(direction) = svgd_direction(&particles, &g, 1, bandwidth) {
            prop_assert!(finite_debug(&direction), "{direction:?}");
        }
        if let Ok(v) = importance_sampled_soft_value(&q_values, &log_q, alpha) {
            prop_assert!(v.is_finite(), "{v}");
        }
        if let Ok(h) = tanh_gaussian_entropy_quadrature(&mean, &log_std, nodes) {
            prop_assert!(h.is_finite(), "{h}");
        }
        if let Ok(rule) = gauss_hermite(nodes) {
            prop_assert!(finite_debug(&rule), "{rule:?}");
        }
    }

    #[test]
    fn maximum_entropy_lqr_is_finite_or_an_error(
        entries in proptest::collection::vec(mostly(0.0..2.0), 5),
        discount in prop_oneof![Just(0.9), wild()],
        alpha in mostly(0.0..10.0),
        horizon in prop_oneof![0usize..5, Just(usize::MAX)],
        x in wild(),
        u in wild(),
    ) {
        let m = |v: f64| DMatrix::from_element(1, 1, v);
        let problem = LqProblem::new(
            m(entries[0]), m(entries[1]), m(entries[2]), m(entries[3]), m(entries[4]), discount,
        );
        if let Ok(problem) = problem {
            if let Ok(solution) = MaxEntLqr::solve(&problem, alpha) {
                // At α = 0 the policy is deterministic and its entropy is −∞, as documented.
                let entropy = solution.entropy();
                prop_assert!(entropy.is_finite() || (alpha == 0.0 && entropy == f64::NEG_INFINITY));
                for (what, v) in [
                    ("p", solution.p().as_slice()),
                    ("gain", solution.gain().as_slice()),
                    ("covariance", solution.covariance().as_slice()),
                    ("constant", &[solution.constant()]),
                ] {
                    prop_assert!(finite_debug(&v), "{what}: {solution:?}");
                }
            }
            if let Ok(solution) = finite_horizon_maxent_lqr(&problem, alpha, horizon, &m(1.0)) {
                prop_assert!(finite_debug(&solution), "{solution:?}");
            }
            let mut rng = StdRng::seed_from_u64(0);
            let next = problem.step(&DVector::from_element(1, x), &DVector::from_element(1, u), &mut rng);
            if let Ok(next) = next {
                prop_assert!(finite_debug(&next), "{next:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn learners_return_finite_results_or_errors(
        alpha in mostly(0.01..10.0),
        exponent in mostly(0.5..1.0),
        rate in mostly(0.0..1.0),
        steps in prop_oneof![0usize..60, Just(usize::MAX)],
        episodes in 0usize..4,
        size in prop_oneof![0usize..5, Just(usize::MAX), Just(1usize << 33)],
        explorer in 0usize..8,
    ) {
        // Budgets of `usize::MAX` are accepted only where the run stops before them or
        // rejected; small ones keep the case fast.
        let mdp = common::two_state_mdp(&[0.0, 1.0, -1.0, 0.5], 0.9).unwrap();
        let behaviour = TabularPolicy::uniform(2, 2).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let small = steps.min(60);
        let learner = SoftQLearning::new(alpha).step_size_exponent(exponent).steps(small);
        if let Ok(result) = learner.run(&mdp, &behaviour, &mut rng, |_| 0.0) {
            prop_assert!(finite_debug(&result), "{result:?}");
        }
        let pcl = Pcl::new(alpha).learning_rates(rate, rate).episodes(episodes);
        if let Ok(result) = pcl.run(&mdp, &mut rng, |_| 0.0) {
            // ln π = −∞ is a valid log-probability (an action whose logit fell far behind).
            let t = &result.tables;
            prop_assert!(finite_debug(&(&t.values, &t.logits, &result.curve)), "{result:?}");
            prop_assert!(t.log_pi.iter().all(|l| *l <= 0.0), "{result:?}");
        }
        let mut config = DiscreteSacConfig::new(2, small).with_fixed_alpha(alpha);
        config.critic_learning_rate = rate;
        config.learning_starts = 4;
        if let Ok(result) = DiscreteSac::new(config).run(&mdp, &mut rng, |_| 0.0) {
            prop_assert!(finite_debug(&result), "{result:?}");
        }
        let explorer = match explorer {
            0 => Explorer::EpsilonGreedy { epsilon0: alpha, decay_episodes: rate },
            1 => Explorer::Boltzmann { temperature: alpha },
            2 => Explorer::SoftQ { alpha },
            3 => Explorer::CountBonus { beta: alpha },
            4 => Explorer::RandomisedValue { sigma: alpha },
            5 => Explorer::EntropyPolicyGradient { entropy_bonus: alpha, learning_rate: rate },
            6 => Explorer::Curiosity {
                scale: alpha,
                model_rate: rate,
                epsilon0: rate,
                decay_episodes: exponent,
            },
            _ => Explorer::Puct { c: alpha },
        };
        if let Ok(sea) = DeepSea::new(size).build() {
            let config = ExplorationConfig::new(explorer, episodes, 20).step_size(rate);
            if let Ok(run) = run_exploration(&sea, &config, &mut rng) {
                prop_assert!(finite_debug(&run), "{run:?}");
            }
            let policy = TabularPolicy::uniform(sea.num_states(), 2).unwrap();
            let goal = [sea.num_states() - 1];
            if let Ok(p) = hitting_probability(&sea, &policy, &goal, small) {
                prop_assert!((0.0..=1.0).contains(&p), "{p}");
            }
        }
    }
}

#[test]
fn mellowmax_and_soft_maximum_are_accurate_at_extreme_parameters() {
    // For x = (0, 1): mm_ω = ln((1 + e^ω)/2)/ω = 1/2 + ω/8 − ω³/192 + O(ω⁵), the Taylor
    // series of ln cosh; its truncation error at ω ≤ 1e-3 is below 1e-16 of the value.
    let series = |w: f64| 0.5 + w / 8.0 - w.powi(3) / 192.0;
    for w in [1e-3, 1e-6, 1e-9, 1e-12, 1e-100, 1e-300, 5e-324] {
        let mm = mellowmax(&[0.0, 1.0], w);
        assert!(
            (mm - series(w)).abs() <= 4.0 * f64::EPSILON,
            "ω = {w:e}: {mm}"
        );
    }
    // Large ω: mm_ω(x) = max x − ln(n)/ω up to e^{−ω·gap}; the soft maximum at a subnormal
    // α is the maximum itself, and entries at ±f64::MAX do not overflow.
    assert_eq!(mellowmax(&[-3.0, 2.0], 1e300), 2.0 - 2f64.ln() / 1e300);
    assert_eq!(soft_maximum(&[-3.0, 2.0], 5e-324), 2.0);
    assert_eq!(soft_maximum(&[f64::MAX, -f64::MAX], 1.0), f64::MAX);
    assert_eq!(mellowmax(&[f64::MAX, -f64::MAX], 1.0), f64::MAX);
    assert!(mellowmax(&[1.0, f64::NAN], 1.0).is_nan());
    assert!(soft_maximum(&[1.0, f64::NAN], 1.0).is_nan());
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn continuous_learners_and_losses_are_finite_or_errors(
        entries in proptest::collection::vec(mostly(0.0..2.0), 5),
        tolerance in mostly(1e-12..1e-3),
        // A large cap, not usize::MAX: a problem that is not stabilisable (√γ A = 1, B = 0)
        // grows P linearly and never overflows, so the cap the caller sets is what ends it.
        max_iterations in prop_oneof![0usize..100, Just(100_000)],
        alpha in mostly(0.0..2.0),
        rate in mostly(0.0..0.1),
        tau in mostly(0.0..1.0),
        steps in 0usize..300,
        params in table(2),
        weights in table(QuadraticCritic::num_weights(1, 1)),
        xu in table(2),
        eps in table(2),
        bounds in (mostly(-25.0..0.0), mostly(0.0..3.0)),
        (low, high) in (mostly(-3.0..0.0), mostly(0.1..3.0)),
    ) {
        let m = |v: f64| DMatrix::from_element(1, 1, v);
        let Ok(problem) = LqProblem::new(
            m(entries[0]), m(entries[1]), m(entries[2]), m(entries[3]), m(entries[4]), 0.9,
        ) else {
            return Ok(());
        };
        let solver = RiccatiSolver::new().tolerance(tolerance).max_iterations(max_iterations);
        if let Ok(solution) = solver.solve(&problem) {
            prop_assert!(finite_debug(&solution), "{solution:?}");
        }
        let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(alpha), steps);
        config.critic_learning_rate = rate;
        config.actor_learning_rate = rate;
        config.tau = tau;
        config.log_std_bounds = bounds;
        config.batch_size = 8;
        config.learning_starts = 16;
        config.episode_length = 20;
        let mut rng = StdRng::seed_from_u64(5);
        if let Ok(result) = sac_lqr(&problem, &config, &mut rng) {
            prop_assert!(finite_debug(&result), "{result:?}");
        }
        if let Ok(critic) = QuadraticCritic::from_weights(1, 1, weights) {
            if xu.len() == 2 {
                let (x, u) = (&xu[..1], &xu[1..]);
                if let Ok(q) = critic.value(x, u) {
                    prop_assert!(q.is_finite(), "{q}");
                }
                if let Ok(g) = critic.action_gradient(x, u) {
                    prop_assert!(finite_debug(&g), "{g:?}");
                }
            }
            let critics = [critic];
            let states = [0.5, -1.0];
            let state_eps = &eps[..eps.len().min(2)];
            if let Ok(out) =
                linear_gaussian_actor_loss(&params, (1, 1), &critics, &states, state_eps, alpha, bounds)
            {
                prop_assert!(finite_debug(&out), "{out:?}");
            }
            if let Ok(action_box) = ActionBox::new(vec![low], vec![high]) {
                let out = tanh_gaussian_actor_loss(
                    &params, (1, 1), &critics, &states, state_eps, alpha, bounds, &action_box,
                );
                if let Ok(out) = out {
                    prop_assert!(finite_debug(&out), "{out:?}");
                }
                if let Ok(u) = action_box.rescale(&xu) {
                    prop_assert!(finite_debug(&u), "{u:?}");
                }
            }
        }
    }

    #[test]
    fn reinforce_estimates_are_finite_or_errors(
        rewards in proptest::collection::vec(mostly(-5.0..5.0), 4),
        logits in table(4),
        alpha in mostly(0.0..2.0),
        episodes in 0usize..20,
        horizon in 0usize..20,
        baseline in prop_oneof![Just(None), table(2).prop_map(Some)],
    ) {
        let Ok(mdp) = common::two_state_mdp(&rewards, 0.9) else {
            return Ok(());
        };
        // (The episode count and horizon are the caller's budget: usize::MAX of either is
        // a request for that much work, not a hang.)
        let mut rng = StdRng::seed_from_u64(9);
        let estimate = reinforce_soft_gradient(
            &mdp, &logits, alpha, episodes, horizon, baseline.as_deref(), &mut rng,
        );
        if let Ok(estimate) = estimate {
            // One episode has no spread: its standard error is documented as +∞.
            let spread_known = estimate.episodes >= 2;
            prop_assert!(finite_debug(&estimate.mean), "{estimate:?}");
            prop_assert!(!spread_known || finite_debug(&estimate.std_error), "{estimate:?}");
        }
        // With a terminal state the episodes end by themselves: an unbounded horizon is fine.
        let ending = mdp.with_terminal_states(&[1]).unwrap().with_initial_state(0).unwrap();
        let estimate = reinforce_soft_gradient(
            &ending, &logits, alpha, 2, usize::MAX, baseline.as_deref(), &mut rng,
        );
        if let Ok(estimate) = estimate {
            prop_assert!(finite_debug(&estimate), "{estimate:?}");
        }
    }
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn generalised_value_iteration_is_finite_or_an_error(
        rewards in proptest::collection::vec(mostly(-5.0..5.0), 4),
        v0 in table(2),
        parameter in mostly(0.01..20.0),
        tolerance in mostly(1e-10..1e-2),
        max_iterations in 0usize..200,
    ) {
        let Ok(mdp) = common::two_state_mdp(&rewards, 0.9) else {
            return Ok(());
        };
        for operator in [boltzmann_operator, mellowmax, soft_maximum] {
            let run = generalised_value_iteration(
                &mdp, &v0, |row| operator(row, parameter), tolerance, max_iterations,
            );
            if let Ok(run) = run {
                prop_assert!(finite_debug(&run.values), "{run:?}");
            }
        }
    }
}

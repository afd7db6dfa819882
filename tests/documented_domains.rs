//! What each function's documentation says happens at the edge of its domain, checked:
//! the IEEE edge cases of the numerical primitives, and the typed errors of the functions
//! whose documented domain was not enforced before (each test here failed before its fix).

mod common;

use maxent_rl::{log_one_minus_tanh_sq, log_softmax, softmax, softplus, xlogx};

#[test]
fn log_one_minus_tanh_sq_is_even_and_reaches_its_limit_at_both_infinities() {
    // ln(1 − tanh² u) → −∞ as u → ±∞. Before evaluating at |u|, u = −∞ gave
    // 2(ln 2 + ∞ − softplus(+∞)) = ∞ − ∞ = NaN.
    assert_eq!(log_one_minus_tanh_sq(f64::INFINITY), f64::NEG_INFINITY);
    assert_eq!(log_one_minus_tanh_sq(f64::NEG_INFINITY), f64::NEG_INFINITY);
    assert!(log_one_minus_tanh_sq(f64::NAN).is_nan());
    for u in [0.3, 1.0, 7.5, 19.1, 400.0, 1e300, f64::MAX / 2.0, f64::MAX] {
        assert_eq!(
            log_one_minus_tanh_sq(-u).to_bits(),
            log_one_minus_tanh_sq(u).to_bits(),
            "u = {u}"
        );
        // Finite up to |u| = f64::MAX / 2; at f64::MAX the value 2 ln 2 − 2|u| overflows.
        assert_eq!(
            log_one_minus_tanh_sq(-u).is_finite(),
            u <= f64::MAX / 2.0,
            "u = {u}"
        );
    }
}

#[test]
fn scalar_primitives_follow_their_documented_edge_cases() {
    assert_eq!(softplus(f64::NEG_INFINITY), 0.0);
    assert_eq!(softplus(f64::INFINITY), f64::INFINITY);
    assert!(softplus(f64::NAN).is_nan());
    assert!(softplus(f64::MAX).is_finite() && softplus(-f64::MAX) == 0.0);
    assert!(xlogx(-0.5).is_nan());
    assert_eq!(xlogx(f64::INFINITY), f64::INFINITY);
    assert_eq!(xlogx(0.0), 0.0);
}

#[test]
fn log_softmax_follows_its_documented_edge_cases() {
    let ninf = f64::NEG_INFINITY;
    // On the domain: masked entries −∞, the others finite and ≤ 0, unless the distance to
    // the maximum overflows.
    assert_eq!(log_softmax(&[0.0, ninf]), vec![0.0, ninf]);
    assert_eq!(log_softmax(&[1e308, -1e308]), vec![0.0, ninf]);
    assert_eq!(softmax(&[1e308, -1e308]), vec![1.0, 0.0]);
    // Outside it.
    assert!(log_softmax(&[0.0, f64::NAN]).iter().all(|x| x.is_nan()));
    let lp = log_softmax(&[f64::INFINITY, 0.0]);
    assert!(lp[0].is_nan() && lp[1] == ninf);
    assert!(log_softmax(&[ninf, ninf]).iter().all(|x| x.is_nan()));
    assert!(log_softmax(&[]).is_empty());
}

#[test]
fn a_stationary_policy_too_long_to_store_is_a_typed_error() {
    use maxent_rl::{MdpError, TabularPolicy, TimeIndexedPolicy};
    let pi = TabularPolicy::uniform(2, 2).unwrap();
    // T · S · A overflows usize, or its 8-byte entries overflow the address space (2⁶¹ · 4
    // entries: refused before the allocator is asked, whatever the overcommit policy).
    // Before the fix, `Vec::repeat` panicked with "capacity overflow" on both.
    for horizon in [usize::MAX, 1 << 61] {
        assert!(matches!(
            TimeIndexedPolicy::stationary(&pi, horizon),
            Err(MdpError::TooLarge { .. })
        ));
    }
}

#[test]
fn gridworld_states_are_indexed_by_u32_up_to_its_maximum() {
    use maxent_rl::{Gridworld, MdpError};
    let what = |w, h| match Gridworld::new(w, h).build(0.9) {
        Err(MdpError::TooLarge { what, entries }) => (what, entries),
        other => panic!("{w} × {h}: {other:?}"),
    };
    // 65 537 · 65 535 = 2³² − 1 = u32::MAX states can be indexed; such a grid is refused
    // only because its transition tables (1.6 TB) cannot be allocated here.
    assert_eq!(
        what(65_537, 65_535),
        ("gridworld transitions", 4.0 * 4_294_967_295.0)
    );
    // One more state (2¹⁶ · 2¹⁶ = 2³²) cannot be indexed at all.
    assert_eq!(
        what(65_536, 65_536),
        ("gridworld (states are indexed by u32)", 4_294_967_296.0)
    );
}

#[test]
fn a_chain_too_long_to_index_is_a_typed_error() {
    use maxent_rl::{MdpError, chain_mdp};
    // Before the fix, `2 * n` overflowed (a panic in debug builds) and `n = 2³²` tried to
    // build 2³³ transition rows before `Mdp::new` refused them.
    for n in [usize::MAX, 1 << 32] {
        assert!(matches!(
            chain_mdp(n, 0.2, 0.9),
            Err(MdpError::InvalidParameter { what: "n", .. })
        ));
    }
    assert!(chain_mdp(5, 0.2, 0.9).is_ok());
}

#[test]
fn soft_state_value_follows_its_documented_edge_cases() {
    use maxent_rl::soft_state_value;
    let ninf = f64::NEG_INFINITY;
    // Before: a NaN temperature returned the hard maximum 1 as if α were 0, a negative one
    // gave −∞ (an exponent of +∞ times a negative α), and α = ∞ with one finite entry
    // gave ∞ · 0 = NaN.
    assert!(soft_state_value(&[1.0, 0.0], f64::NAN).is_nan());
    assert!(soft_state_value(&[1.0, 0.0], -1.0).is_nan());
    assert_eq!(soft_state_value(&[1.0, ninf], f64::INFINITY), 1.0);
    assert_eq!(soft_state_value(&[1.0], f64::INFINITY), 1.0);
    assert_eq!(soft_state_value(&[1.0, 0.0], f64::INFINITY), f64::INFINITY);
    // The rest of the documented edge cases.
    assert_eq!(soft_state_value(&[], 1.0), ninf);
    assert_eq!(soft_state_value(&[ninf, ninf], 1.0), ninf);
    assert_eq!(soft_state_value(&[f64::INFINITY, 0.0], 1.0), f64::INFINITY);
    assert!(soft_state_value(&[0.0, f64::NAN], 1.0).is_nan());
    assert_eq!(soft_state_value(&[1.0, 0.0], 0.0), 1.0);
}

#[test]
fn bellman_operators_name_an_overflow_instead_of_returning_infinity() {
    use maxent_rl::{
        Mdp, MdpError, q_values_from_values, soft_bellman_backup, soft_bellman_q_backup,
    };
    // One state, two actions; r = 1e308 and V = 1e308 at γ = 0.9: r + γV overflows.
    // Before the fix, each returned Ok with an infinite output.
    let p = [vec![(0, 1.0)], vec![(0, 1.0)]];
    let mdp = Mdp::new(1, 2, &p, vec![1e308, 0.0], 0.9).unwrap();
    let overflow = |r: Result<(), MdpError>| matches!(r, Err(MdpError::ValuesOutOfRange { bound }) if bound == f64::INFINITY);
    let mut q = [0.0; 2];
    assert!(overflow(q_values_from_values(&mdp, &[1e308], &mut q)));
    let mut v = [0.0];
    assert!(overflow(soft_bellman_backup(&mdp, 1.0, &[1e308], &mut v)));
    assert!(overflow(soft_bellman_q_backup(
        &mdp,
        1.0,
        &[1e308, 1e308],
        &mut q
    )));
    // Within range the same calls succeed.
    assert!(q_values_from_values(&mdp, &[1.0], &mut q).is_ok());
    assert!(soft_bellman_backup(&mdp, 1.0, &[1.0], &mut v).is_ok());
}

#[test]
fn finite_horizon_tables_that_cannot_be_stored_are_a_typed_error() {
    use maxent_rl::{
        KlError, LinearlySolvableMdp, Mdp, MdpError, TabularPolicy,
        finite_horizon_kl_soft_value_iteration, finite_horizon_soft_value_iteration,
    };
    let p = [vec![(0, 1.0)], vec![(0, 1.0)]];
    let mdp = Mdp::new(1, 2, &p, vec![0.0, 0.0], 1.0).unwrap();
    let prior = TabularPolicy::uniform(1, 2).unwrap();
    // Before the fix the KL solver reserved `usize::MAX` tables up front and panicked with
    // "capacity overflow"; the soft solver already refused.
    for horizon in [usize::MAX, 1 << 61] {
        assert!(matches!(
            finite_horizon_kl_soft_value_iteration(&mdp, &prior, 1.0, horizon, &[0.0]),
            Err(KlError::Mdp(MdpError::TooLarge { .. }))
        ));
        assert!(matches!(
            finite_horizon_soft_value_iteration(&mdp, 1.0, horizon, &[0.0]),
            Err(MdpError::TooLarge { .. }) | Err(MdpError::ValuesOutOfRange { .. })
        ));
    }
    let passive = Mdp::new(2, 1, &[vec![(1, 1.0)], vec![(1, 1.0)]], vec![0.0, 0.0], 1.0)
        .unwrap()
        .with_terminal_states(&[1])
        .unwrap();
    let lmdp = LinearlySolvableMdp::new(&passive, &[0.0, 0.0], 1.0).unwrap();
    // Before: this looped 2⁶⁴ times, one table row each.
    assert!(matches!(
        lmdp.finite_horizon_desirability(usize::MAX, &[0.0, 0.0]),
        Err(KlError::Mdp(MdpError::TooLarge { .. }))
    ));
    // exp(V_T/α) overflows: named even at T = 0, where it was returned as ∞ before.
    assert!(matches!(
        lmdp.finite_horizon_desirability(0, &[1000.0, 0.0]),
        Err(KlError::NoFirstExitSolution { s: 0 })
    ));
}

#[test]
fn irl_inputs_outside_their_domain_are_named() {
    use maxent_rl::{
        Features, IrlError, MaxCausalEntSolution, MaxEntPartition, Mdp, MdpError, TrajectoryEnd,
    };
    let mdp = Mdp::new(2, 1, &[vec![(1, 1.0)], vec![(1, 1.0)]], vec![0.0; 2], 1.0).unwrap();
    // S · K overflows: before the fix, a panic in debug builds (a wrapped length in release).
    assert!(matches!(
        Features::state(&mdp, usize::MAX, vec![]),
        Err(IrlError::Mdp(MdpError::TooLarge { .. }))
    ));
    // θ·φ overflows from finite θ and φ: before, Ok with r = ∞.
    let phi = Features::state(&mdp, 2, vec![1e300, 1e300, 0.0, 0.0]).unwrap();
    assert_eq!(
        phi.reward(&[1e10, 1e10]),
        Err(IrlError::Mdp(MdpError::NonFiniteReward {
            s: 0,
            a: 0,
            value: f64::INFINITY
        }))
    );
    // A zero reward with one action bounds the values by 0 for any horizon, so T = usize::MAX
    // reached `T + 1` (a panic in debug builds) before the tables were refused.
    assert!(matches!(
        MaxCausalEntSolution::new(&mdp, &[0.0, 0.0], usize::MAX),
        Err(IrlError::Mdp(MdpError::TooLarge { .. }))
    ));
    assert!(matches!(
        MaxEntPartition::new(&mdp, &[0.0, 0.0], usize::MAX, &TrajectoryEnd::Anywhere),
        Err(IrlError::Mdp(MdpError::TooLarge { .. }))
    ));
    // The value bound is T · (max |r| + ln A): a reward of 4e299 is accepted for two steps
    // (bound 8e299) and refused for three (1.2e300 > 1e300, `VALUE_BOUND_MAX`), by both
    // backward passes.
    let big = [4e299, 0.0];
    assert!(MaxEntPartition::new(&mdp, &big, 2, &TrajectoryEnd::Anywhere).is_ok());
    assert!(MaxCausalEntSolution::new(&mdp, &big, 2).is_ok());
    assert!(matches!(
        MaxEntPartition::new(&mdp, &big, 3, &TrajectoryEnd::Anywhere),
        Err(IrlError::Mdp(MdpError::ValuesOutOfRange { .. }))
    ));
    assert!(matches!(
        MaxCausalEntSolution::new(&mdp, &big, 3),
        Err(IrlError::Mdp(MdpError::ValuesOutOfRange { .. }))
    ));
}

#[test]
fn a_transposed_policy_is_named_by_the_elbo() {
    use maxent_rl::{
        InferenceError, Mdp, MdpError, TabularPolicy, TimeIndexedPolicy, evidence_lower_bound,
    };
    let mdp = Mdp::new(2, 3, &vec![vec![(0, 1.0)]; 6], vec![0.0; 6], 1.0).unwrap();
    let transposed =
        TimeIndexedPolicy::stationary(&TabularPolicy::uniform(3, 2).unwrap(), 2).unwrap();
    // Before: DimensionMismatch { what: "policy", expected: 6, found: 6 }.
    assert_eq!(
        evidence_lower_bound(&mdp, &transposed, 1.0, &[0.5, 0.5]),
        Err(InferenceError::Mdp(MdpError::DimensionMismatch {
            what: "policy states",
            expected: 2,
            found: 3
        }))
    );
}

#[test]
fn a_soft_q_update_that_overflows_is_refused_and_leaves_the_table() {
    use maxent_rl::{LearningError, Mdp, Transition, soft_q_learning_update};
    let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0, 0.0], 0.9).unwrap();
    let mut q = vec![-1e308, 1e308];
    let t = Transition {
        s: 0,
        a: 0,
        r: 1e308,
        next_s: 0,
        done: false,
    };
    // δ = r + γ V(s') − Q(s, a) = 1e308 + 0.9e308 + 1e308 overflows. Before the fix the
    // update returned Ok(∞) and stored Q(0, 0) = ∞, which the next call then rejected.
    assert_eq!(
        soft_q_learning_update(&mdp, &mut q, &t, 1.0, 0.5),
        Err(LearningError::Overflow {
            what: "td_error and q(s, a)",
            index: 0
        })
    );
    assert_eq!(q, vec![-1e308, 1e308]);
}

#[test]
fn error_messages_print_extreme_values_compactly() {
    use maxent_rl::{BackwardMessages, Mdp, Transition, soft_q_learning_update};
    let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0, 0.0], 0.9).unwrap();
    // Before, these printed 1e308 as a 309-digit decimal.
    let t = Transition {
        s: 0,
        a: 0,
        r: 0.0,
        next_s: 0,
        done: false,
    };
    let msg = soft_q_learning_update(&mdp, &mut [0.0, 0.0], &t, 1.0, 1e308)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("1e308") && msg.len() < 100, "{msg}");
    let msg = BackwardMessages::new(&mdp, -1e308, 1)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("-1e308") && msg.len() < 100, "{msg}");
    let msg = maxent_rl::LqError::InvalidDiscount { value: 1e308 }.to_string();
    assert!(msg.contains("1e308") && msg.len() < 100, "{msg}");
}

#[test]
fn a_replay_batch_too_large_to_allocate_is_a_typed_error() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{LearningError, ReplayBuffer};
    let mut buffer = ReplayBuffer::new(4).unwrap();
    buffer.push(1.0);
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    // Before the fix, both panicked with "capacity overflow" (`with_capacity(usize::MAX)`).
    assert!(matches!(
        buffer.sample(usize::MAX, &mut rng),
        Err(LearningError::InvalidConfig {
            what: "batch_size",
            ..
        })
    ));
    let mut out = Vec::new();
    assert!(matches!(
        buffer.sample_indices(usize::MAX, &mut rng, &mut out),
        Err(LearningError::InvalidConfig {
            what: "batch_size",
            ..
        })
    ));
    assert_eq!(buffer.sample(3, &mut rng).unwrap().len(), 3);
}

#[test]
fn regularised_iterations_that_cannot_store_their_iterates_are_refused() {
    use maxent_rl::{
        KlError, Mdp, MdpError, MirrorDescentPolicyIteration, TabularPolicy,
        kl_entropy_regularised_value_iteration, munchausen_value_iteration,
    };
    let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5).unwrap();
    let pi = TabularPolicy::uniform(1, 2).unwrap();
    fn too_large<T>(r: Result<T, KlError>) -> bool {
        matches!(r, Err(KlError::Mdp(MdpError::TooLarge { .. })))
    }
    // Before: `Vec::with_capacity(usize::MAX)` panicked ("capacity overflow") in the two
    // value iterations, and `iterations + 1` overflowed in mirror descent.
    assert!(too_large(munchausen_value_iteration(
        &mdp,
        0.5,
        0.5,
        &[0.0, 0.0],
        usize::MAX
    )));
    assert!(too_large(kl_entropy_regularised_value_iteration(
        &mdp,
        0.5,
        0.5,
        &[0.0, 0.0],
        &pi,
        usize::MAX
    )));
    let md = MirrorDescentPolicyIteration::new(0.5, 0.5)
        .unwrap()
        .iterations(usize::MAX);
    assert!(too_large(md.run(&mdp, &pi)));
    // A NaN log-probability from an overflowing q/τ is named, not returned: τ = 1e-308
    // turns q = (1e300, −1e300) into logits (+∞, −∞).
    let r = munchausen_value_iteration(&mdp, 1e-308, 0.0, &[1e300, -1e300], 1);
    assert!(
        matches!(r, Err(KlError::Mdp(MdpError::NonFiniteValue { .. }))),
        "{r:?}"
    );
}

#[test]
fn optimal_controls_accept_every_finite_positive_desirability() {
    use maxent_rl::{LinearlySolvableMdp, Mdp};
    let p = [vec![(0, 0.5), (1, 0.5)], vec![(1, 1.0)]];
    let passive = Mdp::new(2, 1, &p, vec![0.0; 2], 1.0)
        .unwrap()
        .with_terminal_states(&[1])
        .unwrap();
    let lmdp = LinearlySolvableMdp::new(&passive, &[0.0, 0.0], 1.0).unwrap();
    // z = 5e-324 (the smallest positive f64): p z = 2.5e-324 rounds to 0, and the
    // unscaled controls were 0/0 = NaN, refused as an invalid policy.
    let tiny = 5e-324;
    let u = lmdp.optimal_controls(&[tiny, tiny]).unwrap();
    assert_eq!(u.action_probs(0), &[0.5, 0.5]);
    let u = lmdp.optimal_controls(&[f64::MAX, f64::MAX / 4.0]).unwrap();
    assert!((u.prob(0, 0) - 0.8).abs() < 1e-15);
    // z = 0 is outside the domain (z = e^{V/α} > 0): named, not turned into a policy.
    for z in [[0.0, 1.0], [1.0, 0.0], [-0.0, 1.0]] {
        assert!(lmdp.optimal_controls(&z).is_err(), "z = {z:?} was accepted");
    }
}

#[test]
fn adam_and_the_continuous_buffer_refuse_non_finite_input() {
    use maxent_rl::{Adam, ContinuousReplayBuffer, LqError};
    // Before: a NaN gradient or step size turned the parameters into NaN, returning Ok.
    let mut adam = Adam::new(2, 0.1).unwrap();
    let mut theta = [1.0, 2.0];
    assert!(matches!(
        adam.step(&mut theta, &[0.5, f64::NAN]),
        Err(LqError::NonFinite {
            what: "grad",
            row: 1,
            ..
        })
    ));
    assert!(matches!(
        Adam::new(2, f64::NAN),
        Err(LqError::InvalidParameter {
            what: "learning_rate",
            ..
        })
    ));
    assert_eq!(theta, [1.0, 2.0]);
    // A step size near f64::MAX moves a parameter by about η: from f64::MAX that leaves
    // f64. Before, the parameter became ∞ and the call returned Ok.
    let mut reckless = Adam::new(2, 1e308).unwrap();
    let mut near_max = [f64::MAX, 0.0];
    assert!(matches!(
        reckless.step(&mut near_max, &[-4.8, 0.0]),
        Err(LqError::Overflow {
            what: "params",
            index: 0,
        })
    ));
    assert_eq!(near_max, [f64::MAX, 0.0]);
    // A gradient whose square overflows moves the parameter by about η, not by ∞.
    adam.step(&mut theta, &[1e300, -1e200]).unwrap();
    assert!(theta.iter().all(|t: &f64| t.is_finite()));
    // Before: stored as given.
    let mut buffer = ContinuousReplayBuffer::new(1, 1, 4);
    assert!(matches!(
        buffer.push(&[0.0], &[0.0], f64::NAN, &[0.0]),
        Err(LqError::NonFinite { what: "r", .. })
    ));
    assert!(buffer.is_empty());
}

#[test]
fn continuous_learners_refuse_sizes_they_cannot_store() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{
        LossError, LqError, QuadraticCritic, SacLqrConfig, SacLqrTemperature, sac_lqr, svgd,
    };
    // Before: `Vec::with_capacity(usize::MAX)` panicked ("capacity overflow").
    let mut particles = vec![0.0, 1.0];
    assert!(matches!(
        svgd(&mut particles, 1, |_, g| g.fill(0.0), 0.1, usize::MAX),
        Err(LossError::InvalidParameter {
            what: "iterations",
            ..
        })
    ));
    // Before: `vec![0.0; batch_size]` panicked.
    let problem = scalar_lq_problem();
    let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(0.1), 10);
    config.batch_size = usize::MAX;
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    assert!(matches!(
        sac_lqr(&problem, &config, &mut rng),
        Err(LqError::InvalidParameter {
            what: "batch_size",
            ..
        })
    ));
    // Before: d(d + 1) overflowed (a panic in debug builds).
    assert_eq!(QuadraticCritic::num_weights(usize::MAX, 1), usize::MAX);
    assert_eq!(QuadraticCritic::num_weights(1, 1), 4);
    // Before: NaN weights gave Ok(NaN).
    assert!(matches!(
        QuadraticCritic::from_weights(1, 1, vec![f64::NAN, 0.0, 0.0, 0.0]),
        Err(LqError::NonFinite {
            what: "weights",
            row: 0,
            ..
        })
    ));
    let critic = QuadraticCritic::from_weights(1, 1, vec![1e300, 0.0, 0.0, 0.0]).unwrap();
    assert!(matches!(
        critic.value(&[1e10], &[0.0]),
        Err(LqError::Overflow { what: "Q", .. })
    ));
}

#[test]
fn linear_quadratic_outputs_that_overflow_are_named() {
    use maxent_rl::nalgebra::DVector;
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{LqError, MaxEntLqr};
    let problem = scalar_lq_problem();
    let big = DVector::from_element(1, 1e200);
    let zero = DVector::zeros(1);
    // Before: Ok(−∞) for the reward and the value, Ok([∞]) for the next state.
    assert!(matches!(
        problem.reward(&big, &zero),
        Err(LqError::Overflow {
            what: "r(x, u)",
            ..
        })
    ));
    let huge = DVector::from_element(1, f64::MAX);
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    assert!(matches!(
        problem.step(&huge, &huge, &mut rng),
        Err(LqError::Overflow {
            what: "next_state",
            ..
        })
    ));
    let lqr = MaxEntLqr::solve(&problem, 0.5).unwrap();
    assert!(matches!(
        lqr.value(&big),
        Err(LqError::Overflow { what: "V(x)", .. })
    ));
    assert!(
        lqr.value(&DVector::from_element(1, 1.0))
            .unwrap()
            .is_finite()
    );
}

#[test]
fn action_boxes_and_importance_sampling_stay_finite_or_say_why() {
    use maxent_rl::{ActionBox, LossError, LqError, importance_sampled_soft_value};
    // Before: accepted, then scale() = [∞] and log_prob_correction() = −∞.
    assert!(matches!(
        ActionBox::new(vec![-1e308], vec![1e308]),
        Err(LqError::InvalidParameter {
            what: "high − low",
            ..
        })
    ));
    // Two bounds near f64::MAX: the centre no longer overflows (was ∞ from ½(h + l)).
    let bx = ActionBox::new(vec![1.0e308], vec![1.5e308]).unwrap();
    assert_eq!(bx.rescale(&[0.0]).unwrap(), vec![1.25e308]);
    assert!(matches!(
        bx.rescale(&[1e300]),
        Err(LqError::Overflow { what: "y", .. })
    ));
    // Before: Ok(∞) from Q/α = 1e308/1e-10. Shifted by max Q, the tiny α gives the
    // maximum: 1e308 + 1e-10 · (ln(1 + e^{−1e318}) − ln 2) rounds to 1e308.
    assert_eq!(
        importance_sampled_soft_value(&[1e308, 0.0], &[0.0, 0.0], 1e-10),
        Ok(1e308)
    );
    // The temperature must be positive: α = 0 is the hard maximum, not this estimator.
    for alpha in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY] {
        match importance_sampled_soft_value(&[1.0, 2.0], &[0.0, 0.0], alpha) {
            Err(LossError::InvalidParameter {
                what: "alpha",
                value,
                ..
            }) => assert_eq!(value.to_bits(), alpha.to_bits()),
            other => panic!("α = {alpha}: {other:?}"),
        }
    }
    // A value beyond f64: α ln q overflows for α near f64::MAX.
    assert_eq!(
        importance_sampled_soft_value(&[0.0], &[800.0], f64::MAX),
        Err(LossError::Overflow {
            what: "value",
            index: 0
        })
    );
}

#[test]
fn tanh_gaussian_quadrature_names_an_overflow() {
    use maxent_rl::{LqError, tanh_gaussian_entropy_quadrature};
    // Before: the node −1e308 − … gave ln 2 + ∞ − softplus(∞) = NaN, returned as Ok(NaN).
    let r = tanh_gaussian_entropy_quadrature(&[-f64::MAX], &[0.0], 8);
    assert!(
        matches!(
            r,
            Err(LqError::Overflow {
                what: "entropy",
                ..
            })
        ),
        "{r:?}"
    );
    assert!(
        tanh_gaussian_entropy_quadrature(&[-1e300], &[0.0], 8)
            .unwrap()
            .is_finite()
    );
}

#[test]
fn tabular_learners_refuse_sizes_they_cannot_allocate() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{DiscreteSac, DiscreteSacConfig, Gridworld, LearningError, Pcl, SacTables};
    let mdp = Gridworld::new(2, 1).build(0.9).unwrap();
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    // Before: `Vec::with_capacity(usize::MAX)` panicked in both runs.
    let mut config = DiscreteSacConfig::new(4, 10);
    config.batch_size = usize::MAX;
    assert!(matches!(
        DiscreteSac::new(config).run(&mdp, &mut rng, |_| 0.0),
        Err(LearningError::InvalidConfig {
            what: "batch_size",
            ..
        })
    ));
    assert!(matches!(
        Pcl::new(0.5)
            .replay_episodes(usize::MAX)
            .episodes(2)
            .run(&mdp, &mut rng, |_| 0.0),
        Err(LearningError::InvalidConfig {
            what: "replay_episodes",
            ..
        })
    ));
    // Before: S · A overflowed (a panic in debug builds).
    assert!(matches!(
        SacTables::new(usize::MAX, 2, vec![], vec![], vec![], 1.0),
        Err(LearningError::InvalidConfig { .. })
    ));
}

#[test]
fn reinforce_takes_the_horizon_as_a_cap_not_a_length() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{Gridworld, reinforce_soft_gradient};
    // Every episode of this gridworld ends at the goal; a horizon of usize::MAX is only a
    // cap. Before, `Vec::with_capacity(usize::MAX)` panicked.
    let mdp = Gridworld::new(2, 1).build(0.9).unwrap();
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    let logits = vec![0.0; 8];
    let g = reinforce_soft_gradient(&mdp, &logits, 0.5, 10, usize::MAX, None, &mut rng).unwrap();
    assert!(g.mean.iter().all(|x| x.is_finite()));
}

#[test]
fn bandit_harnesses_refuse_batches_they_cannot_allocate() {
    use maxent_rl::experiments::{
        SoftmaxBanditConfig, TemperatureBanditConfig, run_softmax_bandit, run_temperature_bandit,
    };
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{LossError, TemperatureConfig};
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    // Before: `batch_size · K` overflowed (a panic in debug builds) and `vec![0.0; B]`
    // panicked with "capacity overflow".
    let softmax = SoftmaxBanditConfig {
        arm_means: vec![1.0, 0.0],
        reward_std: 0.1,
        alpha: 0.0,
        learning_rate: 0.5,
        baseline_learning_rate: 0.1,
        batch_size: usize::MAX,
        steps: 1,
        record_every: 1,
    };
    assert!(matches!(
        run_softmax_bandit(&softmax, &mut rng),
        Err(LossError::InvalidParameter {
            what: "batch_size",
            ..
        })
    ));
    let temperature = TemperatureBanditConfig {
        reward_peak: 0.5,
        reward_curvature: 1.0,
        initial_mean: 0.0,
        initial_log_std: 0.0,
        actor_learning_rate: 0.1,
        temperature: TemperatureConfig {
            target_entropy: -1.0,
            learning_rate: 0.01,
            initial_log_alpha: 0.0,
        },
        batch_size: usize::MAX,
        steps: 1,
        record_every: 1,
        entropy_samples: 10,
    };
    assert!(matches!(
        run_temperature_bandit(&temperature, &mut rng),
        Err(LossError::InvalidParameter {
            what: "batch_size",
            ..
        })
    ));
}

#[test]
fn bandit_harnesses_name_each_setting_outside_its_domain() {
    use maxent_rl::experiments::{
        SoftmaxBanditConfig, TemperatureBanditConfig, run_softmax_bandit, run_temperature_bandit,
    };
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{LossError, TemperatureConfig};
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    let named = |result: Result<(), LossError>, name: &str| match result {
        Err(LossError::InvalidParameter { what, .. }) => what == name,
        _ => false,
    };
    let softmax = SoftmaxBanditConfig {
        arm_means: vec![1.0, 0.0],
        reward_std: 0.1,
        alpha: 0.0,
        learning_rate: 0.5,
        baseline_learning_rate: 0.1,
        batch_size: 2,
        steps: 3,
        record_every: 1,
    };
    let mut run_softmax = |edit: &dyn Fn(&mut SoftmaxBanditConfig)| {
        let mut config = softmax.clone();
        edit(&mut config);
        run_softmax_bandit(&config, &mut rng).map(|_| ())
    };
    assert!(run_softmax(&|_| {}).is_ok());
    assert!(named(
        run_softmax(&|c| c.arm_means = vec![1.0]),
        "arm_means.len()"
    ));
    assert!(named(
        run_softmax(&|c| c.arm_means[1] = f64::NAN),
        "arm_means"
    ));
    assert!(named(run_softmax(&|c| c.reward_std = -0.1), "reward_std"));
    assert!(run_softmax(&|c| c.reward_std = 0.0).is_ok());
    for bad in [0.0, -0.5, f64::INFINITY, f64::NAN] {
        assert!(named(
            run_softmax(&|c| c.learning_rate = bad),
            "learning_rate"
        ));
        assert!(named(
            run_softmax(&|c| c.baseline_learning_rate = bad),
            "baseline_learning_rate"
        ));
    }
    assert!(named(run_softmax(&|c| c.batch_size = 0), "batch_size"));
    assert!(named(run_softmax(&|c| c.record_every = 0), "record_every"));

    let temperature = TemperatureBanditConfig {
        reward_peak: 0.5,
        reward_curvature: 1.0,
        initial_mean: 0.0,
        initial_log_std: 0.0,
        actor_learning_rate: 0.1,
        temperature: TemperatureConfig {
            target_entropy: -1.0,
            learning_rate: 0.01,
            initial_log_alpha: 0.0,
        },
        batch_size: 2,
        steps: 3,
        record_every: 1,
        entropy_samples: 2,
    };
    let mut run_temperature = |edit: &dyn Fn(&mut TemperatureBanditConfig)| {
        let mut config = temperature.clone();
        edit(&mut config);
        run_temperature_bandit(&config, &mut rng).map(|_| ())
    };
    assert!(run_temperature(&|_| {}).is_ok());
    assert!(named(
        run_temperature(&|c| c.reward_peak = f64::INFINITY),
        "reward_peak"
    ));
    assert!(named(
        run_temperature(&|c| c.initial_log_std = f64::NAN),
        "initial_log_std"
    ));
    for bad in [0.0, -0.5, f64::INFINITY, f64::NAN] {
        assert!(named(
            run_temperature(&|c| c.actor_learning_rate = bad),
            "actor_learning_rate"
        ));
    }
    assert!(named(run_temperature(&|c| c.batch_size = 1), "batch_size"));
    assert!(named(
        run_temperature(&|c| c.record_every = 0),
        "record_every"
    ));
    assert!(named(
        run_temperature(&|c| c.entropy_samples = 1),
        "entropy_samples"
    ));
}

#[test]
fn a_finite_horizon_lqr_too_long_to_store_is_refused() {
    use maxent_rl::nalgebra::DMatrix;
    use maxent_rl::{LqError, finite_horizon_maxent_lqr};
    let one = DMatrix::identity(1, 1);
    let problem = scalar_lq_problem();
    // Before: `horizon + 1` overflowed (a panic in debug builds); 2⁶⁰ steps aborted on
    // allocation.
    for horizon in [usize::MAX, 1 << 60] {
        assert!(matches!(
            finite_horizon_maxent_lqr(&problem, 0.5, horizon, &one),
            Err(LqError::InvalidParameter {
                what: "horizon",
                ..
            })
        ));
    }
    assert!(finite_horizon_maxent_lqr(&problem, 0.5, 5, &one).is_ok());
}

#[test]
fn an_svgd_direction_that_overflows_is_named() {
    use maxent_rl::{LossError, svgd_direction};
    // Two coinciding particles with gradients near f64::MAX: φ = (g₁ + g₂)/2 overflows.
    // Before: Ok([∞, ∞]).
    let r = svgd_direction(&[0.0, 0.0], &[f64::MAX, f64::MAX], 1, None);
    assert!(
        matches!(
            r,
            Err(LossError::Overflow {
                what: "svgd direction",
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn path_consistency_is_finite_or_impossible_or_an_error() {
    use maxent_rl::{LearningError, Mdp, Transition, path_consistency_error};
    let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0; 2], 0.9).unwrap();
    let ninf = f64::NEG_INFINITY;
    let t = |r: f64| Transition {
        s: 0,
        a: 1,
        r,
        next_s: 0,
        done: false,
    };
    // α = 0: the entropy term is absent. Before: 0 · (−∞) = NaN, returned as Ok(NaN).
    let c = path_consistency_error(&mdp, &[0.0], &[0.0, ninf], &[t(1.0)], 0.0).unwrap();
    assert_eq!(c, 1.0);
    // α > 0: an impossible path, C = +∞ as documented.
    let c = path_consistency_error(&mdp, &[0.0], &[0.0, ninf], &[t(1.0)], 0.5).unwrap();
    assert_eq!(c, f64::INFINITY);
    // Finite inputs that overflow. Before: Ok(−∞).
    assert_eq!(
        path_consistency_error(&mdp, &[f64::MAX], &[0.0, 0.0], &[t(-f64::MAX)], 0.5),
        Err(LearningError::Overflow {
            what: "path consistency error",
            index: 0
        })
    );
}

#[test]
fn the_soft_q_pg_decomposition_names_an_overflow() {
    use maxent_rl::{LearningError, soft_q_pg_decomposition};
    // Q/α = ±1e300/1e-10 overflowed to ±∞: before, Ok with NaN probabilities. Shifted by
    // the maximum first, the policy is the greedy one.
    let d = soft_q_pg_decomposition(&[1e300, -1e300], 0, 0.0, 1e-10).unwrap();
    assert_eq!(d.probs, vec![1.0, 0.0]);
    // y − Q(s, a) overflows: before, Ok with td_error = ∞.
    assert_eq!(
        soft_q_pg_decomposition(&[-f64::MAX, 0.0], 0, f64::MAX, 1.0).unwrap_err(),
        LearningError::Overflow {
            what: "td_error",
            index: 0
        }
    );
}

#[test]
fn regularised_solvers_bound_their_values_before_iterating() {
    use maxent_rl::{
        BackwardMessages, InferenceError, KlError, KlSoftValueIteration, MdpError, TabularPolicy,
        finite_horizon_kl_soft_value_iteration,
    };
    let values_out_of_range =
        |e: &KlError| matches!(e, KlError::Mdp(MdpError::ValuesOutOfRange { .. }));
    let prior = TabularPolicy::from_probs(2, 2, vec![0.6, 0.4, 0.5, 0.5]).unwrap();
    // Before: "Converged" with error bound 0 and Q(1, 1) = −∞.
    let mdp = common::two_state_mdp(&[5e-324, 0.0, 0.0, -f64::MAX], 0.36).unwrap();
    let r = KlSoftValueIteration::new(f64::MAX).run(&mdp, &prior);
    assert!(r.as_ref().is_err_and(values_out_of_range), "{r:?}");
    // Before: Ok with an action value of −∞.
    let mdp = common::two_state_mdp(&[5e-324, -f64::MAX, 0.0, 0.0], 0.82).unwrap();
    let r = finite_horizon_kl_soft_value_iteration(&mdp, &prior, f64::MAX, 3, &[0.0, 0.0]);
    assert!(r.as_ref().is_err_and(values_out_of_range), "{r:?}");
    // Before: optimistic values α ln β = 1e308 · 3 ln 4 = ∞.
    let mdp = common::two_state_mdp(&[0.0, 0.0, 5e-324, 5e-324], 1.0).unwrap();
    assert!(matches!(
        BackwardMessages::new(&mdp, 1e308, 3),
        Err(InferenceError::Mdp(MdpError::ValuesOutOfRange { .. }))
    ));
    assert!(BackwardMessages::new(&mdp, 1.0, 3).is_ok());
}

#[test]
fn learning_outputs_that_overflow_are_named() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{
        LearningError, SacTables, Transition, a2c_bonus_gradient, discrete_sac_losses,
        reinforce_soft_gradient,
    };
    let overflow = |r: &LearningError, name: &str| matches!(r, LearningError::Overflow { what, .. } if *what == name);
    // Before: critic_loss = [∞, ∞] from (0 − 1e308)²/2.
    let mdp = common::two_state_mdp(&[0.0; 4], 0.9).unwrap();
    let tables = SacTables::new(2, 2, vec![0.0; 4], vec![0.0; 4], vec![0.0; 4], 1.0).unwrap();
    let t = Transition {
        s: 0,
        a: 1,
        r: 1e308,
        next_s: 1,
        done: true,
    };
    let r = discrete_sac_losses(&mdp, &tables, &[t]);
    assert!(
        r.as_ref().is_err_and(|e| overflow(e, "critic_loss")),
        "{r:?}"
    );
    // Before: a gradient of ∞ from α (−ln π − H) with α = 1e308.
    let r = a2c_bonus_gradient(&mdp, &[0.0, 0.0, 5.0, 0.0], 1e308);
    assert!(r.as_ref().is_err_and(|e| overflow(e, "gradient")), "{r:?}");
    // Before: returns 1e308 + 0.9 · 1e308 = ∞ in the estimate.
    let mdp = common::two_state_mdp(&[1e308; 4], 0.9).unwrap();
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    let r = reinforce_soft_gradient(&mdp, &[0.0; 4], 0.5, 3, 5, None, &mut rng);
    assert!(r.as_ref().is_err_and(|e| overflow(e, "mean")), "{r:?}");
}

#[test]
fn an_action_box_of_subnormal_width_is_refused() {
    use maxent_rl::{ActionBox, LqError};
    // Half of 5e-324 rounds to 0: before, scale() = [0] and log_prob_correction() = ∞.
    assert!(matches!(
        ActionBox::new(vec![0.0], vec![5e-324]),
        Err(LqError::InvalidParameter {
            what: "high − low",
            ..
        })
    ));
    assert!(
        ActionBox::new(vec![0.0], vec![1e-300])
            .unwrap()
            .log_prob_correction()
            .is_finite()
    );
}

#[test]
fn monte_carlo_estimates_of_wide_policies_stay_finite() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{MonteCarloEstimate, TanhGaussian};
    // σ = e^407 ≈ 1e177: the log-densities are about 1e177 and their squares overflowed, so
    // the standard error was ∞ (the fuzz case), and at ln σ = 700 the mean too.
    for log_std in [407.0, 700.0] {
        let policy = TanhGaussian::new(vec![0.0], vec![log_std]).unwrap();
        let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
        let h = policy.entropy_monte_carlo(50, &mut rng).unwrap();
        assert!(h.mean.is_finite() && h.std_error.is_finite(), "{h:?}");
    }
    // Exact witness: ±1e200 alternating has mean 0 and s² = n/(n − 1) · 1e400, so
    // SE = s/√n = 1e200/√(n − 1).
    let est =
        MonteCarloEstimate::from_samples((0..4).map(|i| if i % 2 == 0 { 1e200 } else { -1e200 }))
            .unwrap();
    assert_eq!(est.mean, 0.0);
    assert!(
        (est.std_error / (1e200 / 3f64.sqrt()) - 1.0).abs() < 1e-15,
        "{est:?}"
    );
    // Ordinary samples: the same bits as plain Welford (the doc example's values).
    let est = MonteCarloEstimate::from_samples([1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(est.mean, 2.5);
    assert!((est.std_error - (5.0_f64 / 12.0).sqrt()).abs() < 1e-15);
}

#[test]
fn small_domain_checks_found_by_mutation_testing() {
    use maxent_rl::{
        QuadraticCritic, discrete_target_entropy, kl_soft_state_value, linear_gaussian_actor_loss,
    };
    // The target entropy is the fraction times ln |A|: 0.5 ln 4 = ln 2.
    let h = discrete_target_entropy(4, 0.5).unwrap();
    assert!((h - 2f64.ln()).abs() < 1e-15, "{h}");
    // A log-prior above 0 (a probability above 1) is refused; ln 1 = 0 is allowed.
    assert!(kl_soft_state_value(&[0.0, 1.0], &[0.1, -1.0], 1.0).is_err());
    assert!(kl_soft_state_value(&[0.0, 1.0], &[0.0, f64::NEG_INFINITY], 1.0).is_ok());
    // Actor loss with n = 1, m = 2 and a batch of 3: eps needs B · m = 6 entries, no other.
    let critic =
        QuadraticCritic::from_weights(1, 2, vec![0.0; QuadraticCritic::num_weights(1, 2)]).unwrap();
    let params = [0.0; 4];
    let states = [0.1, 0.2, 0.3];
    let ok = linear_gaussian_actor_loss(
        &params,
        (1, 2),
        std::slice::from_ref(&critic),
        &states,
        &[0.0; 6],
        0.5,
        (-5.0, 2.0),
    );
    assert!(ok.is_ok(), "{ok:?}");
    let short = linear_gaussian_actor_loss(
        &params,
        (1, 2),
        std::slice::from_ref(&critic),
        &states,
        &[0.0; 5],
        0.5,
        (-5.0, 2.0),
    );
    assert!(short.is_err());
    // Clamp bounds in the wrong order are named; equal bounds (a fixed σ) are allowed.
    let actor = |bounds| {
        linear_gaussian_actor_loss(
            &params,
            (1, 2),
            std::slice::from_ref(&critic),
            &states,
            &[0.0; 6],
            0.5,
            bounds,
        )
    };
    assert!(matches!(
        actor((1.0, -1.0)),
        Err(maxent_rl::LqError::InvalidParameter {
            what: "log_std_bounds.0",
            value: 1.0,
            ..
        })
    ));
    assert!(actor((0.5, 0.5)).is_ok());
}

#[test]
fn expected_features_name_the_size_of_foreign_features() {
    use maxent_rl::{Features, Gridworld, IrlError, IrlModel, expected_features};
    // Features built for a 3 × 2 gridworld (6 states, 4 actions) used on a 2 × 2 one.
    let big = Gridworld::new(3, 2).build(0.9).unwrap();
    let small = Gridworld::new(2, 2).build(0.9).unwrap();
    let phi = Features::one_hot_states(&big).unwrap();
    let start = [1.0, 0.0, 0.0, 0.0];
    let theta = [0.0; 6];
    let err = expected_features(&small, &phi, IrlModel::MaxEnt, &theta, &start, 3).unwrap_err();
    assert_eq!(
        err,
        IrlError::DimensionMismatch {
            what: "features",
            expected: 4 * 4,
            found: 6 * 4,
        }
    );
}

#[test]
fn an_overflowing_scaled_reward_is_named_by_its_state_and_action() {
    use maxent_rl::{BackwardMessages, InferenceError, Mdp};
    // Three states, two actions; only r(2, 1) is non-zero, and r/α overflows for it.
    let p = vec![vec![(0, 1.0)]; 6];
    let mut rewards = vec![0.0; 6];
    rewards[2 * 2 + 1] = 1.0;
    let mdp = Mdp::new(3, 2, &p, rewards, 0.9).unwrap();
    let err = BackwardMessages::new(&mdp, 1e-320, 3).unwrap_err();
    assert!(
        matches!(err, InferenceError::ScaledRewardOverflow { s: 2, a: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn the_a2c_direction_is_finite_when_a_probability_underflows() {
    use maxent_rl::a2c_bonus_gradient;
    // Logits 800 apart: π(1 | s) = e^{−800} underflows to 0; 2e308 apart, ln π = −∞ too.
    // Such an action has zero probability and contributes nothing (not 0 · ∞).
    let mdp = common::two_state_mdp(&[1.0, 0.0, 0.0, 1.0], 0.9).unwrap();
    for logits in [[800.0, 0.0, 0.0, 0.0], [1e308, -1e308, 0.0, 0.0]] {
        let g = a2c_bonus_gradient(&mdp, &logits, 0.5).unwrap();
        assert!(g.gradient.iter().all(|x| x.is_finite()), "{g:?}");
        assert_eq!(g.gradient[1], 0.0);
    }
}

#[test]
fn svgd_takes_a_positive_bandwidth_and_refuses_others() {
    use maxent_rl::{LossError, svgd_direction};
    let (u, g) = ([0.0, 1.0], [0.0, -1.0]);
    // With h = 1 and two particles one apart, k = e^{−1}. Worked by hand, the direction at
    // u₀ is (1/2)[g₀ + k (g₁ − (2/h)(u₁ − u₀))] = (1/2)[0 + e^{−1}(−1 − 2)] = −1.5 e^{−1}.
    let (phi, h) = svgd_direction(&u, &g, 1, Some(1.0)).unwrap();
    assert_eq!(h, 1.0);
    assert!((phi[0] + 1.5 * (-1f64).exp()).abs() < 1e-15, "{phi:?}");
    // Coinciding particles: the median distance is 0 and the heuristic falls back to 1,
    // so the kernel is 1 and the direction the mean gradient, (1 + 3)/2 = 2 for both.
    let (phi, h) = svgd_direction(&[0.5, 0.5], &[1.0, 3.0], 1, None).unwrap();
    assert_eq!(h, 1.0);
    assert_eq!(phi, vec![2.0, 2.0]);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                svgd_direction(&u, &g, 1, Some(bad)),
                Err(LossError::InvalidParameter {
                    what: "bandwidth",
                    ..
                })
            ),
            "{bad}"
        );
    }
}

#[test]
fn an_action_that_cannot_reach_the_goal_in_time_has_log_partition_minus_infinity() {
    use maxent_rl::{MaxEntPartition, Mdp, TrajectoryEnd};
    // State 0: action 0 stays (state 0 is not a goal), action 1 moves to the goal, state 2.
    // With one step left, Z(0, stay) = e^r · Z₁(0) = 0 exactly: ln Z = −∞, not NaN (every
    // successor's ln Z is −∞, the case the log-space sum must short-cut).
    let mdp = Mdp::new(
        3,
        2,
        &[
            vec![(0, 1.0)],
            vec![(2, 1.0)],
            vec![(1, 1.0)],
            vec![(1, 1.0)],
            vec![(2, 1.0)],
            vec![(2, 1.0)],
        ],
        vec![0.0; 6],
        1.0,
    )
    .unwrap()
    .with_terminal_states(&[])
    .unwrap();
    let reward = [0.5, -0.25, 0.0, 0.0, 0.0, 0.0];
    let end = TrajectoryEnd::InStates(vec![false, false, true]);
    let part = MaxEntPartition::new(&mdp, &reward, 1, &end).unwrap();
    assert_eq!(part.log_z_action(0, 0), &[f64::NEG_INFINITY, -0.25]);
    assert_eq!(
        part.log_z_action(0, 1),
        &[f64::NEG_INFINITY, f64::NEG_INFINITY]
    );
    // The goal's two actions both stay: Z₀(2) = 2.
    assert_eq!(part.log_z_state(0), &[-0.25, f64::NEG_INFINITY, 2f64.ln()]);
    // The only trajectory that ends in the goal takes action 1.
    assert_eq!(part.policy().prob(0, 0, 1), 1.0);
}

#[test]
fn fit_growth_needs_three_points_and_fits_three_exactly() {
    use maxent_rl::{LearningError, fit_growth};
    // Three points leave one degree of freedom for σ̂². By hand: x̄ = ȳ = 1, Σ(x−x̄)² = 2,
    // Σ(x−x̄)(y−ȳ) = 1, so b = a = 1/2; residuals −1/2, 1, −1/2, RSS = 3/2, se = √(3/4).
    let fit = fit_growth(&[0.0, 1.0, 2.0], &[0.0, 2.0, 1.0]).unwrap();
    assert_eq!((fit.slope, fit.intercept, fit.points), (0.5, 0.5, 3));
    assert!((fit.slope_std_error - 0.75f64.sqrt()).abs() < 1e-15);
    for m in 0..3 {
        let x: Vec<f64> = (0..m).map(|i| i as f64).collect();
        match fit_growth(&x, &x) {
            Err(LearningError::InvalidConfig {
                what: "number of points",
                value,
                ..
            }) => assert_eq!(value, m as f64),
            other => panic!("{m} points: {other:?}"),
        }
    }
}

#[test]
fn tilted_visitation_is_exact_where_the_rescaled_row_sum_underflows() {
    use maxent_rl::{
        MaxEntPartition, Mdp, TrajectoryEnd, log_sum_exp, trajectory_model_visitation,
    };
    // States 0–1 earn 1000 per step and lead only among themselves; states 2–5 earn a few
    // units and lead among themselves with unequal probabilities. Every successor row of
    // 2–5 is then thousands of nats below the largest Z, so the library's rescaled sum
    // underflows and it recomputes that row with its own shift — where the successors'
    // partition functions differ, so the normalisation matters.
    let (n, k, horizon) = (6, 2, 4);
    let transitions: Vec<Vec<(usize, f64)>> = (0..n * k)
        .map(|i| {
            let s = i / k;
            if s < 2 {
                vec![(i % 2, 1.0)]
            } else {
                vec![(2 + (s + i) % 4, 0.3), (2 + (s + 2 * i + 1) % 4, 0.7)]
            }
        })
        .collect();
    let mdp = Mdp::new(n, k, &transitions, vec![0.0; n * k], 1.0)
        .unwrap()
        .with_terminal_states(&[])
        .unwrap();
    let reward: Vec<f64> = (0..n * k)
        .map(|i| {
            if i < 4 {
                1000.0
            } else {
                (i as f64 * 1.7).sin() * 2.0
            }
        })
        .collect();
    let part = MaxEntPartition::new(&mdp, &reward, horizon, &TrajectoryEnd::Anywhere).unwrap();
    let initial = vec![1.0 / n as f64; n];
    let vis = trajectory_model_visitation(&mdp, &initial, &part).unwrap();
    // Witness: the test's own log-space recursion, ln Z_T = 0 and
    // ln Z_t(s, a) = r(s, a) + ln Σ_{s'} P(s'|s, a) Z_{t+1}(s'), then the tilted forward pass
    // P(a|s) = Z_t(s, a)/Z_t(s), P̃(s'|s, a) ∝ P(s'|s, a) Z_{t+1}(s'), normalised in log-space.
    let mut log_z = vec![vec![0.0f64; n]; horizon + 1];
    let mut log_za = vec![vec![0.0f64; n * k]; horizon];
    for t in (0..horizon).rev() {
        for s in 0..n {
            for a in 0..k {
                let terms: Vec<f64> = mdp
                    .successors(s, a)
                    .map(|(s2, p)| p.ln() + log_z[t + 1][s2])
                    .collect();
                log_za[t][s * k + a] = reward[s * k + a] + log_sum_exp(&terms);
            }
            log_z[t][s] = log_sum_exp(&log_za[t][s * k..(s + 1) * k]);
        }
    }
    let max_log_z = log_z.iter().flatten().fold(0.0f64, |m, z| m.max(z.abs()));
    // Differences of ln Z values near 4000, each rounded to a few ulps of 4000.
    let tol = 16.0 * horizon as f64 * f64::EPSILON * (1.0 + max_log_z);
    let mut d = initial.clone();
    for t in 0..horizon {
        for (s, (got, want)) in vis.at(t).iter().zip(&d).enumerate() {
            assert!(
                (got - want).abs() <= tol,
                "t = {t}, s = {s}: {got} vs {want}"
            );
        }
        let mut next = vec![0.0; n];
        for s in 0..n {
            for a in 0..k {
                let p_a = (log_za[t][s * k + a] - log_z[t][s]).exp();
                let terms: Vec<f64> = mdp
                    .successors(s, a)
                    .map(|(s2, p)| p.ln() + log_z[t + 1][s2])
                    .collect();
                let norm = log_sum_exp(&terms);
                for ((s2, _), term) in mdp.successors(s, a).zip(&terms) {
                    next[s2] += d[s] * p_a * (term - norm).exp();
                }
            }
        }
        d = next;
    }
}

#[test]
fn path_consistency_refuses_log_probabilities_that_are_nan_or_plus_infinity() {
    use maxent_rl::{LearningError, Mdp, Transition, path_consistency_error};
    let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.9)
        .unwrap()
        .with_terminal_states(&[])
        .unwrap();
    let path = [Transition {
        s: 0,
        a: 0,
        r: 1.0,
        next_s: 0,
        done: false,
    }];
    // −∞ is a valid log-probability (an action never taken); NaN and +∞ are not.
    let never = [0.0, f64::NEG_INFINITY];
    assert!(path_consistency_error(&mdp, &[2.0], &never, &path, 0.5).is_ok());
    for bad in [f64::NAN, f64::INFINITY] {
        match path_consistency_error(&mdp, &[2.0], &[0.0, bad], &path, 0.5) {
            Err(LearningError::InvalidConfig {
                what: "log_pi",
                value,
                ..
            }) => assert_eq!(value.to_bits(), bad.to_bits()),
            other => panic!("ln π = {bad}: {other:?}"),
        }
    }
}

#[test]
fn sac_lqr_names_each_setting_outside_its_domain() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{LqError, SacLqrConfig, SacLqrTemperature, sac_lqr};
    let problem = scalar_lq_problem();
    let base = SacLqrConfig::new(SacLqrTemperature::Fixed(0.1), 40);
    let run = |config: &SacLqrConfig| {
        let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
        sac_lqr(&problem, config, &mut rng)
    };
    // τ ∈ (0, 1]: both ends of the interval and just outside them.
    for (tau, ok) in [
        (0.0, false),
        (1e-300, true),
        (1.0, true),
        (1.0 + 1e-15, false),
    ] {
        let config = SacLqrConfig {
            tau,
            ..base.clone()
        };
        match run(&config) {
            Ok(_) => assert!(ok, "τ = {tau} accepted"),
            Err(LqError::InvalidParameter {
                what: "tau", value, ..
            }) => {
                assert!(!ok, "τ = {tau} refused");
                assert_eq!(value, tau);
            }
            Err(other) => panic!("τ = {tau}: {other:?}"),
        }
    }
    // The learning rates must be positive and finite.
    for rate in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
        let critic = SacLqrConfig {
            critic_learning_rate: rate,
            ..base.clone()
        };
        let actor = SacLqrConfig {
            actor_learning_rate: rate,
            ..base.clone()
        };
        for (config, name) in [
            (critic, "critic_learning_rate"),
            (actor, "actor_learning_rate"),
        ] {
            match run(&config) {
                Err(LqError::InvalidParameter { what, value, .. }) => {
                    assert_eq!(what, name);
                    assert_eq!(value.to_bits(), rate.to_bits());
                }
                other => panic!("{name} = {rate}: {other:?}"),
            }
        }
    }
}

#[test]
fn soft_q_learning_reads_only_the_rows_its_update_needs() {
    use maxent_rl::{Mdp, Transition, soft_q_learning_update};
    // Three states, two actions. The update of (s, a) = (1, 0) towards s' = 2 reads
    // q(1, 0) and q(2, ·) only: a NaN stored for state 0 is not its business.
    let rows: Vec<Vec<(usize, f64)>> = (0..6).map(|i| vec![((i / 2 + 1) % 3, 1.0)]).collect();
    let mdp = Mdp::new(3, 2, &rows, vec![0.0; 6], 0.9)
        .unwrap()
        .with_terminal_states(&[])
        .unwrap();
    let mut q = vec![0.0, f64::NAN, 0.5, -1.0, 2.0, 1.0];
    let t = Transition {
        s: 1,
        a: 0,
        r: 1.0,
        next_s: 2,
        done: false,
    };
    let (alpha, eta) = (0.5, 0.25);
    soft_q_learning_update(&mdp, &mut q, &t, alpha, eta).unwrap();
    // Witness: q ← q + η (r + γ α ln Σ exp(q(s', ·)/α) − q), written out.
    let soft_max = alpha * ((2.0f64 / alpha).exp() + (1.0f64 / alpha).exp()).ln();
    let expected = 0.5 + eta * (1.0 + 0.9 * soft_max - 0.5);
    assert!((q[2] - expected).abs() < 1e-15, "{} vs {expected}", q[2]);
    assert!(q[1].is_nan() && q[0] == 0.0 && q[3] == -1.0);
}

#[test]
fn tanh_gaussian_entropy_estimate_needs_two_samples() {
    use maxent_rl::rand::SeedableRng;
    use maxent_rl::{DistributionError, TanhGaussian};
    let dist = TanhGaussian::new(vec![0.3], vec![-0.5]).unwrap();
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(0);
    // Two samples give a mean and a standard error; fewer cannot.
    let est = dist.entropy_monte_carlo(2, &mut rng).unwrap();
    assert!(est.mean.is_finite() && est.std_error.is_finite());
    for n in [0, 1] {
        assert_eq!(
            dist.entropy_monte_carlo(n, &mut rng),
            Err(DistributionError::TooFewSamples {
                requested: n,
                minimum: 2
            })
        );
    }
}

/// The scalar problem `x' = x + u + w`, `Q = R = 1`, `W = 0.01`, `γ = 0.9`.
fn scalar_lq_problem() -> maxent_rl::LqProblem {
    let one = maxent_rl::nalgebra::DMatrix::identity(1, 1);
    maxent_rl::LqProblem::new(
        one.clone(),
        one.clone(),
        one.clone(),
        one.clone(),
        one * 0.01,
        0.9,
    )
    .unwrap()
}

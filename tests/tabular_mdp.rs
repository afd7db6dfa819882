//! Validation of tabular MDPs and policies: every rejected input gives the typed error
//! that names it. (The dynamic-programming claims are tested in tests/ch03…ch06.)

use maxent_rl::{
    Gridworld, Mdp, MdpError, SoftValueIteration, TabularPolicy, boltzmann_policy, chain_mdp,
    garnet, soft_policy_evaluation,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn two_by_two() -> Vec<Vec<(usize, f64)>> {
    vec![
        vec![(0, 1.0)],
        vec![(1, 1.0)],
        vec![(1, 1.0)],
        vec![(0, 0.5), (1, 0.5)],
    ]
}

#[test]
fn mdp_rejects_bad_transitions_naming_the_row() {
    let mut t = two_by_two();
    t[3] = vec![(0, 0.5), (1, 0.4)];
    assert_eq!(
        Mdp::new(2, 2, &t, vec![0.0; 4], 0.9),
        Err(MdpError::TransitionNotNormalised {
            s: 1,
            a: 1,
            sum: 0.9
        })
    );
    let mut t = two_by_two();
    t[2] = vec![(0, -0.5), (1, 1.5)];
    assert_eq!(
        Mdp::new(2, 2, &t, vec![0.0; 4], 0.9),
        Err(MdpError::InvalidTransitionProbability {
            s: 1,
            a: 0,
            next_state: 0,
            value: -0.5
        })
    );
    let mut t = two_by_two();
    t[1] = vec![(2, 1.0)];
    assert_eq!(
        Mdp::new(2, 2, &t, vec![0.0; 4], 0.9),
        Err(MdpError::SuccessorOutOfRange {
            s: 0,
            a: 1,
            next_state: 2,
            num_states: 2
        })
    );
    let mut t = two_by_two();
    t[0] = vec![(0, f64::NAN)];
    assert!(matches!(
        Mdp::new(2, 2, &t, vec![0.0; 4], 0.9),
        Err(MdpError::InvalidTransitionProbability { s: 0, a: 0, .. })
    ));
    // Within the stated tolerance (1e-8) a row is accepted and stored as given.
    let mut t = two_by_two();
    t[3] = vec![(0, 0.5), (1, 0.5 + 5e-9)];
    assert!(Mdp::new(2, 2, &t, vec![0.0; 4], 0.9).is_ok());
    t[3] = vec![(0, 0.5), (1, 0.5 + 2e-8)];
    assert!(Mdp::new(2, 2, &t, vec![0.0; 4], 0.9).is_err());
}

#[test]
fn mdp_rejects_bad_rewards_discount_shapes_and_states() {
    let t = two_by_two();
    assert_eq!(
        Mdp::new(2, 2, &t, vec![0.0, 0.0, f64::INFINITY, 0.0], 0.9),
        Err(MdpError::NonFiniteReward {
            s: 1,
            a: 0,
            value: f64::INFINITY
        })
    );
    for bad in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            Mdp::new(2, 2, &t, vec![0.0; 4], bad),
            Err(MdpError::InvalidDiscount { .. })
        ));
    }
    assert_eq!(
        Mdp::new(0, 2, &[], vec![], 0.9),
        Err(MdpError::Empty { what: "states" })
    );
    assert_eq!(
        Mdp::new(2, 0, &[], vec![], 0.9),
        Err(MdpError::Empty { what: "actions" })
    );
    assert_eq!(
        Mdp::new(2, 2, &t[..3], vec![0.0; 4], 0.9),
        Err(MdpError::DimensionMismatch {
            what: "transitions",
            expected: 4,
            found: 3
        })
    );
    let mdp = Mdp::new(2, 2, &t, vec![0.0; 4], 0.9).unwrap();
    assert_eq!(
        mdp.clone().with_terminal_states(&[5]),
        Err(MdpError::StateOutOfRange {
            state: 5,
            num_states: 2
        })
    );
    assert!(matches!(
        mdp.clone().with_initial_distribution(vec![0.7, 0.7]),
        Err(MdpError::StateDistributionNotNormalised { .. })
    ));
    // γ = 1 is a valid MDP (finite horizon) but infinite-horizon solvers reject it.
    let undiscounted = mdp.with_discount(1.0).unwrap();
    assert_eq!(
        SoftValueIteration::new(1.0).run(&undiscounted),
        Err(MdpError::DiscountNotBelowOne { value: 1.0 })
    );
}

#[test]
fn mdp_canonicalises_rows_and_dense_constructor_agrees() {
    // Repeated and unsorted successors are merged; zero entries dropped.
    let t = vec![
        vec![(1, 0.25), (0, 0.5), (1, 0.25), (0, 0.0)],
        vec![(1, 1.0)],
    ];
    let sparse = Mdp::new(2, 1, &t, vec![1.0, 2.0], 0.5).unwrap();
    assert_eq!(
        sparse.successors(0, 0).collect::<Vec<_>>(),
        vec![(0, 0.5), (1, 0.5)]
    );
    let dense = Mdp::from_dense(2, 1, &[0.5, 0.5, 0.0, 1.0], vec![1.0, 2.0], 0.5).unwrap();
    assert_eq!(sparse, dense);
    let mut with_r = dense.clone();
    with_r.set_state_rewards(&[3.0, 4.0]).unwrap();
    assert_eq!(with_r.rewards(), &[3.0, 4.0]);
    assert!(matches!(
        with_r.set_state_rewards(&[f64::NAN, 0.0]),
        Err(MdpError::NonFiniteReward { s: 0, .. })
    ));
}

#[test]
fn environments_validate_parameters() {
    assert!(matches!(
        Gridworld::new(3, 3).slip(1.5).build(0.9),
        Err(MdpError::InvalidParameter { what: "slip", .. })
    ));
    assert!(matches!(
        Gridworld::new(3, 3).goal(3, 0).build(0.9),
        Err(MdpError::StateOutOfRange { .. })
    ));
    assert!(matches!(
        Gridworld::new(3, 3).wall(2, 2).build(0.9),
        Err(MdpError::InvalidParameter { .. })
    ));
    assert!(matches!(
        chain_mdp(1, 0.2, 0.9),
        Err(MdpError::InvalidParameter { what: "n", .. })
    ));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    assert!(matches!(
        garnet(5, 2, 6, 0.9, &mut rng),
        Err(MdpError::InvalidParameter {
            what: "branching",
            ..
        })
    ));
    // Every Garnet row is a distribution over exactly `branching` states.
    let mdp = garnet(30, 4, 5, 0.9, &mut rng).unwrap();
    for s in 0..30 {
        for a in 0..4 {
            let row: Vec<_> = mdp.successors(s, a).collect();
            assert_eq!(row.len(), 5);
            assert!((row.iter().map(|x| x.1).sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}

#[test]
fn policies_and_temperatures_are_validated() {
    assert_eq!(
        TabularPolicy::from_probs(2, 2, vec![0.5, 0.5, 0.5, 0.6]),
        Err(MdpError::PolicyNotNormalised { s: 1, sum: 1.1 })
    );
    assert_eq!(
        TabularPolicy::from_probs(1, 2, vec![-0.5, 1.5]),
        Err(MdpError::InvalidPolicyProbability {
            s: 0,
            a: 0,
            value: -0.5
        })
    );
    assert_eq!(
        TabularPolicy::deterministic(2, &[0, 2]),
        Err(MdpError::ActionOutOfRange {
            s: 1,
            action: 2,
            num_actions: 2
        })
    );
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            boltzmann_policy(&[0.0, 1.0], 2, bad),
            Err(MdpError::InvalidTemperature { .. })
        ));
    }
    assert!(matches!(
        boltzmann_policy(&[0.0, f64::NAN], 2, 1.0),
        Err(MdpError::NonFiniteValue { index: 1, .. })
    ));
    let mdp = Gridworld::new(2, 2).build(0.9).unwrap();
    let wrong = TabularPolicy::uniform(3, 4).unwrap();
    assert!(matches!(
        soft_policy_evaluation(&mdp, &wrong, 1.0),
        Err(MdpError::DimensionMismatch { .. })
    ));
}

/// A generator that returns the same 64 bits on every call: `u64::MAX` makes rand's uniform
/// `f64` its largest value, `1 − 2⁻⁵³`, and `0` its smallest, `0`.
struct ConstantBits(u64);

impl rand::TryRng for ConstantBits {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0 as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(self.0 as u8);
        Ok(())
    }
}

#[test]
fn sampling_at_the_ends_of_the_unit_interval_never_draws_an_impossible_action() {
    use maxent_rl::TimeIndexedPolicy;
    use rand::RngExt;
    assert_eq!(
        ConstantBits(u64::MAX).random::<f64>(),
        1.0 - f64::EPSILON / 2.0
    );
    assert_eq!(ConstantBits(0).random::<f64>(), 0.0);
    // Rows that sum to 1 − 10⁻⁹ (inside the normalisation tolerance) with impossible
    // actions at both ends: the largest draw lies beyond the unscaled cumulative sum, and
    // the smallest lies on the first boundary.
    let probs = vec![0.0, 0.6, 0.4 - 1e-9, 0.0, 0.0, 1.0 - 1e-9, 0.0, 0.0];
    let stationary = TabularPolicy::from_probs(2, 4, probs).unwrap();
    let timed = TimeIndexedPolicy::stationary(&stationary, 2).unwrap();
    // (state, draw bits, expected action): the last and the first action of positive
    // probability.
    for (s, bits, expected) in [(0, u64::MAX, 2), (0, 0, 1), (1, u64::MAX, 1), (1, 0, 1)] {
        assert_eq!(
            stationary.sample_action(s, &mut ConstantBits(bits)),
            expected,
            "TabularPolicy, s = {s}, bits = {bits:#x}"
        );
        for t in 0..2 {
            assert_eq!(
                timed.sample_action(t, s, &mut ConstantBits(bits)),
                expected,
                "TimeIndexedPolicy, t = {t}, s = {s}, bits = {bits:#x}"
            );
        }
    }
}

//! The library used the way a new user would: the everyday computations that once needed
//! workarounds, each checked against something computed independently in the test.

use maxent_rl::nalgebra::{DMatrix, DVector};
use maxent_rl::rand::SeedableRng;
use maxent_rl::{
    Demonstrations, Features, Gridworld, IrlError, IrlModel, IrlProblem, LossError,
    MaxCausalEntSolution, Mdp, MdpError, SoftPolicyIteration, TabularPolicy, TimeIndexedPolicy,
    Trajectory, boltzmann_policy, categorical_entropy, entropy_loss, expected_features,
    finite_horizon_soft_value_iteration, forward_pass, garnet, soft_policy_evaluation,
    visitation_until_absorbed,
};

/// `D_t = ρ₀ᵀ P_π^t` by dense matrix powers, sharing no code with the forward pass.
fn dense_state_marginals(mdp: &Mdp, initial: &[f64], policies: &[&TabularPolicy]) -> Vec<Vec<f64>> {
    let n = mdp.num_states();
    let mut d = DVector::from_column_slice(initial);
    let mut out = Vec::new();
    for pi in policies {
        out.push(d.as_slice().to_vec());
        let mut p_pi = DMatrix::<f64>::zeros(n, n);
        for s in 0..n {
            for a in 0..mdp.num_actions() {
                for s2 in 0..n {
                    p_pi[(s, s2)] += pi.prob(s, a) * mdp.transition_prob(s, a, s2);
                }
            }
        }
        d = p_pi.transpose() * d;
    }
    out
}

#[test]
fn finite_horizon_policies_feed_the_forward_pass() {
    // Slippery, so the time-indexed policies differ from step to step and a reversed or
    // shifted time index changes the visitation.
    let mdp = Gridworld::new(3, 3)
        .slip(0.2)
        .build(1.0)
        .unwrap()
        .with_terminal_states(&[])
        .unwrap();
    let mut reward = vec![0.0; 9 * mdp.num_actions()];
    reward[8 * mdp.num_actions()..].fill(1.0);
    let mut mdp_r = mdp.clone();
    mdp_r.set_rewards(&reward).unwrap();
    let horizon = 6;
    let sol = finite_horizon_soft_value_iteration(&mdp_r, 1.0, horizon, &[0.0; 9]).unwrap();
    let policy = sol.time_indexed_policy().unwrap();
    assert_eq!(policy.horizon(), horizon);
    let mut initial = vec![0.0; 9];
    initial[0] = 1.0;
    let d = forward_pass(&mdp_r, &initial, &policy).unwrap();

    // Witness: dense matrix powers of each step's own policy.
    let steps: Vec<&TabularPolicy> = sol.policies.iter().collect();
    let dense = dense_state_marginals(&mdp_r, &initial, &steps);
    for (t, row) in dense.iter().enumerate() {
        for (x, y) in d.at(t).iter().zip(row) {
            // Each marginal is a sum of at most 9 · 4 · 9 products of numbers in [0, 1].
            assert!((x - y).abs() < 1e-13, "t = {t}: {x} vs {y}");
        }
    }
    // The same policy as maximum causal entropy's (α = 1, γ = 1, V_T = 0), computed by
    // another module's recursion.
    let causal = MaxCausalEntSolution::new(&mdp_r, &reward, horizon).unwrap();
    for t in 0..horizon {
        for (a, b) in policy
            .log_probs_at(t)
            .iter()
            .zip(causal.policy().log_probs_at(t))
        {
            assert!((a - b).abs() < 1e-12);
        }
        assert_eq!(policy.policy_at(t), sol.policies[t]);
    }
}

#[test]
fn a_users_own_time_indexed_policy() {
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(7);
    let mdp = garnet(5, 3, 2, 0.9, &mut rng).unwrap();
    let pi = TabularPolicy::from_probs(
        5,
        3,
        (0..5)
            .flat_map(|s| [0.2 + 0.1 * s as f64, 0.3, 0.5 - 0.1 * s as f64])
            .collect(),
    )
    .unwrap();
    let stationary = TimeIndexedPolicy::stationary(&pi, 4).unwrap();
    let initial = [0.2; 5];
    let d = forward_pass(&mdp, &initial, &stationary).unwrap();
    let dense = dense_state_marginals(&mdp, &initial, &[&pi; 4]);
    for (t, row) in dense.iter().enumerate() {
        for (x, y) in d.at(t).iter().zip(row) {
            assert!((x - y).abs() < 1e-14);
        }
    }
    // Shapes are checked separately: a 3 × 2 policy is not a 2 × 3 one.
    let wide = TabularPolicy::uniform(3, 2).unwrap();
    let tall = TabularPolicy::uniform(2, 3).unwrap();
    assert_eq!(
        TimeIndexedPolicy::from_policies(&[wide, tall]).unwrap_err(),
        MdpError::DimensionMismatch {
            what: "policy states",
            expected: 3,
            found: 2
        }
    );
    assert_eq!(
        TimeIndexedPolicy::from_policies(&[]).unwrap_err(),
        MdpError::Empty { what: "steps" }
    );
    assert_eq!(
        TimeIndexedPolicy::stationary(&pi, 0).unwrap_err(),
        MdpError::Empty { what: "steps" }
    );
    let other_shape =
        TimeIndexedPolicy::stationary(&TabularPolicy::uniform(3, 5).unwrap(), 2).unwrap();
    assert!(matches!(
        forward_pass(&mdp, &initial, &other_shape),
        Err(IrlError::DimensionMismatch {
            what: "policy states",
            expected: 5,
            found: 3
        })
    ));
}

#[test]
fn soft_policy_iteration_returns_the_policy_of_its_values() {
    let mdp = Gridworld::new(4, 3).slip(0.1).build(0.9).unwrap();
    let alpha = 0.5;
    for budget in [1, 2, 1000] {
        let out = SoftPolicyIteration::new(alpha)
            .tolerance(1e-10)
            .max_iterations(budget)
            .run(&mdp)
            .unwrap();
        // `policy` is the Boltzmann policy of the returned Q …
        let expected = boltzmann_policy(&out.q_values, mdp.num_actions(), alpha).unwrap();
        assert_eq!(out.policy, expected, "budget {budget}");
        // … and `evaluated_policy` is the one whose exact soft value was returned.
        let v = soft_policy_evaluation(&mdp, &out.evaluated_policy, alpha).unwrap();
        for (a, b) in v.iter().zip(&out.values) {
            assert!((a - b).abs() < 1e-12);
        }
        // Soft policy improvement: the returned policy is at least as good everywhere.
        let v_improved = soft_policy_evaluation(&mdp, &out.policy, alpha).unwrap();
        for (a, b) in v_improved.iter().zip(&out.values) {
            assert!(*a >= b - 1e-12);
        }
    }
    // With one evaluation, the evaluated policy is the uniform start.
    let one = SoftPolicyIteration::new(alpha)
        .max_iterations(1)
        .run(&mdp)
        .unwrap();
    assert_eq!(
        one.evaluated_policy,
        TabularPolicy::uniform(mdp.num_states(), mdp.num_actions()).unwrap()
    );
}

#[test]
fn discounted_irl_exposes_its_own_empirical_features() {
    let mdp = Gridworld::new(3, 3)
        .build(0.8)
        .unwrap()
        .with_terminal_states(&[])
        .unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let trajectories = vec![
        Trajectory::new(vec![0, 1, 2, 5], vec![1, 1, 2]),
        Trajectory::new(vec![0, 3, 4, 5], vec![2, 1, 1]),
    ];
    // Check the demonstrations are feasible before relying on them.
    let demos = Demonstrations::new(&mdp, trajectories.clone()).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
    // Witness: the counts written out from the trajectories, one-hot features = visits.
    let (mut plain, mut discounted) = (vec![0.0; 9], vec![0.0; 9]);
    for tr in &trajectories {
        for (t, &s) in tr.states[..tr.actions.len()].iter().enumerate() {
            plain[s] += 0.5;
            discounted[s] += 0.5 * 0.8f64.powi(t as i32);
        }
    }
    for (a, b) in problem.empirical_features().iter().zip(&plain) {
        assert!((a - b).abs() < 1e-15);
    }
    for (a, b) in problem
        .discounted_empirical_features()
        .iter()
        .zip(&discounted)
    {
        assert!((a - b).abs() < 1e-15);
    }
    assert_eq!(
        problem.empirical_features_for(IrlModel::MaxCausalEntDiscounted),
        problem.discounted_empirical_features()
    );
    assert_eq!(
        problem.empirical_features_for(IrlModel::MaxEnt),
        problem.empirical_features()
    );
    // The discounted model's gradient is feature matching against the discounted counts.
    let theta = [0.1, -0.2, 0.3, 0.0, 0.5, -0.1, 0.2, 0.0, 0.4];
    let eval = problem
        .evaluate(IrlModel::MaxCausalEntDiscounted, &theta)
        .unwrap();
    for ((g, f), e) in eval
        .gradient
        .iter()
        .zip(&discounted)
        .zip(&eval.expected_features)
    {
        assert!((g - (f - e)).abs() < 1e-12);
    }
}

#[test]
fn expected_features_need_no_demonstrations() {
    let mdp = Gridworld::new(3, 3)
        .slip(0.1)
        .build(0.9)
        .unwrap()
        .with_terminal_states(&[])
        .unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let theta = [0.0, 0.1, 0.2, 0.0, 0.3, 0.0, -0.1, 0.0, 1.0];
    let mut initial = vec![0.0; 9];
    initial[0] = 1.0;
    let horizon = 4;
    for model in [
        IrlModel::MaxEnt,
        IrlModel::MaxCausalEnt,
        IrlModel::MaxCausalEntDiscounted,
    ] {
        let f = expected_features(&mdp, &phi, model, &theta, &initial, horizon).unwrap();
        // One-hot state features: visits over the horizon (or 1/(1 − γ) discounted).
        let total: f64 = f.iter().sum();
        let expected_total = match model {
            IrlModel::MaxCausalEntDiscounted => 1.0 / (1.0 - 0.9),
            _ => horizon as f64,
        };
        // The discounted occupancy is summed to a tolerance of 1e-15 · T.
        assert!((total - expected_total).abs() < 1e-11, "{model:?}: {total}");
        // The same numbers as the demonstration-based problem starting where we start.
        let demos = Demonstrations::new(
            &mdp,
            vec![Trajectory::new(vec![0, 1, 2, 5, 8], vec![1, 1, 2, 2])],
        )
        .unwrap();
        let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
        let eval = problem.evaluate(model, &theta).unwrap();
        assert_eq!(eval.expected_features, f, "{model:?}");
    }
    assert!(matches!(
        expected_features(&mdp, &phi, IrlModel::MaxEnt, &theta, &[0.5; 9], horizon),
        Err(IrlError::Mdp(
            MdpError::StateDistributionNotNormalised { .. }
        ))
    ));
}

#[test]
fn visits_until_the_mdps_terminal_states() {
    // A stochastic policy on a slippery grid that ends at the far corner.
    let grid = Gridworld::new(3, 3).slip(0.2);
    let goal = grid.state(2, 2);
    let mdp = grid
        .build(1.0)
        .unwrap()
        .with_terminal_states(&[goal])
        .unwrap();
    let a = mdp.num_actions();
    let pi = TabularPolicy::from_probs(
        9,
        a,
        (0..9)
            .flat_map(|_| (0..a).map(move |i| (i + 1) as f64 / (a * (a + 1) / 2) as f64))
            .collect(),
    )
    .unwrap();
    let mut initial = vec![0.0; 9];
    initial[0] = 1.0;
    let d = visitation_until_absorbed(&mdp, &initial, &pi, 1e-14, 100_000).unwrap();
    // Witness: the fundamental matrix N = (I − Q)⁻¹ over the non-terminal states, by LU.
    let transient: Vec<usize> = (0..9).filter(|&s| s != goal).collect();
    let n = transient.len();
    let mut q = DMatrix::<f64>::zeros(n, n);
    for (i, &s) in transient.iter().enumerate() {
        for (j, &s2) in transient.iter().enumerate() {
            q[(i, j)] = (0..a)
                .map(|b| pi.prob(s, b) * mdp.transition_prob(s, b, s2))
                .sum();
        }
    }
    let start = DVector::from_iterator(n, transient.iter().map(|&s| initial[s]));
    let visits = (DMatrix::identity(n, n) - q)
        .transpose()
        .lu()
        .solve(&start)
        .unwrap();
    for (i, &s) in transient.iter().enumerate() {
        // The series stops with mass ≤ 1e-14 left; the LU solve is good to ~1e-13 here.
        assert!(
            (d[s] - visits[i]).abs() < 1e-11,
            "state {s}: {} vs {}",
            d[s],
            visits[i]
        );
    }
    // The goal is reached exactly once.
    assert!((d[goal] - 1.0).abs() < 1e-12);
    // Negative or non-finite start mass is rejected, naming the state.
    let mut bad = initial.clone();
    bad[3] = f64::NAN;
    assert!(matches!(
        visitation_until_absorbed(&mdp, &bad, &pi, 1e-12, 10),
        Err(IrlError::Mdp(MdpError::InvalidStateProbability {
            s: 3,
            ..
        }))
    ));
}

#[test]
fn weighted_entropy_loss_over_a_batch() {
    let logits = [0.3, -1.2, 2.0, 0.0, 0.0, f64::NEG_INFINITY, -30.0, 5.0, 1.0];
    let weights = [1.0, 0.25, 2.0];
    let out = entropy_loss(&logits, 3, &weights).unwrap();
    // The loss is −mean(w · H) with H from the single-row function.
    let h: Vec<f64> = logits
        .chunks(3)
        .map(|row| categorical_entropy(row).unwrap())
        .collect();
    let expected = -(0..3).map(|b| weights[b] * h[b]).sum::<f64>() / 3.0;
    assert!((out.loss - expected).abs() < 1e-15);
    assert!((out.mean_entropy - h.iter().sum::<f64>() / 3.0).abs() < 1e-15);
    // The gradient against central finite differences of the loss.
    let step = 1e-6;
    for i in 0..logits.len() {
        if logits[i] == f64::NEG_INFINITY {
            assert_eq!(out.grad_logits[i], 0.0);
            continue;
        }
        let mut up = logits;
        up[i] += step;
        let mut down = logits;
        down[i] -= step;
        let fd = (entropy_loss(&up, 3, &weights).unwrap().loss
            - entropy_loss(&down, 3, &weights).unwrap().loss)
            / (2.0 * step);
        // Central differences: truncation O(step²) ≈ 1e-12, rounding ≈ ε/step ≈ 1e-10.
        assert!(
            (out.grad_logits[i] - fd).abs() < 1e-8,
            "logit {i}: {} vs {fd}",
            out.grad_logits[i]
        );
    }
    // Errors name the row or the weight.
    assert!(matches!(
        entropy_loss(&logits, 3, &[1.0, f64::NAN, 1.0]),
        Err(LossError::NonFinite {
            what: "w_t",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        entropy_loss(&[0.0, f64::NAN], 2, &[1.0]),
        Err(LossError::InvalidPolicy { index: 0, .. })
    ));
    assert!(matches!(
        entropy_loss(&logits, 3, &[1.0]),
        Err(LossError::LengthMismatch { .. })
    ));
}

#[test]
fn an_mdp_from_nalgebra_matrices_reads_by_index() {
    // P(s' | s, a) for two actions on three states, written row by row.
    let p0 = [0.5, 0.5, 0.0, 0.0, 0.2, 0.8, 1.0, 0.0, 0.0];
    let p1 = [0.0, 0.0, 1.0, 0.3, 0.3, 0.4, 0.0, 0.9, 0.1];
    let r = [1.0, -1.0, 0.0, 2.0, 0.5, 0.25];
    // Built column-major (nalgebra's storage order) from the transposed data: same matrices.
    let col_major = |rows: &[f64], n: usize, m: usize| {
        let mut t = vec![0.0; n * m];
        for i in 0..n {
            for j in 0..m {
                t[j * n + i] = rows[i * m + j];
            }
        }
        DMatrix::from_column_slice(n, m, &t)
    };
    let mdp = Mdp::from_matrices(
        &[col_major(&p0, 3, 3), col_major(&p1, 3, 3)],
        &col_major(&r, 3, 2),
        0.9,
    )
    .unwrap();
    for s in 0..3 {
        for s2 in 0..3 {
            assert_eq!(mdp.transition_prob(s, 0, s2), p0[s * 3 + s2]);
            assert_eq!(mdp.transition_prob(s, 1, s2), p1[s * 3 + s2]);
        }
        assert_eq!(mdp.reward(s, 0), r[s * 2]);
        assert_eq!(mdp.reward(s, 1), r[s * 2 + 1]);
    }
    // A column-stochastic matrix (the transposed convention) is rejected, naming (s, a).
    let transposed = DMatrix::from_row_slice(3, 3, &p0).transpose();
    assert!(matches!(
        Mdp::from_matrices(
            &[transposed, DMatrix::from_row_slice(3, 3, &p1)],
            &DMatrix::zeros(3, 2),
            0.9
        ),
        Err(MdpError::TransitionNotNormalised { s: 0, a: 0, .. })
    ));
    // Shapes are named.
    assert_eq!(
        Mdp::from_matrices(&[DMatrix::identity(3, 3)], &DMatrix::zeros(3, 2), 0.9).unwrap_err(),
        MdpError::DimensionMismatch {
            what: "reward matrix columns",
            expected: 1,
            found: 2
        }
    );
    assert_eq!(
        Mdp::from_matrices(&[], &DMatrix::zeros(3, 2), 0.9).unwrap_err(),
        MdpError::Empty { what: "actions" }
    );
}

#[test]
fn the_reexported_rand_drives_the_samplers() {
    // A user names the RNG traits through the crate, with no rand version to match.
    use maxent_rl::rand::rngs::StdRng;
    let pi = TabularPolicy::from_probs(1, 2, vec![0.25, 0.75]).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let n = 20_000;
    let ones = (0..n)
        .filter(|_| pi.sample_action(0, &mut rng) == 1)
        .count() as f64;
    // Binomial standard error sqrt(p(1−p)/n) ≈ 0.0031; 5 of them.
    assert!((ones / n as f64 - 0.75).abs() < 5.0 * (0.75f64 * 0.25 / n as f64).sqrt());
}

#[test]
fn accessors_return_what_the_constructors_were_given() {
    use maxent_rl::{
        ActionBox, Adam, LqProblem, MaxEntLqr, MirrorDescentPolicyIteration, QuadraticCritic,
        RiccatiSolver, TanhGaussian,
    };
    // Each value below is an input of the constructor (or, for the mirror-descent KL
    // weight, Cen et al.'s λ = (1 − γ)/η − τ worked out here), never read back from the
    // object under test.
    assert_eq!(
        ActionBox::new(vec![-1.0; 3], vec![1.0; 3]).unwrap().dim(),
        3
    );
    assert_eq!(Adam::new(4, 3e-4).unwrap().learning_rate(), 3e-4);
    let problem = LqProblem::new(
        DMatrix::identity(3, 3) * 0.9,
        DMatrix::from_element(3, 2, 0.5),
        DMatrix::identity(3, 3),
        DMatrix::identity(2, 2),
        DMatrix::identity(3, 3) * 0.1,
        0.9,
    )
    .unwrap();
    assert_eq!(problem.action_dim(), 2);
    let soft = MaxEntLqr::solve(&problem, 0.5).unwrap();
    let riccati = RiccatiSolver::new().solve(&problem).unwrap();
    assert_eq!(soft.riccati().p, riccati.p);
    let weights = vec![0.0; QuadraticCritic::num_weights(3, 2)];
    assert_eq!(
        QuadraticCritic::from_weights(3, 2, weights).unwrap().dims(),
        (3, 2)
    );
    assert_eq!(
        TanhGaussian::new(vec![0.0; 5], vec![0.0; 5]).unwrap().dim(),
        5
    );
    let mdp = Gridworld::new(3, 2).build(0.9).unwrap();
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let per_state = Features::state(&mdp, 1, vec![1.0; s_count]).unwrap();
    let per_pair = Features::state_action(&mdp, 1, vec![1.0; s_count * a_count]).unwrap();
    assert!(!per_state.is_state_action() && per_pair.is_state_action());
    let (tau, eta, gamma) = (0.5, 0.05, 0.9);
    let npg = MirrorDescentPolicyIteration::natural_policy_gradient(tau, eta, gamma).unwrap();
    assert_eq!(npg.alpha(), tau);
    assert!((npg.kl_weight() - ((1.0 - gamma) / eta - tau)).abs() < 1e-15);
    // Terminal states and stored transitions of a hand-built MDP: state 2 absorbs.
    let chain = Mdp::new(
        3,
        1,
        &[vec![(1, 0.5), (2, 0.5)], vec![(2, 1.0)], vec![(2, 1.0)]],
        vec![0.0; 3],
        0.9,
    )
    .unwrap()
    .with_terminal_states(&[2])
    .unwrap();
    assert_eq!(chain.terminal_states(), &[false, false, true]);
    assert_eq!(chain.num_transitions(), 4);
}

#[test]
fn discounted_model_log_likelihood_is_the_demonstrations_log_probability() {
    // (1/N) Σ_i Σ_t [ln π(a_t|s_t) + ln P(s_{t+1}|s_t, a_t)] with π the soft-optimal
    // stationary policy of the reward θ·φ at temperature 1. Witness: soft policy iteration
    // (exact LU evaluations, a second algorithm) for π, and the sum written out here.
    let mdp = Gridworld::new(3, 2).slip(0.2).build(0.9).unwrap();
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1210);
    let uniform =
        TimeIndexedPolicy::stationary(&TabularPolicy::uniform(s_count, a_count).unwrap(), 5)
            .unwrap();
    let trajectories: Vec<Trajectory> = (0..6)
        .map(|_| Trajectory::sample(&mdp, &uniform, 0, &mut rng))
        .collect();
    let demos = Demonstrations::new(&mdp, trajectories.clone()).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
    let theta: Vec<f64> = (0..s_count).map(|s| 0.3 * s as f64 - 0.5).collect();
    let eval = problem
        .evaluate(IrlModel::MaxCausalEntDiscounted, &theta)
        .unwrap();
    let mut tilted = mdp.clone();
    tilted.set_rewards(&phi.reward(&theta).unwrap()).unwrap();
    let pi = SoftPolicyIteration::new(1.0)
        .tolerance(1e-13)
        .run(&tilted)
        .unwrap()
        .policy;
    let total: f64 = trajectories
        .iter()
        .map(|tr| {
            tr.pairs()
                .zip(&tr.states[1..])
                .map(|((s, a), &s2)| pi.log_prob(s, a) + mdp.transition_prob(s, a, s2).ln())
                .sum::<f64>()
        })
        .sum();
    let expected = total / trajectories.len() as f64;
    // Both policies certified to 1e-13 in V (ln π moves by at most twice that), over at
    // most 30 actions.
    assert!(
        (eval.log_likelihood - expected).abs() < 1e-10,
        "{} vs {expected}",
        eval.log_likelihood
    );
}

#[test]
fn state_action_features_are_read_back_by_state_and_action() {
    // φ_k(s, a) = 100 s + 10 a + k, laid out as documented: values[(s·A + a)·K + k].
    let mdp = Gridworld::new(3, 2).build(0.9).unwrap();
    let (s_count, a_count, k_count) = (mdp.num_states(), mdp.num_actions(), 2);
    let value = |s: usize, a: usize, k: usize| (100 * s + 10 * a + k) as f64;
    let mut values = Vec::new();
    for s in 0..s_count {
        for a in 0..a_count {
            for k in 0..k_count {
                values.push(value(s, a, k));
            }
        }
    }
    let phi = Features::state_action(&mdp, k_count, values).unwrap();
    for s in 0..s_count {
        for a in 0..a_count {
            assert_eq!(
                phi.phi(s, a),
                &[value(s, a, 0), value(s, a, 1)],
                "s = {s}, a = {a}"
            );
        }
    }
}

/// Two states without a terminal one; in each, action 0 stays and action 1 moves to the
/// other state. No reward.
fn stay_or_move(discount: f64) -> Mdp {
    Mdp::new(
        2,
        2,
        &[
            vec![(0, 1.0)],
            vec![(1, 1.0)],
            vec![(1, 1.0)],
            vec![(0, 1.0)],
        ],
        vec![0.0; 4],
        discount,
    )
    .unwrap()
    .with_terminal_states(&[])
    .unwrap()
}

#[test]
fn discounted_model_evaluates_close_to_gamma_one_with_long_demonstrations() {
    // γ = 0.99995 and one demonstration of T = 1000 steps: the occupancy pass needs
    // ln(tol (1 − γ))/ln γ ≈ 7.5·10⁵ steps to leave less than tol = 10⁻¹⁵ T of the mass
    // (its documented need), and the evaluation must give it that budget, not fail with
    // `NotAbsorbed`.
    let mdp = stay_or_move(0.99995);
    let demo = Trajectory::new(vec![0; 1001], vec![0; 1000]);
    let demos = Demonstrations::new(&mdp, vec![demo]).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
    let eval = problem
        .evaluate(IrlModel::MaxCausalEntDiscounted, &[0.01, -0.01])
        .unwrap();
    assert!(eval.objective.is_finite() && eval.log_likelihood.is_finite());
    // The discounted occupancy sums to 1/(1 − γ) = 20 000.
    let total: f64 = eval.state_action_visitation.iter().sum();
    assert!((total - 20_000.0).abs() < 1e-6, "{total}");
}

#[test]
fn discounted_model_occupancy_budget_counts_the_discount_for_loose_tolerances() {
    // The occupancy pass stops once the mass left, γ^t/(1 − γ), is at most
    // tol = 10⁻¹⁵ T. With T = 10¹³ (tol = 10⁻²) and γ = 0.999 that takes
    // ln(tol (1 − γ))/ln γ ≈ 11 500 steps. A budget that forgot the 1/(1 − γ) factor,
    // 2 ln(tol)/ln γ + 100 ≈ 9 300 steps (or with 1 + γ or 1/γ in its place), falls
    // short, and the pass would fail with `NotAbsorbed`.
    let mdp = stay_or_move(0.999);
    let phi = Features::one_hot_states(&mdp).unwrap();
    let features = expected_features(
        &mdp,
        &phi,
        IrlModel::MaxCausalEntDiscounted,
        &[0.01, -0.01],
        &[1.0, 0.0],
        10_000_000_000_000,
    )
    .unwrap();
    // The one-hot state features sum to the occupancy's total, 1/(1 − γ) = 1000, up to
    // the mass left behind (at most tol = 10⁻²).
    let total: f64 = features.iter().sum();
    assert!((total - 1000.0).abs() <= 1e-2, "{total}");
}

#[test]
fn wrapped_errors_print_each_message_once_along_the_source_chain() {
    use maxent_rl::{DistributionError, InferenceError, KlError, LearningError};
    use std::error::Error;
    // A wrapper shows its cause's message in its own, so a reporter that prints the
    // error and then each `source()` (as `anyhow`'s `{:#}` does) must not find that
    // message again further down the chain.
    let mdp_error = MdpError::DiscountNotBelowOne { value: 1.0 };
    let policy_error = LossError::InvalidPolicy {
        index: 3,
        source: DistributionError::InvalidLogit {
            index: 1,
            value: f64::NAN,
        },
    };
    let errors: Vec<Box<dyn Error>> = vec![
        Box::new(policy_error.clone()),
        Box::new(IrlError::Mdp(mdp_error.clone())),
        Box::new(LearningError::Mdp(mdp_error.clone())),
        Box::new(LearningError::Loss(policy_error.clone())),
        Box::new(InferenceError::Mdp(mdp_error.clone())),
        Box::new(InferenceError::Irl(IrlError::Mdp(mdp_error.clone()))),
        Box::new(KlError::Mdp(mdp_error.clone())),
    ];
    for error in &errors {
        let mut chain = vec![error.to_string()];
        let mut next = error.source();
        while let Some(cause) = next {
            assert!(chain.len() < 10, "a chain that does not end: {chain:?}");
            chain.push(cause.to_string());
            next = cause.source();
        }
        // The cause's message is shown (the bad value is named) …
        assert!(
            chain[0].contains("NaN") || chain[0].contains("γ"),
            "{chain:?}"
        );
        // … and only once.
        for (i, outer) in chain.iter().enumerate() {
            for inner in &chain[i + 1..] {
                assert!(!outer.contains(inner.as_str()), "printed twice: {chain:?}");
            }
        }
    }
}

#[test]
fn discounted_occupancy_stops_at_terminal_states() {
    use maxent_rl::discounted_occupancy;
    // Mass that reaches a terminal state leaves the process there: it adds no occupancy
    // and flows nowhere. Witness: the linear solve d = (I − γ P_πᵀ)⁻¹ ρ₀ with the terminal
    // states' rows of P_π removed (nalgebra LU), so d(terminal) is the discounted
    // probability of arriving, and D(s, ·) = d(s) π(·|s) for the other states.
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(11);
    let mdp = garnet(6, 2, 3, 0.9, &mut rng)
        .unwrap()
        .with_terminal_states(&[2, 5])
        .unwrap();
    let policy = TabularPolicy::uniform(6, 2).unwrap();
    let initial = [0.5, 0.5, 0.0, 0.0, 0.0, 0.0];
    let occ = discounted_occupancy(&mdp, &initial, &policy, 1e-14, 10_000).unwrap();
    let mut m = DMatrix::<f64>::identity(6, 6);
    for s in [0, 1, 3, 4] {
        for a in 0..2 {
            for (s2, p) in mdp.successors(s, a) {
                m[(s2, s)] -= 0.9 * 0.5 * p;
            }
        }
    }
    let d = m.lu().solve(&DVector::from_column_slice(&initial)).unwrap();
    assert!(d[2] + d[5] > 0.1, "the test needs mass that arrives: {d}");
    for s in 0..6 {
        for a in 0..2 {
            let expected = if mdp.is_terminal(s) { 0.0 } else { 0.5 * d[s] };
            // Series cut at 1e-14 of mass to come; the solve's conditioning is ≤ 10.
            assert!(
                (occ[s * 2 + a] - expected).abs() < 1e-12,
                "({s}, {a}): {} vs {expected}",
                occ[s * 2 + a]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Result fields that no chapter reads: each against its own witness.

#[test]
fn policy_gradient_occupancy_is_the_discounted_visit_count() {
    use maxent_rl::{discounted_occupancy, soft_policy_gradient, softmax_policy};
    // Witness: the occupancy series of `discounted_occupancy` (power iteration, not a
    // solve), summed over actions; a terminal state receives the mass that arrives
    // (γ Σ D(s, a) P(terminal | s, a)) and passes none on.
    let mdp = Gridworld::new(3, 3).slip(0.2).build(0.9).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(31);
    let z: Vec<f64> = (0..36)
        .map(|_| maxent_rl::rand::RngExt::random_range(&mut rng, -1.0..1.0))
        .collect();
    let g = soft_policy_gradient(&mdp, &z, 0.3).unwrap();
    let policy = softmax_policy(&z, 4).unwrap();
    let d0 = mdp.initial_distribution().to_vec();
    let occ = discounted_occupancy(&mdp, &d0, &policy, 1e-14, 10_000).unwrap();
    for s in 0..9 {
        let expected = if mdp.is_terminal(s) {
            let arriving: f64 = (0..9 * 4)
                .map(|i| {
                    let p: f64 = mdp
                        .successors(i / 4, i % 4)
                        .filter(|&(s2, _)| s2 == s)
                        .map(|(_, p)| p)
                        .sum();
                    0.9 * occ[i] * p
                })
                .sum();
            d0[s] + arriving
        } else {
            (0..4).map(|a| occ[s * 4 + a]).sum()
        };
        // Series cut at 1e-14; the solve's conditioning is 1/(1 − γ) = 10.
        assert!(
            (g.occupancy[s] - expected).abs() < 1e-12,
            "s = {s}: {} vs {expected}",
            g.occupancy[s]
        );
    }
}

#[test]
fn soft_q_learning_counts_one_visit_per_update() {
    use maxent_rl::SoftQLearning;
    // The behaviour never takes action 1, so its visits stay 0; every update is one visit.
    let mdp = Gridworld::new(2, 2).build(0.8).unwrap();
    let probs = (0..4).flat_map(|_| [0.5, 0.0, 0.25, 0.25]).collect();
    let behaviour = TabularPolicy::from_probs(4, 4, probs).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(32);
    let run = SoftQLearning::new(0.5)
        .steps(500)
        .run(&mdp, &behaviour, &mut rng, |_| 0.0)
        .unwrap();
    assert_eq!(run.visits.iter().sum::<u64>(), 500);
    assert!(
        (0..4).all(|s| run.visits[s * 4 + 1] == 0),
        "{:?}",
        run.visits
    );
    assert!(
        run.visits.iter().step_by(4).sum::<u64>() > 100,
        "{:?}",
        run.visits
    );
}

#[test]
fn discrete_sac_reports_its_schedule() {
    use maxent_rl::{DiscreteSac, DiscreteSacConfig};
    let mdp = Gridworld::new(2, 2).build(0.8).unwrap();
    // (1) α at each recorded point is the tables' α there, read by the monitor.
    let config = DiscreteSacConfig::new(4, 300);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(33);
    let run = DiscreteSac::new(config)
        .run(&mdp, &mut rng, |t| t.alpha)
        .unwrap();
    assert_eq!(run.alpha_curve, run.curve.values);
    assert!(
        run.alpha_curve.windows(2).any(|w| w[0] != w[1]),
        "α should move"
    );
    // (2) A gradient step at every `update_every`-th step from `learning_starts` on
    // (steps counted from 1), the targets copied (τ = 1) every `target_update_interval`-th
    // gradient step: equal to the critics at the end exactly when the last step copied.
    for (update_every, interval) in [(1, 1), (3, 1), (4, 5), (2, 7)] {
        let mut config = DiscreteSacConfig::new(4, 300).with_fixed_alpha(0.2);
        config.learning_starts = 50;
        config.update_every = update_every;
        config.tau = 1.0;
        config.target_update_interval = interval;
        let run = DiscreteSac::new(config)
            .run(&mdp, &mut rng, |_| 0.0)
            .unwrap();
        let expected = (1..=300)
            .filter(|t| *t >= 50 && t % update_every == 0)
            .count();
        assert_eq!(
            run.gradient_steps, expected,
            "update_every = {update_every}"
        );
        let copied = run.gradient_steps.is_multiple_of(interval);
        let t = &run.tables;
        assert_eq!(
            t.q1_target == t.q1 && t.q2_target == t.q2,
            copied,
            "{update_every}, {interval}"
        );
        assert!(run.alpha_curve.iter().all(|&a| a == 0.2));
    }
}

#[test]
fn temperature_bandit_final_state_is_its_last_record() {
    use maxent_rl::TemperatureConfig;
    use maxent_rl::experiments::{TemperatureBanditConfig, run_temperature_bandit};
    let config = TemperatureBanditConfig {
        reward_peak: 0.5,
        reward_curvature: 1.0,
        initial_mean: 0.1,
        initial_log_std: -0.5,
        actor_learning_rate: 0.05,
        temperature: TemperatureConfig {
            target_entropy: -1.0,
            learning_rate: 0.01,
            initial_log_alpha: 0.0,
        },
        batch_size: 8,
        steps: 40,
        record_every: 7,
        entropy_samples: 2,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(34);
    let run = run_temperature_bandit(&config, &mut rng).unwrap();
    let first = run.trace.first().unwrap();
    assert_eq!(
        (first.step, first.mean, first.log_std, first.alpha),
        (0, 0.1, -0.5, 1.0)
    );
    let last = run.trace.last().unwrap();
    assert_eq!(last.step, 40);
    assert_eq!(run.final_policy.mean()[0], last.mean);
    assert_eq!(run.final_policy.log_std()[0], last.log_std);
    assert_eq!(run.final_temperature.alpha(), last.alpha);
    assert_ne!(last.mean, first.mean);
}

#[test]
fn irl_history_reports_the_gradient_at_its_ends() {
    use maxent_rl::{IrlConfig, fit_irl};
    // ‖∇L‖∞ of the first and last iterates, against `evaluate` at θ₀ and at the fit.
    let mdp = Gridworld::new(3, 3).slip(0.1).build(0.9).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let demo = Trajectory::new(vec![0, 1, 2, 5, 8], vec![0, 0, 1, 1]);
    let demos = Demonstrations::new(&mdp, vec![demo]).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos)
        .unwrap()
        .with_l2(0.5)
        .unwrap();
    let theta0 = vec![0.1; 9];
    let fit = fit_irl(
        &problem,
        IrlModel::MaxCausalEnt,
        &theta0,
        &IrlConfig::default(),
    )
    .unwrap();
    let norm = |theta: &[f64]| {
        let e = problem.evaluate(IrlModel::MaxCausalEnt, theta).unwrap();
        e.gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()))
    };
    assert!(fit.history.len() > 2);
    let (first, last) = (&fit.history[0], fit.history.last().unwrap());
    assert!((first.gradient_norm - norm(&theta0)).abs() <= 1e-12 * (1.0 + first.gradient_norm));
    assert!((last.gradient_norm - norm(&fit.theta)).abs() <= 1e-12);
    assert!(first.gradient_norm > 1e-3 && last.gradient_norm <= 1e-6);
}

#[test]
fn posterior_trajectories_carry_their_summed_reward() {
    use maxent_rl::TrajectoryPosterior;
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(35);
    let mdp = garnet(3, 2, 2, 0.9, &mut rng).unwrap();
    let posterior = TrajectoryPosterior::enumerate(&mdp, 0.7, 3, &[0.2, 0.3, 0.5], 10_000).unwrap();
    assert!(posterior.trajectories().len() > 10);
    for tau in posterior.trajectories() {
        let sum: f64 = tau
            .actions
            .iter()
            .zip(&tau.states)
            .map(|(&a, &s)| mdp.reward(s, a))
            .sum();
        assert!(
            (tau.total_reward - sum).abs() <= 1e-15 * 4.0 * (1.0 + sum.abs()),
            "{tau:?}"
        );
    }
}

// Configuration fields no chapter sets: each changes what it says it changes.

#[test]
fn discrete_sac_buffer_capacity_and_critic_initialisation() {
    use maxent_rl::{DiscreteSac, DiscreteSacConfig};
    let mdp = Gridworld::new(2, 2).build(0.8).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(36);
    // No gradient step (learning starts after the budget): the tables are their
    // initialisation, U(−c, c) for each twin independently, or exactly 0 for c = 0; the
    // buffer keeps the last `buffer_capacity` transitions.
    for (scale, capacity) in [(0.0, 50), (0.1, 500)] {
        let mut config = DiscreteSacConfig::new(4, 120).with_fixed_alpha(0.5);
        config.learning_starts = 1000;
        config.critic_init_scale = scale;
        config.buffer_capacity = capacity;
        let run = DiscreteSac::new(config)
            .run(&mdp, &mut rng, |_| 0.0)
            .unwrap();
        assert_eq!(run.gradient_steps, 0);
        assert_eq!(run.buffer_states.len(), capacity.min(120));
        let t = &run.tables;
        for q in [&t.q1, &t.q2] {
            assert!(
                q.iter()
                    .all(|x| x.abs() < scale || (scale == 0.0 && *x == 0.0)),
                "{q:?}"
            );
        }
        assert_eq!(t.q1 == t.q2, scale == 0.0);
    }
}

#[test]
fn sac_lqr_critic_initialisation_and_its_domain() {
    use maxent_rl::nalgebra::DMatrix;
    use maxent_rl::{LqError, LqProblem, SacLqrConfig, SacLqrTemperature, sac_lqr};
    let m = |v: f64| DMatrix::from_element(1, 1, v);
    let problem = LqProblem::new(m(1.0), m(1.0), m(1.0), m(1.0), m(0.1), 0.9).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(37);
    // Without an update the critics are their N(0, std²) initialisation: 0 for std = 0,
    // within 6 std otherwise (a 2·10⁻⁹ chance per weight to fail for honest draws).
    for std in [0.0, 0.1] {
        let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(0.1), 30);
        config.learning_starts = 100;
        config.critic_init_std = std;
        let run = sac_lqr(&problem, &config, &mut rng).unwrap();
        for critic in &run.critics {
            assert!(
                critic.weights.iter().all(|w| w.abs() <= 6.0 * std),
                "{:?}",
                critic.weights
            );
            assert_eq!(critic.weights.iter().all(|&w| w == 0.0), std == 0.0);
        }
    }
    let named = |edit: &dyn Fn(&mut SacLqrConfig), name: &str| {
        let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(0.1), 30);
        edit(&mut config);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        match sac_lqr(&problem, &config, &mut rng) {
            Err(LqError::InvalidParameter { what, .. }) => what == name,
            other => panic!("{name}: {other:?}"),
        }
    };
    assert!(named(&|c| c.buffer_capacity = 0, "buffer_capacity"));
    assert!(named(&|c| c.initial_state_std = -1.0, "initial_state_std"));
    assert!(named(
        &|c| c.initial_state_std = f64::INFINITY,
        "initial_state_std"
    ));
    assert!(named(&|c| c.critic_init_std = f64::NAN, "critic_init_std"));
    assert!(named(&|c| c.critic_init_std = -0.1, "critic_init_std"));
}

#[test]
fn irl_gradient_tolerance_and_memory_do_what_they_say() {
    use maxent_rl::{IrlConfig, IrlTermination, fit_irl};
    // With an L2 term the objective is strictly concave: every setting reaches the same θ*,
    // and a looser tolerance stops earlier, a longer memory in fewer iterations.
    let mdp = Gridworld::new(3, 3).slip(0.1).build(0.9).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let demo = Trajectory::new(vec![0, 1, 2, 5, 8], vec![0, 0, 1, 1]);
    let demos = Demonstrations::new(&mdp, vec![demo]).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos)
        .unwrap()
        .with_l2(0.5)
        .unwrap();
    let fit = |tolerance: f64, memory: usize| {
        let config = IrlConfig {
            gradient_tolerance: tolerance,
            memory,
            ..IrlConfig::default()
        };
        let fit = fit_irl(&problem, IrlModel::MaxCausalEnt, &[0.0; 9], &config).unwrap();
        match fit.termination {
            IrlTermination::Converged { gradient_norm } => assert!(gradient_norm <= tolerance),
            other => panic!("tolerance {tolerance}, memory {memory}: {other:?}"),
        }
        fit
    };
    let reference = fit(1e-7, 10);
    let loose = fit(1e-2, 10);
    assert!(loose.history.len() < reference.history.len());
    assert!(loose.history.last().unwrap().gradient_norm > 1e-7);
    let steepest = fit(1e-7, 0);
    let short = fit(1e-7, 1);
    assert!(
        reference.history.len() < short.history.len()
            && short.history.len() < steepest.history.len(),
        "iterations with memory 10, 1, 0: {}, {}, {}",
        reference.history.len(),
        short.history.len(),
        steepest.history.len()
    );
    // Curvature at least λ = 0.5 (the L2 term): ‖θ − θ*‖₂ ≤ ‖∇L‖₂/λ ≤ 3 · 1e-7/0.5 for
    // each fit, so two fits differ by at most 1.2e-6.
    for other in [&steepest, &short] {
        let gap = other
            .theta
            .iter()
            .zip(&reference.theta)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(gap < 1.2e-6, "{gap:e}");
    }
}

// Public functions no chapter called, each against a witness.

#[test]
fn expected_next_value_sums_over_sparse_and_dense_rows() {
    // Brute force Σ_{s'} P(s' | s, a) V(s') over every s', on a sparse Garnet (branching
    // 2) and a dense one (branching S, the complete-row fast path).
    let mut rng = maxent_rl::rand::rngs::StdRng::seed_from_u64(38);
    for branching in [2, 6] {
        let mdp = garnet(6, 3, branching, 0.9, &mut rng).unwrap();
        let v = [1.5, -2.0, 0.25, 7.0, -0.5, 3.0];
        for s in 0..6 {
            for a in 0..3 {
                let brute: f64 = (0..6).map(|s2| mdp.transition_prob(s, a, s2) * v[s2]).sum();
                let got = mdp.expected_next_value(s, a, &v);
                assert!((got - brute).abs() < 1e-14, "({s}, {a}): {got} vs {brute}");
            }
        }
    }
}

#[test]
fn demonstration_counts_and_feature_expectations_by_hand() {
    let mdp = Gridworld::new(2, 2).build(0.9).unwrap();
    // Two demonstrations: (0 →right→ 1 →down→ 3) and (0 →down→ 2 →right→ 3).
    let demos = Demonstrations::new(
        &mdp,
        vec![
            Trajectory::new(vec![0, 1, 3], vec![1, 2]),
            Trajectory::new(vec![0, 2, 3], vec![2, 1]),
        ],
    )
    .unwrap();
    let mut expected = vec![0.0; 16];
    for (s, a) in [(0, 1), (1, 2), (0, 2), (2, 1)] {
        expected[s * 4 + a] += 0.5;
    }
    assert_eq!(demos.state_action_counts(), expected);
    // One-hot state features: f̃(s) = mean visits of s as an acting state.
    let phi = Features::one_hot_states(&mdp).unwrap();
    assert_eq!(demos.feature_expectation(&phi), vec![1.0, 0.5, 0.5, 0.0]);
}

#[test]
fn backward_action_messages_sum_to_the_state_messages() {
    use maxent_rl::BackwardMessages;
    // β_t(s) = Σ_a β_t(s, a) (the uniform action prior's constant dropped), so
    // ln β_t(s) is the log-sum-exp of the action messages, written out here.
    let mdp = Gridworld::new(3, 2).slip(0.1).build(1.0).unwrap();
    let messages = BackwardMessages::new(&mdp, 0.5, 4).unwrap();
    for t in 0..4 {
        for s in 0..6 {
            let actions = messages.log_message_action(t, s);
            assert_eq!(actions.len(), 4);
            let state = messages.log_message_state(t)[s];
            if mdp.is_terminal(s) {
                assert!(actions.iter().all(|&x| x == f64::NEG_INFINITY));
                continue;
            }
            let m = actions.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
            let lse = m + actions.iter().map(|&x| (x - m).exp()).sum::<f64>().ln();
            assert!(
                (lse - state).abs() < 1e-12,
                "t = {t}, s = {s}: {lse} vs {state}"
            );
        }
    }
}

#[test]
fn log_softmax_into_matches_the_written_out_formula() {
    use maxent_rl::log_softmax_into;
    let x = [0.3, -1.2, 2.5, 0.0, f64::NEG_INFINITY];
    let mut out = [0.0; 5];
    log_softmax_into(&x, &mut out);
    let z: f64 = x.iter().map(|v| v.exp()).sum();
    for (o, v) in out.iter().zip(x) {
        if v == f64::NEG_INFINITY {
            assert_eq!(*o, f64::NEG_INFINITY);
        } else {
            assert!((o - (v - z.ln())).abs() < 1e-15, "{o} vs {}", v - z.ln());
        }
    }
}

#[test]
fn gridworld_step_reward_is_charged_in_every_non_terminal_cell() {
    // r(s, a) = step_reward + goal_reward · P(goal | s, a), with P read off the MDP.
    let mdp = Gridworld::new(3, 2)
        .slip(0.2)
        .step_reward(-0.25)
        .goal_reward(4.0)
        .build(0.9)
        .unwrap();
    let goal = 5;
    for s in (0..6).filter(|&s| !mdp.is_terminal(s)) {
        for a in 0..4 {
            let expected = -0.25 + 4.0 * mdp.transition_prob(s, a, goal);
            assert!((mdp.reward(s, a) - expected).abs() < 1e-15, "({s}, {a})");
        }
    }
}

#[test]
fn tabular_policy_constructors_name_the_bad_entry_and_shape() {
    use maxent_rl::MdpError;
    // Entry 5 of a 3 × 2 table is state 2, action 1.
    let mut probs = vec![0.5; 6];
    probs[5] = -0.5;
    match TabularPolicy::from_probs(3, 2, probs) {
        Err(MdpError::InvalidPolicyProbability { s, a, .. }) => assert_eq!((s, a), (2, 1)),
        other => panic!("{other:?}"),
    }
    let mut log_probs = vec![0.5f64.ln(); 6];
    log_probs[3] = f64::NAN;
    match TabularPolicy::from_log_probs(3, 2, log_probs) {
        Err(MdpError::InvalidPolicyProbability { s, a, .. }) => assert_eq!((s, a), (1, 1)),
        other => panic!("{other:?}"),
    }
    // Shapes: no states, no actions, or a table of the wrong length.
    assert_eq!(
        TabularPolicy::from_probs(0, 2, vec![]),
        Err(MdpError::Empty { what: "states" })
    );
    assert_eq!(
        TabularPolicy::from_probs(2, 0, vec![]),
        Err(MdpError::Empty { what: "actions" })
    );
    assert!(matches!(
        TabularPolicy::from_probs(2, 2, vec![0.5; 3]),
        Err(MdpError::DimensionMismatch {
            what: "policy",
            expected: 4,
            found: 3
        })
    ));
    assert!(matches!(
        TabularPolicy::from_log_probs(2, 3, vec![0.0; 4]),
        Err(MdpError::DimensionMismatch { what: "policy", .. })
    ));
}

#[test]
fn posterior_transitions_are_distributions_even_with_huge_messages() {
    use maxent_rl::{BackwardMessages, Mdp};
    // With r/α near 1e17 the messages ln β are so large that their rounding (an ulp of
    // 1e17 is 16) swamps the ln P terms; the probabilities are renormalised, so they still
    // sum to 1 (to a few ulps) over the successors.
    for scale in [1.0, 1e17] {
        let mdp = Mdp::new(
            3,
            2,
            &[
                vec![(0, 0.3), (1, 0.7)],
                vec![(1, 0.5), (2, 0.5)],
                vec![(2, 1.0)],
                vec![(0, 0.9), (2, 0.1)],
                vec![(0, 0.2), (1, 0.8)],
                vec![(1, 1.0)],
            ],
            vec![
                0.3 * scale,
                -0.2 * scale,
                0.7 * scale,
                0.1 * scale,
                0.9 * scale,
                -0.4 * scale,
            ],
            1.0,
        )
        .unwrap();
        let messages = BackwardMessages::new(&mdp, 1.0, 4).unwrap();
        for t in 0..3 {
            for s in 0..3 {
                for a in 0..2 {
                    let p = messages.posterior_transition(t, s, a);
                    let total: f64 = p.iter().map(|&(_, q)| q).sum();
                    assert!(p.iter().all(|&(_, q)| (0.0..=1.0).contains(&q)), "{p:?}");
                    assert!(
                        (total - 1.0).abs() <= 4.0 * f64::EPSILON,
                        "scale {scale}: {p:?} sums to {total}"
                    );
                }
            }
        }
    }
}

#[test]
fn learners_accept_every_discount_below_one() {
    use maxent_rl::{LearningError, SoftQLearning};
    // [0, 1) includes its largest member, 1 − 2⁻⁵³; γ = 1 is refused by name.
    let behaviour = TabularPolicy::uniform(2, 4).unwrap();
    let run = |gamma: f64| {
        let mdp = Gridworld::new(2, 1).build(gamma).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(39);
        SoftQLearning::new(0.5)
            .steps(3)
            .run(&mdp, &behaviour, &mut rng, |_| 0.0)
    };
    let r = run(1.0 - f64::EPSILON / 2.0);
    assert!(r.is_ok(), "{r:?}");
    assert!(run(0.0).is_ok());
    assert!(matches!(
        run(1.0),
        Err(LearningError::InvalidConfig {
            what: "discount",
            ..
        })
    ));
}

#[test]
fn irl_config_names_each_setting_outside_its_domain() {
    use maxent_rl::{IrlConfig, fit_irl};
    let mdp = Gridworld::new(2, 2).build(0.9).unwrap();
    let phi = Features::one_hot_states(&mdp).unwrap();
    let demos =
        Demonstrations::new(&mdp, vec![Trajectory::new(vec![0, 1, 3], vec![1, 2])]).unwrap();
    let problem = IrlProblem::new(&mdp, &phi, &demos).unwrap();
    let fit = |edit: &dyn Fn(&mut IrlConfig)| {
        let mut config = IrlConfig {
            max_iterations: 3,
            ..IrlConfig::default()
        };
        edit(&mut config);
        fit_irl(&problem, IrlModel::MaxCausalEnt, &[0.0; 4], &config)
    };
    let named = |result: Result<maxent_rl::IrlFit, IrlError>, name: &str| matches!(result, Err(IrlError::InvalidConfig { what, .. }) if what == name);
    assert!(fit(&|_| {}).is_ok());
    // The Armijo constant lies in (0, 1): both ends are refused, values inside accepted.
    for bad in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        assert!(named(fit(&|c| c.armijo = bad), "armijo"), "armijo = {bad}");
    }
    assert!(fit(&|c| c.armijo = 0.999).is_ok());
    for bad in [0.0, -1.0, f64::INFINITY] {
        assert!(named(fit(&|c| c.initial_step = bad), "initial_step"));
        assert!(named(
            fit(&|c| c.gradient_tolerance = bad),
            "gradient_tolerance"
        ));
    }
}

#[test]
fn discrete_sac_reports_divergence_of_any_table_at_the_step_it_happens() {
    use maxent_rl::{DiscreteSac, DiscreteSacConfig, LearningError};
    // Rewards ±1000 make the critics' first step jump to about ±1000, so the actor's
    // gradient is far above 1 and a step of f64::MAX (a valid rate) sends the logits to
    // ±∞ while both critics stay finite: the run must stop at that very step. The check
    // must look at every table, not only the first critic.
    let mdp = Mdp::new(
        2,
        2,
        &[
            vec![(0, 1.0)],
            vec![(1, 1.0)],
            vec![(0, 1.0)],
            vec![(1, 1.0)],
        ],
        vec![1000.0, -1000.0, 1000.0, -1000.0],
        0.5,
    )
    .unwrap();
    let mut config = DiscreteSacConfig::new(2, 300).with_fixed_alpha(0.2);
    config.learning_starts = 40;
    config.update_every = 1;
    config.actor_learning_rate = f64::MAX;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let r = DiscreteSac::new(config).run(&mdp, &mut rng, |_| 0.0);
    assert!(
        matches!(r, Err(LearningError::Diverged { step: 40 })),
        "{r:?}"
    );
}

#[test]
fn sac_lqr_reports_a_diverged_actor_as_a_typed_error() {
    use maxent_rl::nalgebra::DMatrix;
    use maxent_rl::{LqError, LqProblem, SacLqrConfig, SacLqrTemperature, sac_lqr};
    let m = |v: f64| DMatrix::from_element(1, 1, v);
    let problem = LqProblem::new(m(1.0), m(1.0), m(1.0), m(1.0), m(0.1), 0.9).unwrap();
    let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(0.1), 200);
    config.learning_starts = 20;
    config.actor_learning_rate = f64::MAX;
    // A valid but absurd actor step: the first update (step 20) moves the gain to about
    // ±f64::MAX, the next action overflows the reward and the dynamics, and the run stops
    // there with a typed error (not a NaN, not a panic).
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let r = sac_lqr(&problem, &config, &mut rng);
    assert!(
        matches!(r, Err(LqError::LearnerDiverged { step }) if step > 20),
        "{r:?}"
    );
}

#[test]
fn finite_horizon_lqr_names_the_step_whose_covariance_overflows() {
    use maxent_rl::nalgebra::DMatrix;
    use maxent_rl::{LqError, LqProblem, finite_horizon_maxent_lqr};
    // With a zero terminal cost, H_{T−1} = R = 0.1 and Σ_{T−1} = (α/2) H⁻¹ = 5α: at
    // α = 1e308 it overflows at the last step, t = T − 1, whose entries start at
    // (T − 1)·m² in the flat index of the covariances (worked by hand, m = 1).
    let m = |v: f64| DMatrix::from_element(1, 1, v);
    let problem = LqProblem::new(m(1.0), m(1.0), m(1.0), m(0.1), m(0.1), 0.9).unwrap();
    for horizon in [1, 3, 7] {
        let r = finite_horizon_maxent_lqr(&problem, 1e308, horizon, &m(0.0));
        assert!(
            matches!(r, Err(LqError::Overflow { what: "Σ_t", index }) if index == horizon - 1),
            "T = {horizon}: {r:?}"
        );
    }
}

#[test]
fn actor_loss_names_a_batch_of_the_wrong_length_with_the_length_expected() {
    use maxent_rl::{LqError, QuadraticCritic, linear_gaussian_actor_loss};
    // n = 2 state dimensions, m = 2 action dimensions: B = ⌊len(states)/n⌋ rows of states,
    // and B · m noise draws.
    let (n, m) = (2, 2);
    let critic =
        QuadraticCritic::from_weights(n, m, vec![0.0; QuadraticCritic::num_weights(n, m)]).unwrap();
    let params = vec![0.0; m * n + m];
    let loss = |states: &[f64], eps: &[f64], alpha: f64| {
        linear_gaussian_actor_loss(
            &params,
            (n, m),
            std::slice::from_ref(&critic),
            states,
            eps,
            alpha,
            (-5.0, 2.0),
        )
    };
    assert!(loss(&[0.0; 6], &[0.0; 6], 0.5).is_ok());
    for alpha in [-0.5, f64::INFINITY, f64::NAN] {
        // Compared as text: the payload NaN is not equal to itself.
        assert_eq!(
            loss(&[0.0; 6], &[0.0; 6], alpha).unwrap_err().to_string(),
            LqError::InvalidTemperature { value: alpha }.to_string()
        );
    }
    assert_eq!(
        loss(&[0.0; 6], &[0.0; 5], 0.5).unwrap_err(),
        LqError::DimensionMismatch {
            what: "eps",
            expected: (6, 1),
            found: (5, 1)
        }
    );
    assert_eq!(
        loss(&[0.0; 7], &[0.0; 6], 0.5).unwrap_err(),
        LqError::DimensionMismatch {
            what: "states",
            expected: (6, 1),
            found: (7, 1)
        }
    );
}

#[test]
fn softmax_policy_names_logits_that_are_not_whole_rows() {
    use maxent_rl::{LearningError, softmax_policy};
    // The expected length is the whole rows below the given length (at least one row).
    for (len, expected) in [(5, 4), (1, 2), (7, 6)] {
        assert_eq!(
            softmax_policy(&vec![0.0; len], 2).unwrap_err(),
            LearningError::DimensionMismatch {
                what: "logits",
                expected,
                found: len
            }
        );
    }
    let pi = softmax_policy(&[0.0, 0.0, 1.0, 1.0], 2).unwrap();
    assert_eq!((pi.num_states(), pi.num_actions()), (2, 2));
}

#[test]
fn learners_start_even_when_almost_every_start_is_terminal() {
    use maxent_rl::{
        DiscreteSac, DiscreteSacConfig, ExplorationConfig, Explorer, SoftQLearning, TabularPolicy,
        run_exploration,
    };
    // d₀ = [1e-300, 1]: state 1 is terminal, so a start is drawn in state 0 with probability
    // 1e-300 per draw. A learner that redraws until it stands in a non-terminal state
    // never got there (before the fix, each of these runs hung); the start is state 0.
    let mdp = Mdp::new(
        2,
        2,
        &[
            vec![(0, 1.0)],
            vec![(1, 1.0)],
            vec![(1, 1.0)],
            vec![(1, 1.0)],
        ],
        vec![0.0, 1.0, 0.0, 0.0],
        0.9,
    )
    .unwrap()
    .with_terminal_states(&[1])
    .unwrap()
    .with_initial_distribution(vec![1e-300, 1.0])
    .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let uniform = TabularPolicy::uniform(2, 2).unwrap();
    let run = SoftQLearning::new(0.5)
        .steps(50)
        .run(&mdp, &uniform, &mut rng, |_| 0.0)
        .unwrap();
    assert!(run.visits[..2].iter().sum::<u64>() > 0 && run.visits[2..] == [0, 0]);
    // Every reset drew 64 terminal starts (each with probability 1 − 1e-300) before the
    // restricted draw, and counts 65 episodes; the run's first episode counts 1.
    assert!(
        run.episodes > 1 && (run.episodes - 1).is_multiple_of(65),
        "{}",
        run.episodes
    );
    let config = DiscreteSacConfig::new(2, 50).with_fixed_alpha(0.5);
    let sac = DiscreteSac::new(config)
        .run(&mdp, &mut rng, |_| 0.0)
        .unwrap();
    assert!(sac.buffer_states.iter().all(|&s| s == 0));
    let config = ExplorationConfig::new(Explorer::Boltzmann { temperature: 1.0 }, 5, 10);
    let run = run_exploration(&mdp, &config, &mut rng).unwrap();
    assert!(run.first_reward_episode.is_some());
}

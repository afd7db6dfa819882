//! Claims of chapter 12, "Control as inference" (Levine 2018).

#[path = "common/ch12_gamble.rs"]
mod ch12_gamble;
mod common;

use ch12_gamble::{gamble, gamble_numbers};

use common::{MC_Z, check_generated_block, extreme_f64};
use maxent_rl::{
    BackwardMessages, Mdp, MonteCarloEstimate, TabularPolicy, TimeIndexedPolicy,
    TrajectoryPosterior, evidence_lower_bound, finite_horizon_soft_value_iteration,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Rounding tolerance for sums of at most a few thousand terms of magnitude ≤ ~10 in
/// f64 (ε ≈ 2.2e-16 × 10⁴ ≈ 2e-12, rounded up to 1e-11).
const ROUNDING: f64 = 1e-11;

/// A tiny random MDP: `S` states, `A` actions, each `(s, a)` moving to `branching` distinct
/// random successors with random probabilities; rewards uniform in `[−1, 1]`; `γ = 1`.
fn tiny_mdp(s_count: usize, a_count: usize, branching: usize, seed: u64) -> Mdp {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut transitions = Vec::new();
    for _ in 0..s_count * a_count {
        let mut succ: Vec<usize> = Vec::new();
        while succ.len() < branching {
            let s2 = rng.random_range(0..s_count);
            if !succ.contains(&s2) {
                succ.push(s2);
            }
        }
        let w: Vec<f64> = succ.iter().map(|_| rng.random_range(0.2..1.0)).collect();
        let total: f64 = w.iter().sum();
        transitions.push(succ.into_iter().zip(w.iter().map(|x| x / total)).collect());
    }
    let rewards = (0..s_count * a_count)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    Mdp::new(s_count, a_count, &transitions, rewards, 1.0).unwrap()
}

fn uniform(s_count: usize) -> Vec<f64> {
    vec![1.0 / s_count as f64; s_count]
}

fn delta(s_count: usize, s: usize) -> Vec<f64> {
    let mut d = vec![0.0; s_count];
    d[s] = 1.0;
    d
}

fn sup_distance(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------- Claim 12.1

#[test]
fn claim_12_1_backward_messages_equal_brute_force_marginals() {
    // 3 states, 2 actions, 2 successors, T = 4: at most 3 · 4⁴ = 768 trajectories.
    for (seed, alpha) in [(1, 1.0), (2, 0.3), (3, 2.5)] {
        let mdp = tiny_mdp(3, 2, 2, seed);
        let horizon = 4;
        let messages = BackwardMessages::new(&mdp, alpha, horizon).unwrap();
        assert_eq!((messages.alpha(), messages.horizon()), (alpha, horizon));
        // β_t(s) is the total weight Σ P · exp(Σ r/α) of the trajectories of T − t steps
        // from s: enumerate them.
        for t in 0..horizon {
            for s in 0..3 {
                let brute =
                    TrajectoryPosterior::enumerate(&mdp, alpha, horizon - t, &delta(3, s), 10_000)
                        .unwrap();
                let ln_beta = messages.log_message_state(t)[s];
                assert!(
                    (ln_beta - brute.log_evidence()).abs() < ROUNDING,
                    "seed {seed}, t = {t}, s = {s}: ln β = {ln_beta}, brute force {}",
                    brute.log_evidence()
                );
            }
        }
        // The posterior marginals by the forward recursion through the messages equal the
        // sums of posterior probabilities over the listed trajectories.
        let d0 = uniform(3);
        let brute = TrajectoryPosterior::enumerate(&mdp, alpha, horizon, &d0, 10_000).unwrap();
        assert_eq!(brute.trajectories().len(), 3 * 4usize.pow(4));
        assert!((messages.log_evidence(&d0).unwrap() - brute.log_evidence()).abs() < ROUNDING);
        let exact = messages.posterior_marginals(&d0).unwrap();
        let listed = brute.marginals();
        for t in 0..=horizon {
            assert!(sup_distance(&exact.states[t], &listed.states[t]) < ROUNDING);
        }
        for t in 0..horizon {
            let gap = sup_distance(&exact.state_actions[t], &listed.state_actions[t]);
            assert!(gap < ROUNDING, "seed {seed}, t = {t}: {gap:e}");
        }
    }
}

// ---------------------------------------------------------------- Claim 12.2

#[test]
fn claim_12_2_posterior_action_conditionals_are_the_optimistic_policy() {
    for (seed, alpha) in [(4, 1.0), (5, 0.5)] {
        let mdp = tiny_mdp(3, 3, 2, seed);
        let horizon = 3;
        let messages = BackwardMessages::new(&mdp, alpha, horizon).unwrap();
        // The optimistic backup, written out here from the values the library returns:
        // Q_t(s, a) = r(s, a) + α ln Σ_{s'} P(s'|s, a) exp(V_{t+1}(s')/α).
        for t in 0..horizon {
            let v_next = messages.optimistic_values(t + 1);
            let q = messages.optimistic_q_values(t);
            for s in 0..3 {
                for a in 0..3 {
                    let backup = mdp.reward(s, a)
                        + alpha
                            * (0..3)
                                .map(|s2| {
                                    mdp.transition_prob(s, a, s2) * (v_next[s2] / alpha).exp()
                                })
                                .sum::<f64>()
                                .ln();
                    assert!((q[s * 3 + a] - backup).abs() < ROUNDING);
                }
            }
        }
        // Independent witness: p(a_t | s_t, O) from the list of all trajectories
        // (3 · (3 · 2)³ = 648 of them).
        let brute =
            TrajectoryPosterior::enumerate(&mdp, alpha, horizon, &uniform(3), 10_000).unwrap();
        for t in 0..horizon {
            let q = messages.optimistic_q_values(t);
            let v = messages.optimistic_values(t);
            for s in 0..3 {
                let conditional = brute.action_conditional(t, s).expect("s is reachable");
                for a in 0..3 {
                    let optimistic = ((q[s * 3 + a] - v[s]) / alpha).exp();
                    assert!((conditional[a] - optimistic).abs() < ROUNDING);
                    assert!(
                        (messages.posterior_policy().prob(t, s, a) - conditional[a]).abs()
                            < ROUNDING
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- Claim 12.3

#[test]
fn claim_12_3_deterministic_dynamics_optimistic_equals_soft() {
    let horizon = 6;
    for (seed, alpha) in [(6, 1.0), (7, 0.2), (8, 3.0)] {
        // Deterministic: one successor per (s, a).
        let mdp = tiny_mdp(5, 3, 1, seed);
        let messages = BackwardMessages::new(&mdp, alpha, horizon).unwrap();
        // Second algorithm: finite-horizon soft value iteration with E[V] (γ = 1).
        let soft = finite_horizon_soft_value_iteration(&mdp, alpha, horizon, &[0.0; 5]).unwrap();
        for t in 0..horizon {
            let scale = soft.values[t].iter().fold(1.0f64, |m, v| m.max(v.abs()));
            // Two log-sum-exp recursions of 6 steps: a few ulps of the largest value each.
            let tol = 1e-13 * scale;
            assert!(sup_distance(&messages.optimistic_values(t), &soft.values[t]) < tol);
            assert!(sup_distance(&messages.optimistic_q_values(t), &soft.q_values[t]) < tol);
            let posterior = messages.posterior_policy().policy_at(t);
            assert!(sup_distance(posterior.probs(), soft.policies[t].probs()) < 1e-12);
        }
        // And the bound is tight from each start state: ELBO(π_soft) = ln p(O | s_0).
        // (From a random start it is not: the posterior also tilts d₀ towards good states.)
        let pi = soft.time_indexed_policy().unwrap();
        for s in 0..5 {
            let d0 = delta(5, s);
            let elbo = evidence_lower_bound(&mdp, &pi, alpha, &d0).unwrap();
            assert!((elbo - messages.log_evidence(&d0).unwrap()).abs() < ROUNDING);
        }
    }
    // Under stochastic dynamics they differ, optimistic ≥ soft by Jensen, strictly here.
    let mdp = tiny_mdp(5, 3, 3, 9);
    let messages = BackwardMessages::new(&mdp, 1.0, horizon).unwrap();
    let soft = finite_horizon_soft_value_iteration(&mdp, 1.0, horizon, &[0.0; 5]).unwrap();
    let v_opt = messages.optimistic_values(0);
    assert!(
        v_opt
            .iter()
            .zip(&soft.values[0])
            .all(|(o, s)| o > &(s + 1e-3))
    );
}

// ---------------------------------------------------------------- Claim 12.4

#[test]
fn claim_12_4_exact_posterior_is_risk_seeking_on_the_gamble() {
    let alpha = 1.0;
    let [p_exact, p_var, ret_exact, ret_var, win] = gamble_numbers(alpha);
    // Hand-worked (the α ln 2 of the second step is common to all branches and cancels):
    // exact:       Q(gamble) − Q(safe) = α ln(½e^{2/α} + ½e^{−4/α}) − 0 = ln 3.70364 = 1.30932
    // variational: Q(gamble) − Q(safe) = ½·2 + ½·(−4) − 0 = −1
    let certainty_equivalent =
        alpha * (0.5 * (2.0 / alpha).exp() + 0.5 * (-4.0 / alpha).exp()).ln();
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    assert!((p_exact - sigmoid(certainty_equivalent / alpha)).abs() < 1e-14);
    assert!((p_var - sigmoid(-1.0 / alpha)).abs() < 1e-14);
    assert!((certainty_equivalent - 1.309_32).abs() < 1e-5);
    // The posterior believes the coin favours it: P(win | gamble, O) = e²/(e² + e⁻⁴).
    assert!((win - 1.0 / (1.0 + (-6.0f64).exp())).abs() < 1e-14);
    // Exact inference gambles most of the time (0.787) although gambling loses 1 on
    // average; the variational solution mostly plays safe (0.269).
    assert!(p_exact > 0.78 && p_var < 0.27);
    // Independent witness for the returns: roll both policies out under the TRUE dynamics.
    let mdp = gamble();
    let messages = BackwardMessages::new(&mdp, alpha, 2).unwrap();
    let soft = finite_horizon_soft_value_iteration(&mdp, alpha, 2, &[0.0; 5]).unwrap();
    let soft_pi = soft.time_indexed_policy().unwrap();
    for (policy, expected) in [
        (messages.posterior_policy(), ret_exact),
        (&soft_pi, ret_var),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let returns = (0..20_000).map(|_| {
            let mut s = 0;
            let mut total = 0.0;
            for t in 0..2 {
                let a = policy.sample_action(t, s, &mut rng);
                total += mdp.reward(s, a);
                s = mdp.sample_next_state(s, a, &mut rng);
            }
            total
        });
        let estimate = MonteCarloEstimate::from_samples(returns).unwrap();
        assert!(
            estimate.z_score(expected).abs() < MC_Z,
            "{estimate:?} vs {expected}"
        );
    }
    assert!(ret_exact < ret_var - 0.5);
}

#[test]
fn claim_12_4_gamble_table_in_book_is_current() {
    let mut table = String::from(
        "| α | P(gamble), exact | P(gamble), variational | E[return], exact | E[return], variational | P(win \\| gamble, O) |\n|---|---|---|---|---|---|\n",
    );
    for alpha in [0.5, 1.0, 2.0, 5.0] {
        let [a, b, c, d, e] = gamble_numbers(alpha);
        // What the table is quoted for, at every α: exact inference gambles more often
        // than the variational policy, earns less for it under the true dynamics, and
        // believes in a win more than the coin's ½.
        assert!(a > b, "α = {alpha}: exact {a} vs variational {b}");
        assert!(c < d, "α = {alpha}: exact return {c} vs variational {d}");
        assert!(e > 0.5, "α = {alpha}: P(win | gamble, O) = {e}");
        table.push_str(&format!(
            "| {alpha} | {a:.3} | {b:.3} | {c:.3} | {d:.3} | {e:.3} |\n"
        ));
    }
    check_generated_block(
        "book/src/ch12-control-as-inference.md",
        "gamble-table",
        &table,
    );
}

// ---------------------------------------------------------------- Claim 12.5

/// `ELBO(π) = Σ_τ q(τ) [ln p(τ, O) − ln q(τ)]` by listing every trajectory: the witness.
fn brute_force_elbo(mdp: &Mdp, policy: &TimeIndexedPolicy, alpha: f64, d0: &[f64]) -> f64 {
    let listed = TrajectoryPosterior::enumerate(mdp, alpha, policy.horizon(), d0, 100_000).unwrap();
    listed
        .trajectories()
        .iter()
        .map(|tr| {
            let mut ln_q = d0[tr.states[0]].ln();
            for (t, &a) in tr.actions.iter().enumerate() {
                let (s, s2) = (tr.states[t], tr.states[t + 1]);
                ln_q += policy.prob(t, s, a).ln() + mdp.transition_prob(s, a, s2).ln();
            }
            let q = ln_q.exp();
            if q == 0.0 {
                0.0
            } else {
                q * (tr.log_joint - ln_q)
            }
        })
        .sum()
}

#[test]
fn claim_12_5_variational_solution_maximises_the_elbo() {
    let (alpha, horizon) = (0.7, 3);
    let mdp = tiny_mdp(3, 2, 2, 10);
    let d0 = uniform(3);
    let soft = finite_horizon_soft_value_iteration(&mdp, alpha, horizon, &[0.0; 3]).unwrap();
    let best = soft.time_indexed_policy().unwrap();
    let elbo_best = evidence_lower_bound(&mdp, &best, alpha, &d0).unwrap();
    // The library's ELBO equals the brute-force sum over all 3 · 4³ trajectories.
    assert!((elbo_best - brute_force_elbo(&mdp, &best, alpha, &d0)).abs() < ROUNDING);
    // α · max ELBO is the soft value of chapter 6: Σ d₀ V₀.
    let v0: f64 = d0.iter().zip(&soft.values[0]).map(|(d, v)| d * v).sum();
    assert!((alpha * elbo_best - v0).abs() < ROUNDING);
    // Strictly below ln p(O) under stochastic dynamics (the gap is KL(q ‖ p(τ | O)) > 0).
    let messages = BackwardMessages::new(&mdp, alpha, horizon).unwrap();
    let log_evidence = messages.log_evidence(&d0).unwrap();
    assert!(elbo_best < log_evidence - 1e-3);
    // 200 perturbed time-indexed policies (logits of π_soft plus N(0, σ²)-sized noise, σ
    // from 0.01 to 1) all score lower, each checked by brute force as well.
    let mut rng = ChaCha8Rng::seed_from_u64(125);
    for k in 0..200 {
        let sigma = 0.01 * 100f64.powf(k as f64 / 199.0);
        let policies: Vec<TabularPolicy> = (0..horizon)
            .map(|t| {
                let logits: Vec<f64> = best
                    .log_probs_at(t)
                    .iter()
                    .map(|l| l + sigma * rng.random_range(-1.0..1.0))
                    .collect();
                TabularPolicy::from_log_probs(3, 2, normalise_rows(&logits, 2)).unwrap()
            })
            .collect();
        let perturbed = TimeIndexedPolicy::from_policies(&policies).unwrap();
        let elbo = brute_force_elbo(&mdp, &perturbed, alpha, &d0);
        assert!(elbo < elbo_best, "σ = {sigma}: {elbo} ≥ {elbo_best}");
        assert!(
            (evidence_lower_bound(&mdp, &perturbed, alpha, &d0).unwrap() - elbo).abs() < ROUNDING
        );
    }
}

fn normalise_rows(logits: &[f64], a_count: usize) -> Vec<f64> {
    logits
        .chunks(a_count)
        .flat_map(|row| {
            let m = row.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
            let lse = m + row.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
            row.iter().map(move |x| x - lse).collect::<Vec<_>>()
        })
        .collect()
}

// ---------------------------------------------------------------- Bad input

#[test]
fn bad_input_gives_typed_errors_not_panics() {
    use maxent_rl::InferenceError;
    let mdp = tiny_mdp(3, 2, 2, 20);
    for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            BackwardMessages::new(&mdp, alpha, 3),
            Err(InferenceError::InvalidTemperature { .. })
        ));
    }
    assert!(matches!(
        BackwardMessages::new(&mdp, 1.0, 0),
        Err(InferenceError::ZeroHorizon)
    ));
    // r/α overflows for a subnormal α: named, not an infinite message.
    assert!(matches!(
        BackwardMessages::new(&mdp, 1e-320, 3),
        Err(InferenceError::ScaledRewardOverflow { .. })
    ));
    // The enumeration refuses to list more than the cap (3 · 4⁴ = 768 here).
    assert!(matches!(
        TrajectoryPosterior::enumerate(&mdp, 1.0, 4, &uniform(3), 767),
        Err(InferenceError::TooManyTrajectories { limit: 767 })
    ));
    assert!(TrajectoryPosterior::enumerate(&mdp, 1.0, 4, &uniform(3), 768).is_ok());
    // A long horizon with a single trajectory needs no deep recursion.
    let chain = Mdp::new(1, 1, &[vec![(0, 1.0)]], vec![-0.5], 1.0).unwrap();
    let one = TrajectoryPosterior::enumerate(&chain, 1.0, 100_000, &[1.0], 1).unwrap();
    assert_eq!(one.trajectories().len(), 1);
    assert!((one.log_evidence() + 50_000.0).abs() < 1e-6);
    // Bad start distributions and mismatched policies.
    let messages = BackwardMessages::new(&mdp, 1.0, 2).unwrap();
    assert!(messages.log_evidence(&[0.5, 0.5]).is_err());
    assert!(messages.log_evidence(&[f64::NAN, 0.5, 0.5]).is_err());
    let wrong = TimeIndexedPolicy::stationary(&TabularPolicy::uniform(2, 2).unwrap(), 2).unwrap();
    assert!(evidence_lower_bound(&mdp, &wrong, 1.0, &uniform(3)).is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 256,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Robustness: fed extreme rewards and temperatures, every inference function returns a
    /// typed error or output without NaN, and never panics.
    #[test]
    fn inference_functions_never_panic_or_return_nan(
        rewards in proptest::collection::vec(extreme_f64(), 4),
        alpha in extreme_f64(),
        horizon in 0usize..4,
    ) {
        // The MDP itself refuses non-finite rewards; give it finite extremes.
        let rewards: Vec<f64> = rewards.iter().map(|r| if r.is_finite() { *r } else { 0.0 }).collect();
        let transitions = vec![
            vec![(0, 1.0)], vec![(0, 0.5), (1, 0.5)],
            vec![(1, 1.0)], vec![(0, 0.25), (1, 0.75)],
        ];
        let mdp = Mdp::new(2, 2, &transitions, rewards, 1.0).unwrap();
        let d0 = [0.5, 0.5];
        if let Ok(m) = BackwardMessages::new(&mdp, alpha, horizon) {
            for t in 0..horizon {
                proptest::prop_assert!(m.optimistic_q_values(t).iter().all(|q| !q.is_nan()));
                proptest::prop_assert!(m.posterior_policy().log_probs_at(t).iter().all(|l| !l.is_nan()));
            }
            if let Ok(marginals) = m.posterior_marginals(&d0) {
                for row in &marginals.states {
                    proptest::prop_assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                }
            }
        }
        if let Ok(listed) = TrajectoryPosterior::enumerate(&mdp, alpha, horizon, &d0, 1000) {
            let total: f64 = listed.trajectories().iter().map(|t| t.probability).sum();
            proptest::prop_assert!((total - 1.0).abs() < 1e-9);
        }
        if horizon > 0 {
            let uniform = TimeIndexedPolicy::stationary(&TabularPolicy::uniform(2, 2).unwrap(), horizon).unwrap();
            if let Ok(elbo) = evidence_lower_bound(&mdp, &uniform, alpha, &d0) {
                proptest::prop_assert!(elbo.is_finite());
            }
        }
    }
}

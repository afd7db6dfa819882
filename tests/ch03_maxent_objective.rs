//! Claims of chapter 3, "The maximum-entropy objective".

mod common;

use common::MC_Z;
use maxent_rl::{
    Mdp, MonteCarloEstimate, TabularPolicy, finite_horizon_soft_value_iteration, garnet,
    log_sum_exp, soft_policy_evaluation, softmax,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `F(π) = Σ π_a q_a + α H(π)`, computed term by term from the probabilities.
fn gibbs_objective(pi: &[f64], q: &[f64], alpha: f64) -> f64 {
    pi.iter()
        .zip(q)
        .map(|(&p, &qa)| {
            let plogp = if p > 0.0 { p * p.ln() } else { 0.0 };
            p * qa - alpha * plogp
        })
        .sum()
}

/// Gradient of `F(softmax(z))` with respect to the logits:
/// `∂F/∂z_j = π_j (g_j − Σ_b π_b g_b)` with `g = ∂F/∂π = q − α(ln π + 1)`.
fn gradient(z: &[f64], q: &[f64], alpha: f64) -> Vec<f64> {
    let pi = softmax(z);
    let g: Vec<f64> = pi
        .iter()
        .zip(q)
        .map(|(&p, &qa)| qa - alpha * (p.ln() + 1.0))
        .collect();
    let mean: f64 = pi.iter().zip(&g).map(|(p, g)| p * g).sum();
    pi.iter().zip(&g).map(|(p, g)| p * (g - mean)).collect()
}

/// Maximises `F(softmax(z))` over the logits by a damped Newton method: logit 0 is fixed
/// at 0 (removing the shift invariance), the Hessian is taken by central differences of
/// the gradient, and each step is accepted only if it does not decrease `F` (halving
/// otherwise). A generic optimiser that knows nothing of the closed form.
fn maximise_numerically(q: &[f64], alpha: f64) -> (f64, Vec<f64>) {
    let n = q.len();
    let f = |z: &[f64]| gibbs_objective(&softmax(z), q, alpha);
    let mut z = vec![0.0; n];
    for _ in 0..500 {
        let grad: Vec<f64> = gradient(&z, q, alpha)[1..].to_vec();
        if grad.iter().map(|g| g * g).sum::<f64>() < 1e-30 {
            break;
        }
        let h = 1e-5;
        let mut hess = nalgebra::DMatrix::<f64>::zeros(n - 1, n - 1);
        for j in 1..n {
            let (mut zp, mut zm) = (z.clone(), z.clone());
            zp[j] += h;
            zm[j] -= h;
            let (gp, gm) = (gradient(&zp, q, alpha), gradient(&zm, q, alpha));
            for i in 1..n {
                hess[(i - 1, j - 1)] = -(gp[i] - gm[i]) / (2.0 * h);
            }
        }
        let hess = (&hess + hess.transpose()) * 0.5;
        // Saddle-free Newton: |H|⁻¹ g, with each eigenvalue replaced by its absolute value
        // (floored at 1e-12), an ascent direction wherever F is locally convex as well.
        let eig = hess.symmetric_eigen();
        let g = nalgebra::DVector::from_vec(grad.clone());
        let coeffs = eig.eigenvectors.transpose() * &g;
        let scaled = nalgebra::DVector::from_iterator(
            n - 1,
            coeffs
                .iter()
                .zip(eig.eigenvalues.iter())
                .map(|(c, l)| c / l.abs().max(1e-12)),
        );
        let direction: Vec<f64> = (&eig.eigenvectors * scaled).iter().copied().collect();
        let f0 = f(&z);
        let mut step = 1.0;
        while step * direction.iter().fold(0.0f64, |m, d| m.max(d.abs())) > 2.0 {
            step *= 0.5; // a trust region: no logit moves by more than 2 per step
        }
        loop {
            let mut cand = z.clone();
            for i in 1..n {
                cand[i] += step * direction[i - 1];
            }
            if f(&cand) >= f0 {
                z = cand;
                break;
            }
            step *= 0.5;
            if step < 1e-12 {
                return (f0, softmax(&z));
            }
        }
    }
    (f(&z), softmax(&z))
}

// ---------------------------------------------------------------- Claim 3.1

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn claim_3_1_gibbs_variational_principle(
        q in prop::collection::vec(-3.0..3.0f64, 2..=6),
        alpha in 0.3..3.0f64,
        seed in any::<u64>(),
    ) {
        let n = q.len();
        let scaled: Vec<f64> = q.iter().map(|x| x / alpha).collect();
        let max_value = alpha * log_sum_exp(&scaled);
        let pi_star = softmax(&scaled);
        // Rounding of F at π* (n terms of size ≤ 3 + α ln n): far below 1e-12.
        let at_star = gibbs_objective(&pi_star, &q, alpha);
        prop_assert!((at_star - max_value).abs() < 1e-12, "{at_star} vs {max_value}");

        // The numerical optimiser reaches the same value and the same maximiser. Newton
        // converges quadratically; stopped at ‖∇‖ < 1e-15 (or by rounding of F, ≈ 1e-15),
        // its optimality gap is far below 1e-9, and by strong concavity on the simplex
        // (F is α-strongly concave w.r.t. ‖·‖₁, Pinsker) the maximiser is within
        // √(2·gap/α) < 1e-4 in ℓ₁.
        let (best, pi_num) = maximise_numerically(&q, alpha);
        prop_assert!(best <= max_value + 1e-12, "optimiser exceeded the bound: {best} > {max_value}");
        prop_assert!(max_value - best < 1e-9, "optimiser gap {}", max_value - best);
        for (a, b) in pi_num.iter().zip(&pi_star) {
            prop_assert!((a - b).abs() < 1e-4, "{pi_num:?} vs {pi_star:?}");
        }

        // Every other policy is strictly below: random points of the simplex and small
        // perturbations of π*. Moving mass δ from action i to j costs
        // α KL ≈ α δ²/2 · (1/π_i + 1/π_j) ≥ α δ² ≥ 3e-13 for δ > 1e-6 and α ≥ 0.3, above
        // the rounding of F (≈ 1e-14 for |F| ≤ 5).
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..100 {
            let w: Vec<f64> = (0..n).map(|_| -rng.random::<f64>().ln()).collect();
            let total: f64 = w.iter().sum();
            let pi: Vec<f64> = w.iter().map(|x| x / total).collect();
            prop_assert!(gibbs_objective(&pi, &q, alpha) < max_value);
        }
        for eps in [1e-1, 1e-2, 1e-3] {
            let (i, j) = (rng.random_range(0..n), rng.random_range(0..n));
            if i == j {
                continue;
            }
            let mut pi = pi_star.clone();
            let delta = eps * pi[i].min(1.0 - pi[j]);
            pi[i] -= delta;
            pi[j] += delta;
            if delta > 1e-6 {
                prop_assert!(gibbs_objective(&pi, &q, alpha) < max_value - 1e-13);
            }
        }
    }
}

// ---------------------------------------------------------------- Claim 3.2

/// One discounted rollout of `π` from `s0`, truncated at `horizon`, accumulating
/// `γ^t (r_t − α ln π(a_t | s_t))`: the sampled entropy term, whose conditional
/// expectation is `α H(π(· | s_t))`.
fn soft_return(
    mdp: &Mdp,
    pi: &TabularPolicy,
    alpha: f64,
    s0: usize,
    horizon: usize,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let (mut s, mut g, mut discount) = (s0, 0.0, 1.0);
    for _ in 0..horizon {
        if mdp.is_terminal(s) {
            break;
        }
        let a = pi.sample_action(s, rng);
        g += discount * (mdp.reward(s, a) - alpha * pi.log_prob(s, a));
        discount *= mdp.discount();
        s = mdp.sample_next_state(s, a, rng);
    }
    g
}

#[test]
fn claim_3_2_soft_return_monte_carlo_matches_exact_evaluation() {
    let mut rng = ChaCha8Rng::seed_from_u64(32);
    let mdp = garnet(10, 3, 3, 0.9, &mut rng).unwrap();
    let alpha = 0.5;
    // A random stochastic policy, every probability ≥ 0.1/3.3 ≈ 0.03.
    let probs: Vec<f64> = (0..10)
        .flat_map(|_| {
            let w: Vec<f64> = (0..3).map(|_| 0.1 + rng.random::<f64>()).collect();
            let t: f64 = w.iter().sum();
            w.into_iter().map(move |x| x / t)
        })
        .collect();
    let pi = TabularPolicy::from_probs(10, 3, probs).unwrap();
    let exact = soft_policy_evaluation(&mdp, &pi, alpha).unwrap();
    // Truncation at 350 steps: rewards in [0, 1) and −α ln π ≤ α ln 33 < 2, so the
    // omitted tail is below γ^350 · 3/(1 − γ) < 1e-14.
    let horizon = 350;
    for s0 in [0, 4, 9] {
        let est = MonteCarloEstimate::from_samples(
            (0..4000).map(|_| soft_return(&mdp, &pi, alpha, s0, horizon, &mut rng)),
        )
        .unwrap();
        assert!(
            est.z_score(exact[s0]).abs() <= MC_Z,
            "s0 = {s0}: MC {} ± {} vs exact {}",
            est.mean,
            est.std_error,
            exact[s0]
        );
    }
}

// ---------------------------------------------------------------- Claim 3.3

#[test]
fn claim_3_3_optimal_soft_value_is_log_partition_over_action_sequences() {
    // A random deterministic MDP: 4 states, 3 actions, next state f(s, a), reward r(s, a).
    let mut rng = ChaCha8Rng::seed_from_u64(33);
    let (n, k, horizon) = (4usize, 3usize, 5usize);
    let next: Vec<usize> = (0..n * k).map(|_| rng.random_range(0..n)).collect();
    let rewards: Vec<f64> = (0..n * k).map(|_| rng.random_range(-2.0..2.0)).collect();
    let transitions: Vec<Vec<(usize, f64)>> = next.iter().map(|&j| vec![(j, 1.0)]).collect();
    let mdp = Mdp::new(n, k, &transitions, rewards.clone(), 1.0).unwrap();
    for alpha in [0.1, 1.0, 4.0] {
        let sol = finite_horizon_soft_value_iteration(&mdp, alpha, horizon, &vec![0.0; n]).unwrap();
        for s0 in 0..n {
            // Brute force: every one of the 3⁵ = 243 action sequences, its return R, and
            // the log-partition α ln Σ exp(R/α); also the probability the time-indexed
            // Boltzmann policies give the sequence, which must be exp((R − V_0)/α).
            let mut returns = Vec::new();
            for code in 0..k.pow(horizon as u32) {
                let (mut s, mut c, mut ret) = (s0, code, 0.0);
                for _ in 0..horizon {
                    let a = c % k;
                    c /= k;
                    ret += rewards[s * k + a];
                    s = next[s * k + a];
                }
                returns.push(ret / alpha);
            }
            let log_z = alpha * log_sum_exp(&returns);
            // Both are sums of ≤ 5 terms of size ≤ 2 plus a log-sum-exp of 243 terms:
            // rounding below 1e-13 in value.
            assert!(
                (sol.values[0][s0] - log_z).abs() < 1e-12,
                "α = {alpha}, s0 = {s0}: {} vs {log_z}",
                sol.values[0][s0]
            );
            // ln P(sequence) = R/α − V_0/α for every sequence (checked after shifting).
            let shift = sol.values[0][s0] / alpha;
            let worst = (0..k.pow(horizon as u32))
                .map(|i| {
                    let (mut s, mut c, mut log_p) = (s0, i, 0.0);
                    for t in 0..horizon {
                        let a = c % k;
                        c /= k;
                        log_p += sol.policies[t].log_prob(s, a);
                        s = next[s * k + a];
                    }
                    (log_p - (returns[i] - shift)).abs()
                })
                .fold(0.0, f64::max);
            // Log-probabilities up to 5 · 4/α = 200 in size: relative rounding 1e-15.
            assert!(worst < 1e-11, "α = {alpha}: ln P off by {worst}");

            // The KL form: for any (random, time-indexed) policy, with p_π its sequence
            // distribution and p(τ|O) = exp(R/α)/Z, α KL(p_π ‖ p(·|O)) = α ln Z − J(π),
            // both sides enumerated over the 243 sequences.
            for _ in 0..20 {
                let probs: Vec<Vec<f64>> = (0..horizon * n)
                    .map(|_| {
                        let w: Vec<f64> = (0..k).map(|_| rng.random_range(0.05..1.0)).collect();
                        let z: f64 = w.iter().sum();
                        w.iter().map(|x| x / z).collect()
                    })
                    .collect();
                let (mut j, mut kl) = (0.0, 0.0);
                for (i, &r_over_alpha) in returns.iter().enumerate() {
                    let (mut s, mut c, mut p, mut entropy_term) = (s0, i, 1.0, 0.0);
                    for t in 0..horizon {
                        let a = c % k;
                        c /= k;
                        let pa = probs[t * n + s][a];
                        p *= pa;
                        entropy_term -= alpha * pa.ln();
                        s = next[s * k + a];
                    }
                    j += p * (alpha * r_over_alpha + entropy_term);
                    kl += p * (p.ln() - (r_over_alpha - log_z / alpha));
                }
                // Sums of 243 terms of size ≤ 30: rounding below 1e-11.
                assert!(
                    (alpha * kl - (log_z - j)).abs() < 1e-10,
                    "α = {alpha}: α KL = {} vs α ln Z − J = {}",
                    alpha * kl,
                    log_z - j
                );
                assert!(j <= log_z + 1e-12);
            }
        }
    }
}

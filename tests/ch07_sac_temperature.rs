//! Claims of chapter 7, "SAC's temperature".

#[path = "common/ch07_bandit.rs"]
mod ch07_bandit;
mod common;

use common::{MC_Z, check_generated_block};
use maxent_rl::experiments::run_temperature_bandit;
use maxent_rl::{
    LossError, MonteCarloEstimate, TanhGaussian, TemperatureConfig, TemperatureState,
    discrete_sac_actor_loss, discrete_soft_critic_target, log_softmax, log_sum_exp, sac_actor_loss,
    soft_critic_target, softmax, temperature_loss, temperature_loss_grad,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// Draws an index from probabilities by inversion (the test's own sampler).
fn sample_index(p: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, &pi) in p.iter().enumerate() {
        acc += pi;
        if u < acc {
            return i;
        }
    }
    p.len() - 1
}

// ---------------------------------------------------------------- Claim 7.1

#[test]
fn claim_7_1_critic_target_hand_worked() {
    // r = 0.5, γ = 0.9, Q'₁ = 3, Q'₂ = 2 (the minimum, 2, is used), α = 0.2, ln π = −1.5:
    // y = 0.5 + 0.9 · (2 + 0.3) = 2.57.
    let y = soft_critic_target(&[0.5], &[0.9], &[3.0], &[2.0], &[-1.5], 0.2).unwrap();
    assert!((y[0] - 2.57).abs() < 1e-15);
    // α = 0 gives the clipped double-Q target of TD3: 0.5 + 0.9 · 2.
    let y0 = soft_critic_target(&[0.5], &[0.9], &[3.0], &[2.0], &[-1.5], 0.0).unwrap();
    assert!((y0[0] - 2.3).abs() < 1e-15);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn claim_7_1_terminal_transition_ignores_next_state(
        r in prop::collection::vec(-10.0..10.0f64, 1..16),
        next in prop::collection::vec((-1e6..1e6f64, -1e6..1e6f64, -1e3..1e3f64), 16),
        alpha in 0.0..10.0f64,
    ) {
        let n = r.len();
        let q1: Vec<f64> = next[..n].iter().map(|t| t.0).collect();
        let q2: Vec<f64> = next[..n].iter().map(|t| t.1).collect();
        let lp: Vec<f64> = next[..n].iter().map(|t| t.2).collect();
        let y = soft_critic_target(&r, &vec![0.0; n], &q1, &q2, &lp, alpha).unwrap();
        // done = 1 (discount 0): exactly the reward, whatever the next state's values.
        prop_assert_eq!(y, r);
    }

    #[test]
    fn claim_7_1_batch_target_is_single_items_mapped(
        items in prop::collection::vec(
            (-5.0..5.0f64, 0.0..=1.0f64, -20.0..20.0f64, -20.0..20.0f64, -10.0..5.0f64), 1..16),
        alpha in 0.0..2.0f64,
    ) {
        let col = |f: fn(&(f64, f64, f64, f64, f64)) -> f64| items.iter().map(f).collect::<Vec<f64>>();
        let (r, d, q1, q2, lp) = (col(|t| t.0), col(|t| t.1), col(|t| t.2), col(|t| t.3), col(|t| t.4));
        let y = soft_critic_target(&r, &d, &q1, &q2, &lp, alpha).unwrap();
        for b in 0..items.len() {
            let single = soft_critic_target(&r[b..=b], &d[b..=b], &q1[b..=b], &q2[b..=b], &lp[b..=b], alpha).unwrap();
            prop_assert_eq!(y[b], single[0]);
            // Swapping the two critics changes nothing (the minimum is symmetric).
            let swapped = soft_critic_target(&r[b..=b], &d[b..=b], &q2[b..=b], &q1[b..=b], &lp[b..=b], alpha).unwrap();
            prop_assert_eq!(y[b], swapped[0]);
        }
    }
}

#[test]
fn claim_7_1_bad_input_is_named() {
    assert_eq!(
        soft_critic_target(
            &[0.0, 1.0],
            &[0.9, 1.5],
            &[0.0; 2],
            &[0.0; 2],
            &[0.0; 2],
            0.1
        ),
        Err(LossError::InvalidParameter {
            what: "discount_t",
            value: 1.5,
            expected: "in [0, 1]"
        })
    );
    assert_eq!(
        soft_critic_target(&[0.0], &[0.9], &[f64::NAN], &[0.0], &[0.0], 0.1)
            .map_err(|e| e.to_string()),
        Err("`q1_t[0]` is NaN; it must be finite".to_string())
    );
    assert!(matches!(
        soft_critic_target(&[0.0; 3], &[0.9; 3], &[0.0; 3], &[0.0; 2], &[0.0; 3], 0.1),
        Err(LossError::LengthMismatch {
            what: "q2_t",
            expected: 3,
            found: 2
        })
    ));
}

// ---------------------------------------------------------------- Claim 7.2

#[test]
fn claim_7_2_sampled_target_is_unbiased_for_the_soft_value() {
    // Discrete next state with 4 actions: the target's expectation over a' ~ π is
    // r + γ Σ_a π_a (min(Q'₁, Q'₂)_a − α ln π_a), computed by enumeration.
    let logits = [0.3, -1.0, 1.2, 0.0];
    let (q1, q2) = ([1.0, 2.0, 0.5, -1.0], [1.5, 1.0, 0.7, -0.5]);
    let (r, gamma, alpha) = (0.25, 0.97, 0.4);
    let p = softmax(&logits);
    let lp = log_softmax(&logits);
    let soft_value: f64 = (0..4)
        .map(|a| p[a] * (f64::min(q1[a], q2[a]) - alpha * lp[a]))
        .sum();
    let exact = r + gamma * soft_value;

    let mut rng = ChaCha8Rng::seed_from_u64(71);
    let n = 20_000;
    let mut draws = Vec::with_capacity(n);
    for _ in 0..n {
        let a = sample_index(&p, &mut rng);
        draws.push(a);
    }
    let y = soft_critic_target(
        &vec![r; n],
        &vec![gamma; n],
        &draws.iter().map(|&a| q1[a]).collect::<Vec<_>>(),
        &draws.iter().map(|&a| q2[a]).collect::<Vec<_>>(),
        &draws.iter().map(|&a| lp[a]).collect::<Vec<_>>(),
        alpha,
    )
    .unwrap();
    let est = MonteCarloEstimate::from_samples(y).unwrap();
    assert!(est.z_score(exact).abs() <= MC_Z, "{est:?} vs {exact}");

    // The discrete, exact-expectation target gives the enumerated value directly.
    let y_exact = discrete_soft_critic_target(&[r], &[gamma], &logits, 4, &q1, &q2, alpha).unwrap();
    assert!((y_exact[0] - exact).abs() < 1e-14);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn claim_7_2_discrete_target_matches_enumeration_with_masks(
        k in 2usize..=6,
        rows in prop::collection::vec(
            (prop::collection::vec(-4.0..4.0f64, 6), prop::collection::vec(-5.0..5.0f64, 12),
             -1.0..1.0f64, 0.0..=1.0f64),
            1..=4),
        mask in prop::option::of(1usize..6),
        alpha in 0.0..2.0f64,
    ) {
        let mut z: Vec<f64> = rows.iter().flat_map(|row| row.0[..k].to_vec()).collect();
        if let Some(i) = mask.filter(|&i| i < k) {
            z[i] = f64::NEG_INFINITY;
        }
        let q1: Vec<f64> = rows.iter().flat_map(|row| row.1[..k].to_vec()).collect();
        let q2: Vec<f64> = rows.iter().flat_map(|row| row.1[6..6 + k].to_vec()).collect();
        let r: Vec<f64> = rows.iter().map(|row| row.2).collect();
        let d: Vec<f64> = rows.iter().map(|row| row.3).collect();
        let y = discrete_soft_critic_target(&r, &d, &z, k, &q1, &q2, alpha).unwrap();
        for b in 0..r.len() {
            // Enumeration with probabilities from exponentials over the unmasked actions.
            let w: Vec<f64> = z[b * k..(b + 1) * k].iter().map(|x| x.exp()).collect();
            let total: f64 = w.iter().sum();
            let v: f64 = (0..k)
                .filter(|&i| w[i] > 0.0)
                .map(|i| {
                    let p = w[i] / total;
                    p * (q1[b * k + i].min(q2[b * k + i]) - alpha * p.ln())
                })
                .sum();
            // Rounding: k terms of size ≤ 5 + α ln 6 ≤ 9, a few ulps each.
            prop_assert!((y[b] - (r[b] + d[b] * v)).abs() < 1e-13);
        }
    }
}

// ---------------------------------------------------------------- Claim 7.3

/// Policies on which the tanh-corrected log-density is checked.
fn squashed_policies() -> Vec<TanhGaussian> {
    [(0.0, 0.0), (0.8, -1.0), (-1.5, 0.5), (0.0, (3.0f64).ln())]
        .iter()
        .map(|&(m, ls)| TanhGaussian::new(vec![m], vec![ls]).unwrap())
        .collect()
}

#[test]
fn claim_7_3_sample_log_prob_matches_statrs_density_of_tanh_u() {
    // Pointwise: the density of a = tanh(u) is N(u; μ, σ)/(1 − tanh² u). statrs gives the
    // Gaussian density; 1 − tanh² u is computed naively, accurate to ~1e-13 relative for
    // |u| ≤ 5 (1 − tanh² u ≥ 1.8e-4). Only samples with |u| ≤ 5 are compared.
    let mut rng = ChaCha8Rng::seed_from_u64(73);
    for policy in squashed_policies() {
        let normal = Normal::new(policy.mean()[0], policy.log_std()[0].exp()).unwrap();
        let mut compared = 0;
        for _ in 0..2000 {
            let s = policy.sample_and_log_prob(&mut rng);
            let u = s.pre_tanh[0];
            if u.abs() > 5.0 {
                continue;
            }
            let reference = (normal.pdf(u) / (1.0 - u.tanh().powi(2))).ln();
            assert!(
                (s.log_prob - reference).abs() < 1e-11,
                "u = {u}: {} vs {reference}",
                s.log_prob
            );
            compared += 1;
        }
        assert!(compared > 500);
    }
}

/// `E_{a~π}[1{a ∈ (lo, hi)} / π(a)]`, estimated from the samples and their returned
/// log-probabilities. For the true density it equals `hi − lo` (importance sampling of
/// the uniform measure), with no reference to any formula for `π`.
fn interval_length_estimate(
    policy: &TanhGaussian,
    lo: f64,
    hi: f64,
    n: usize,
    log_prob_of: impl Fn(&[f64]) -> f64,
    rng: &mut ChaCha8Rng,
) -> MonteCarloEstimate {
    MonteCarloEstimate::from_samples((0..n).map(|_| {
        let s = policy.sample_and_log_prob(rng);
        let a = s.action[0];
        if a > lo && a < hi {
            (-log_prob_of(&s.pre_tanh)).exp()
        } else {
            0.0
        }
    }))
    .unwrap()
}

#[test]
fn claim_7_3_sample_log_prob_is_the_density_of_the_samples() {
    let mut rng = ChaCha8Rng::seed_from_u64(74);
    for policy in squashed_policies() {
        for (lo, hi) in [(-0.5, 0.5), (0.9, 0.99), (-0.999, -0.9)] {
            // The library's log-density at the sample (what SAC's actor loss uses).
            let est = interval_length_estimate(
                &policy,
                lo,
                hi,
                40_000,
                |u| policy.log_prob_pre_tanh(u).unwrap(),
                &mut rng,
            );
            // Skip intervals the policy visits less than 2% of the time (a few large
            // weights; the normal approximation of the estimate is then poor). The
            // probability is P(atanh lo < u < atanh hi), from statrs's Gaussian CDF.
            let normal = Normal::new(policy.mean()[0], policy.log_std()[0].exp()).unwrap();
            let visit = normal.cdf(f64::atanh(hi)) - normal.cdf(f64::atanh(lo));
            if visit < 0.02 {
                continue;
            }
            assert!(
                est.z_score(hi - lo).abs() <= MC_Z,
                "{policy:?} ({lo}, {hi}): {est:?}"
            );
        }
    }
}

#[test]
fn claim_7_3_guarded_log_prob_fails_the_same_check() {
    // The same check with the common `ln(1 − tanh² u + 1e-6)` Jacobian on a saturated
    // policy (σ = 3): near the bound it underestimates π, so 1/π and the interval length
    // come out far too large.
    let policy = TanhGaussian::new(vec![0.0], vec![(3.0f64).ln()]).unwrap();
    let normal = Normal::new(0.0, 3.0).unwrap();
    let guarded = |u: &[f64]| normal.ln_pdf(u[0]) - (1.0 - u[0].tanh().powi(2) + 1e-6).ln();
    let mut rng = ChaCha8Rng::seed_from_u64(75);
    // a ∈ (tanh 7, tanh 9) ⇔ u ∈ (7, 9), visited with probability 0.0085. There the
    // importance weight is (1 − tanh² u)/N(u; 0, 3) for the true density, and
    // (1 − tanh² u + 1e-6)/N(u; 0, 3) for the guarded one: both bounded, so both estimates
    // are well behaved, and the guarded one's expectation is the length (1.63e-6) plus
    // 2 · 1e-6 — more than double.
    let (lo, hi) = (7f64.tanh(), 9f64.tanh());
    let exact = interval_length_estimate(
        &policy,
        lo,
        hi,
        100_000,
        |u| policy.log_prob_pre_tanh(u).unwrap(),
        &mut rng,
    );
    assert!(exact.z_score(hi - lo).abs() <= MC_Z, "{exact:?}");
    let biased = interval_length_estimate(&policy, lo, hi, 100_000, guarded, &mut rng);
    assert!(
        biased.z_score(hi - lo) > 10.0,
        "the guarded form should overestimate: {biased:?}"
    );
}

// ---------------------------------------------------------------- Claim 7.4

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn claim_7_4_reparam_gradient_matches_finite_differences(
        mean in prop::collection::vec(-2.0..2.0f64, 1..=3),
        log_std in prop::collection::vec(-2.0..1.0f64, 3),
        eps in prop::collection::vec(-3.0..3.0f64, 3),
    ) {
        let d = mean.len();
        let (log_std, eps) = (&log_std[..d], &eps[..d]);
        // a(θ) and ln π(a(θ)) with the noise ε held fixed.
        let forward = |m: &[f64], ls: &[f64]| {
            let u: Vec<f64> = (0..d).map(|i| m[i] + ls[i].exp() * eps[i]).collect();
            let policy = TanhGaussian::new(m.to_vec(), ls.to_vec()).unwrap();
            let a: Vec<f64> = u.iter().map(|x| x.tanh()).collect();
            (a, policy.log_prob_pre_tanh(&u).unwrap(), u)
        };
        let (_, _, u) = forward(&mean, log_std);
        let policy = TanhGaussian::new(mean.clone(), log_std.to_vec()).unwrap();
        let g = policy.reparam_grad(&u).unwrap();
        // h = 1e-5: truncation h²/6 · |f'''| with |f'''| ≤ 10³ (terms up to (σε)³ ≤ (3e)³ ≈ 540
        // times derivatives of tanh and of ln sech², bounded by 2 in absolute value) is
        // ≤ 1.7e-8; rounding ε|f|/h with |f| ≤ 30 is 7e-10. Tolerance 1e-7.
        let h = 1e-5;
        for i in 0..d {
            let mut mp = mean.clone(); mp[i] += h;
            let mut mm = mean.clone(); mm[i] -= h;
            let (ap, lpp, _) = forward(&mp, log_std);
            let (am, lpm, _) = forward(&mm, log_std);
            prop_assert!((g.d_action_d_mean[i] - (ap[i] - am[i]) / (2.0 * h)).abs() < 1e-7);
            prop_assert!((g.d_log_prob_d_mean[i] - (lpp - lpm) / (2.0 * h)).abs() < 1e-7);
            let mut sp = log_std.to_vec(); sp[i] += h;
            let mut sm = log_std.to_vec(); sm[i] -= h;
            let (ap, lpp, _) = forward(&mean, &sp);
            let (am, lpm, _) = forward(&mean, &sm);
            prop_assert!((g.d_action_d_log_std[i] - (ap[i] - am[i]) / (2.0 * h)).abs() < 1e-7);
            prop_assert!((g.d_log_prob_d_log_std[i] - (lpp - lpm) / (2.0 * h)).abs() < 1e-7);
        }
    }
}

#[test]
fn claim_7_4_actor_loss_gradient_through_the_sample_matches_finite_differences() {
    // The full SAC actor loss of a batch, (1/n) Σ (α ln π(a_k) − Q(a_k)) with
    // Q(a) = −(a − 0.3)², as a function of (μ, ln σ) for fixed noise.
    let (alpha, n) = (0.3, 32);
    let mut rng = ChaCha8Rng::seed_from_u64(76);
    let eps: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
    let q = |a: f64| -(a - 0.3) * (a - 0.3);
    let loss = |m: f64, ls: f64| {
        let policy = TanhGaussian::new(vec![m], vec![ls]).unwrap();
        let u: Vec<f64> = eps.iter().map(|e| m + ls.exp() * e).collect();
        let log_pi: Vec<f64> = u
            .iter()
            .map(|&x| policy.log_prob_pre_tanh(&[x]).unwrap())
            .collect();
        let q_t: Vec<f64> = u.iter().map(|x| q(x.tanh())).collect();
        sac_actor_loss(&log_pi, &q_t, alpha).unwrap()
    };
    for (m, ls) in [(0.0, 0.0), (0.7, -1.0), (-1.2, 0.4)] {
        let policy = TanhGaussian::new(vec![m], vec![ls]).unwrap();
        let (mut g_m, mut g_s) = (0.0, 0.0);
        for e in &eps {
            let u = m + f64::exp(ls) * e;
            let g = policy.reparam_grad(&[u]).unwrap();
            let dq = -2.0 * (u.tanh() - 0.3);
            g_m += (alpha * g.d_log_prob_d_mean[0] - dq * g.d_action_d_mean[0]) / n as f64;
            g_s += (alpha * g.d_log_prob_d_log_std[0] - dq * g.d_action_d_log_std[0]) / n as f64;
        }
        let h = 1e-5;
        let fd_m = (loss(m + h, ls) - loss(m - h, ls)) / (2.0 * h);
        let fd_s = (loss(m, ls + h) - loss(m, ls - h)) / (2.0 * h);
        // Same error budget as the per-sample test above.
        assert!((g_m - fd_m).abs() < 1e-7, "{g_m} vs {fd_m}");
        assert!((g_s - fd_s).abs() < 1e-7, "{g_s} vs {fd_s}");
    }
}

// ---------------------------------------------------------------- Claim 7.5

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn claim_7_5_discrete_actor_gradient_matches_finite_differences(
        k in 2usize..=6,
        rows in prop::collection::vec((prop::collection::vec(-4.0..4.0f64, 6), prop::collection::vec(-3.0..3.0f64, 6)), 1..=3),
        mask in prop::option::of(1usize..6),
        alpha in 0.0..2.0f64,
    ) {
        let mut z: Vec<f64> = rows.iter().flat_map(|(zr, _)| zr[..k].to_vec()).collect();
        let q: Vec<f64> = rows.iter().flat_map(|(_, qr)| qr[..k].to_vec()).collect();
        if let Some(i) = mask.filter(|&i| i < k) {
            z[i] = f64::NEG_INFINITY; // mask one action of the first state
        }
        let out = discrete_sac_actor_loss(&z, k, &q, alpha).unwrap();
        let loss = |zz: &[f64]| discrete_sac_actor_loss(zz, k, &q, alpha).unwrap().loss;
        // As in chapter 2: h = 1e-4, |L'''| ≤ (α + |Q|)·6 ≤ 30, tolerance 1e-6.
        let h = 1e-4;
        for i in 0..z.len() {
            if z[i] == f64::NEG_INFINITY {
                prop_assert_eq!(out.grad_logits[i], 0.0);
                continue;
            }
            let mut p = z.clone(); p[i] += h;
            let mut m = z.clone(); m[i] -= h;
            let fd = (loss(&p) - loss(&m)) / (2.0 * h);
            prop_assert!((out.grad_logits[i] - fd).abs() < 1e-6, "i = {i}: {} vs {fd}", out.grad_logits[i]);
        }
    }

    #[test]
    fn claim_7_5_discrete_actor_minimum_is_softmax_q_over_alpha(
        q in prop::collection::vec(-3.0..3.0f64, 2..=8),
        z in prop::collection::vec(-4.0..4.0f64, 8),
        alpha in 0.05..3.0f64,
    ) {
        let k = q.len();
        let scaled: Vec<f64> = q.iter().map(|x| x / alpha).collect();
        let at_optimum = discrete_sac_actor_loss(&scaled, k, &q, alpha).unwrap();
        // The minimum value is −α lse(Q/α), and the gradient vanishes there (rounding:
        // entries ≤ |f| ≤ 3 + α ln 8 times a few ulps).
        prop_assert!((at_optimum.loss + alpha * log_sum_exp(&scaled)).abs() < 1e-12);
        prop_assert!(at_optimum.grad_logits.iter().all(|g| g.abs() < 1e-12));
        // No other policy (random logits) does better.
        let other = discrete_sac_actor_loss(&z[..k], k, &q, alpha).unwrap();
        prop_assert!(other.loss >= at_optimum.loss - 1e-12);
    }
}

#[test]
fn claim_7_5_discrete_loss_is_the_expectation_of_the_sampled_loss() {
    // The exact sum Σ_a π_a (α ln π_a − Q_a) against the expectation of the
    // continuous-form loss α ln π(a) − Q(a) (`sac_actor_loss` on one sampled action),
    // taken by enumerating the 5 actions with probabilities computed here from exp.
    let logits = [0.5, -0.2, 1.0, -1.5, 0.0];
    let q = [0.3, 1.1, -0.4, 2.0, 0.0];
    let alpha = 0.7;
    let exact = discrete_sac_actor_loss(&logits, 5, &q, alpha).unwrap().loss;
    let z: f64 = logits.iter().map(|x: &f64| x.exp()).sum();
    let expectation: f64 = (0..5)
        .map(|a| {
            let p = logits[a].exp() / z;
            p * sac_actor_loss(&[p.ln()], &[q[a]], alpha).unwrap()
        })
        .sum();
    // Five terms of size ≤ 3, each with a few roundings: error ≤ 20 ε · 3 ≈ 1.3e-14.
    assert!(
        (expectation - exact).abs() < 1e-13,
        "{expectation} vs {exact}"
    );
}

// ---------------------------------------------------------------- Claim 7.6

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn claim_7_6_temperature_gradient_matches_finite_differences(
        log_pi in prop::collection::vec(-5.0..3.0f64, 1..64),
        log_alpha in -8.0..2.0f64,
        target in -6.0..2.0f64,
    ) {
        let g = temperature_loss_grad(&log_pi, target).unwrap();
        let h = 1e-4;
        let fd = (temperature_loss(log_alpha + h, &log_pi, target).unwrap()
            - temperature_loss(log_alpha - h, &log_pi, target).unwrap())
            / (2.0 * h);
        // The loss is linear in ln α: no truncation error; rounding ε·|J|/h ≤ 2.2e-16 · 80 / 1e-4.
        prop_assert!((g - fd).abs() < 1e-9, "{g} vs {fd}");
        // And it is the batch entropy estimate minus the target.
        let entropy_estimate = -log_pi.iter().sum::<f64>() / log_pi.len() as f64;
        prop_assert!((g - (entropy_estimate - target)).abs() < 1e-12);
    }

    #[test]
    fn claim_7_6_temperature_step_moves_alpha_towards_the_target(
        log_pi in prop::collection::vec(-5.0..3.0f64, 1..64),
        log_alpha in -8.0..2.0f64,
        target in -6.0..2.0f64,
        lr in 1e-4..0.1f64,
    ) {
        let config = TemperatureConfig { target_entropy: target, learning_rate: lr, initial_log_alpha: log_alpha };
        let mut state = TemperatureState::new(&config);
        let before = state.alpha();
        let step = state.update(&config, &log_pi).unwrap();
        let entropy_estimate = -log_pi.iter().sum::<f64>() / log_pi.len() as f64;
        // Strictly up below the target, strictly down above it (skip ties within rounding).
        if entropy_estimate < target - 1e-9 {
            prop_assert!(step.alpha > before);
        } else if entropy_estimate > target + 1e-9 {
            prop_assert!(step.alpha < before);
        }
        prop_assert_eq!(state.steps, 1);
        // The step reports what it did: the batch's entropy estimate, the loss before the
        // step (`−ln α · mean(ln π + H̄)` at the old ln α, the sb3 form), and the new
        // α = e^{ln α − η(Ĥ − H̄)}. Rounding: a few ulps of numbers below 100.
        let scale = 1.0 + entropy_estimate.abs();
        prop_assert!((step.entropy_estimate - entropy_estimate).abs() < 1e-12 * scale);
        let loss = -log_alpha * (-entropy_estimate + target);
        prop_assert!((step.loss - loss).abs() < 1e-12 * (1.0 + loss.abs()));
        let after = (log_alpha - lr * (entropy_estimate - target)).exp();
        prop_assert!((step.alpha - after).abs() < 1e-12 * after);
        prop_assert_eq!(step.alpha, state.alpha());
    }
}

// ---------------------------------------------------------------- Claim 7.7

#[test]
fn claim_7_7_entropy_settles_at_the_target() {
    let mut table = String::from(
        "| run | $\\alpha$ after 100 updates | final $\\alpha$ | final entropy (Monte-Carlo, $n = 2000$) | largest $\\lvert\\hat{\\mathcal{H}} - \\bar{\\mathcal{H}}\\rvert$, last quarter |\n|---|---:|---:|---:|---:|\n",
    );
    let mut final_alphas = Vec::new();
    for (label, config) in ch07_bandit::runs() {
        let run =
            run_temperature_bandit(&config, &mut ChaCha8Rng::seed_from_u64(ch07_bandit::SEED))
                .unwrap();
        let target = config.temperature.target_entropy;
        let start = &run.trace[0];
        let early = &run.trace[1];
        // α first moves the way the entropy's side of the target says.
        if start.entropy.mean + MC_Z * start.entropy.std_error < target {
            assert!(early.alpha > start.alpha, "{label}: α should rise");
        } else {
            assert!(start.entropy.mean - MC_Z * start.entropy.std_error > target);
            assert!(early.alpha < start.alpha, "{label}: α should fall");
        }
        // Over the last quarter the policy's entropy averages to the target. Why it
        // should: each temperature step moves ln α by −η(Ĥ − H̄), so over N updates
        // mean(Ĥ) − H̄ = (ln α_start − ln α_end)/(η N) — tiny once ln α has settled —
        // and the batch estimates Ĥ are unbiased for the policy's entropy.
        //
        // The witness: the Monte-Carlo estimates from fresh samples (n = 2000 each,
        // independent of the training batches). Their mean's standard error is the larger
        // of the pooled Monte-Carlo error √(Σ se_i²)/n and the spread of the estimates
        // over √n, which also covers the policy's own fluctuation between recordings.
        let settled: Vec<_> = run
            .trace
            .iter()
            .filter(|t| 4 * t.step >= 3 * config.steps)
            .collect();
        let n = settled.len() as f64;
        let mean = settled.iter().map(|t| t.entropy.mean).sum::<f64>() / n;
        let pooled = settled
            .iter()
            .map(|t| t.entropy.std_error.powi(2))
            .sum::<f64>()
            .sqrt()
            / n;
        let spread = (settled
            .iter()
            .map(|t| (t.entropy.mean - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0))
            .sqrt()
            / n.sqrt();
        let std_error = pooled.max(spread);
        assert!(
            (mean - target).abs() <= MC_Z * std_error,
            "{label}: settled entropy {mean} ± {std_error} vs target {target}"
        );
        let worst = settled
            .iter()
            .map(|t| (t.entropy.mean - target).abs())
            .fold(0.0, f64::max);
        let last = run.trace.last().unwrap();
        final_alphas.push(last.alpha);
        table.push_str(
            &format!(
                "| {label} | {:.4} | {:.4} | {:.3} ± {:.3} | {:.3} |\n",
                early.alpha, last.alpha, last.entropy.mean, last.entropy.std_error, worst
            )
            .replace('-', "−"),
        );
    }
    // The prose under the table: from the high start α falls by two orders of magnitude
    // (final α below 2 % of α₀ = 1); both runs settle at the same α ≈ 0.016 (within 25 % of
    // each other and of the rough calculation 2 · 0.089² below it).
    assert!(final_alphas[0] < 0.02, "{final_alphas:?}");
    let rough =
        2.0 * ((-1.0f64).exp() / (2.0 * std::f64::consts::PI * std::f64::consts::E).sqrt()).powi(2);
    assert!((rough - 0.016).abs() < 0.0005, "{rough}");
    for &a in &final_alphas {
        assert!((a / rough - 1.0).abs() < 0.25, "{a} vs {rough}");
    }
    assert!((final_alphas[0] / final_alphas[1] - 1.0).abs() < 0.25);
    check_generated_block(
        "book/src/ch07-sac-temperature.md",
        "temperature-table",
        &table,
    );
}

#[test]
fn claim_7_6_bad_input_is_named_and_leaves_the_state_unchanged() {
    let config = TemperatureConfig {
        target_entropy: -1.0,
        learning_rate: 0.01,
        initial_log_alpha: -2.0,
    };
    let mut state = TemperatureState::new(&config);
    // (NaN ≠ NaN, so the value is checked with is_nan.)
    match state.update(&config, &[0.5, f64::NAN]) {
        Err(LossError::NonFinite { what, index, value }) => {
            assert_eq!((what, index), ("log_pi_t", 1));
            assert!(value.is_nan());
        }
        other => panic!("expected NonFinite, got {other:?}"),
    }
    assert_eq!(state, TemperatureState::new(&config));
    let bad_rate = TemperatureConfig {
        learning_rate: 0.0,
        ..config
    };
    assert!(matches!(
        state.update(&bad_rate, &[0.5]),
        Err(LossError::InvalidParameter {
            what: "learning_rate",
            ..
        })
    ));
    assert_eq!(state, TemperatureState::new(&config));
    assert_eq!(temperature_loss_grad(&[], -1.0), Err(LossError::EmptyBatch));
    assert!(matches!(
        maxent_rl::discrete_target_entropy(1, 0.98),
        Err(LossError::InvalidParameter {
            what: "num_actions",
            ..
        })
    ));
    assert!(matches!(
        maxent_rl::continuous_target_entropy(0),
        Err(LossError::InvalidParameter {
            what: "action_dim",
            ..
        })
    ));
}

// ---------------------------------------------------------------- Claim 7.8

/// Entropy of a probability vector, written out (0 ln 0 = 0).
fn entropy_of(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&x| x > 0.0)
        .map(|x| x * x.ln())
        .sum::<f64>()
}

/// `softmax(r/α)`, written out with the maximum shifted.
fn boltzmann(r: &[f64], alpha: f64) -> Vec<f64> {
    let m = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = r.iter().map(|x| ((x - m) / alpha).exp()).collect();
    let z: f64 = w.iter().sum();
    w.iter().map(|x| x / z).collect()
}

#[test]
fn claim_7_8_temperature_dual_sets_the_average_entropy_to_the_target() {
    // The last step of SAC's constrained problem: 6 states with a fixed distribution d,
    // 4 actions, random rewards, target entropy H̄ = 0.8 (ln 4 ≈ 1.39 is the maximum).
    let mut rng = ChaCha8Rng::seed_from_u64(78);
    let (n, k, target) = (6, 4, 0.8);
    let d: Vec<f64> = {
        let w: Vec<f64> = (0..n).map(|_| rng.random_range(0.1..1.0)).collect();
        let z: f64 = w.iter().sum();
        w.iter().map(|x| x / z).collect()
    };
    let r: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..k).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let avg_entropy = |alpha: f64| -> f64 {
        (0..n)
            .map(|s| d[s] * entropy_of(&boltzmann(&r[s], alpha)))
            .sum()
    };
    // The dual function g(α) = Σ_s d(s) α lse(r(s,·)/α) − α H̄, with the library's lse.
    let g = |alpha: f64| -> f64 {
        (0..n)
            .map(|s| {
                let scaled: Vec<f64> = r[s].iter().map(|x| x / alpha).collect();
                d[s] * alpha * log_sum_exp(&scaled)
            })
            .sum::<f64>()
            - alpha * target
    };
    // (1) The envelope theorem: g'(α) = average entropy − H̄ (central differences; g is
    // smooth, truncation h² |g'''|/6 < 1e-9 here, rounding ε |g| / h < 1e-10).
    for alpha in [0.05, 0.2, 0.5, 1.0, 3.0] {
        let h = 1e-4;
        let fd = (g(alpha + h) - g(alpha - h)) / (2.0 * h);
        assert!(
            (fd - (avg_entropy(alpha) - target)).abs() < 1e-7,
            "α = {alpha}: {fd}"
        );
    }
    // (2) The minimiser α* of g, found by bisection on the (increasing) average entropy,
    // sets the average entropy to the target — not the entropy in each state.
    let (mut lo, mut hi) = (1e-3, 100.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if avg_entropy(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let alpha_star = 0.5 * (lo + hi);
    assert!((avg_entropy(alpha_star) - target).abs() < 1e-10);
    let per_state: Vec<f64> = (0..n)
        .map(|s| entropy_of(&boltzmann(&r[s], alpha_star)))
        .collect();
    assert!(per_state.iter().any(|&h| h > target + 0.05));
    assert!(per_state.iter().any(|&h| h < target - 0.05));
    for alpha in [
        0.5 * alpha_star,
        0.9 * alpha_star,
        1.1 * alpha_star,
        2.0 * alpha_star,
    ] {
        assert!(g(alpha) > g(alpha_star));
    }
    // (3) No duality gap: the Boltzmann policy at α* earns E[r] = g(α*), and no policy
    // that meets the constraint on average earns more. Random policies are pulled
    // towards uniform until their average entropy reaches H̄.
    let reward_of = |pi: &[Vec<f64>]| -> f64 {
        (0..n)
            .map(|s| d[s] * pi[s].iter().zip(&r[s]).map(|(p, x)| p * x).sum::<f64>())
            .sum()
    };
    let best: Vec<Vec<f64>> = (0..n).map(|s| boltzmann(&r[s], alpha_star)).collect();
    let primal = reward_of(&best);
    // Rounding of a few dozen terms of size ≤ 1 (and the bisection's 1e-10 on H).
    assert!(
        (primal - g(alpha_star)).abs() < 1e-9,
        "{primal} vs {}",
        g(alpha_star)
    );
    for _ in 0..2000 {
        let raw: Vec<Vec<f64>> = (0..n)
            .map(|_| {
                let w: Vec<f64> = (0..k).map(|_| rng.random::<f64>().powi(3)).collect();
                let z: f64 = w.iter().sum();
                w.iter().map(|x| x / z).collect()
            })
            .collect();
        let mix = |t: f64| -> Vec<Vec<f64>> {
            raw.iter()
                .map(|p| p.iter().map(|x| (1.0 - t) * x + t / k as f64).collect())
                .collect()
        };
        let avg = |pi: &[Vec<f64>]| -> f64 { (0..n).map(|s| d[s] * entropy_of(&pi[s])).sum() };
        // Smallest mixing weight that makes the policy feasible (entropy is concave, so the
        // average entropy increases along the segment to the uniform policy).
        let (mut lo, mut hi) = (0.0, 1.0);
        if avg(&mix(0.0)) < target {
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if avg(&mix(mid)) < target {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
        } else {
            hi = 0.0;
        }
        let pi = mix(hi);
        assert!(avg(&pi) >= target - 1e-12);
        assert!(reward_of(&pi) <= primal + 1e-12);
    }
}

#[test]
fn discrete_actor_loss_reads_q_only_where_the_action_is_allowed() {
    use maxent_rl::LossError;
    // A non-finite Q of an allowed action is named, with its flat index; that of a masked
    // action (logit −∞, probability 0) is never read, and the loss is that of the
    // allowed actions alone.
    let logits = [0.0, f64::NEG_INFINITY, 0.5, 1.0, -1.0, 0.0];
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let q = [1.0, 2.0, 3.0, 0.5, x, -1.0];
        match discrete_sac_actor_loss(&logits, 3, &q, 0.3) {
            Err(LossError::NonFinite {
                what: "q_t",
                index: 4,
                ..
            }) => {}
            other => panic!("{x}: {other:?}"),
        }
        let q = [1.0, x, 3.0, 0.5, 0.0, -1.0];
        let masked = discrete_sac_actor_loss(&logits, 3, &q, 0.3).unwrap();
        let q_any = [1.0, 7.0, 3.0, 0.5, 0.0, -1.0];
        let reference = discrete_sac_actor_loss(&logits, 3, &q_any, 0.3).unwrap();
        assert_eq!(masked.loss, reference.loss);
        assert_eq!(masked.grad_logits, reference.grad_logits);
    }
}

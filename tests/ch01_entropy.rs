//! Claims of chapter 1, "Entropy of a policy".

mod common;

use common::{MC_Z, check_generated_block, tanh_sinh_with_error};
use maxent_rl::{
    DistributionError, MonteCarloEstimate, TanhGaussian, categorical_entropy,
    categorical_entropy_and_grad, categorical_entropy_from_probs, diag_gaussian_entropy,
    diag_gaussian_log_prob, log_one_minus_tanh_sq, softmax,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};
use statrs::statistics::Distribution as _;

/// Logits in a range where every probability is representable: `[−20, 20]`.
fn logits(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-20.0..20.0f64, 1..=max_len)
}

/// Brute-force entropy from probabilities computed without log-softmax, for logits in
/// `[−20, 20]` (no overflow; every `e^z ≥ 2e-9`).
fn entropy_direct(logits: &[f64]) -> f64 {
    let weights: Vec<f64> = logits.iter().map(|z| z.exp()).collect();
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| {
            let p = w / total;
            -p * p.ln()
        })
        .sum()
}

// ---------------------------------------------------------------- Claim 1.1

#[test]
fn claim_1_1_uniform_policy_has_max_entropy() {
    for n in 1..=64usize {
        // Uniform from equal logits (any value) and from equal probabilities.
        let h = categorical_entropy(&vec![3.7; n]).unwrap();
        let h_p = categorical_entropy_from_probs(&vec![1.0 / n as f64; n]).unwrap();
        let exact = (n as f64).ln();
        // Rounding: each of the n terms is within a few ulps of ln n / n, and summing n
        // terms adds up to n − 1 roundings of the partial sum (≤ ln n): (n + 4) ε ln n.
        let tol = (n as f64 + 4.0) * f64::EPSILON * exact.max(1.0);
        assert!((h - exact).abs() <= tol, "n = {n}: {h} vs ln n = {exact}");
        assert!(
            (h_p - exact).abs() <= tol,
            "n = {n}: {h_p} vs ln n = {exact}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn claim_1_1_no_policy_exceeds_uniform(z in logits(32)) {
        let h = categorical_entropy(&z).unwrap();
        let bound = (z.len() as f64).ln();
        // Same rounding bound as the uniform case above.
        let tol = (z.len() as f64 + 4.0) * f64::EPSILON * bound.max(1.0);
        prop_assert!(h <= bound + tol, "{h} > ln {}", z.len());
    }

    // ------------------------------------------------------------ Claim 1.2

    #[test]
    fn claim_1_2_entropy_nonnegative_and_zero_iff_deterministic(
        z in logits(32),
        gap in 0.0..700.0f64,
    ) {
        // Non-negative, exactly, for any logits, including near-deterministic ones where
        // the favourite leads by up to 700 nats.
        let mut z = z;
        z[0] += gap;
        let h = categorical_entropy(&z).unwrap();
        prop_assert!(h >= 0.0);
        // Strictly positive whenever two actions have positive probability in f64.
        let p = softmax(&z);
        if p.iter().filter(|&&q| q > 0.0).count() >= 2 {
            prop_assert!(h > 0.0);
        }
        // Zero for a deterministic policy: all but one action masked, or one-hot probabilities.
        let keep = z.len() / 2;
        let mut masked = vec![f64::NEG_INFINITY; z.len()];
        masked[keep] = z[keep];
        prop_assert_eq!(categorical_entropy(&masked).unwrap(), 0.0);
        let mut one_hot = vec![0.0; z.len()];
        one_hot[keep] = 1.0;
        prop_assert_eq!(categorical_entropy_from_probs(&one_hot).unwrap(), 0.0);
    }
}

#[test]
fn claim_1_2_near_deterministic_entropy_is_exact() {
    // Two actions, gap d: p = 1/(1 + e^d), and H = −p ln p − (1−p) ln(1−p). For d ≥ 40,
    // H = e^{−d}(d + 1) to relative precision below 1e-15 (the next terms are O(d e^{−2d})),
    // a reference independent of log-softmax. The probability-based form gives 0 at d = 800.
    for d in [40.0, 100.0, 300.0, 700.0] {
        let h = categorical_entropy(&[d, 0.0]).unwrap();
        let reference = (-d).exp() * (d + 1.0);
        assert!(
            ((h - reference) / reference).abs() < 1e-13,
            "d = {d}: {h:e} vs {reference:e}"
        );
    }
}

// ---------------------------------------------------------------- Claim 1.3

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn claim_1_3_entropy_invariant_to_logit_shift(z in logits(32), c in -1e3..1e3f64) {
        let h = categorical_entropy(&z).unwrap();
        let shifted: Vec<f64> = z.iter().map(|x| x + c).collect();
        let h_shifted = categorical_entropy(&shifted).unwrap();
        // Adding c rounds each logit by up to ulp(|z| + |c|) ≈ 1e3 · 2.2e-16; the entropy's
        // sensitivity to each logit is |∂H/∂z_i| ≤ 1, so the change is within n · that.
        let tol = z.len() as f64 * 2.0 * f64::EPSILON * (20.0 + c.abs());
        prop_assert!((h - h_shifted).abs() <= tol, "{h} vs {h_shifted}");
    }

    // ------------------------------------------------------------ Claim 1.4

    #[test]
    fn claim_1_4_masking_equals_subset_entropy(
        z in logits(16),
        mask in prop::collection::vec(any::<bool>(), 16),
    ) {
        let mut masked = z.clone();
        let mut subset = Vec::new();
        for (i, zi) in z.iter().enumerate() {
            if mask[i] && i != 0 {
                masked[i] = f64::NEG_INFINITY; // keep action 0 so something is unmasked
            } else {
                subset.push(*zi);
            }
        }
        let h = categorical_entropy(&masked).unwrap();
        let reference = entropy_direct(&subset);
        // The direct form's relative rounding error is a few ulps per term.
        prop_assert!((h - reference).abs() <= 64.0 * f64::EPSILON * reference.max(1.0));
    }

    // ------------------------------------------------------------ Claim 1.5

    #[test]
    fn claim_1_5_entropy_gradient_matches_finite_differences(
        z in prop::collection::vec(-5.0..5.0f64, 1..=12),
        n_masked in 0usize..3,
    ) {
        let mut z = z;
        for zi in z.iter_mut().skip(1).take(n_masked) {
            *zi = f64::NEG_INFINITY;
        }
        let (_, grad) = categorical_entropy_and_grad(&z).unwrap();
        // Central difference: truncation (h²/6)·|H'''| and rounding ε·|H|/h. With
        // |H'''| ≤ 10 on these logits and H ≤ ln 12, h = 1e-4 gives
        // ≤ 1.7e-8 + 5.5e-12, so 1e-7 is a bound with margin, not a tuned value.
        let h = 1e-4;
        for i in 0..z.len() {
            if z[i] == f64::NEG_INFINITY {
                prop_assert_eq!(grad[i], 0.0);
                continue;
            }
            let mut plus = z.clone();
            plus[i] += h;
            let mut minus = z.clone();
            minus[i] -= h;
            let fd = (categorical_entropy(&plus).unwrap() - categorical_entropy(&minus).unwrap())
                / (2.0 * h);
            prop_assert!((grad[i] - fd).abs() < 1e-7, "i = {i}: {} vs {fd}", grad[i]);
        }
    }

    // ------------------------------------------------------------ Claim 1.6

    #[test]
    fn claim_1_6_gaussian_entropy_matches_statrs(
        log_std in prop::collection::vec(-5.0..5.0f64, 1..=8),
    ) {
        let h = diag_gaussian_entropy(&log_std).unwrap();
        let reference: f64 = log_std
            .iter()
            .map(|ls| Normal::new(0.0, ls.exp()).unwrap().entropy().unwrap())
            .sum();
        // statrs takes ln σ of σ = exp(ln σ): one rounding per coordinate of size ≤ 6.
        prop_assert!((h - reference).abs() <= 1e-13, "{h} vs statrs {reference}");
    }
}

// ---------------------------------------------------------------- Claim 1.7

#[test]
fn claim_1_7_gaussian_entropy_matches_monte_carlo_for_every_mean() {
    let log_std = [0.3, -1.2, 2.0];
    let h = diag_gaussian_entropy(&log_std).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    for mu0 in [-1e3, -3.0, 0.0, 0.5, 42.0, 1e3] {
        let mean = [mu0, -mu0, 2.0 * mu0];
        // Samples drawn here with rand_distr, scored with the library's log-density.
        let samples = (0..20_000).map(|_| {
            let x: Vec<f64> = mean
                .iter()
                .zip(&log_std)
                .map(|(m, ls)| {
                    let e: f64 = StandardNormal.sample(&mut rng);
                    m + ls.exp() * e
                })
                .collect();
            -diag_gaussian_log_prob(&x, &mean, &log_std).unwrap()
        });
        let est = MonteCarloEstimate::from_samples(samples).unwrap();
        assert!(
            est.z_score(h).abs() <= MC_Z,
            "μ = {mu0}: MC {} ± {} vs {h}",
            est.mean,
            est.std_error
        );
    }
}

// ---------------------------------------------------------------- Claim 1.8

/// `ln(1 − tanh² u) = −2 ln cosh u`, a second algorithm valid while `cosh u` is finite
/// (`|u| < 710`); `ln cosh` has relative error of a few ulps.
fn log_jacobian_via_cosh(u: f64) -> f64 {
    -2.0 * u.cosh().ln()
}

#[test]
fn claim_1_8_stable_log_jacobian_matches_naive_and_stays_exact() {
    // Where the naive form is accurate (|u| ≤ 3: 1 − tanh² u ≥ 0.0098, so the subtraction
    // loses < 7 bits and the relative error is below 2⁷ ε ≈ 3e-14).
    for k in -300..=300 {
        let u = k as f64 * 0.01;
        let stable = log_one_minus_tanh_sq(u);
        let naive = (1.0 - u.tanh().powi(2)).ln();
        let tol = 128.0 * f64::EPSILON * naive.abs().max(1.0);
        assert!(
            (stable - naive).abs() <= tol,
            "u = {u}: {stable} vs naive {naive}"
        );
    }
    // Far out, against −2 ln cosh u; relative tolerance from a few ulps of each side.
    for u in [20.0, 50.0, 400.0, -20.0, -50.0, -400.0, 709.0] {
        let stable = log_one_minus_tanh_sq(u);
        let reference = log_jacobian_via_cosh(u);
        assert!(stable.is_finite());
        assert!(
            (stable - reference).abs() <= 8.0 * f64::EPSILON * reference.abs(),
            "u = {u}: {stable} vs {reference}"
        );
        // The naive form has failed here: −∞ (tanh rounded to ±1).
        assert_eq!((1.0 - u.tanh().powi(2)).ln(), f64::NEG_INFINITY);
    }
}

#[test]
fn tanh_jacobian_table_in_book_is_current() {
    let mut table = String::from(
        "| $u$ | exact | naive | `+1e-6` form | error of `+1e-6` |\n|---:|---:|---:|---:|---:|\n",
    );
    for u in [
        0.0, 1.0, 3.0, 5.0, 7.0, 10.0, 15.0, 19.0, 20.0, 50.0, 400.0_f64,
    ] {
        let exact = log_one_minus_tanh_sq(u);
        let naive = (1.0 - u.tanh().powi(2)).ln();
        let guarded = (1.0 - u.tanh().powi(2) + 1e-6).ln();
        let fmt = |x: f64| {
            if x == f64::NEG_INFINITY {
                "−∞".to_string()
            } else {
                format!("{x:.4}").replace('-', "−")
            }
        };
        table.push_str(&format!(
            "| {u} | {} | {} | {} | {} |\n",
            fmt(exact),
            fmt(naive),
            fmt(guarded),
            fmt(guarded - exact)
        ));
    }
    check_generated_block("book/src/ch01-entropy.md", "tanh-jacobian-table", &table);
}

// ---------------------------------------------------------------- Claims 1.9–1.11

/// Policies on a grid of `μ ∈ [−2, 2]`, `ln σ ∈ [−2, 0.5]`.
fn policy_grid() -> Vec<TanhGaussian> {
    let mut out = Vec::new();
    for mu in [-2.0, -0.7, 0.0, 0.3, 2.0] {
        for log_std in [-2.0, -1.0, 0.0, 0.5] {
            out.push(TanhGaussian::new(vec![mu], vec![log_std]).unwrap());
        }
    }
    out
}

/// The density π(a), or 0 where it underflows or `a` has rounded to ±1.
fn density(policy: &TanhGaussian, a: f64) -> f64 {
    policy.log_prob(&[a]).map_or(0.0, f64::exp)
}

#[test]
fn claim_1_9_squashed_density_integrates_to_one() {
    for policy in policy_grid() {
        let (integral, err) = tanh_sinh_with_error(|a| density(&policy, a), 1.0 / 64.0);
        // The level difference certifies the quadrature; 1e-10 is then the sum of that
        // (≤ 1e-11 asserted) and the rounding of ~10³ weighted terms.
        assert!(
            err < 1e-11,
            "{policy:?}: quadrature not converged ({err:e})"
        );
        assert!(
            (integral - 1.0).abs() < 1e-10,
            "{policy:?}: ∫π = {integral}"
        );
    }
}

#[test]
fn claim_1_10_squashed_density_matches_histogram_of_samples() {
    const BINS: usize = 20;
    const N: usize = 20_000;
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for (mu, log_std) in [(0.0, 0.0), (1.0, -0.5), (0.0, 0.7)] {
        let policy = TanhGaussian::new(vec![mu], vec![log_std]).unwrap();
        let gauss = Normal::new(mu, f64::exp(log_std)).unwrap();
        let mut counts = [0usize; BINS];
        for _ in 0..N {
            let a = policy.sample_and_log_prob(&mut rng).action[0];
            let bin = (((a + 1.0) / 2.0 * BINS as f64) as usize).min(BINS - 1);
            counts[bin] += 1;
        }
        let mut chi2 = 0.0;
        for (b, &count) in counts.iter().enumerate() {
            let lo = -1.0 + 2.0 * b as f64 / BINS as f64;
            let hi = lo + 2.0 / BINS as f64;
            // Bin probability from the library's density, by quadrature.
            let (p_quad, err) = tanh_sinh_with_error(
                |t| density(&policy, 0.5 * (lo + hi) + 0.5 * (hi - lo) * t) * 0.5 * (hi - lo),
                1.0 / 32.0,
            );
            assert!(err < 1e-11, "bin {b}: quadrature not converged ({err:e})");
            // The same probability from statrs's Gaussian CDF at atanh of the edges.
            let cdf = |a: f64| {
                if a <= -1.0 {
                    0.0
                } else if a >= 1.0 {
                    1.0
                } else {
                    gauss.cdf(a.atanh())
                }
            };
            let p_cdf = cdf(hi) - cdf(lo);
            assert!(
                (p_quad - p_cdf).abs() < 1e-9,
                "μ = {mu}, ln σ = {log_std}, bin {b}: quadrature {p_quad} vs CDF {p_cdf}"
            );
            let expected = N as f64 * p_cdf;
            if expected > 0.0 {
                chi2 += (count as f64 - expected).powi(2) / expected;
            }
        }
        // Pearson's statistic is approximately χ² with BINS − 1 degrees of freedom.
        let critical = ChiSquared::new((BINS - 1) as f64)
            .unwrap()
            .inverse_cdf(1.0 - 1e-4);
        assert!(
            chi2 < critical,
            "μ = {mu}, ln σ = {log_std}: χ² = {chi2} ≥ {critical}"
        );
    }
}

#[test]
fn claim_1_11_squashed_entropy_monte_carlo_matches_quadrature() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for policy in policy_grid() {
        let (h_quad, err) = tanh_sinh_with_error(
            |a| {
                let lp = policy.log_prob(&[a]).unwrap_or(f64::NEG_INFINITY);
                if lp == f64::NEG_INFINITY {
                    0.0
                } else {
                    -lp.exp() * lp
                }
            },
            1.0 / 64.0,
        );
        assert!(err < 1e-9, "{policy:?}: quadrature not converged ({err:e})");
        let est = policy.entropy_monte_carlo(20_000, &mut rng).unwrap();
        assert!(
            est.z_score(h_quad).abs() <= MC_Z,
            "{policy:?}: MC {} ± {} vs quadrature {h_quad}",
            est.mean,
            est.std_error
        );
        assert!(h_quad < policy.base_gaussian_entropy());
    }
}

#[test]
fn squashed_entropy_table_in_book_is_current() {
    let mut table = String::from(
        "| $\\sigma$ ($\\mu = 0$) | base Gaussian entropy | policy entropy (Monte-Carlo, $n = 10^5$) |\n|---:|---:|---:|\n",
    );
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for sigma in [0.1, 0.3, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 10.0f64] {
        let policy = TanhGaussian::new(vec![0.0], vec![sigma.ln()]).unwrap();
        let est = policy.entropy_monte_carlo(100_000, &mut rng).unwrap();
        // Never above the uniform's ln 2 (allowing for the estimate's own error).
        assert!(est.mean - MC_Z * est.std_error < std::f64::consts::LN_2);
        let minus = |s: String| s.replace('-', "−");
        table.push_str(&format!(
            "| {sigma} | {} | {} ± {:.4} |\n",
            minus(format!("{:.4}", policy.base_gaussian_entropy())),
            minus(format!("{:.4}", est.mean)),
            est.std_error
        ));
    }
    check_generated_block("book/src/ch01-entropy.md", "squashed-entropy-table", &table);
}

// ---------------------------------------------------------------- Sampler and errors

#[test]
fn tanh_gaussian_sampler_output_is_pinned() {
    // A change in sampling (generator, normal algorithm, parameterisation) must be
    // deliberate: it changes every Monte-Carlo number in the book.
    let policy = TanhGaussian::new(vec![0.5, -1.0], vec![-0.5, 0.0]).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let s = policy.sample_and_log_prob(&mut rng);
    let pinned_pre_tanh = PINNED_PRE_TANH;
    for (u, p) in s.pre_tanh.iter().zip(pinned_pre_tanh) {
        assert_eq!(*u, p, "sampler output changed: {:?}", s.pre_tanh);
    }
}

/// `pre_tanh` of the first draw with `ChaCha8Rng::seed_from_u64(42)` (recorded by this test).
const PINNED_PRE_TANH: [f64; 2] = [0.789_910_275_827_306_7, 0.334_070_610_231_807_84];

#[test]
fn bad_input_gives_typed_errors_naming_the_value() {
    assert_eq!(
        categorical_entropy_from_probs(&[0.5, -0.1, 0.6]),
        Err(DistributionError::InvalidProbability {
            index: 1,
            value: -0.1
        })
    );
    assert_eq!(
        categorical_entropy_from_probs(&[0.5, 0.4]),
        Err(DistributionError::NotNormalised { sum: 0.9 })
    );
    assert!(matches!(
        categorical_entropy(&[0.0, f64::INFINITY]),
        Err(DistributionError::InvalidLogit { index: 1, value }) if value == f64::INFINITY
    ));
    let policy = TanhGaussian::new(vec![0.0; 2], vec![0.0; 2]).unwrap();
    assert_eq!(
        policy.log_prob(&[0.2, -1.0]),
        Err(DistributionError::ActionOutOfRange {
            index: 1,
            value: -1.0
        })
    );
    assert!(matches!(
        policy.log_prob(&[0.2, f64::NAN]),
        Err(DistributionError::ActionOutOfRange { index: 1, .. })
    ));
    assert_eq!(
        policy.log_prob_pre_tanh(&[0.0]),
        Err(DistributionError::DimensionMismatch {
            what: "u",
            expected: 2,
            found: 1
        })
    );
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    assert_eq!(
        policy.entropy_monte_carlo(1, &mut rng),
        Err(DistributionError::TooFewSamples {
            requested: 1,
            minimum: 2
        })
    );
    assert_eq!(
        diag_gaussian_log_prob(&[0.0], &[0.0, 1.0], &[0.0, 0.0]),
        Err(DistributionError::DimensionMismatch {
            what: "x",
            expected: 2,
            found: 1
        })
    );
    // The checks that used to end chapter 1.
    assert_eq!(
        categorical_entropy(&[]),
        Err(DistributionError::Empty { what: "logits" })
    );
    assert_eq!(
        categorical_entropy(&[f64::NEG_INFINITY; 3]),
        Err(DistributionError::AllMasked { len: 3 })
    );
    assert_eq!(
        maxent_rl::diag_gaussian_entropy(&[0.0, f64::INFINITY]),
        Err(DistributionError::NonFinite {
            what: "log_std",
            index: 1,
            value: f64::INFINITY
        })
    );
    let err = TanhGaussian::new(vec![0.0, 0.0], vec![0.0]).unwrap_err();
    assert_eq!(err.to_string(), "`log_std` has length 1, expected 2");
    // Every message names the value.
    let msg = categorical_entropy(&[0.0, f64::NAN])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("logit 1") && msg.contains("NaN"), "{msg}");
}

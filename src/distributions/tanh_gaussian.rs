//! The tanh-squashed diagonal Gaussian policy of Soft Actor-Critic.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::distributions::distribution_error::{
    DistributionError, LOG_STD_RANGE, TANH_GAUSSIAN_MEAN_MAX, check_finite, check_len, check_range,
};
use crate::distributions::gaussian::{
    diag_gaussian_entropy_unchecked, diag_gaussian_log_prob_unchecked,
};
use crate::numerics::monte_carlo::MonteCarloEstimate;
use crate::numerics::special::log_one_minus_tanh_sq;

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The policy `a = tanh(u)`, `u ~ N(μ, diag(σ²))`, with actions in the open box `(−1, 1)ᵈ`.
///
/// # Formula
///
/// By the change of variables `a = tanh(u)`, with `da_i/du_i = 1 − tanh² u_i`,
///
/// ```text
/// ln π(a) = ln N(u; μ, σ) − Σ_i ln(1 − tanh² u_i),   where u = atanh(a)
/// ```
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic: Off-Policy Maximum Entropy Deep
/// Reinforcement Learning with a Stochastic Actor*, Appendix C, eq. (21).
///
/// # Numerical stability
///
/// The Jacobian term uses the exact identity of [`log_one_minus_tanh_sq`] instead of
/// `ln(1 − tanh(u)² + 1e-6)`, whose bias near the action bounds chapter 1 measures.
/// Sampling returns the pre-squash `u` with the action, so the log-density is
/// evaluated at `u` and never through `atanh(tanh(u))`, which loses `u` entirely once
/// `tanh(u)` rounds to ±1 (`|u| > 19.06`).
///
/// The entropy of this policy has no closed form; see
/// [`TanhGaussian::entropy_monte_carlo`] and [`TanhGaussian::base_gaussian_entropy`].
#[derive(Debug, Clone, PartialEq)]
pub struct TanhGaussian {
    mean: Vec<f64>,
    log_std: Vec<f64>,
}

/// One draw from a [`TanhGaussian`]: the action, the Gaussian sample it came from, and
/// the log-density of the action.
#[derive(Debug, Clone, PartialEq)]
pub struct TanhSample {
    /// `a = tanh(u)`, in `[−1, 1]ᵈ` (exactly ±1 only when `tanh` rounds, `|u_i| > 19.06`).
    pub action: Vec<f64>,
    /// `u ~ N(μ, diag(σ²))`, the sample before squashing.
    pub pre_tanh: Vec<f64>,
    /// `ln π(a)`, computed from `u`.
    pub log_prob: f64,
}

impl TanhGaussian {
    /// A tanh-squashed Gaussian with mean `μ` and log standard deviation `ln σ` of the
    /// pre-squash Gaussian.
    ///
    /// # Errors
    ///
    /// [`DistributionError::Empty`] for dimension 0,
    /// [`DistributionError::DimensionMismatch`] if `log_std` and `mean` differ in length,
    /// [`DistributionError::NonFinite`] for a NaN or infinite entry,
    /// [`DistributionError::OutOfRange`] for an `ln σ_i` outside
    /// [`LOG_STD_RANGE`](crate::LOG_STD_RANGE) or a mean beyond
    /// [`TANH_GAUSSIAN_MEAN_MAX`](crate::TANH_GAUSSIAN_MEAN_MAX) in magnitude.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::{DistributionError, TanhGaussian};
    /// assert!(TanhGaussian::new(vec![0.0, 1.0], vec![-1.0, -1.0]).is_ok());
    /// assert!(matches!(
    ///     TanhGaussian::new(vec![0.0], vec![f64::NAN]),
    ///     Err(DistributionError::NonFinite { what: "log_std", index: 0, .. })
    /// ));
    /// assert_eq!(
    ///     TanhGaussian::new(vec![0.0, 0.0], vec![0.0]),
    ///     Err(DistributionError::DimensionMismatch { what: "log_std", expected: 2, found: 1 })
    /// );
    /// ```
    pub fn new(mean: Vec<f64>, log_std: Vec<f64>) -> Result<Self, DistributionError> {
        if mean.is_empty() {
            return Err(DistributionError::Empty { what: "mean" });
        }
        check_len("log_std", &log_std, mean.len())?;
        check_range(
            "mean",
            &mean,
            (-TANH_GAUSSIAN_MEAN_MAX, TANH_GAUSSIAN_MEAN_MAX),
        )?;
        check_range("log_std", &log_std, LOG_STD_RANGE)?;
        Ok(Self { mean, log_std })
    }

    /// Action dimension `d`.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Mean `μ` of the pre-squash Gaussian.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Log standard deviation `ln σ` of the pre-squash Gaussian.
    pub fn log_std(&self) -> &[f64] {
        &self.log_std
    }

    /// Draws `u = μ + σ ⊙ ε` with `ε ~ N(0, I)`, and returns `a = tanh(u)` with `ln π(a)`.
    ///
    /// This is the reparameterised sample used by the SAC actor: `a` is a differentiable
    /// function of `(μ, ln σ)` for fixed `ε`.
    ///
    /// # Formula
    ///
    /// ```text
    /// ln π(a) = Σ_i [ −½ ε_i² − ln σ_i − ½ ln(2π) − ln(1 − tanh² u_i) ]
    /// ```
    ///
    /// # Numerical stability
    ///
    /// The Gaussian term uses `ε` directly (no `(u − μ)/σ` round trip) and the Jacobian
    /// term uses [`log_one_minus_tanh_sq`], so the result is finite and accurate for
    /// every finite `u`, including where `tanh(u)` has rounded to ±1.
    ///
    /// Infallible: the constructor's domain ([`LOG_STD_RANGE`](crate::LOG_STD_RANGE),
    /// [`TANH_GAUSSIAN_MEAN_MAX`](crate::TANH_GAUSSIAN_MEAN_MAX)) keeps `u` below about
    /// `1e305` in magnitude, so `u` and the action are finite, and so is `ln π(a)` per
    /// coordinate (at most about `2|u|`). Summed over very many coordinates with `ln σ`
    /// near 700 it can exceed `f64::MAX` and be `+∞`, the rounded value.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::TanhGaussian;
    /// use rand::SeedableRng;
    /// let policy = TanhGaussian::new(vec![0.5, -2.0], vec![-0.5, 0.3])?;
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    /// let s = policy.sample_and_log_prob(&mut rng);
    /// assert!(s.action.iter().all(|a| a.abs() <= 1.0));
    /// // The same number as evaluating the density at the returned pre-squash sample.
    /// let again = policy.log_prob_pre_tanh(&s.pre_tanh)?;
    /// assert!((s.log_prob - again).abs() < 1e-12);
    /// # Ok::<(), maxent_rl::DistributionError>(())
    /// ```
    pub fn sample_and_log_prob<R: Rng + ?Sized>(&self, rng: &mut R) -> TanhSample {
        let d = self.dim();
        let mut action = Vec::with_capacity(d);
        let mut pre_tanh = Vec::with_capacity(d);
        let mut log_prob = -0.5 * d as f64 * LN_2PI;
        for (&m, &ls) in self.mean.iter().zip(&self.log_std) {
            let eps: f64 = StandardNormal.sample(rng);
            let u = m + ls.exp() * eps;
            log_prob -= 0.5 * eps * eps + ls + log_one_minus_tanh_sq(u);
            pre_tanh.push(u);
            action.push(u.tanh());
        }
        TanhSample {
            action,
            pre_tanh,
            log_prob,
        }
    }

    /// `ln π(tanh(u))`: the log-density of the action `tanh(u)`, evaluated through `u`.
    ///
    /// # Formula
    ///
    /// ```text
    /// ln π(tanh u) = ln N(u; μ, σ) − Σ_i ln(1 − tanh² u_i)
    /// ```
    ///
    /// # Errors
    ///
    /// [`DistributionError::DimensionMismatch`] if `u` has the wrong length,
    /// [`DistributionError::NonFinite`] for a NaN or infinite `u_i`,
    /// [`DistributionError::Overflow`] when `|u_i|` is so large (beyond about `1e154 σ_i`
    /// and `1e307`) that both the Gaussian and the Jacobian term overflow.
    ///
    /// Otherwise the result is never NaN. It is `−∞` when the log-density lies below
    /// `−f64::MAX` (`u` far in the Gaussian's tail) and `+∞` when it lies above `f64::MAX`
    /// (a huge `σ` piles the mass against ±1): the correctly rounded values.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::TanhGaussian;
    /// let policy = TanhGaussian::new(vec![0.0], vec![0.0])?;
    /// // At u = 0 the Jacobian is 1, so the density is the standard normal's, 1/√(2π).
    /// let lp = policy.log_prob_pre_tanh(&[0.0])?;
    /// assert!((lp + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-15);
    /// // Far in the tail it stays finite: ln N(30; 0, 1) − (2 ln 2 − 60).
    /// assert!(policy.log_prob_pre_tanh(&[30.0])?.is_finite());
    /// # Ok::<(), maxent_rl::DistributionError>(())
    /// ```
    pub fn log_prob_pre_tanh(&self, u: &[f64]) -> Result<f64, DistributionError> {
        check_len("u", u, self.dim())?;
        check_finite("u", u)?;
        let jacobian: f64 = u.iter().map(|&ui| log_one_minus_tanh_sq(ui)).sum();
        let lp = diag_gaussian_log_prob_unchecked(u, &self.mean, &self.log_std) - jacobian;
        if lp.is_nan() {
            // The Gaussian part overflowed to −∞ and the Jacobian part to +∞.
            return Err(DistributionError::Overflow { what: "log_prob" });
        }
        Ok(lp)
    }

    /// `ln π(a)` for an action given in the squashed space, through `u = atanh(a)`.
    ///
    /// # Numerical stability
    ///
    /// `atanh` is ill-conditioned near ±1: an action stored in `f64` at distance `δ`
    /// from the bound only determines `u` to about `ε_mach / δ`. When the pre-squash
    /// sample is available (it is, from [`TanhGaussian::sample_and_log_prob`]), use
    /// [`TanhGaussian::log_prob_pre_tanh`].
    ///
    /// # Errors
    ///
    /// [`DistributionError::DimensionMismatch`] if `action` has the wrong length;
    /// [`DistributionError::ActionOutOfRange`] for `|a_i| ≥ 1` or NaN, where the density
    /// is zero or undefined.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::{DistributionError, TanhGaussian};
    /// let policy = TanhGaussian::new(vec![0.0], vec![0.0])?;
    /// let lp = policy.log_prob(&[0.5])?;
    /// assert!((lp - policy.log_prob_pre_tanh(&[0.5f64.atanh()])?).abs() < 1e-15);
    /// assert_eq!(
    ///     policy.log_prob(&[1.0]),
    ///     Err(DistributionError::ActionOutOfRange { index: 0, value: 1.0 })
    /// );
    /// # Ok::<(), maxent_rl::DistributionError>(())
    /// ```
    pub fn log_prob(&self, action: &[f64]) -> Result<f64, DistributionError> {
        check_len("action", action, self.dim())?;
        if let Some(index) = action.iter().position(|a| a.is_nan() || a.abs() >= 1.0) {
            return Err(DistributionError::ActionOutOfRange {
                index,
                value: action[index],
            });
        }
        let u: Vec<f64> = action.iter().map(|a| a.atanh()).collect();
        self.log_prob_pre_tanh(&u)
    }

    /// Entropy of the Gaussian *before* squashing, `d/2 · ln(2πe) + Σ ln σ_i`.
    ///
    /// This is **not** the entropy of the policy. The squashed entropy is
    /// `H(tanh u) = H(u) + E[ln(1 − tanh² u)]`, always strictly smaller because the
    /// Jacobian term is negative; see [`TanhGaussian::entropy_monte_carlo`].
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::TanhGaussian;
    /// let policy = TanhGaussian::new(vec![3.0], vec![0.0])?;
    /// assert!((policy.base_gaussian_entropy() - 1.418_938_533_204_672_7).abs() < 1e-15);
    /// # Ok::<(), maxent_rl::DistributionError>(())
    /// ```
    pub fn base_gaussian_entropy(&self) -> f64 {
        diag_gaussian_entropy_unchecked(&self.log_std)
    }

    /// Monte-Carlo estimate of the policy's entropy `H(π) = −E[ln π(a)]`, with its
    /// standard error.
    ///
    /// # Formula
    ///
    /// ```text
    /// Ĥ = −(1/n) Σ_k ln π(a_k),   a_k ~ π,   SE = s / √n
    /// ```
    ///
    /// where `s` is the sample standard deviation of `ln π(a_k)`. Unbiased, and by the
    /// central limit theorem `(Ĥ − H)/SE` is approximately standard normal.
    ///
    /// # Errors
    ///
    /// [`DistributionError::TooFewSamples`] for `n < 2`. Otherwise the estimate and its
    /// standard error are finite for every policy the constructor accepts, however wide
    /// (`ln σ` up to 700 gives log-densities near `1e305`, whose squares
    /// [`MonteCarloEstimate::from_samples`] keeps in range).
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::TanhGaussian;
    /// use rand::SeedableRng;
    /// let policy = TanhGaussian::new(vec![0.0], vec![0.0])?;
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    /// let h = policy.entropy_monte_carlo(10_000, &mut rng)?;
    /// // Squashing removes entropy: the estimate sits well below the Gaussian's 1.419.
    /// assert!(h.mean + 5.0 * h.std_error < policy.base_gaussian_entropy());
    /// # Ok::<(), maxent_rl::DistributionError>(())
    /// ```
    pub fn entropy_monte_carlo<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
    ) -> Result<MonteCarloEstimate, DistributionError> {
        let too_few = DistributionError::TooFewSamples {
            requested: n,
            minimum: 2,
        };
        if n < 2 {
            return Err(too_few);
        }
        let samples = (0..n).map(|_| -self.sample_and_log_prob(rng).log_prob);
        MonteCarloEstimate::from_samples(samples).ok_or(too_few)
    }
}

//! A Monte-Carlo estimate reported with its standard error.

/// The mean of `n` independent samples with its standard error `s/√n`.
///
/// Every stochastic estimate in this crate is returned as a `MonteCarloEstimate`, so the
/// caller always knows how far to trust it; tests compare against a reference value
/// with a tolerance of a stated number of standard errors ([`MonteCarloEstimate::z_score`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonteCarloEstimate {
    /// Sample mean.
    pub mean: f64,
    /// Standard error of the mean: sample standard deviation (Bessel-corrected) over `√n`.
    pub std_error: f64,
    /// Number of samples.
    pub n: usize,
}

impl MonteCarloEstimate {
    /// Mean and standard error of the samples, in one pass (Welford's algorithm).
    ///
    /// Returns `None` for fewer than two samples, where no standard error exists.
    ///
    /// Samples may be any `f64`; nothing is checked. A NaN or infinite sample makes the
    /// mean and the standard error NaN or infinite; for finite samples both are finite.
    ///
    /// # Numerical stability
    ///
    /// Squared deviations of samples beyond about `1e154` would overflow, so once a sample
    /// exceeds `2⁵⁰⁰` in magnitude the running mean and sum of squares are rescaled by a
    /// power of two (exactly) and the results scaled back at the end. Below that the
    /// arithmetic is plain Welford, bit for bit.
    ///
    /// # References
    ///
    /// Welford (1962), *Note on a method for calculating corrected sums of squares and
    /// products*, Technometrics 4(3).
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::MonteCarloEstimate;
    /// let est = MonteCarloEstimate::from_samples([1.0, 2.0, 3.0, 4.0]).unwrap();
    /// assert_eq!(est.mean, 2.5);
    /// // s² = 5/3, so s/√n = √(5/12).
    /// assert!((est.std_error - (5.0_f64 / 12.0).sqrt()).abs() < 1e-15);
    /// ```
    pub fn from_samples(samples: impl IntoIterator<Item = f64>) -> Option<Self> {
        // 2⁵⁰⁰ and the exact rescaling step 2⁵¹²; `mean` holds the mean / 2^e and `m2`
        // the sum of squared deviations / 2^{2e}, with e = 512 · `scale_steps`.
        const LARGE: f64 = 3.273_390_607_896_142e150;
        const DOWN: f64 = 7.458_340_731_200_207e-155;
        const UP: f64 = 1.340_780_792_994_259_7e154;
        let (mut n, mut mean, mut m2, mut scale_steps) = (0usize, 0.0f64, 0.0f64, 0u32);
        for x in samples {
            n += 1;
            let mut x = (0..scale_steps).fold(x, |v, _| v * DOWN);
            while x.is_finite() && x.abs() > LARGE {
                scale_steps += 1;
                x *= DOWN;
                mean *= DOWN;
                m2 = m2 * DOWN * DOWN;
            }
            let delta = x - mean;
            mean += delta / n as f64;
            m2 += delta * (x - mean);
        }
        let up = |v: f64| (0..scale_steps).fold(v, |v, _| v * UP);
        (n >= 2).then(|| Self {
            mean: up(mean),
            std_error: up((m2 / (n - 1) as f64 / n as f64).sqrt()),
            n,
        })
    }

    /// `(mean − reference) / std_error`: how many standard errors the estimate lies from a
    /// reference value. Under the central limit theorem it is approximately `N(0, 1)`
    /// when the reference is the true expectation.
    ///
    /// IEEE division: a zero standard error (all samples equal) gives `±∞`, or NaN when
    /// the mean equals the reference too.
    pub fn z_score(&self, reference: f64) -> f64 {
        (self.mean - reference) / self.std_error
    }
}

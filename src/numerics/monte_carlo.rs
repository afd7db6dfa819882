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
    /// mean and the standard error NaN or infinite, and so do finite samples spread
    /// beyond about `1e154` (where the squared deviations overflow): callers that can meet
    /// such samples check `mean` and `std_error` for finiteness.
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
        let (mut n, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
        for x in samples {
            n += 1;
            let delta = x - mean;
            mean += delta / n as f64;
            m2 += delta * (x - mean);
        }
        (n >= 2).then(|| Self {
            mean,
            std_error: (m2 / (n - 1) as f64 / n as f64).sqrt(),
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

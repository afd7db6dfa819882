//! Least-squares line fits used to tell exponential from polynomial growth.

use crate::learning::learning_error::{LearningError, check_finite_output};

/// An ordinary least-squares line `y ≈ intercept + slope · x` with the slope's standard
/// error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowthFit {
    /// The fitted slope `b`.
    pub slope: f64,
    /// The fitted intercept `a`.
    pub intercept: f64,
    /// The standard error of the slope, `√(σ̂² / Σ(x − x̄)²)` with `σ̂² = RSS/(m − 2)`.
    pub slope_std_error: f64,
    /// The number of points `m`.
    pub points: usize,
}

/// Fits `y ≈ a + b x` by ordinary least squares.
///
/// Fitted to `(N, ln T)` the slope is an exponential rate (`T ∝ e^{bN}`); fitted to
/// `(ln N, ln T)` it is a polynomial degree (`T ∝ N^b`).
///
/// # Formula
///
/// ```text
/// b = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²,   a = ȳ − b x̄,
/// se(b) = √( Σ(y − a − bx)² / ((m − 2) Σ(x − x̄)²) )
/// ```
///
/// # Errors
///
/// [`LearningError::DimensionMismatch`] if the lengths differ;
/// [`LearningError::InvalidConfig`] for fewer than 3 points, a non-finite value, or all
/// `x` equal; [`LearningError::Overflow`] if the slope, intercept or standard error is
/// not finite although every point was (points near `±1e308`, whose squares overflow).
///
/// # Examples
///
/// ```
/// use maxent_rl::fit_growth;
/// let fit = fit_growth(&[1.0, 2.0, 3.0], &[1.0, 3.0, 5.0])?;
/// assert!((fit.slope - 2.0).abs() < 1e-12 && fit.slope_std_error < 1e-12);
/// # Ok::<(), maxent_rl::LearningError>(())
/// ```
pub fn fit_growth(x: &[f64], y: &[f64]) -> Result<GrowthFit, LearningError> {
    if x.len() != y.len() {
        return Err(LearningError::DimensionMismatch {
            what: "y",
            expected: x.len(),
            found: y.len(),
        });
    }
    let m = x.len();
    if m < 3 {
        return Err(LearningError::InvalidConfig {
            what: "number of points",
            value: m as f64,
            expected: "at least 3",
        });
    }
    if let Some(&bad) = x.iter().chain(y).find(|v| !v.is_finite()) {
        return Err(LearningError::InvalidConfig {
            what: "point",
            value: bad,
            expected: "finite",
        });
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / m as f64;
    let (x_bar, y_bar) = (mean(x), mean(y));
    let sxx: f64 = x.iter().map(|xi| (xi - x_bar).powi(2)).sum();
    if sxx <= 0.0 {
        return Err(LearningError::InvalidConfig {
            what: "spread of x",
            value: sxx,
            expected: "positive (not all x equal)",
        });
    }
    let sxy: f64 = x
        .iter()
        .zip(y)
        .map(|(xi, yi)| (xi - x_bar) * (yi - y_bar))
        .sum();
    let slope = sxy / sxx;
    let intercept = y_bar - slope * x_bar;
    let rss: f64 = x
        .iter()
        .zip(y)
        .map(|(xi, yi)| (yi - intercept - slope * xi).powi(2))
        .sum();
    let slope_std_error = (rss / ((m - 2) as f64 * sxx)).sqrt();
    check_finite_output(
        "slope, intercept, standard error",
        &[slope, intercept, slope_std_error],
    )?;
    Ok(GrowthFit {
        slope,
        intercept,
        slope_std_error,
        points: m,
    })
}

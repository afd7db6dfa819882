//! Drawing an index from a discrete distribution by inverting its cumulative sum.

/// An index `i ∈ 0..len` drawn with probability `w_i / Σ_j w_j`, given one uniform draw
/// `u ∈ [0, 1)`.
///
/// # Formula
///
/// The smallest `i` with `u · Σ_j w_j < Σ_{j ≤ i} w_j`, summing only the positive weights.
///
/// # Numerical stability
///
/// The draw is scaled by the total, so weights that sum to one only up to rounding (a row of
/// a stored policy, `exp` of its log-probabilities) need no renormalising, and an index of
/// weight zero is never returned. The total is the same sum, in the same order, as the
/// last partial sum, and `u < 1`, so the scaled draw always falls below it; the fallback
/// (the last index of positive weight) is reached only by NaN weights, and 0 is returned
/// when no weight is positive. Callers pass rows that their constructors checked.
///
/// `weight(i)` is called twice per index (once for the total, once for the scan), so a
/// caller that stores log-probabilities need not allocate a row of probabilities.
pub(crate) fn inverse_cdf_index(len: usize, weight: impl Fn(usize) -> f64, u: f64) -> usize {
    let total: f64 = (0..len).map(&weight).filter(|w| *w > 0.0).sum();
    let target = u * total;
    let mut acc = 0.0;
    let mut last = 0;
    for i in 0..len {
        let w = weight(i);
        if w > 0.0 {
            last = i;
            acc += w;
            if target < acc {
                return i;
            }
        }
    }
    last
}

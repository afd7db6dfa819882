//! Rescaling squashed actions from `(−1, 1)` to a box `[low, high]`.

use crate::continuous::lq_error::LqError;
use crate::continuous::lq_error::check_finite_output;

/// The affine map from squashed actions `a ∈ (−1, 1)ᵐ` to a box `[low, high]`, with its
/// log-probability correction and the matching shift of SAC's target entropy.
///
/// # Formula
///
/// ```text
/// y = c + s ⊙ a,        c = (high + low)/2,   s = (high − low)/2
/// ln π_y(y) = ln π_a(a) − Σᵢ ln sᵢ
/// H(y)     = H(a) + Σᵢ ln sᵢ
/// ```
///
/// A target entropy chosen for actions in `(−1, 1)` (for instance `−m`) describes the same
/// degree of randomness in the box when shifted by `Σᵢ ln sᵢ`
/// ([`ActionBox::target_entropy_shift`]): entropies of continuous variables depend on
/// the units.
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic*, Appendix C (the tanh change of
/// variables); cleanrl `sac_continuous_action.py` (`action_scale`, `action_bias` and the
/// `log(action_scale · (1 − y²))` term); stable-baselines3 rescales to `[−1, 1]` outside
/// the policy and leaves the log-probability in those units.
///
/// # Errors
///
/// [`ActionBox::new`] returns [`LqError::DimensionMismatch`] for empty or unequal bounds,
/// [`LqError::NonFinite`] for a non-finite bound, and [`LqError::InvalidParameter`] where
/// `low ≥ high`, or the half-width `s = (high − low)/2` is not a positive finite `f64` (a
/// width that overflows, or one of `1e-323` or less whose half rounds to 0; `ln s` would
/// be infinite). On a valid box every method returns finite values.
///
/// # Examples
///
/// ```
/// use maxent_rl::ActionBox;
/// let bounds = ActionBox::new(vec![-2.0, 0.0], vec![2.0, 1.0])?;
/// assert_eq!(bounds.rescale(&[0.5, -1.0])?, vec![1.0, 0.0]);
/// // ln s = ln 2 + ln ½ = 0: this box has the same volume as (−1, 1)².
/// assert!(bounds.log_prob_correction().abs() < 1e-15);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActionBox {
    low: Vec<f64>,
    high: Vec<f64>,
}

impl ActionBox {
    /// Validates the bounds.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn new(low: Vec<f64>, high: Vec<f64>) -> Result<Self, LqError> {
        if low.is_empty() || low.len() != high.len() {
            return Err(LqError::DimensionMismatch {
                what: "high",
                expected: (low.len().max(1), 1),
                found: (high.len(), 1),
            });
        }
        for (what, xs) in [("low", &low), ("high", &high)] {
            if let Some(i) = xs.iter().position(|v| !v.is_finite()) {
                return Err(LqError::NonFinite {
                    what,
                    row: i,
                    col: 0,
                    value: xs[i],
                });
            }
        }
        if let Some(i) = (0..low.len()).find(|&i| low[i] >= high[i]) {
            return Err(LqError::InvalidParameter {
                what: "high − low",
                value: high[i] - low[i],
                expected: "> 0 in every dimension",
            });
        }
        // s = (high − low)/2 must be finite and positive for ln s to be finite: the width
        // must neither overflow nor be so small (subnormal) that halving it rounds to 0.
        if let Some(i) = (0..low.len()).find(|&i| {
            let s = 0.5 * (high[i] - low[i]);
            !(s.is_finite() && s > 0.0)
        }) {
            return Err(LqError::InvalidParameter {
                what: "high − low",
                value: high[i] - low[i],
                expected: "finite, with (high − low)/2 > 0 in f64",
            });
        }
        Ok(Self { low, high })
    }

    /// `y = c + s ⊙ a`.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] for a wrong length; [`LqError::NonFinite`] for a NaN
    /// or infinite entry; [`LqError::Overflow`] naming `"y"` if an action far outside
    /// `[−1, 1]` rescales beyond `f64::MAX`.
    pub fn rescale(&self, action: &[f64]) -> Result<Vec<f64>, LqError> {
        if action.len() != self.low.len() {
            return Err(LqError::DimensionMismatch {
                what: "action",
                expected: (self.low.len(), 1),
                found: (action.len(), 1),
            });
        }
        if let Some(i) = action.iter().position(|v| !v.is_finite()) {
            return Err(LqError::NonFinite {
                what: "action",
                row: i,
                col: 0,
                value: action[i],
            });
        }
        // The centre as ½h + ½l: the same bits as ½(h + l) (halving is exact), but no
        // overflow for two bounds near f64::MAX.
        let y: Vec<f64> = action
            .iter()
            .zip(self.low.iter().zip(&self.high))
            .map(|(a, (l, h))| (0.5 * h + 0.5 * l) + 0.5 * (h - l) * a)
            .collect();
        check_finite_output("y", &y)?;
        Ok(y)
    }

    /// The dimension `m`.
    pub fn dim(&self) -> usize {
        self.low.len()
    }

    /// The half-widths `s = (high − low)/2`.
    pub fn scale(&self) -> Vec<f64> {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(l, h)| 0.5 * (h - l))
            .collect()
    }

    /// `−Σᵢ ln sᵢ`: add it to `ln π_a(a)` to get `ln π_y(y)`.
    pub fn log_prob_correction(&self) -> f64 {
        -self.target_entropy_shift()
    }

    /// `Σᵢ ln sᵢ`: the entropy of `y` minus that of `a`, and the amount by which a target
    /// entropy for `(−1, 1)ᵐ` moves in the box's units.
    pub fn target_entropy_shift(&self) -> f64 {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(l, h)| (0.5 * (h - l)).ln())
            .sum()
    }
}

//! Feature matrices for linear rewards `r_θ(s, a) = θ·φ(s, a)`.

use crate::irl::irl_error::IrlError;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, table_len, try_filled};

/// Features `φ(s) ∈ ℝᴷ` or `φ(s, a) ∈ ℝᴷ` of a tabular MDP, defining linear rewards.
///
/// # Formula
///
/// ```text
/// r_θ(s, a) = θ·φ(s, a),      f_τ = Σ_t φ(s_t, a_t)
/// ```
///
/// State features are the common case (`φ(s, a) = φ(s)` for every `a`: the reward for
/// being in `s`, collected when acting there, as in [`Mdp::set_state_rewards`]).
///
/// # References
///
/// Ziebart, Maas, Bagnell & Dey (2008), *Maximum Entropy Inverse Reinforcement Learning*,
/// AAAI, §3 (rewards linear in path features).
///
/// # Errors
///
/// The constructors check the shape against the MDP and that every entry is finite:
/// [`IrlError::NoFeatures`] for `K = 0`, [`IrlError::DimensionMismatch`] unless there are
/// `S · K` (state) or `S · A · K` (state-action) values, [`IrlError::Mdp`] with
/// [`MdpError::TooLarge`] if that product overflows `usize`,
/// [`IrlError::NonFiniteFeature`] naming the row and feature of a NaN or infinite value.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Features, Mdp};
/// let mdp = Mdp::new(2, 1, &[vec![(1, 1.0)], vec![(1, 1.0)]], vec![0.0; 2], 0.9)?;
/// // One-hot state features: θ is then the state reward itself.
/// let phi = Features::one_hot_states(&mdp)?;
/// assert_eq!(phi.reward(&[0.5, -1.0])?, vec![0.5, -1.0]);
/// # Ok::<(), maxent_rl::IrlError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    num_states: usize,
    num_actions: usize,
    num_features: usize,
    per_action: bool,
    values: Vec<f64>,
    /// The nonzero entries of each row of `values`, `(k, φ_k)`, rows delimited by
    /// `row_starts`: rewards and expectations skip the zeros (one per row for one-hot
    /// features instead of `K`). Adding only the nonzero products gives the dense sums
    /// exactly, since each skipped term is a zero.
    nonzeros: Vec<(usize, f64)>,
    row_starts: Vec<usize>,
}

impl Features {
    /// State features: `values[s · K + k] = φ_k(s)`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn state(mdp: &Mdp, num_features: usize, values: Vec<f64>) -> Result<Self, IrlError> {
        Self::build(mdp, num_features, values, false)
    }

    /// State-action features: `values[(s · A + a) · K + k] = φ_k(s, a)`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn state_action(
        mdp: &Mdp,
        num_features: usize,
        values: Vec<f64>,
    ) -> Result<Self, IrlError> {
        Self::build(mdp, num_features, values, true)
    }

    /// One-hot state features, `φ(s) = e_s` (`K = S`): every state has its own reward.
    ///
    /// The features are stored densely, `S²` entries.
    ///
    /// # Errors
    ///
    /// [`IrlError::Mdp`] with [`MdpError::TooLarge`](crate::MdpError::TooLarge) if `S²` overflows `usize` or the
    /// allocator refuses the table (a 10⁶-state MDP would need 8 TB).
    pub fn one_hot_states(mdp: &Mdp) -> Result<Self, IrlError> {
        let s_count = mdp.num_states();
        let len = table_len("one-hot features", &[s_count, s_count])?;
        let mut values = try_filled("one-hot features", len, 0.0)?;
        for s in 0..s_count {
            values[s * s_count + s] = 1.0;
        }
        Self::state(mdp, s_count, values)
    }

    fn build(
        mdp: &Mdp,
        num_features: usize,
        values: Vec<f64>,
        per_action: bool,
    ) -> Result<Self, IrlError> {
        if num_features == 0 {
            return Err(IrlError::NoFeatures);
        }
        let rows = mdp.num_states() * if per_action { mdp.num_actions() } else { 1 };
        // `rows · K` can overflow for a huge K: then no slice has that length.
        let expected = table_len("features", &[rows, num_features])?;
        if values.len() != expected {
            return Err(IrlError::DimensionMismatch {
                what: "features",
                expected,
                found: values.len(),
            });
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(IrlError::NonFiniteFeature {
                row: i / num_features,
                k: i % num_features,
                value: values[i],
            });
        }
        let mut nonzeros = Vec::new();
        let mut row_starts = Vec::with_capacity(rows + 1);
        row_starts.push(0);
        for row in values.chunks_exact(num_features) {
            nonzeros.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(k, v)| (k, *v)),
            );
            row_starts.push(nonzeros.len());
        }
        Ok(Self {
            num_states: mdp.num_states(),
            num_actions: mdp.num_actions(),
            num_features,
            per_action,
            values,
            nonzeros,
            row_starts,
        })
    }

    /// `(S, A)` of the MDP the features were built for.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.num_states, self.num_actions)
    }

    /// Number of features `K`.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// Whether the features depend on the action.
    pub fn is_state_action(&self) -> bool {
        self.per_action
    }

    /// `φ(s, a)`.
    ///
    /// # Panics
    ///
    /// If `s` or `a` is out of range.
    pub fn phi(&self, s: usize, a: usize) -> &[f64] {
        assert!(
            s < self.num_states && a < self.num_actions,
            "(s, a) out of range"
        );
        let row = self.row(s, a);
        &self.values[row * self.num_features..(row + 1) * self.num_features]
    }

    /// The row of `values` that holds `φ(s, a)`.
    fn row(&self, s: usize, a: usize) -> usize {
        if self.per_action {
            s * self.num_actions + a
        } else {
            s
        }
    }

    /// The nonzero `(k, φ_k)` of one row of `values`, in increasing `k`.
    fn sparse_row(&self, row: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.nonzeros[self.row_starts[row]..self.row_starts[row + 1]]
            .iter()
            .copied()
    }

    /// The rewards `r_θ(s, a) = θ·φ(s, a)`, flat (`s · A + a`), ready for
    /// [`Mdp::set_rewards`] or the IRL passes.
    ///
    /// # Errors
    ///
    /// [`IrlError::DimensionMismatch`] unless `θ` has `K` entries;
    /// [`IrlError::NonFiniteParameter`] for a NaN or infinite `θ_k`; [`IrlError::Mdp`] with
    /// [`MdpError::NonFiniteReward`] naming `(s, a)` if
    /// `θ·φ(s, a)` overflows `f64` (finite `θ` and `φ` of magnitude near `1e154` or more).
    pub fn reward(&self, theta: &[f64]) -> Result<Vec<f64>, IrlError> {
        self.check_theta(theta)?;
        let mut out = Vec::with_capacity(self.num_states * self.num_actions);
        for s in 0..self.num_states {
            // State features: one dot product per state, copied to its actions.
            let mut state_reward = 0.0;
            for a in 0..self.num_actions {
                if a == 0 || self.per_action {
                    state_reward = self
                        .sparse_row(self.row(s, a))
                        .map(|(k, f)| f * theta[k])
                        .sum();
                }
                let r = state_reward;
                if !r.is_finite() {
                    return Err(MdpError::NonFiniteReward { s, a, value: r }.into());
                }
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Checks that `θ` has `K` finite entries.
    pub(crate) fn check_theta(&self, theta: &[f64]) -> Result<(), IrlError> {
        if theta.len() != self.num_features {
            return Err(IrlError::DimensionMismatch {
                what: "theta",
                expected: self.num_features,
                found: theta.len(),
            });
        }
        if let Some(k) = theta.iter().position(|v| !v.is_finite()) {
            return Err(IrlError::NonFiniteParameter { k, value: theta[k] });
        }
        Ok(())
    }

    /// `Σ_{s,a} d(s, a) φ(s, a)` for a state-action weighting `d` (flat, `s · A + a`), such
    /// as the expected state-action visitation counts of a policy.
    ///
    /// `d` is not checked: a NaN or infinite weight propagates into the result, and large
    /// weights times large features can overflow it.
    ///
    /// # Panics
    ///
    /// If `d` does not have `S · A` entries.
    pub fn expectation(&self, d: &[f64]) -> Vec<f64> {
        assert_eq!(d.len(), self.num_states * self.num_actions);
        let mut out = vec![0.0; self.num_features];
        for s in 0..self.num_states {
            for a in 0..self.num_actions {
                let w = d[s * self.num_actions + a];
                if w != 0.0 {
                    for (k, f) in self.sparse_row(self.row(s, a)) {
                        out[k] += w * f;
                    }
                }
            }
        }
        out
    }
}

/// `x·y`.
pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

//! The discounted linear–quadratic problem with Gaussian noise.

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::continuous::lq_error::{LqError, check_finite_output};

/// Relative tolerance for symmetry and semidefiniteness checks (of the largest entry).
const SYMMETRY_TOLERANCE: f64 = 1e-10;
/// Relative floor on the smallest eigenvalue of `R`.
const DEFINITE_TOLERANCE: f64 = 1e-12;

/// A validated discrete-time linear–quadratic problem with Gaussian noise and discount.
///
/// # Formula
///
/// ```text
/// x_{t+1} = A x_t + B u_t + w_t,      w_t ~ N(0, W)
/// r(x, u) = −(xᵀ Q x + uᵀ R u)
/// maximise E[ Σ_t γ^t r(x_t, u_t) ]   (plus α H(π(·|x_t)) for the maximum-entropy problem)
/// ```
///
/// where `x ∈ ℝⁿ`, `u ∈ ℝᵐ`, `A` is `n×n`, `B` is `n×m`, `Q ⪰ 0` is `n×n`, `R ≻ 0` is
/// `m×m`, `W ⪰ 0` is `n×n` and `0 < γ < 1`. Rewards are negated costs, so values are
/// `≤ 0`: the soft value is written `V(x) = −xᵀPx − c` with `P ⪰ 0`.
///
/// # References
///
/// Bertsekas (2017), *Dynamic Programming and Optimal Control*, vol. I, 4th ed., §3.1
/// (the linear–quadratic problem); Anderson & Moore (1990), *Optimal Control: Linear
/// Quadratic Methods*, ch. 2.
///
/// # Numerical stability
///
/// The noise is sampled as `w = L ε` with `L = V diag(√max(λ, 0))` from the symmetric
/// eigendecomposition `W = V diag(λ) Vᵀ`, which (unlike a Cholesky factor) exists for a
/// singular `W` — noise that drives only some coordinates.
///
/// # Errors
///
/// [`LqProblem::new`] returns [`LqError::Empty`], [`LqError::DimensionMismatch`],
/// [`LqError::NonFinite`], [`LqError::NotSymmetric`], [`LqError::NotPositiveSemidefinite`]
/// (`Q`, `W`), [`LqError::NotPositiveDefinite`] (`R`) and [`LqError::InvalidDiscount`].
/// Stabilisability is a property of the whole problem and is checked where it is needed,
/// by the Riccati solver's certificate ([`RiccatiSolver`](crate::RiccatiSolver)).
///
/// # Examples
///
/// ```
/// use maxent_rl::LqProblem;
/// use nalgebra::DMatrix;
/// // A double integrator with position and velocity, pushed by a force.
/// let a = DMatrix::from_row_slice(2, 2, &[1.0, 0.1, 0.0, 1.0]);
/// let b = DMatrix::from_row_slice(2, 1, &[0.0, 0.1]);
/// let problem = LqProblem::new(a, b, DMatrix::identity(2, 2), DMatrix::identity(1, 1),
///                              DMatrix::identity(2, 2) * 0.01, 0.95)?;
/// assert_eq!((problem.state_dim(), problem.action_dim()), (2, 1));
/// // A non-symmetric cost is refused, naming the entry.
/// let q = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.0, 1.0]);
/// let err = LqProblem::new(problem.a().clone(), problem.b().clone(), q,
///                          DMatrix::identity(1, 1), DMatrix::zeros(2, 2), 0.95);
/// assert!(matches!(err, Err(maxent_rl::LqError::NotSymmetric { what: "Q", .. })));
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LqProblem {
    a: DMatrix<f64>,
    b: DMatrix<f64>,
    q: DMatrix<f64>,
    r: DMatrix<f64>,
    w: DMatrix<f64>,
    w_factor: DMatrix<f64>,
    discount: f64,
}

impl LqProblem {
    /// Validates and builds the problem `x' = A x + B u + w`, `w ~ N(0, W)`,
    /// `r = −(xᵀQx + uᵀRu)`, discount `γ`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn new(
        a: DMatrix<f64>,
        b: DMatrix<f64>,
        q: DMatrix<f64>,
        r: DMatrix<f64>,
        w: DMatrix<f64>,
        discount: f64,
    ) -> Result<Self, LqError> {
        let n = a.nrows();
        let m = b.ncols();
        if n == 0 {
            return Err(LqError::Empty { what: "state" });
        }
        if m == 0 {
            return Err(LqError::Empty { what: "action" });
        }
        check_shape("A", &a, (n, n))?;
        check_shape("B", &b, (n, m))?;
        check_shape("Q", &q, (n, n))?;
        check_shape("R", &r, (m, m))?;
        check_shape("W", &w, (n, n))?;
        for (what, mat) in [("A", &a), ("B", &b), ("Q", &q), ("R", &r), ("W", &w)] {
            check_finite(what, mat)?;
        }
        for (what, mat) in [("Q", &q), ("R", &r), ("W", &w)] {
            check_symmetric(what, mat)?;
        }
        min_eigenvalue_at_least("Q", &q, false)?;
        min_eigenvalue_at_least("R", &r, true)?;
        min_eigenvalue_at_least("W", &w, false)?;
        if !(discount > 0.0 && discount < 1.0) {
            return Err(LqError::InvalidDiscount { value: discount });
        }
        let eig = w.clone().symmetric_eigen();
        let scale = DVector::from_iterator(n, eig.eigenvalues.iter().map(|l| l.max(0.0).sqrt()));
        let w_factor = &eig.eigenvectors * DMatrix::from_diagonal(&scale);
        Ok(Self {
            a,
            b,
            q,
            r,
            w,
            w_factor,
            discount,
        })
    }

    /// State dimension `n`.
    pub fn state_dim(&self) -> usize {
        self.a.nrows()
    }

    /// Action dimension `m`.
    pub fn action_dim(&self) -> usize {
        self.b.ncols()
    }

    /// The dynamics matrix `A` (`n×n`).
    pub fn a(&self) -> &DMatrix<f64> {
        &self.a
    }

    /// The control matrix `B` (`n×m`).
    pub fn b(&self) -> &DMatrix<f64> {
        &self.b
    }

    /// The state cost `Q ⪰ 0` (`n×n`).
    pub fn state_cost(&self) -> &DMatrix<f64> {
        &self.q
    }

    /// The action cost `R ≻ 0` (`m×m`).
    pub fn action_cost(&self) -> &DMatrix<f64> {
        &self.r
    }

    /// The noise covariance `W ⪰ 0` (`n×n`).
    pub fn noise_cov(&self) -> &DMatrix<f64> {
        &self.w
    }

    /// The discount `γ ∈ (0, 1)`.
    pub fn discount(&self) -> f64 {
        self.discount
    }

    /// The reward `r(x, u) = −(xᵀQx + uᵀRu)`.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] if `x` or `u` has the wrong length;
    /// [`LqError::NonFinite`] for a NaN or infinite entry of `x` or `u`;
    /// [`LqError::Overflow`] naming `"r(x, u)"` if the quadratic form overflows `f64`
    /// (entries of about `1e154` or more).
    pub fn reward(&self, x: &DVector<f64>, u: &DVector<f64>) -> Result<f64, LqError> {
        self.check_state(x)?;
        self.check_action(u)?;
        let r = -(x.dot(&(&self.q * x)) + u.dot(&(&self.r * u)));
        check_finite_output("r(x, u)", &[r])?;
        Ok(r)
    }

    /// Samples the next state `x' = A x + B u + w`, `w ~ N(0, W)`.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] if `x` or `u` has the wrong length,
    /// [`LqError::NonFinite`] if either has a NaN or infinite entry, and
    /// [`LqError::Overflow`] if the next state is not finite (entries of `A x` or `B u`
    /// beyond `f64::MAX`).
    pub fn step<R: Rng + ?Sized>(
        &self,
        x: &DVector<f64>,
        u: &DVector<f64>,
        rng: &mut R,
    ) -> Result<DVector<f64>, LqError> {
        self.check_state(x)?;
        self.check_action(u)?;
        let n = self.state_dim();
        let eps = DVector::from_iterator(n, (0..n).map(|_| StandardNormal.sample(rng)));
        let next = &self.a * x + &self.b * u + &self.w_factor * eps;
        check_finite_output("next_state", next.as_slice())?;
        Ok(next)
    }

    pub(crate) fn check_state(&self, x: &DVector<f64>) -> Result<(), LqError> {
        check_vector("x", x, self.state_dim())
    }

    pub(crate) fn check_action(&self, u: &DVector<f64>) -> Result<(), LqError> {
        check_vector("u", u, self.action_dim())
    }
}

pub(crate) fn check_vector(
    what: &'static str,
    v: &DVector<f64>,
    len: usize,
) -> Result<(), LqError> {
    if v.len() != len {
        return Err(LqError::DimensionMismatch {
            what,
            expected: (len, 1),
            found: (v.len(), 1),
        });
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(LqError::NonFinite {
            what,
            row: i,
            col: 0,
            value: v[i],
        });
    }
    Ok(())
}

fn check_shape(
    what: &'static str,
    m: &DMatrix<f64>,
    expected: (usize, usize),
) -> Result<(), LqError> {
    if m.shape() != expected {
        return Err(LqError::DimensionMismatch {
            what,
            expected,
            found: m.shape(),
        });
    }
    Ok(())
}

fn check_finite(what: &'static str, m: &DMatrix<f64>) -> Result<(), LqError> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite() {
                return Err(LqError::NonFinite {
                    what,
                    row: i,
                    col: j,
                    value: m[(i, j)],
                });
            }
        }
    }
    Ok(())
}

fn check_symmetric(what: &'static str, m: &DMatrix<f64>) -> Result<(), LqError> {
    let scale = m.amax();
    let (mut worst, mut at) = (0.0, (0, 0));
    for j in 0..m.ncols() {
        for i in 0..j {
            let d = (m[(i, j)] - m[(j, i)]).abs();
            if d > worst {
                worst = d;
                at = (i, j);
            }
        }
    }
    if worst > SYMMETRY_TOLERANCE * scale {
        return Err(LqError::NotSymmetric {
            what,
            row: at.0,
            col: at.1,
            asymmetry: worst,
        });
    }
    Ok(())
}

/// Checks `λ_min(M) ≥ −tol·max|M|` (semidefinite) or `λ_min(M) > tol·max|M|` (definite).
fn min_eigenvalue_at_least(
    what: &'static str,
    m: &DMatrix<f64>,
    definite: bool,
) -> Result<(), LqError> {
    let scale = m.amax();
    let min = m.clone().symmetric_eigenvalues().min();
    if definite {
        if min.is_nan() || min <= DEFINITE_TOLERANCE * scale {
            return Err(LqError::NotPositiveDefinite {
                what,
                min_eigenvalue: min,
            });
        }
    } else if min < -SYMMETRY_TOLERANCE * scale {
        return Err(LqError::NotPositiveSemidefinite {
            what,
            min_eigenvalue: min,
        });
    }
    Ok(())
}

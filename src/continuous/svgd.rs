//! Stein variational gradient descent with an RBF kernel and the median bandwidth.

use crate::losses::loss_error::{LossError, check_batch_finite, check_batch_len, check_output};

/// One direction of Stein variational gradient descent (SVGD) for `N` particles in
/// `ℝᵈ`, with the RBF kernel and, unless a bandwidth is given, the median heuristic.
///
/// # Formula
///
/// ```text
/// φ(uᵢ) = (1/N) Σⱼ [ k(uⱼ, uᵢ) ∇ ln p(uⱼ) + ∇_{uⱼ} k(uⱼ, uᵢ) ]
/// k(a, b) = exp(−‖a − b‖² / h),     ∇_a k(a, b) = −(2/h)(a − b) k(a, b)
/// h = med{‖uᵢ − uⱼ‖² : i < j} / ln N     (median heuristic)
/// ```
///
/// The first term moves particles up the log-density, weighted by kernel similarity;
/// the second pushes them apart, which is what keeps them from collapsing onto the modes.
/// The update is `uᵢ ← uᵢ + ε φ(uᵢ)`; for soft Q-learning the density is the Boltzmann
/// policy `p(u) ∝ exp(Q(s, u)/α)`, so `∇ ln p = ∇_u Q / α` and no normaliser is needed.
///
/// # References
///
/// Liu & Wang (2016), *Stein variational gradient descent: a general purpose Bayesian
/// inference algorithm*, NeurIPS, eq. (8) and §5 (the median heuristic); Haarnoja, Tang,
/// Abbeel & Levine (2017), *Reinforcement learning with deep energy-based policies*, ICML,
/// eq. (13) (SVGD for the sampling network of soft Q-learning).
///
/// # Numerical stability
///
/// The kernel is evaluated as `exp(−‖a − b‖²/h)`, always in `(0, 1]`. If all particles
/// coincide the median is 0; the bandwidth then falls back to 1 rather than dividing by 0.
///
/// # Errors
///
/// [`LossError::EmptyBatch`] for no particles or `dim = 0`; [`LossError::LengthMismatch`] if
/// `particles` or `grad_log_p` is not `N × dim`; [`LossError::NonFinite`] for a NaN or
/// infinite entry; [`LossError::InvalidParameter`] for a given bandwidth that is not finite
/// and `> 0`; [`LossError::Overflow`] if the direction is not finite although every input
/// was (gradients near `±f64::MAX` summed over particles).
///
/// # Examples
///
/// ```
/// use maxent_rl::svgd_direction;
/// // Two particles on a standard normal (∇ ln p(u) = −u), symmetric about 0: the pull
/// // towards 0 and the kernel's push apart act along the line between them.
/// let u = [-1.0, 1.0];
/// let grad = [1.0, -1.0];
/// let (phi, h) = svgd_direction(&u, &grad, 1, None)?;
/// assert!((h - 4.0 / 2f64.ln()).abs() < 1e-12);
/// assert!((phi[0] + phi[1]).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn svgd_direction(
    particles: &[f64],
    grad_log_p: &[f64],
    dim: usize,
    bandwidth: Option<f64>,
) -> Result<(Vec<f64>, f64), LossError> {
    if dim == 0 || particles.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    let n = particles.len() / dim;
    check_batch_len("particles", particles, n * dim)?;
    check_batch_len("grad_log_p", grad_log_p, n * dim)?;
    check_batch_finite("particles", particles)?;
    check_batch_finite("grad_log_p", grad_log_p)?;
    // Pairwise squared distances, once (symmetric; the diagonal is 0): N² numbers, refused
    // if they cannot be allocated.
    let mut sq = Vec::new();
    let reserved = n
        .checked_mul(n)
        .is_some_and(|entries| sq.try_reserve_exact(entries).is_ok());
    if !reserved {
        return Err(LossError::InvalidParameter {
            what: "particles",
            value: n as f64,
            expected: "few enough that the N × N kernel matrix fits in memory",
        });
    }
    sq.resize(n * n, 0.0);
    for i in 0..n {
        for j in i + 1..n {
            let d: f64 = (0..dim)
                .map(|k| {
                    let d = particles[i * dim + k] - particles[j * dim + k];
                    d * d
                })
                .sum();
            sq[i * n + j] = d;
            sq[j * n + i] = d;
        }
    }
    let h = match bandwidth {
        Some(h) if h.is_finite() && h > 0.0 => h,
        Some(h) => {
            return Err(LossError::InvalidParameter {
                what: "bandwidth",
                value: h,
                expected: "finite and > 0",
            });
        }
        None => median_bandwidth(n, &sq),
    };
    let mut phi = vec![0.0; n * dim];
    for i in 0..n {
        let out = &mut phi[i * dim..(i + 1) * dim];
        for j in 0..n {
            let k = (-sq[i * n + j] / h).exp();
            // A pair out of the kernel's reach contributes exactly nothing (and skipping it
            // avoids 0 · ∞ when coordinates near ±f64::MAX differ by an overflowing amount).
            if k == 0.0 {
                continue;
            }
            for c in 0..dim {
                let diff = particles[j * dim + c] - particles[i * dim + c];
                out[c] += k * (grad_log_p[j * dim + c] - 2.0 / h * diff);
            }
        }
    }
    phi.iter_mut().for_each(|v| *v /= n as f64);
    check_output("svgd direction", &phi)?;
    Ok((phi, h))
}

/// `med{‖uᵢ − uⱼ‖²}/ln N`, or 1 when that is 0 or undefined (`N = 1`, coinciding
/// particles).
fn median_bandwidth(n: usize, sq: &[f64]) -> f64 {
    let mut d: Vec<f64> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .map(|(i, j)| sq[i * n + j])
        .collect();
    if d.is_empty() {
        return 1.0;
    }
    let len = d.len();
    let mid = len / 2;
    let (below, upper, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    let median = if len.is_multiple_of(2) {
        // The largest of the lower half is the other middle element.
        0.5 * (below.iter().copied().fold(f64::NEG_INFINITY, f64::max) + upper)
    } else {
        upper
    };
    let h = median / (n as f64).ln();
    if h.is_finite() && h > 0.0 { h } else { 1.0 }
}

/// Runs `iterations` steps of SVGD, `uᵢ ← uᵢ + ε φ(uᵢ)` ([`svgd_direction`]), on the
/// particles in place, with `grad_log_p(particles, out)` writing `∇ ln p` at each particle.
/// Returns the largest particle move of each step (a learning curve: it falls towards 0
/// as the particles settle).
///
/// # Errors
///
/// As [`svgd_direction`], plus [`LossError::InvalidParameter`] for a step size that is not
/// finite and `> 0` or an `iterations` whose learning curve cannot be allocated
/// (`usize::MAX`). A gradient that turns non-finite stops the run with
/// [`LossError::NonFinite`].
///
/// # Examples
///
/// ```
/// use maxent_rl::svgd;
/// // 50 particles on N(1, 0.5²): ∇ ln p(u) = −(u − 1)/0.25.
/// let mut u: Vec<f64> = (0..50).map(|i| -2.0 + 4.0 * i as f64 / 49.0).collect();
/// let moves = svgd(&mut u, 1, |p, g| {
///     for (gi, pi) in g.iter_mut().zip(p) { *gi = -(pi - 1.0) / 0.25; }
/// }, 0.05, 500)?;
/// let mean = u.iter().sum::<f64>() / 50.0;
/// assert!((mean - 1.0).abs() < 0.05);
/// assert!(moves.last().unwrap() < &moves[0]);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn svgd(
    particles: &mut [f64],
    dim: usize,
    mut grad_log_p: impl FnMut(&[f64], &mut [f64]),
    step_size: f64,
    iterations: usize,
) -> Result<Vec<f64>, LossError> {
    if !(step_size.is_finite() && step_size > 0.0) {
        return Err(LossError::InvalidParameter {
            what: "step_size",
            value: step_size,
            expected: "finite and > 0",
        });
    }
    let mut grad = vec![0.0; particles.len()];
    let mut moves = Vec::new();
    moves
        .try_reserve_exact(iterations)
        .map_err(|_| LossError::InvalidParameter {
            what: "iterations",
            value: iterations as f64,
            expected: "small enough to store one move per iteration",
        })?;
    for _ in 0..iterations {
        grad_log_p(particles, &mut grad);
        let (phi, _) = svgd_direction(particles, &grad, dim, None)?;
        let mut largest = 0.0f64;
        for (p, f) in particles.iter_mut().zip(&phi) {
            *p += step_size * f;
            largest = largest.max((step_size * f).abs());
        }
        moves.push(largest);
    }
    Ok(moves)
}

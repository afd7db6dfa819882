//! Todorov's linearly-solvable MDPs: KL control costs make the Bellman equation linear in
//! the desirability `z = exp(V/α)`.

use nalgebra::{DMatrix, DVector};

use crate::kl_regularised::kl_error::KlError;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{
    MdpError, check_allocatable, check_len, check_values, table_len, try_filled,
};
use crate::tabular::tabular_policy::TabularPolicy;

/// A linearly-solvable MDP (LMDP): passive dynamics `p(s' | s)`, state rewards `r(s)`,
/// exit rewards `r_T(s)` at terminal states, and control cost `α KL(u(·|s) ‖ p(·|s))` for
/// choosing the next-state distribution `u(·|s)` directly.
///
/// # Formula
///
/// The optimal value satisfies
///
/// ```text
/// V(s) = r(s) + max_u { Σ_{s'} u(s'|s) V(s') − α KL(u(·|s) ‖ p(·|s)) }
///      = r(s) + α ln Σ_{s'} p(s'|s) exp(V(s')/α)          (non-terminal s)
/// V(s) = r_T(s)                                             (terminal s)
/// ```
///
/// so the *desirability* `z(s) = exp(V(s)/α)` solves a linear equation,
/// `z = G P z` on non-terminal states with `G = diag(exp(r/α))`, and the optimal control is
/// `u*(s'|s) = p(s'|s) z(s') / Σ_{s''} p(s''|s) z(s'')`:
///
/// - *first exit*: `(I − G_N P_NN) z_N = G_N P_NT z_T` with `z_T = exp(r_T/α)`
///   ([`first_exit_desirability`](Self::first_exit_desirability));
/// - *finite horizon*: `z_t = G P z_{t+1}`, a product of matrices
///   ([`finite_horizon_desirability`](Self::finite_horizon_desirability)).
///
/// The *discounted* problem is not linear: `V(s) = r(s) + α ln Σ p(s'|s) exp(γ V(s')/α)`
/// gives `z = G P z^γ`, with the elementwise power `z^γ`, because discounting scales `V`
/// inside the exponential. It must be solved by iteration.
///
/// The LMDP is the KL-regularised MDP whose actions pick the next state, with the passive
/// dynamics as the prior policy ([`kl_control_problem`](Self::kl_control_problem)); its
/// linear solve therefore equals KL-regularised soft value iteration there.
///
/// # References
///
/// Todorov (2007), *Linearly-solvable Markov decision problems*, NIPS 19 (the desirability
/// and its linear equation, first-exit formulation); Todorov (2009), *Efficient computation
/// of optimal actions*, PNAS 106(28) (first-exit, finite-horizon and average-cost
/// formulations; the discounted one is not linear).
///
/// # Numerical stability
///
/// `z = exp(V/α)` overflows or underflows `f64` once `|V|/α` passes about 700: keep
/// rewards on the scale of `α`, or use
/// [`finite_horizon_kl_soft_value_iteration`](crate::finite_horizon_kl_soft_value_iteration),
/// which works in log-space. A desirability that is not finite and positive is reported as
/// an error, never returned.
///
/// # Examples
///
/// ```
/// use maxent_rl::{LinearlySolvableMdp, Mdp};
/// // Three states in a line, 2 terminal (exit reward 0); the passive walk from 0 goes to 1
/// // or stays, from 1 goes to 0 or 2. Each non-terminal step costs 1 (r = −1), α = 1.
/// let passive = Mdp::new(3, 1, &[vec![(0, 0.5), (1, 0.5)], vec![(0, 0.5), (2, 0.5)], vec![(2, 1.0)]],
///                        vec![-1.0, -1.0, 0.0], 1.0)?.with_terminal_states(&[2])?;
/// let lmdp = LinearlySolvableMdp::new(&passive, &[0.0, 0.0, 0.0], 1.0)?;
/// let z = lmdp.first_exit_desirability()?;
/// // z₀ = e⁻¹(z₀ + z₁)/2, z₁ = e⁻¹(z₀ + 1)/2 — solved by hand: z₀ = 1/((2e − 1)·2e − 1).
/// let e = 1f64.exp();
/// assert!((z[0] - 1.0 / ((2.0 * e - 1.0) * 2.0 * e - 1.0)).abs() < 1e-15);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearlySolvableMdp {
    passive: Mdp,
    exit_rewards: Vec<f64>,
    alpha: f64,
}

impl LinearlySolvableMdp {
    /// An LMDP from the passive dynamics (an [`Mdp`] with one action, whose rewards
    /// `r(s, 0)` are the state rewards and whose terminal states are the exits), the exit
    /// rewards `r_T(s)` (read at terminal states only) and the temperature `α`.
    ///
    /// # Errors
    ///
    /// [`MdpError::DimensionMismatch`] if `passive` has more than one action or
    /// `exit_rewards` does not have `S` entries; [`MdpError::NonFiniteValue`] for a
    /// non-finite exit reward; [`MdpError::InvalidTemperature`] unless `0 < α < ∞`.
    pub fn new(passive: &Mdp, exit_rewards: &[f64], alpha: f64) -> Result<Self, KlError> {
        check_len("passive dynamics actions", passive.num_actions(), 1)?;
        check_len("exit_rewards", exit_rewards.len(), passive.num_states())?;
        check_values("exit_rewards", exit_rewards)?;
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(MdpError::InvalidTemperature { value: alpha }.into());
        }
        Ok(Self {
            passive: passive.clone(),
            exit_rewards: exit_rewards.to_vec(),
            alpha,
        })
    }

    /// The temperature `α`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    fn g(&self, s: usize) -> f64 {
        (self.passive.reward(s, 0) / self.alpha).exp()
    }

    fn z_exit(&self, s: usize) -> f64 {
        (self.exit_rewards[s] / self.alpha).exp()
    }

    /// The first-exit desirability `z`, by one linear solve:
    /// `z(s) − e^{r(s)/α} Σ_{s'} p(s'|s) z(s') = 0` at non-terminal states and
    /// `z(s) = e^{r_T(s)/α}` at terminal ones. `V = α ln z`.
    ///
    /// # Errors
    ///
    /// [`KlError::Mdp`] with [`MdpError::TooLarge`] if the dense `S × S` system cannot be
    /// allocated;
    /// [`KlError::NoFirstExitSolution`] if the system is singular or a desirability is not
    /// finite and positive (for instance when positive rewards are collected for ever on a
    /// cycle that never exits).
    pub fn first_exit_desirability(&self) -> Result<Vec<f64>, KlError> {
        let n = self.passive.num_states();
        // The dense S × S system: refuse it with a typed error if it cannot be allocated.
        let len = table_len("dense matrix I − G P", &[n, n])?;
        let mut m = DMatrix::from_vec(n, n, try_filled("dense matrix I − G P", len, 0.0)?);
        m.fill_diagonal(1.0);
        let mut b = vec![0.0; n];
        for s in 0..n {
            if self.passive.is_terminal(s) {
                b[s] = self.z_exit(s);
            } else {
                let g = self.g(s);
                for (s2, p) in self.passive.successors(s, 0) {
                    m[(s, s2)] -= g * p;
                }
            }
        }
        let z = m
            .lu()
            .solve(&DVector::from_vec(b))
            .ok_or(KlError::NoFirstExitSolution { s: 0 })?;
        let z: Vec<f64> = z.iter().copied().collect();
        match z.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
            Some(s) => Err(KlError::NoFirstExitSolution { s }),
            None => Ok(z),
        }
    }

    /// The finite-horizon desirabilities `z_0, …, z_T`: `z_T(s) = exp(V_T(s)/α)` and
    /// `z_t(s) = e^{r(s)/α} Σ_{s'} p(s'|s) z_{t+1}(s')` at non-terminal states;
    /// `z_t(s) = e^{r_T(s)/α}` at terminal ones for every `t ≤ T` (an exit is worth its exit
    /// reward whenever it is reached; `terminal_values` is read at non-terminal states
    /// only). `V_t = α ln z_t`.
    ///
    /// # Errors
    ///
    /// [`MdpError::DimensionMismatch`] or [`MdpError::NonFiniteValue`] for bad terminal
    /// values; [`KlError::NoFirstExitSolution`] naming a state whose desirability, at `T`
    /// (`exp(V_T/α)`) or at any earlier step, left the range of `f64` (overflowed to `∞` or
    /// underflowed to 0); [`MdpError::TooLarge`] if the `T + 1` rows cannot be allocated.
    /// [`MdpError`]s are returned inside [`KlError::Mdp`].
    pub fn finite_horizon_desirability(
        &self,
        horizon: usize,
        terminal_values: &[f64],
    ) -> Result<Vec<Vec<f64>>, KlError> {
        let n = self.passive.num_states();
        check_len("terminal_values", terminal_values.len(), n)?;
        check_values("terminal_values", terminal_values)?;
        let entries = table_len("desirability tables", &[horizon, n])?;
        let bytes = table_len("desirability tables", &[entries, 8])?;
        check_allocatable("desirability tables", entries, bytes)?;
        // `next` holds z_{t+1} while step t is computed; the rows are collected backwards.
        let mut next: Vec<f64> = (0..n)
            .map(|s| {
                if self.passive.is_terminal(s) {
                    self.z_exit(s)
                } else {
                    (terminal_values[s] / self.alpha).exp()
                }
            })
            .collect();
        // exp(V_T/α) itself can leave the range of f64 (and would be returned as is at T = 0).
        if let Some(s) = next.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
            return Err(KlError::NoFirstExitSolution { s });
        }
        let mut zs = Vec::with_capacity(horizon);
        for _ in 0..horizon {
            let z: Vec<f64> = (0..n)
                .map(|s| {
                    if self.passive.is_terminal(s) {
                        self.z_exit(s)
                    } else {
                        self.g(s) * self.passive.expected_next_value(s, 0, &next)
                    }
                })
                .collect();
            if let Some(s) = z.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
                return Err(KlError::NoFirstExitSolution { s });
            }
            zs.push(std::mem::replace(&mut next, z));
        }
        zs.push(next);
        zs.reverse();
        Ok(zs)
    }

    /// The optimal controls `u*(s'|s) = p(s'|s) z(s') / Σ_{s''} p(s''|s) z(s'')` as a
    /// policy over next states (`S` actions; action `s'` means "go to `s'`").
    ///
    /// # Errors
    ///
    /// [`MdpError::DimensionMismatch`] if `z` does not have `S` entries;
    /// [`MdpError::NonFiniteValue`] unless every `z(s)` is finite and positive;
    /// [`MdpError::TooLarge`] if the `S × S` table cannot be allocated. Any finite positive
    /// `z` gives a normalised policy (each row is rescaled by its largest `z`).
    pub fn optimal_controls(&self, z: &[f64]) -> Result<TabularPolicy, KlError> {
        let n = self.passive.num_states();
        check_len("z", z.len(), n)?;
        if let Some(s) = z.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
            return Err(MdpError::NonFiniteValue {
                what: "z",
                index: s,
                value: z[s],
            }
            .into());
        }
        let len = table_len("optimal controls", &[n, n])?;
        let mut probs = try_filled("optimal controls", len, 0.0)?;
        for s in 0..n {
            // z rescaled by the row's largest successor value, so that p z neither overflows
            // (z near f64::MAX) nor underflows to a zero total (z near the smallest normal).
            let m = self
                .passive
                .successors(s, 0)
                .map(|(s2, _)| z[s2])
                .fold(0.0, f64::max);
            let total: f64 = self
                .passive
                .successors(s, 0)
                .map(|(s2, p)| p * (z[s2] / m))
                .sum();
            for (s2, p) in self.passive.successors(s, 0) {
                probs[s * n + s2] = p * (z[s2] / m) / total;
            }
        }
        Ok(TabularPolicy::from_probs(n, n, probs)?)
    }

    /// The equivalent KL-regularised MDP and its prior: `S` actions, action `a` moves to
    /// state `a` deterministically, reward `r(s, a) = r(s) + [a terminal] r_T(a)`, the same
    /// terminal states, discount `γ`; prior `π₀(a | s) = p(a | s)`. Soft value iteration
    /// with this prior at temperature `α` solves the LMDP.
    ///
    /// # Errors
    ///
    /// [`MdpError::InvalidDiscount`] for `γ ∉ [0, 1]`; [`MdpError::TooLarge`] if the
    /// `S × S` tables cannot be allocated; [`MdpError::NonFiniteReward`] if `r(s) + r_T(a)`
    /// overflows.
    pub fn kl_control_problem(&self, discount: f64) -> Result<(Mdp, TabularPolicy), KlError> {
        let n = self.passive.num_states();
        // S² rows of one successor each, S² rewards and S² prior entries.
        let what = "KL control problem";
        let len = table_len(what, &[n, n])?;
        check_allocatable(what, len, table_len(what, &[len, 64])?)?;
        let mut transitions = Vec::with_capacity(len);
        let mut rewards = Vec::with_capacity(len);
        let mut prior = vec![0.0; len];
        for s in 0..n {
            for a in 0..n {
                transitions.push(vec![(a, 1.0)]);
                let exit = if self.passive.is_terminal(a) {
                    self.exit_rewards[a]
                } else {
                    0.0
                };
                rewards.push(self.passive.reward(s, 0) + exit);
            }
            for (s2, p) in self.passive.successors(s, 0) {
                prior[s * n + s2] = p;
            }
        }
        let terminal: Vec<usize> = (0..n).filter(|&s| self.passive.is_terminal(s)).collect();
        let mdp =
            Mdp::new(n, n, &transitions, rewards, discount)?.with_terminal_states(&terminal)?;
        Ok((mdp, TabularPolicy::from_probs(n, n, prior)?))
    }
}

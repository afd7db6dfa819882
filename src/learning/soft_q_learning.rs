//! Tabular soft Q-learning (G-learning) with Robbins–Monro step sizes.

use rand::Rng;

use crate::learning::learning_error::{
    LearningCurve, LearningError, check_discount_below_one, check_finite_output, check_positive,
    check_range, check_soft_alpha,
};
use crate::learning::sampling::{
    Transition, check_policy_shape, check_state_action, sample_transition_unchecked,
};
use crate::soft_dp::soft_state_value;
use crate::tabular::{Mdp, TabularPolicy};

/// One soft Q-learning update of a flat Q-table (`s · A + a`) from one transition, with
/// step size `η`; returns the temporal-difference error `δ`.
///
/// # Formula
///
/// ```text
/// δ = r + γ (1 − done) V(s') − Q(s, a),   V(s') = α ln Σ_a' exp(Q(s', a')/α)
/// Q(s, a) ← Q(s, a) + η δ
/// ```
///
/// # References
///
/// Fox, Pakman & Tishby (2016), *Taming the noise in reinforcement learning via soft
/// updates* (G-learning); Haarnoja, Tang, Abbeel & Levine (2017), *Reinforcement
/// learning with deep energy-based policies* (soft Q-iteration, whose sampled
/// form this is); Schulman, Chen & Abbeel (2017), *Equivalence between policy gradients
/// and soft Q-learning*.
///
/// # Numerical stability
///
/// `V(s')` is a shifted log-sum-exp ([`soft_state_value`]), finite for any finite table.
///
/// # Errors
///
/// [`LearningError::DimensionMismatch`] if `q` is not `S · A` long;
/// [`LearningError::IndexOutOfRange`] for a transition outside the MDP;
/// [`LearningError::InvalidConfig`] for `α ≤ 0`, a step size outside `(0, 1]`, or a
/// non-finite reward or table entry among those the update reads;
/// [`LearningError::Overflow`] if the TD error or the updated entry is not finite although
/// every input was (rewards or values near `±1e308`), and `q` is then left unchanged.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, Transition, soft_q_learning_update};
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let mut q = vec![0.0, 0.0];
/// let t = Transition { s: 0, a: 0, r: 1.0, next_s: 0, done: false };
/// // V(s') = 1 · ln(e⁰ + e⁰) = ln 2, δ = 1 + 0.5 ln 2, and η = 1 replaces Q(0, 0) by the target.
/// let delta = soft_q_learning_update(&mdp, &mut q, &t, 1.0, 1.0)?;
/// assert!((q[0] - (1.0 + 0.5 * 2f64.ln())).abs() < 1e-15);
/// assert_eq!(delta, q[0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn soft_q_learning_update(
    mdp: &Mdp,
    q: &mut [f64],
    transition: &Transition,
    alpha: f64,
    step_size: f64,
) -> Result<f64, LearningError> {
    crate::learning::learning_error::check_len("q", q.len(), mdp.num_states() * mdp.num_actions())?;
    check_state_action(mdp, transition.s, transition.a)?;
    check_state_action(mdp, transition.next_s, 0)?;
    check_soft_alpha(alpha)?;
    check_range("step_size", step_size, 0.0, 1.0, true, "in (0, 1]")?;
    let a_count = mdp.num_actions();
    let next_row = transition.next_s * a_count..(transition.next_s + 1) * a_count;
    let entry = transition.s * a_count + transition.a;
    for (what, x) in [("transition.r", transition.r), ("q(s, a)", q[entry])]
        .into_iter()
        .chain(q[next_row].iter().map(|&x| ("q(s', ·)", x)))
    {
        if !x.is_finite() {
            return Err(LearningError::InvalidConfig {
                what,
                value: x,
                expected: "finite",
            });
        }
    }
    let old = q[entry];
    let td_error = update_unchecked(
        q,
        mdp.num_actions(),
        transition,
        alpha,
        mdp.discount(),
        step_size,
    );
    if let Err(e) = check_finite_output("td_error and q(s, a)", &[td_error, q[entry]]) {
        q[entry] = old;
        return Err(e);
    }
    Ok(td_error)
}

#[inline]
fn update_unchecked(
    q: &mut [f64],
    num_actions: usize,
    t: &Transition,
    alpha: f64,
    discount: f64,
    step_size: f64,
) -> f64 {
    let bootstrap = if t.done {
        0.0
    } else {
        let row = &q[t.next_s * num_actions..(t.next_s + 1) * num_actions];
        discount * soft_state_value(row, alpha)
    };
    let i = t.s * num_actions + t.a;
    let delta = t.r + bootstrap - q[i];
    q[i] += step_size * delta;
    delta
}

/// Configuration of tabular soft Q-learning from a behaviour policy's episodes.
///
/// # Formula
///
/// Episodes start at `s₀ ~ d₀` and follow the behaviour policy `μ` until a terminal state
/// or `max_episode_length` steps. Every transition updates its own entry by
/// [`soft_q_learning_update`] with the Robbins–Monro step
///
/// ```text
/// η_n(s, a) = n(s, a)^(−ω),   n(s, a) = visits of (s, a) so far (including this one)
/// ```
///
/// For `ω ∈ (1/2, 1]`, `Σ_n η_n = ∞` and `Σ_n η_n² < ∞`; with every pair visited
/// infinitely often the table converges to the soft optimum `Q*` with probability one,
/// whatever `μ` is (off-policy). `ω = 1` is the sample mean and converges slowly for `γ`
/// near 1; the default `ω = 0.8` follows Even-Dar & Mansour's advice.
///
/// Defaults: `ω = 0.8`, `max_episode_length = 1000`, `steps = 100 000`, one curve point every
/// `steps / 100` updates.
///
/// # References
///
/// Fox, Pakman & Tishby (2016), *Taming the noise in reinforcement learning via soft
/// updates* (G-learning and its convergence); Watkins & Dayan (1992), *Q-learning*
/// (the Robbins–Monro argument); Even-Dar & Mansour (2003), *Learning rates for
/// Q-learning*, JMLR 5 (polynomial steps `1/n^ω`, rates for `ω ∈ (1/2, 1)`).
///
/// # Errors
///
/// [`SoftQLearning::run`] returns [`LearningError::InvalidConfig`] for `α ≤ 0`,
/// `ω ∉ (1/2, 1]`, a zero budget, episode length or recording interval, `γ = 1`;
/// [`LearningError::DimensionMismatch`] for a behaviour policy of the wrong shape;
/// [`LearningError::InvalidConfig`] if every possible starting state is terminal;
/// [`LearningError::Diverged`] if the table stops being finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, SoftQLearning, SoftValueIteration, TabularPolicy};
/// use rand::SeedableRng;
/// let mdp = Gridworld::new(3, 2).build(0.9)?;
/// let exact = SoftValueIteration::new(0.5).tolerance(1e-12).run(&mdp)?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let run = SoftQLearning::new(0.5).steps(50_000).run(
///     &mdp,
///     &TabularPolicy::uniform(6, 4)?,
///     &mut rng,
///     |q| q.iter().zip(&exact.q_values).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max),
/// )?;
/// assert!(run.curve.last().unwrap() < 0.1 * run.curve.values[0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftQLearning {
    alpha: f64,
    step_size_exponent: f64,
    steps: usize,
    max_episode_length: usize,
    record_every: Option<usize>,
}

/// What a soft Q-learning run returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SoftQLearningResult {
    /// The learned table, flat (`s · A + a`).
    pub q_values: Vec<f64>,
    /// Visits `n(s, a)`, flat.
    pub visits: Vec<u64>,
    /// The monitored quantity against the update count.
    pub curve: LearningCurve,
    /// Number of episodes started, a start drawn in a terminal state counting as an
    /// episode of no steps (after 64 such draws in a row the start is drawn from `d₀`
    /// restricted to the non-terminal states, and the wait counts as 65).
    pub episodes: usize,
}

impl SoftQLearning {
    /// Soft Q-learning at temperature `α`, with the defaults above.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            step_size_exponent: 0.8,
            steps: 100_000,
            max_episode_length: 1000,
            record_every: None,
        }
    }

    /// The exponent `ω` of the step size `n^(−ω)`.
    pub fn step_size_exponent(mut self, omega: f64) -> Self {
        self.step_size_exponent = omega;
        self
    }

    /// The budget: number of updates (one per transition).
    pub fn steps(mut self, steps: usize) -> Self {
        self.steps = steps;
        self
    }

    /// Episodes are cut (truncated, still bootstrapped) after this many steps.
    pub fn max_episode_length(mut self, len: usize) -> Self {
        self.max_episode_length = len;
        self
    }

    /// Records the monitored quantity every `every` updates (default: `steps / 100`).
    pub fn record_every(mut self, every: usize) -> Self {
        self.record_every = Some(every);
        self
    }

    fn validate(&self, mdp: &Mdp) -> Result<usize, LearningError> {
        check_soft_alpha(self.alpha)?;
        check_range(
            "step_size_exponent",
            self.step_size_exponent,
            0.5,
            1.0,
            true,
            "in (1/2, 1] (Robbins–Monro)",
        )?;
        check_positive("steps", self.steps)?;
        check_positive("max_episode_length", self.max_episode_length)?;
        let every = self.record_every.unwrap_or((self.steps / 100).max(1));
        check_positive("record_every", every)?;
        check_discount_below_one(mdp.discount())?;
        Ok(every)
    }

    /// Runs soft Q-learning from `Q = 0` on episodes of the behaviour policy, calling
    /// `monitor(Q)` before the first update, every `record_every` updates and after the
    /// last, and recording what it returns in the learning curve.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run<R: Rng + ?Sized>(
        &self,
        mdp: &Mdp,
        behaviour: &TabularPolicy,
        rng: &mut R,
        mut monitor: impl FnMut(&[f64]) -> f64,
    ) -> Result<SoftQLearningResult, LearningError> {
        let every = self.validate(mdp)?;
        check_policy_shape(mdp, behaviour)?;
        crate::learning::sampling::check_startable(mdp)?;
        let num_actions = mdp.num_actions();
        let n = mdp.num_states() * num_actions;
        let mut q = vec![0.0; n];
        let mut visits = vec![0u64; n];
        let mut curve = LearningCurve::default();
        curve.push(0, monitor(&q));
        let gamma = mdp.discount();
        let omega = self.step_size_exponent;
        // n^(−ω) for the first visits, computed once: the common case in the loop is a lookup.
        let table: Vec<f64> = (0..STEP_SIZE_TABLE)
            .map(|n| step_size(n.max(1) as u64, omega))
            .collect();
        let (mut s, mut t_in_episode, mut episodes) = (mdp.sample_initial_state(rng), 0, 1);
        // Counts down to the next curve point (no division in the loop).
        let mut until_record = every;
        for step in 1..=self.steps {
            if mdp.is_terminal(s) || t_in_episode >= self.max_episode_length {
                let (start, draws) = crate::learning::sampling::sample_start_state(mdp, rng);
                s = start;
                t_in_episode = 0;
                episodes += draws;
            }
            let a = behaviour.sample_action(s, rng);
            let t = sample_transition_unchecked(mdp, s, a, rng);
            let i = s * num_actions + a;
            visits[i] += 1;
            let eta = match table.get(visits[i] as usize) {
                Some(&eta) => eta,
                None => step_size(visits[i], omega),
            };
            update_unchecked(&mut q, num_actions, &t, self.alpha, gamma, eta);
            if !q[i].is_finite() {
                return Err(LearningError::Diverged { step });
            }
            s = t.next_s;
            t_in_episode += 1;
            until_record -= 1;
            if until_record == 0 || step == self.steps {
                curve.push(step, monitor(&q));
                until_record = every;
            }
        }
        Ok(SoftQLearningResult {
            q_values: q,
            visits,
            curve,
            episodes,
        })
    }
}

/// Number of visit counts whose step size `n^(−ω)` is tabulated once per run.
const STEP_SIZE_TABLE: usize = 4096;

/// `n^(−ω)`, with the common cases `ω = 1` (a division) and small `n` cheap.
#[inline]
fn step_size(n: u64, omega: f64) -> f64 {
    if omega == 1.0 {
        1.0 / n as f64
    } else {
        (n as f64).powf(-omega)
    }
}

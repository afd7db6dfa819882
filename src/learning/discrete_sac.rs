//! Discrete soft actor-critic on a tabular MDP: tables of logits and Q-values, twin critics
//! with the clipped double-Q target, Polyak-averaged target critics, exact expectations
//! over actions, and automatic temperature.

use crate::numerics::inversion::inverse_cdf_index;
use rand::{Rng, RngExt};

use crate::learning::learning_error::{
    LearningCurve, LearningError, check_discount_below_one, check_finite_output, check_fits,
    check_len, check_positive, check_range, check_soft_alpha,
};
use crate::learning::replay_buffer::ReplayBuffer;
use crate::learning::sampling::{Transition, sample_transition_unchecked};
use crate::losses::{
    TemperatureConfig, TemperatureState, discrete_sac_actor_loss, discrete_soft_critic_target,
};
use crate::numerics::log_softmax_into;
use crate::tabular::Mdp;

/// How discrete SAC sets its temperature.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum SacTemperature {
    /// A fixed `α > 0`.
    Fixed(f64),
    /// Automatic: gradient descent on `ln α` towards the target entropy (see
    /// [`TemperatureState::update`]).
    Auto(TemperatureConfig),
}

/// Hyperparameters of tabular discrete SAC, validated by [`DiscreteSac::run`].
///
/// # Defaults, beside cleanrl's and Stable-Baselines3's
///
/// | Field | Here (tabular) | cleanrl `sac_atari.py` | SB3 `SAC` (continuous only) |
/// |---|---|---|---|
/// | `buffer_capacity` | 10 000 | 1 000 000 | 1 000 000 |
/// | `batch_size` | 16 | 64 | 256 |
/// | `learning_starts` | 200 | 20 000 | 100 |
/// | `update_every` (env steps per gradient step) | 1 | 4 | 1 (`train_freq`) |
/// | `critic_learning_rate` | 1.0 (SGD) | 3·10⁻⁴ (Adam) | 3·10⁻⁴ (Adam) |
/// | `actor_learning_rate` | 1.0 (SGD) | 3·10⁻⁴ (Adam) | 3·10⁻⁴ (Adam) |
/// | `tau` (Polyak) | 0.05 | 1.0 (hard copy) | 0.005 |
/// | `target_update_interval` | 1 | 8000 | 1 |
/// | temperature | auto, `H̄ = 0.5 ln A`, `η = 0.01`, `ln α₀ = 0` | auto, `H̄ = 0.89 ln A`, Adam 3·10⁻⁴, `ln α₀ = 0` | auto, `H̄ = −dim A`, `α₀ = 1` |
///
/// The tabular values differ on purpose: a table entry is its own parameter, so plain SGD
/// with a step near 1 (on a mean over a batch of 16, so each entry moves by about
/// `count/16` of its error) replaces Adam's small steps on shared network weights; a
/// Polyak rate of 0.05 every step keeps the target critics a few dozen updates behind.
/// cleanrl acts uniformly at random before `learning_starts`; here the (initially uniform)
/// policy acts from the start.
///
/// # References
///
/// cleanrl `cleanrl/sac_atari.py` (`Args`, commit 004f8a0); Stable-Baselines3
/// `stable_baselines3/sac/sac.py` (`SAC.__init__`, v2); Christodoulou (2019), *Soft
/// Actor-Critic for Discrete Action Settings*, arXiv:1910.07207 (its hyperparameters).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct DiscreteSacConfig {
    /// Number of environment steps (the budget).
    pub steps: usize,
    /// Replay buffer capacity.
    pub buffer_capacity: usize,
    /// Batch size `B`.
    pub batch_size: usize,
    /// Environment steps before the first gradient step.
    pub learning_starts: usize,
    /// Environment steps per gradient step.
    pub update_every: usize,
    /// SGD step size of the critic tables.
    pub critic_learning_rate: f64,
    /// SGD step size of the logits table.
    pub actor_learning_rate: f64,
    /// Polyak rate `τ ∈ (0, 1]`: `Q' ← τ Q + (1 − τ) Q'`.
    pub tau: f64,
    /// Gradient steps between target updates.
    pub target_update_interval: usize,
    /// The temperature.
    pub temperature: SacTemperature,
    /// Episodes are truncated (still bootstrapped) after this many steps.
    pub max_episode_length: usize,
    /// Half-width of the uniform initialisation of the critic tables (so the twins differ).
    pub critic_init_scale: f64,
    /// Environment steps between learning-curve points (default `steps / 100`).
    pub record_every: usize,
}

impl DiscreteSacConfig {
    /// The defaults in the table above, with automatic temperature aiming at half the
    /// maximum entropy of `num_actions` actions (`num_actions ≥ 2`; with one action the
    /// target is 0).
    pub fn new(num_actions: usize, steps: usize) -> Self {
        Self {
            steps,
            buffer_capacity: 10_000,
            batch_size: 16,
            learning_starts: 200,
            update_every: 1,
            critic_learning_rate: 1.0,
            actor_learning_rate: 1.0,
            tau: 0.05,
            target_update_interval: 1,
            temperature: SacTemperature::Auto(TemperatureConfig {
                target_entropy: 0.5 * (num_actions.max(1) as f64).ln(),
                learning_rate: 0.01,
                initial_log_alpha: 0.0,
            }),
            max_episode_length: 1000,
            critic_init_scale: 0.1,
            record_every: (steps / 100).max(1),
        }
    }

    /// The same configuration at a fixed temperature `α`.
    pub fn with_fixed_alpha(mut self, alpha: f64) -> Self {
        self.temperature = SacTemperature::Fixed(alpha);
        self
    }

    fn validate(&self) -> Result<(), LearningError> {
        check_positive("steps", self.steps)?;
        check_positive("buffer_capacity", self.buffer_capacity)?;
        check_positive("batch_size", self.batch_size)?;
        // Per item: an index, a transition and a few numbers of the minibatch.
        check_fits("batch_size", self.batch_size, 128)?;
        check_positive("update_every", self.update_every)?;
        check_positive("target_update_interval", self.target_update_interval)?;
        check_positive("max_episode_length", self.max_episode_length)?;
        check_positive("record_every", self.record_every)?;
        check_range(
            "critic_learning_rate",
            self.critic_learning_rate,
            0.0,
            1.0,
            true,
            "in (0, 1] (a larger SGD step can overshoot a table entry's target)",
        )?;
        check_range(
            "actor_learning_rate",
            self.actor_learning_rate,
            0.0,
            f64::MAX,
            true,
            "finite and > 0",
        )?;
        check_range("tau", self.tau, 0.0, 1.0, true, "in (0, 1]")?;
        check_range(
            "critic_init_scale",
            self.critic_init_scale,
            0.0,
            f64::MAX,
            false,
            "finite and ≥ 0",
        )?;
        match self.temperature {
            SacTemperature::Fixed(alpha) => check_soft_alpha(alpha),
            SacTemperature::Auto(c) => {
                check_range(
                    "target_entropy",
                    c.target_entropy,
                    f64::MIN,
                    f64::MAX,
                    false,
                    "finite",
                )?;
                check_range(
                    "temperature learning_rate",
                    c.learning_rate,
                    0.0,
                    f64::MAX,
                    true,
                    "finite and > 0",
                )?;
                check_range(
                    "initial_log_alpha",
                    c.initial_log_alpha,
                    f64::MIN,
                    f64::MAX,
                    false,
                    "finite",
                )
            }
        }
    }
}

/// The parameters of tabular discrete SAC (all tables flat, `s · A + a`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SacTables {
    /// Number of actions `A` (the row length).
    pub num_actions: usize,
    /// Policy logits `z(s, a)`: `π(· | s) = softmax(z(s, ·))`.
    pub logits: Vec<f64>,
    /// Critic 1, `Q₁(s, a)`.
    pub q1: Vec<f64>,
    /// Critic 2, `Q₂(s, a)`.
    pub q2: Vec<f64>,
    /// Target critic 1, `Q'₁`.
    pub q1_target: Vec<f64>,
    /// Target critic 2, `Q'₂`.
    pub q2_target: Vec<f64>,
    /// Current temperature `α`.
    pub alpha: f64,
}

impl SacTables {
    /// `ln π(· | s)`, by [`log_softmax`](crate::log_softmax) (whose edge cases apply if the
    /// public `logits` were set to NaN or `+∞`).
    ///
    /// # Panics
    ///
    /// If `s ≥ S`.
    pub fn log_policy(&self, s: usize) -> Vec<f64> {
        let a = self.num_actions;
        let mut out = vec![0.0; a];
        log_softmax_into(&self.logits[s * a..(s + 1) * a], &mut out);
        out
    }
}

/// The losses of one discrete-SAC gradient step on a batch, and their gradients with
/// respect to the tables.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SacLosses {
    /// `L_Q_i = (1/2B) Σ_b (Q_i(s_b, a_b) − y_b)²` for `i = 1, 2`.
    pub critic_loss: [f64; 2],
    /// `∂L_Q_1/∂Q₁`, flat.
    pub grad_q1: Vec<f64>,
    /// `∂L_Q_2/∂Q₂`, flat.
    pub grad_q2: Vec<f64>,
    /// The critic targets `y_b`.
    pub targets: Vec<f64>,
    /// `L_π = (1/B) Σ_b Σ_a π(a|s_b) (α ln π(a|s_b) − min(Q₁, Q₂)(s_b, a))`.
    pub actor_loss: f64,
    /// `∂L_π/∂z`, flat.
    pub grad_logits: Vec<f64>,
    /// `(1/B) Σ_b H(π(· | s_b))`.
    pub mean_entropy: f64,
}

/// The losses and hand-derived gradients of one discrete-SAC step, on full tables.
///
/// # Formula
///
/// ```text
/// y_b = r_b + γ (1 − done_b) Σ_a π(a|s'_b) (min(Q'₁, Q'₂)(s'_b, a) − α ln π(a|s'_b))
/// L_Q_i = (1/2B) Σ_b (Q_i(s_b, a_b) − y_b)²
/// ∂L_Q_i/∂Q_i(s, a) = (1/B) Σ_{b: (s_b, a_b) = (s, a)} (Q_i(s, a) − y_b)
/// L_π = (1/B) Σ_b Σ_a π(a|s_b) (α ln π(a|s_b) − m(s_b, a)),   m = min(Q₁, Q₂)
/// ∂L_π/∂z(s, c) = (1/B) Σ_{b: s_b = s} π(c|s) (f(s, c) − Σ_a π(a|s) f(s, a)),
///                 f = α ln π − m
/// ```
///
/// The target is held fixed (no gradient flows into `y`), as is `m` in the actor loss.
/// The critic loss is half cleanrl's `F.mse_loss` (so its gradient has no factor 2), and
/// each critic has its own loss; cleanrl sums the two, which gives the same gradients.
/// The targets use [`discrete_soft_critic_target`], the actor
/// [`discrete_sac_actor_loss`] (whose gradient is scattered into the table rows).
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic Algorithms and Applications*,
/// arXiv:1812.05905 (the soft critic and actor objectives, clipped double-Q); Fujimoto, van Hoof & Meger
/// (2018), *Addressing function approximation error in actor-critic methods* (the
/// minimum of twin critics); Christodoulou (2019), eq. (10)–(12) (exact expectations over
/// discrete actions).
///
/// # Errors
///
/// [`LearningError::DimensionMismatch`] for tables of the wrong size;
/// [`LearningError::IndexOutOfRange`] for a transition outside the MDP;
/// [`LearningError::InvalidConfig`] for an empty batch or a non-finite table entry (naming
/// the table); [`LearningError::Loss`] from the losses (a bad `α`, a non-finite reward);
/// [`LearningError::Overflow`] naming `"critic_loss"`, `"grad_q1"`, `"grad_q2"`,
/// `"targets"`, `"grad_logits"` or `"actor_loss"` if that output is not finite although
/// every input was (tables and rewards near `±1e308`, or `α` so small that `Q/α`
/// overflows). Every output returned is finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, SacTables, Transition, discrete_sac_losses};
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let tables = SacTables::new(1, 2, vec![0.0, 0.0], vec![0.0; 2], vec![0.0; 2], 0.5)?;
/// let t = Transition { s: 0, a: 0, r: 1.0, next_s: 0, done: false };
/// let out = discrete_sac_losses(&mdp, &tables, &[t])?;
/// // y = 1 + 0.5 · (0 + 0.5 ln 2); Q₁ = 0, so ∂L/∂Q₁(0, 0) = −y.
/// let y = 1.0 + 0.25 * 2f64.ln();
/// assert!((out.grad_q1[0] + y).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn discrete_sac_losses(
    mdp: &Mdp,
    tables: &SacTables,
    batch: &[Transition],
) -> Result<SacLosses, LearningError> {
    let a_count = mdp.num_actions();
    let n = mdp.num_states() * a_count;
    check_len("num_actions", tables.num_actions, a_count)?;
    for (what, t) in [
        ("logits", &tables.logits),
        ("q1", &tables.q1),
        ("q2", &tables.q2),
        ("q1_target", &tables.q1_target),
        ("q2_target", &tables.q2_target),
    ] {
        check_len(what, t.len(), n)?;
    }
    check_positive("batch size", batch.len())?;
    check_finite_tables(tables)?;
    for t in batch {
        crate::learning::sampling::check_state_action(mdp, t.s, t.a)?;
        crate::learning::sampling::check_state_action(mdp, t.next_s, 0)?;
    }
    let mut scratch = Scratch::new(batch.len(), a_count);
    // losses_into refuses outputs that overflow (tables or rewards near ±f64::MAX).
    losses_into(mdp, tables, batch, &mut scratch)
}

/// Reusable buffers of one gradient step.
struct Scratch {
    r: Vec<f64>,
    discount: Vec<f64>,
    logits_next: Vec<f64>,
    q1_next: Vec<f64>,
    q2_next: Vec<f64>,
    logits_now: Vec<f64>,
    q_min_now: Vec<f64>,
}

impl Scratch {
    fn new(batch: usize, a: usize) -> Self {
        Self {
            r: Vec::with_capacity(batch),
            discount: Vec::with_capacity(batch),
            logits_next: Vec::with_capacity(batch * a),
            q1_next: Vec::with_capacity(batch * a),
            q2_next: Vec::with_capacity(batch * a),
            logits_now: Vec::with_capacity(batch * a),
            q_min_now: Vec::with_capacity(batch * a),
        }
    }
}

fn losses_into(
    mdp: &Mdp,
    tables: &SacTables,
    batch: &[Transition],
    sc: &mut Scratch,
) -> Result<SacLosses, LearningError> {
    let n = tables.q1.len();
    let (mut grad_q1, mut grad_q2, mut grad_logits) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (critic_loss, targets) =
        critic_grads_into(mdp, tables, batch, sc, &mut grad_q1, &mut grad_q2)?;
    let (actor_loss, mean_entropy) = actor_grads_into(tables, batch, sc, &mut grad_logits)?;
    for (what, xs) in [
        ("critic_loss", &critic_loss[..]),
        ("grad_q1", &grad_q1),
        ("grad_q2", &grad_q2),
        ("targets", &targets),
        ("grad_logits", &grad_logits),
        ("actor_loss", &[actor_loss, mean_entropy]),
    ] {
        check_finite_output(what, xs)?;
    }
    Ok(SacLosses {
        critic_loss,
        grad_q1,
        grad_q2,
        targets,
        actor_loss,
        grad_logits,
        mean_entropy,
    })
}

/// The critic targets, losses and gradients (written into `grad_q1`, `grad_q2`, which are
/// overwritten).
fn critic_grads_into(
    mdp: &Mdp,
    tables: &SacTables,
    batch: &[Transition],
    sc: &mut Scratch,
    grad_q1: &mut [f64],
    grad_q2: &mut [f64],
) -> Result<([f64; 2], Vec<f64>), LearningError> {
    let a_count = tables.num_actions;
    let gamma = mdp.discount();
    let row = |s: usize| s * a_count..(s + 1) * a_count;
    sc.r.clear();
    sc.discount.clear();
    sc.logits_next.clear();
    sc.q1_next.clear();
    sc.q2_next.clear();
    for t in batch {
        sc.r.push(t.r);
        sc.discount.push(if t.done { 0.0 } else { gamma });
        let rn = row(t.next_s);
        sc.logits_next.extend_from_slice(&tables.logits[rn.clone()]);
        sc.q1_next.extend_from_slice(&tables.q1_target[rn.clone()]);
        sc.q2_next.extend_from_slice(&tables.q2_target[rn]);
    }
    let targets = discrete_soft_critic_target(
        &sc.r,
        &sc.discount,
        &sc.logits_next,
        a_count,
        &sc.q1_next,
        &sc.q2_next,
        tables.alpha,
    )?;
    let inv_b = 1.0 / batch.len() as f64;
    grad_q1.fill(0.0);
    grad_q2.fill(0.0);
    let mut critic_loss = [0.0; 2];
    for (t, &y) in batch.iter().zip(&targets) {
        let i = t.s * a_count + t.a;
        let (e1, e2) = (tables.q1[i] - y, tables.q2[i] - y);
        critic_loss[0] += 0.5 * inv_b * e1 * e1;
        critic_loss[1] += 0.5 * inv_b * e2 * e2;
        grad_q1[i] += inv_b * e1;
        grad_q2[i] += inv_b * e2;
    }
    Ok((critic_loss, targets))
}

/// The actor loss, mean entropy and gradient (written into `grad_logits`, overwritten).
fn actor_grads_into(
    tables: &SacTables,
    batch: &[Transition],
    sc: &mut Scratch,
    grad_logits: &mut [f64],
) -> Result<(f64, f64), LearningError> {
    let a_count = tables.num_actions;
    let row = |s: usize| s * a_count..(s + 1) * a_count;
    sc.logits_now.clear();
    sc.q_min_now.clear();
    for t in batch {
        let rs = row(t.s);
        sc.logits_now.extend_from_slice(&tables.logits[rs.clone()]);
        sc.q_min_now.extend(
            tables.q1[rs.clone()]
                .iter()
                .zip(&tables.q2[rs])
                .map(|(a, b)| a.min(*b)),
        );
    }
    let actor = discrete_sac_actor_loss(&sc.logits_now, a_count, &sc.q_min_now, tables.alpha)?;
    grad_logits.fill(0.0);
    for (t, g) in batch.iter().zip(actor.grad_logits.chunks_exact(a_count)) {
        for (dst, &x) in grad_logits[row(t.s)].iter_mut().zip(g) {
            *dst += x;
        }
    }
    Ok((actor.loss, actor.mean_entropy))
}

impl SacTables {
    /// Tables from given logits and critics; the target critics start as copies.
    ///
    /// # Errors
    ///
    /// [`LearningError::DimensionMismatch`] unless every table has `S · A` entries;
    /// [`LearningError::InvalidConfig`] for an `α` that is not finite and `> 0`, a NaN or
    /// infinite table entry (naming the table), or an `S · A` that overflows `usize`.
    pub fn new(
        num_states: usize,
        num_actions: usize,
        logits: Vec<f64>,
        q1: Vec<f64>,
        q2: Vec<f64>,
        alpha: f64,
    ) -> Result<Self, LearningError> {
        let n = num_states
            .checked_mul(num_actions)
            .ok_or(LearningError::InvalidConfig {
                what: "num_states · num_actions",
                value: num_states as f64 * num_actions as f64,
                expected: "at most usize::MAX",
            })?;
        check_len("logits", logits.len(), n)?;
        check_len("q1", q1.len(), n)?;
        check_len("q2", q2.len(), n)?;
        check_soft_alpha(alpha)?;
        let tables = Self {
            num_actions,
            q1_target: q1.clone(),
            q2_target: q2.clone(),
            logits,
            q1,
            q2,
            alpha,
        };
        check_finite_tables(&tables)?;
        Ok(tables)
    }
}

/// `Err(InvalidConfig)` naming the first table with a non-finite entry.
fn check_finite_tables(t: &SacTables) -> Result<(), LearningError> {
    for (what, table) in [
        ("logits", &t.logits),
        ("q1", &t.q1),
        ("q2", &t.q2),
        ("q1_target", &t.q1_target),
        ("q2_target", &t.q2_target),
    ] {
        if let Some(&x) = table.iter().find(|x| !x.is_finite()) {
            return Err(LearningError::InvalidConfig {
                what,
                value: x,
                expected: "finite",
            });
        }
    }
    check_soft_alpha(t.alpha)
}

/// What a discrete-SAC run returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DiscreteSacResult {
    /// The final tables.
    pub tables: SacTables,
    /// The monitored quantity against the environment step.
    pub curve: LearningCurve,
    /// `α` at each learning-curve point.
    pub alpha_curve: Vec<f64>,
    /// The states held in the replay buffer at the end (one per stored transition).
    pub buffer_states: Vec<usize>,
    /// Number of gradient steps taken.
    pub gradient_steps: usize,
}

/// Discrete soft actor-critic with tabular parameters.
///
/// # Formula
///
/// Each environment step samples `a ~ π(· | s)` and stores `(s, a, r, s', done)`. From
/// `learning_starts` on, every `update_every` steps: sample a batch uniformly from the
/// buffer; take an SGD step on each critic's loss and then on the actor's loss (with the
/// updated critics), as given in [`discrete_sac_losses`]; with automatic temperature, a
/// step `ln α ← ln α − η (Ĥ − H̄)` where `Ĥ = (1/B) Σ_b H(π(·|s_b))` is the exact batch
/// entropy (cleanrl likewise weights `ln π + H̄` by `π` instead of sampling); every
/// `target_update_interval` gradient steps, `Q'_i ← τ Q_i + (1 − τ) Q'_i`.
///
/// At a fixed `α` the joint fixed point of the critic and actor steps is the soft optimum:
/// `Q₁ = Q₂ = Q'₁ = Q'₂ = Q*` and `π = softmax(Q*/α)`.
///
/// # References
///
/// Haarnoja, Zhou, Abbeel & Levine (2018), *Soft Actor-Critic*, Algorithm 1; Haarnoja et
/// al. (2018b), *Soft Actor-Critic Algorithms and Applications*, Algorithm 1 and eq. (18);
/// Christodoulou (2019), *Soft Actor-Critic for Discrete Action Settings*, Algorithm 1.
///
/// # Errors
///
/// [`LearningError::InvalidConfig`] naming the bad hyperparameter; `γ = 1` and an initial
/// distribution that only starts in terminal states are rejected;
/// [`LearningError::Diverged`] if a table stops being finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{DiscreteSac, DiscreteSacConfig, Gridworld};
/// use rand::SeedableRng;
/// let mdp = Gridworld::new(2, 2).build(0.9)?;
/// let config = DiscreteSacConfig::new(4, 3000).with_fixed_alpha(0.5);
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let run = DiscreteSac::new(config).run(&mdp, &mut rng, |t| t.alpha)?;
/// assert_eq!(run.curve.values[0], 0.5);
/// assert!(run.gradient_steps > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscreteSac {
    config: DiscreteSacConfig,
}

impl DiscreteSac {
    /// Discrete SAC with the given configuration (validated by [`DiscreteSac::run`]).
    pub fn new(config: DiscreteSacConfig) -> Self {
        Self { config }
    }

    /// Runs from uniform logits and critics drawn from `U(−c, c)`, `c = critic_init_scale`,
    /// calling `monitor` at step 0, every `record_every` steps and at the end.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run<R: Rng + ?Sized>(
        &self,
        mdp: &Mdp,
        rng: &mut R,
        mut monitor: impl FnMut(&SacTables) -> f64,
    ) -> Result<DiscreteSacResult, LearningError> {
        let c = &self.config;
        c.validate()?;
        check_discount_below_one(mdp.discount())?;
        crate::learning::sampling::check_startable(mdp)?;
        let a_count = mdp.num_actions();
        let n = mdp.num_states() * a_count;
        let init = |rng: &mut R| -> Vec<f64> {
            (0..n)
                .map(|_| {
                    if c.critic_init_scale > 0.0 {
                        rng.random_range(-c.critic_init_scale..c.critic_init_scale)
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let (q1, q2) = (init(rng), init(rng));
        let (mut temperature, fixed_alpha) = match c.temperature {
            SacTemperature::Fixed(alpha) => (None, alpha),
            SacTemperature::Auto(tc) => (Some((tc, TemperatureState::new(&tc))), f64::NAN),
        };
        let alpha0 = temperature.map_or(fixed_alpha, |(_, st)| st.alpha());
        let mut tables = SacTables::new(mdp.num_states(), a_count, vec![0.0; n], q1, q2, alpha0)?;
        let mut buffer = ReplayBuffer::new(c.buffer_capacity)?;
        let mut curve = LearningCurve::default();
        let mut alpha_curve = vec![tables.alpha];
        curve.push(0, monitor(&tables));
        let mut scratch = Scratch::new(c.batch_size, a_count);
        let mut idx = Vec::with_capacity(c.batch_size);
        let mut batch: Vec<Transition> = Vec::with_capacity(c.batch_size);
        let mut log_pi = vec![0.0; a_count];
        let mut probs = vec![0.0; a_count];
        let mut neg_entropies = Vec::with_capacity(c.batch_size);
        let (mut grad_q1, mut grad_q2, mut grad_logits) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let (mut s, mut t_in_episode, mut gradient_steps) = (mdp.sample_initial_state(rng), 0, 0);
        for step in 1..=c.steps {
            if mdp.is_terminal(s) || t_in_episode >= c.max_episode_length {
                s = crate::learning::sampling::sample_start_state(mdp, rng).0;
                t_in_episode = 0;
            }
            log_softmax_into(&tables.logits[s * a_count..(s + 1) * a_count], &mut log_pi);
            for (p, lp) in probs.iter_mut().zip(&log_pi) {
                *p = lp.exp();
            }
            let a = sample_index(&probs, rng);
            let t = sample_transition_unchecked(mdp, s, a, rng);
            buffer.push(t);
            s = t.next_s;
            t_in_episode += 1;

            if step >= c.learning_starts && step % c.update_every == 0 {
                buffer.sample_indices(c.batch_size, rng, &mut idx)?;
                batch.clear();
                batch.extend(idx.iter().map(|&i| buffer.items()[i]));
                // Critics first (target from the target critics and the current policy).
                critic_grads_into(
                    mdp,
                    &tables,
                    &batch,
                    &mut scratch,
                    &mut grad_q1,
                    &mut grad_q2,
                )?;
                for (q, g) in tables.q1.iter_mut().zip(&grad_q1) {
                    *q -= c.critic_learning_rate * g;
                }
                for (q, g) in tables.q2.iter_mut().zip(&grad_q2) {
                    *q -= c.critic_learning_rate * g;
                }
                // Then the actor, against the updated critics.
                actor_grads_into(&tables, &batch, &mut scratch, &mut grad_logits)?;
                for (z, g) in tables.logits.iter_mut().zip(&grad_logits) {
                    *z -= c.actor_learning_rate * g;
                }
                if let Some((tc, state)) = temperature.as_mut() {
                    // Exact batch entropy: pass −H(π(·|s_b)) as "ln π" so that
                    // Ĥ = −mean = (1/B) Σ_b H(π(·|s_b)).
                    neg_entropies.clear();
                    for tr in &batch {
                        let row = &tables.logits[tr.s * a_count..(tr.s + 1) * a_count];
                        log_softmax_into(row, &mut log_pi);
                        neg_entropies.push(log_pi.iter().map(|l| l.exp() * l).sum::<f64>());
                    }
                    state.update(tc, &neg_entropies)?;
                    tables.alpha = state.alpha();
                }
                gradient_steps += 1;
                if gradient_steps % c.target_update_interval == 0 {
                    for (qt, q) in tables.q1_target.iter_mut().zip(&tables.q1) {
                        *qt = c.tau * q + (1.0 - c.tau) * *qt;
                    }
                    for (qt, q) in tables.q2_target.iter_mut().zip(&tables.q2) {
                        *qt = c.tau * q + (1.0 - c.tau) * *qt;
                    }
                }
                let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
                if !(finite(&tables.q1)
                    && finite(&tables.q2)
                    && finite(&tables.logits)
                    && tables.alpha.is_finite()
                    && tables.alpha > 0.0)
                {
                    return Err(LearningError::Diverged { step });
                }
            }
            if step % c.record_every == 0 || step == c.steps {
                curve.push(step, monitor(&tables));
                alpha_curve.push(tables.alpha);
            }
        }
        Ok(DiscreteSacResult {
            tables,
            curve,
            alpha_curve,
            buffer_states: buffer.items().iter().map(|t| t.s).collect(),
            gradient_steps,
        })
    }
}

/// Samples an index from `probs` (summing to one up to rounding) by inversion.
fn sample_index<R: Rng + ?Sized>(probs: &[f64], rng: &mut R) -> usize {
    inverse_cdf_index(probs.len(), |i| probs[i], rng.random())
}

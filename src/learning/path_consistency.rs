//! Path consistency learning (PCL): the d-step soft consistency error and a tabular learner
//! that drives it to zero.

use crate::numerics::inversion::inverse_cdf_index;
use rand::{Rng, RngExt};

use crate::learning::learning_error::{
    LearningCurve, LearningError, check_discount_below_one, check_finite_output, check_fits,
    check_len, check_positive, check_range, check_soft_alpha,
};
use crate::learning::replay_buffer::ReplayBuffer;
use crate::learning::sampling::{Transition, check_state_action, sample_transition_unchecked};
use crate::numerics::log_softmax_into;
use crate::tabular::Mdp;

/// The soft path consistency error of a sub-trajectory `s₀, a₀, r₀, …, s_d` under a value
/// table `V` and a log-policy table `ln π` (both flat; `ln π` is `s · A + a`).
///
/// # Formula
///
/// ```text
/// C = −V(s₀) + γᵈ V(s_d) + Σ_{i<d} γⁱ (r_i − α ln π(a_i | s_i))
/// ```
///
/// with `V(s_d) = 0` when the path ends in a terminal state (`done` on its last transition).
/// For the soft-optimal pair `(V*, π*)` and deterministic dynamics, `C = 0` on every path,
/// whatever the actions; conversely, a pair with `C = 0` on every path is `(V*, π*)`.
/// Under stochastic dynamics `C = 0` holds only in expectation over the next states.
///
/// # References
///
/// Nachum, Norouzi, Xu & Schuurmans (2017), *Bridging the gap between value and policy
/// based reinforcement learning*, NeurIPS (the one-step and multi-step consistencies);
/// their `τ` is our `α`.
///
/// # Errors
///
/// [`LearningError::DimensionMismatch`] for tables that do not fit the MDP;
/// [`LearningError::IndexOutOfRange`] for a transition outside it;
/// [`LearningError::InvalidConfig`] for an empty path or a path that is not connected
/// (`s_{i+1}` of one transition is not `s` of the next), `α < 0`, a non-finite value or
/// reward, or a NaN or `+∞` log-probability; [`LearningError::Overflow`] if the discounted
/// sum leaves the range of `f64` (rewards or values near `±1e308`). A `−∞`
/// log-probability on the path with `α > 0` gives `C = +∞`: that path is impossible under
/// `π`. At `α = 0` log-probabilities do not enter.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, SoftValueIteration, Transition, path_consistency_error};
/// let mdp = Gridworld::new(3, 1).build(0.9)?; // deterministic moves, goal at (2, 0)
/// let sol = SoftValueIteration::new(0.5).tolerance(1e-13).run(&mdp)?;
/// let pi = sol.policy()?;
/// // A path that wanders: left (stays in 0), then right twice, onto the goal.
/// let path = [
///     Transition { s: 0, a: 3, r: -1.0, next_s: 0, done: false },
///     Transition { s: 0, a: 1, r: -1.0, next_s: 1, done: false },
///     Transition { s: 1, a: 1, r: -1.0, next_s: 2, done: true },
/// ];
/// let c = path_consistency_error(&mdp, &sol.values, pi.log_probs(), &path, 0.5)?;
/// assert!(c.abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn path_consistency_error(
    mdp: &Mdp,
    values: &[f64],
    log_pi: &[f64],
    path: &[Transition],
    alpha: f64,
) -> Result<f64, LearningError> {
    check_len("values", values.len(), mdp.num_states())?;
    check_len("log_pi", log_pi.len(), mdp.num_states() * mdp.num_actions())?;
    check_range("alpha", alpha, 0.0, f64::MAX, false, "finite and ≥ 0")?;
    check_positive("path length", path.len())?;
    if let Some(&v) = values.iter().find(|v| !v.is_finite()) {
        return Err(LearningError::InvalidConfig {
            what: "values",
            value: v,
            expected: "finite",
        });
    }
    if let Some(&l) = log_pi.iter().find(|l| l.is_nan() || **l == f64::INFINITY) {
        return Err(LearningError::InvalidConfig {
            what: "log_pi",
            value: l,
            expected: "finite or −∞",
        });
    }
    for (i, t) in path.iter().enumerate() {
        if !t.r.is_finite() {
            return Err(LearningError::InvalidConfig {
                what: "path reward",
                value: t.r,
                expected: "finite",
            });
        }
        check_state_action(mdp, t.s, t.a)?;
        check_state_action(mdp, t.next_s, 0)?;
        if i + 1 < path.len() && path[i + 1].s != t.next_s {
            return Err(LearningError::InvalidConfig {
                what: "path (s of a transition differs from s' of the one before, at index)",
                value: (i + 1) as f64,
                expected: "a connected path",
            });
        }
    }
    let impossible = alpha > 0.0
        && path
            .iter()
            .any(|t| log_pi[t.s * mdp.num_actions() + t.a] == f64::NEG_INFINITY);
    if impossible {
        return Ok(f64::INFINITY);
    }
    let c = consistency_unchecked(
        values,
        log_pi,
        mdp.num_actions(),
        path,
        alpha,
        mdp.discount(),
    );
    check_finite_output("path consistency error", &[c])?;
    Ok(c)
}

fn consistency_unchecked(
    values: &[f64],
    log_pi: &[f64],
    num_actions: usize,
    path: &[Transition],
    alpha: f64,
    gamma: f64,
) -> f64 {
    let mut c = -values[path[0].s];
    let mut discount = 1.0;
    for t in path {
        // At α = 0 the entropy term is 0 even where ln π = −∞ (not 0 · ∞ = NaN).
        let entropy_term = if alpha > 0.0 {
            alpha * log_pi[t.s * num_actions + t.a]
        } else {
            0.0
        };
        c += discount * (t.r - entropy_term);
        discount *= gamma;
    }
    let last = path[path.len() - 1];
    if !last.done {
        c += discount * values[last.next_s];
    }
    c
}

/// The tables a PCL run learns: soft values `V(s)` and policy logits `z(s, a)`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PclTables {
    /// `V(s)`.
    pub values: Vec<f64>,
    /// Logits `z(s, a)`, flat; `π(· | s) = softmax(z(s, ·))`.
    pub logits: Vec<f64>,
    /// `ln π(a | s)`, flat, kept in step with the logits.
    pub log_pi: Vec<f64>,
}

/// What a PCL run returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PclResult {
    /// The final tables.
    pub tables: PclTables,
    /// The monitored quantity against the number of episodes sampled.
    pub curve: LearningCurve,
}

/// Configuration of tabular path consistency learning.
///
/// # Formula
///
/// Each iteration samples one episode with the current policy, stores it in a replay
/// buffer of episodes, and then, for that episode and `replay_episodes` episodes drawn
/// uniformly from the buffer, takes a gradient step on `½ C²` for every sub-trajectory
/// `s_i … s_{i+d}` (shorter at the end of an episode):
///
/// ```text
/// V(s_i)     ← V(s_i)     + η_V C
/// V(s_{i+d}) ← V(s_{i+d}) − η_V γᵈ C          (not at a terminal state)
/// z(s_j, ·)  ← z(s_j, ·)  + η_π α C γ^(j−i) (e_{a_j} − π(· | s_j)),   i ≤ j < i + d
/// ```
///
/// (`∂C/∂z(s_j, ·) = −α γ^(j−i) ∇ ln π(a_j | s_j)`, and the steps descend `½ C²`.) Because
/// the consistency holds for any path at `(V*, π*)` (deterministic dynamics), the replayed
/// episodes may come from older policies.
///
/// Defaults: `d = 3`, `η_V = η_π = 0.1`, `replay_episodes = 4`, buffer of 1000 episodes,
/// `max_episode_length = 100`, `episodes = 2000`.
///
/// # References
///
/// Nachum, Norouzi, Xu & Schuurmans (2017), *Bridging the gap between value and policy
/// based reinforcement learning* (the PCL updates, trained on on-policy episodes
/// plus a replay buffer).
///
/// # Errors
///
/// [`Pcl::run`] returns [`LearningError::InvalidConfig`] for an `α` that is not finite and
/// `> 0`, step sizes outside `(0, 1]`, zero rollout, budget, capacity or episode length, a
/// `replay_episodes` too large to allocate, and `γ = 1`;
/// [`LearningError::Diverged`] if a table stops being finite.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, Pcl, SoftValueIteration};
/// use rand::SeedableRng;
/// let mdp = Gridworld::new(3, 1).build(0.9)?;
/// let exact = SoftValueIteration::new(0.5).tolerance(1e-12).run(&mdp)?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let run = Pcl::new(0.5).episodes(500).run(&mdp, &mut rng, |t| {
///     t.values.iter().zip(&exact.values).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
/// })?;
/// assert!(run.curve.last().unwrap() < 1e-3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pcl {
    alpha: f64,
    rollout: usize,
    value_learning_rate: f64,
    policy_learning_rate: f64,
    replay_episodes: usize,
    buffer_capacity: usize,
    max_episode_length: usize,
    episodes: usize,
    record_every: Option<usize>,
}

impl Pcl {
    /// PCL at temperature `α` with the defaults above.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            rollout: 3,
            value_learning_rate: 0.1,
            policy_learning_rate: 0.1,
            replay_episodes: 4,
            buffer_capacity: 1000,
            max_episode_length: 100,
            episodes: 2000,
            record_every: None,
        }
    }

    /// The rollout length `d`.
    pub fn rollout(mut self, d: usize) -> Self {
        self.rollout = d;
        self
    }

    /// Step sizes `η_V` and `η_π`.
    pub fn learning_rates(mut self, value: f64, policy: f64) -> Self {
        self.value_learning_rate = value;
        self.policy_learning_rate = policy;
        self
    }

    /// Episodes replayed per iteration.
    pub fn replay_episodes(mut self, n: usize) -> Self {
        self.replay_episodes = n;
        self
    }

    /// Replay buffer capacity, in episodes.
    pub fn buffer_capacity(mut self, n: usize) -> Self {
        self.buffer_capacity = n;
        self
    }

    /// Episode length cap.
    pub fn max_episode_length(mut self, n: usize) -> Self {
        self.max_episode_length = n;
        self
    }

    /// The budget: number of on-policy episodes sampled.
    pub fn episodes(mut self, n: usize) -> Self {
        self.episodes = n;
        self
    }

    /// Records the monitored quantity every `n` episodes (default `episodes / 100`).
    pub fn record_every(mut self, n: usize) -> Self {
        self.record_every = Some(n);
        self
    }

    /// Runs PCL from `V = 0` and uniform logits, calling `monitor` before the first
    /// episode, every `record_every` episodes and at the end.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run<R: Rng + ?Sized>(
        &self,
        mdp: &Mdp,
        rng: &mut R,
        mut monitor: impl FnMut(&PclTables) -> f64,
    ) -> Result<PclResult, LearningError> {
        check_soft_alpha(self.alpha)?;
        check_positive("rollout", self.rollout)?;
        check_range(
            "value_learning_rate",
            self.value_learning_rate,
            0.0,
            1.0,
            true,
            "in (0, 1]",
        )?;
        check_range(
            "policy_learning_rate",
            self.policy_learning_rate,
            0.0,
            1.0,
            true,
            "in (0, 1]",
        )?;
        check_positive("buffer_capacity", self.buffer_capacity)?;
        check_fits("replay_episodes", self.replay_episodes, 8)?;
        check_positive("max_episode_length", self.max_episode_length)?;
        check_positive("episodes", self.episodes)?;
        let every = self.record_every.unwrap_or((self.episodes / 100).max(1));
        check_positive("record_every", every)?;
        check_discount_below_one(mdp.discount())?;

        let a_count = mdp.num_actions();
        let n = mdp.num_states() * a_count;
        let uniform = -(a_count as f64).ln();
        let mut tables = PclTables {
            values: vec![0.0; mdp.num_states()],
            logits: vec![0.0; n],
            log_pi: vec![uniform; n],
        };
        let mut buffer: ReplayBuffer<Vec<Transition>> = ReplayBuffer::new(self.buffer_capacity)?;
        let mut curve = LearningCurve::default();
        curve.push(0, monitor(&tables));
        let mut idx = Vec::with_capacity(self.replay_episodes);
        for episode_count in 1..=self.episodes {
            let episode = self.sample_episode(mdp, &tables, rng);
            self.train_on(mdp, &mut tables, &episode);
            buffer.push(episode);
            if self.replay_episodes > 0 {
                buffer.sample_indices(self.replay_episodes, rng, &mut idx)?;
                for &i in &idx {
                    // Split borrow: the buffer is not changed while training on its items.
                    let episode = &buffer.items()[i];
                    self.train_on(mdp, &mut tables, episode);
                }
            }
            if !(tables.values.iter().all(|v| v.is_finite())
                && tables.logits.iter().all(|z| z.is_finite()))
            {
                return Err(LearningError::Diverged {
                    step: episode_count,
                });
            }
            if episode_count % every == 0 || episode_count == self.episodes {
                curve.push(episode_count, monitor(&tables));
            }
        }
        Ok(PclResult { tables, curve })
    }

    fn sample_episode<R: Rng + ?Sized>(
        &self,
        mdp: &Mdp,
        tables: &PclTables,
        rng: &mut R,
    ) -> Vec<Transition> {
        let a_count = mdp.num_actions();
        let mut s = mdp.sample_initial_state(rng);
        let mut episode = Vec::new();
        while !mdp.is_terminal(s) && episode.len() < self.max_episode_length {
            let lp = &tables.log_pi[s * a_count..(s + 1) * a_count];
            let a = inverse_cdf_index(a_count, |k| lp[k].exp(), rng.random());
            let t = sample_transition_unchecked(mdp, s, a, rng);
            episode.push(t);
            s = t.next_s;
        }
        episode
    }

    /// One gradient step on `½ C²` for every sub-trajectory of `episode`.
    fn train_on(&self, mdp: &Mdp, tables: &mut PclTables, episode: &[Transition]) {
        let a_count = mdp.num_actions();
        let gamma = mdp.discount();
        for i in 0..episode.len() {
            let end = (i + self.rollout).min(episode.len());
            let path = &episode[i..end];
            let c = consistency_unchecked(
                &tables.values,
                &tables.log_pi,
                a_count,
                path,
                self.alpha,
                gamma,
            );
            let d = path.len();
            tables.values[path[0].s] += self.value_learning_rate * c;
            let last = path[d - 1];
            if !last.done {
                tables.values[last.next_s] -= self.value_learning_rate * gamma.powi(d as i32) * c;
            }
            let mut discount = 1.0;
            for t in path {
                let row = t.s * a_count..(t.s + 1) * a_count;
                let step = self.policy_learning_rate * self.alpha * c * discount;
                for (k, z) in tables.logits[row.clone()].iter_mut().enumerate() {
                    let indicator = if k == t.a { 1.0 } else { 0.0 };
                    *z += step * (indicator - tables.log_pi[t.s * a_count + k].exp());
                }
                log_softmax_into(&tables.logits[row.clone()], &mut tables.log_pi[row]);
                discount *= gamma;
            }
        }
    }
}

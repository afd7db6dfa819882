//! Sampling from a tabular MDP: one transition, one episode.

use rand::{Rng, RngExt};

use crate::learning::learning_error::LearningError;
use crate::numerics::inversion::inverse_cdf_index;
use crate::tabular::{Mdp, TabularPolicy};

/// One sampled transition `(s, a, r, s', done)`.
///
/// `done` is true when `s'` is terminal: the episode ended, and no value is bootstrapped
/// from `s'`. An episode cut short by a length cap is *truncated*, not done: its last
/// transition keeps `done = false`, because the process would have continued.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// State `s`.
    pub s: usize,
    /// Action `a`.
    pub a: usize,
    /// Reward `r(s, a)`.
    pub r: f64,
    /// Next state `s' ~ P(· | s, a)`.
    pub next_s: usize,
    /// Whether `s'` is terminal.
    pub done: bool,
}

/// A sampled episode: its transitions in order, and whether it reached a terminal state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Episode {
    /// The transitions `(s_t, a_t, r_t, s_{t+1}, done_t)`, `t = 0, 1, …`.
    pub transitions: Vec<Transition>,
    /// `true` if the last transition reached a terminal state, `false` if the length cap
    /// cut the episode short.
    pub terminated: bool,
}

/// Samples one transition from `(s, a)`: the reward `r(s, a)` and `s' ~ P(· | s, a)`.
///
/// This is the `step` of an environment; its `reset` is
/// [`Mdp::sample_initial_state`].
///
/// # Errors
///
/// [`LearningError::IndexOutOfRange`] for `s ≥ S` or `a ≥ A`.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, sample_transition};
/// use rand::SeedableRng;
/// let mdp = Gridworld::new(2, 1).build(0.9)?; // start (0, 0), goal (1, 0)
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let t = sample_transition(&mdp, 0, 1, &mut rng)?; // move right, onto the goal
/// assert_eq!((t.next_s, t.done, t.r), (1, true, -1.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sample_transition<R: Rng + ?Sized>(
    mdp: &Mdp,
    s: usize,
    a: usize,
    rng: &mut R,
) -> Result<Transition, LearningError> {
    check_state_action(mdp, s, a)?;
    Ok(sample_transition_unchecked(mdp, s, a, rng))
}

/// [`sample_transition`] without the range check.
///
/// # Panics
///
/// If `s ≥ S` or `a ≥ A`.
#[inline]
pub(crate) fn sample_transition_unchecked<R: Rng + ?Sized>(
    mdp: &Mdp,
    s: usize,
    a: usize,
    rng: &mut R,
) -> Transition {
    let next_s = mdp.sample_next_state(s, a, rng);
    Transition {
        s,
        a,
        r: mdp.rewards()[s * mdp.num_actions() + a],
        next_s,
        done: mdp.is_terminal(next_s),
    }
}

/// Samples an episode: `s₀ ~ d₀`, then `a_t ~ π(· | s_t)`, `s_{t+1} ~ P(· | s_t, a_t)`,
/// until a terminal state or `max_len` transitions.
///
/// An episode that starts in a terminal state has no transitions and `terminated = true`.
///
/// # Errors
///
/// [`LearningError::InvalidConfig`] for `max_len = 0`; [`LearningError::Mdp`] if the
/// policy's shape differs from the MDP's.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, TabularPolicy, sample_episode};
/// use rand::SeedableRng;
/// let mdp = Gridworld::new(3, 3).build(0.9)?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
/// let episode = sample_episode(&mdp, &TabularPolicy::uniform(9, 4)?, 1000, &mut rng)?;
/// assert!(episode.terminated);
/// assert_eq!(episode.transitions.last().unwrap().next_s, 8); // the goal
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sample_episode<R: Rng + ?Sized>(
    mdp: &Mdp,
    policy: &TabularPolicy,
    max_len: usize,
    rng: &mut R,
) -> Result<Episode, LearningError> {
    crate::learning::learning_error::check_positive("max_len", max_len)?;
    check_policy_shape(mdp, policy)?;
    let mut s = mdp.sample_initial_state(rng);
    let mut episode = Episode {
        transitions: Vec::new(),
        terminated: mdp.is_terminal(s),
    };
    while !episode.terminated && episode.transitions.len() < max_len {
        let a = policy.sample_action(s, rng);
        let t = sample_transition_unchecked(mdp, s, a, rng);
        episode.transitions.push(t);
        episode.terminated = t.done;
        s = t.next_s;
    }
    Ok(episode)
}

pub(crate) fn check_state_action(mdp: &Mdp, s: usize, a: usize) -> Result<(), LearningError> {
    if s >= mdp.num_states() {
        return Err(LearningError::IndexOutOfRange {
            what: "state",
            index: s,
            bound: mdp.num_states(),
        });
    }
    if a >= mdp.num_actions() {
        return Err(LearningError::IndexOutOfRange {
            what: "action",
            index: a,
            bound: mdp.num_actions(),
        });
    }
    Ok(())
}

pub(crate) fn check_policy_shape(mdp: &Mdp, policy: &TabularPolicy) -> Result<(), LearningError> {
    crate::learning::learning_error::check_len(
        "policy",
        policy.num_states() * policy.num_actions(),
        mdp.num_states() * mdp.num_actions(),
    )?;
    crate::learning::learning_error::check_len(
        "policy actions",
        policy.num_actions(),
        mdp.num_actions(),
    )
}

/// `Err(InvalidConfig)` if every state the initial distribution can start in is terminal:
/// a learner that resets until it finds a non-terminal start would otherwise never stop.
pub(crate) fn check_startable(mdp: &Mdp) -> Result<(), LearningError> {
    let startable = mdp
        .initial_distribution()
        .iter()
        .enumerate()
        .any(|(s, &p)| p > 0.0 && !mdp.is_terminal(s));
    if startable {
        Ok(())
    } else {
        Err(LearningError::InvalidConfig {
            what: "initial distribution (every starting state is terminal)",
            value: 0.0,
            expected: "positive probability on some non-terminal state",
        })
    }
}

/// Terminal draws in a row after which [`sample_start_state`] stops redrawing.
const START_REDRAWS: usize = 64;

/// A start state for a learner that resets until it stands in a non-terminal state:
/// draws `s₀ ~ d₀` until `s₀` is not terminal, and returns it with the number of draws.
///
/// The loop is capped. After [`START_REDRAWS`] terminal draws in a row the state is drawn
/// once from `d₀` restricted to the non-terminal states, renormalised: the law of the draw
/// the loop would have stopped at. Without the cap, a `d₀` with nearly all its mass on
/// terminal states (`[1e-300, 1]` with state 1 terminal passes every check) kept a learner
/// drawing for about 2⁵³ draws. The random stream is that of the plain loop unless 64 draws
/// in a row land on terminal states. Requires [`check_startable`].
pub(crate) fn sample_start_state<R: Rng + ?Sized>(mdp: &Mdp, rng: &mut R) -> (usize, usize) {
    for draws in 1..=START_REDRAWS {
        let s = mdp.sample_initial_state(rng);
        if !mdp.is_terminal(s) {
            return (s, draws);
        }
    }
    let d0 = mdp.initial_distribution();
    let weight = |s: usize| if mdp.is_terminal(s) { 0.0 } else { d0[s] };
    (
        inverse_cdf_index(d0.len(), weight, rng.random()),
        START_REDRAWS + 1,
    )
}

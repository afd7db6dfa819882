//! Demonstrated trajectories, validated against an MDP, and their feature statistics.

use rand::Rng;

use crate::irl::features::Features;
use crate::irl::irl_error::IrlError;
use crate::tabular::mdp::Mdp;
use crate::tabular::time_indexed_policy::TimeIndexedPolicy;

/// One demonstrated trajectory `s_0, a_0, s_1, a_1, …, a_{L−1}, s_L`.
///
/// The last state `s_L` is where the last action led; it earns no features (no action is
/// taken there), but it is kept so that every recorded transition can be checked against
/// the dynamics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trajectory {
    /// `s_0, …, s_L` (one more than the actions).
    pub states: Vec<usize>,
    /// `a_0, …, a_{L−1}`.
    pub actions: Vec<usize>,
}

impl Trajectory {
    /// A trajectory from its states and actions (checked when [`Demonstrations::new`]
    /// validates it against an MDP).
    pub fn new(states: Vec<usize>, actions: Vec<usize>) -> Self {
        Self { states, actions }
    }

    /// Number of actions `L`.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether the trajectory has no actions (never true of a validated one).
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Samples a trajectory of `T` actions from `s0`, acting with `π_t` and moving with the
    /// MDP's dynamics; it ends early on arriving in a terminal state.
    ///
    /// # Panics
    ///
    /// If `s0 ≥ S` or the policy was built for another MDP size.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::{Demonstrations, MaxCausalEntSolution, Mdp, Trajectory};
    /// use rand::SeedableRng;
    /// let p = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(0, 1.0)]];
    /// let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 1.0)?;
    /// let expert = MaxCausalEntSolution::new(&mdp, &[0.0, 0.0, 1.0, 1.0], 5)?;
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    /// let demos: Vec<Trajectory> =
    ///     (0..10).map(|_| Trajectory::sample(&mdp, expert.policy(), 0, &mut rng)).collect();
    /// assert_eq!(Demonstrations::new(&mdp, demos)?.horizon(), 5);
    /// # Ok::<(), maxent_rl::IrlError>(())
    /// ```
    pub fn sample<R: Rng + ?Sized>(
        mdp: &Mdp,
        policy: &TimeIndexedPolicy,
        s0: usize,
        rng: &mut R,
    ) -> Self {
        assert!(
            policy.num_states() == mdp.num_states() && policy.num_actions() == mdp.num_actions(),
            "policy built for another MDP"
        );
        let mut s = s0;
        let (mut states, mut actions) = (vec![s], Vec::with_capacity(policy.horizon()));
        for t in 0..policy.horizon() {
            if mdp.is_terminal(s) {
                break;
            }
            let a = policy.sample_action(t, s, rng);
            s = mdp.sample_next_state(s, a, rng);
            actions.push(a);
            states.push(s);
        }
        Self { states, actions }
    }

    /// The `(s_t, a_t)` pairs.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.states
            .iter()
            .copied()
            .zip(self.actions.iter().copied())
    }
}

/// A set of demonstrations of a common horizon `T`, validated against an MDP.
///
/// Every trajectory has exactly `T` actions, except one that ends early by arriving in a
/// terminal state of the MDP (it may not act there). Every state and action is in range,
/// and every recorded transition has positive probability.
///
/// # Errors
///
/// [`IrlError::NoDemonstrations`], [`IrlError::MalformedTrajectory`],
/// [`IrlError::StateOutOfRange`], [`IrlError::ActionOutOfRange`],
/// [`IrlError::ImpossibleTransition`], [`IrlError::ActsInTerminalState`],
/// [`IrlError::InconsistentLength`] — each naming the trajectory and time step.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Demonstrations, IrlError, Mdp, Trajectory};
/// // A two-state cycle: action 0 stays, action 1 switches.
/// let p = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(0, 1.0)]];
/// let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 0.9)?;
/// let demos = Demonstrations::new(&mdp, vec![
///     Trajectory::new(vec![0, 1, 1], vec![1, 0]),
///     Trajectory::new(vec![1, 1, 0], vec![0, 1]),
/// ])?;
/// assert_eq!(demos.horizon(), 2);
/// // 0 --0--> 1 is impossible (action 0 stays), and the error says where.
/// let bad = Demonstrations::new(&mdp, vec![Trajectory::new(vec![0, 1], vec![0])]);
/// assert_eq!(bad.unwrap_err(), IrlError::ImpossibleTransition {
///     trajectory: 0, t: 0, s: 0, a: 0, next_state: 1,
/// });
/// # Ok::<(), IrlError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Demonstrations {
    trajectories: Vec<Trajectory>,
    horizon: usize,
    num_states: usize,
    num_actions: usize,
}

impl Demonstrations {
    /// Validates `trajectories` against `mdp`; the horizon is the length of the longest.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn new(mdp: &Mdp, trajectories: Vec<Trajectory>) -> Result<Self, IrlError> {
        if trajectories.is_empty() {
            return Err(IrlError::NoDemonstrations);
        }
        let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
        for (i, tr) in trajectories.iter().enumerate() {
            if tr.actions.is_empty() || tr.states.len() != tr.actions.len() + 1 {
                return Err(IrlError::MalformedTrajectory {
                    trajectory: i,
                    states: tr.states.len(),
                    actions: tr.actions.len(),
                });
            }
            for (t, &state) in tr.states.iter().enumerate() {
                if state >= s_count {
                    return Err(IrlError::StateOutOfRange {
                        trajectory: i,
                        t,
                        state,
                        num_states: s_count,
                    });
                }
            }
            for (t, &action) in tr.actions.iter().enumerate() {
                if action >= a_count {
                    return Err(IrlError::ActionOutOfRange {
                        trajectory: i,
                        t,
                        action,
                        num_actions: a_count,
                    });
                }
                let s = tr.states[t];
                if mdp.is_terminal(s) {
                    return Err(IrlError::ActsInTerminalState {
                        trajectory: i,
                        t,
                        state: s,
                    });
                }
                let next_state = tr.states[t + 1];
                if mdp.transition_prob(s, action, next_state) <= 0.0 {
                    return Err(IrlError::ImpossibleTransition {
                        trajectory: i,
                        t,
                        s,
                        a: action,
                        next_state,
                    });
                }
            }
        }
        let horizon = trajectories.iter().map(Trajectory::len).fold(0, usize::max);
        for (i, tr) in trajectories.iter().enumerate() {
            let ended = tr.states.last().is_some_and(|&s| mdp.is_terminal(s));
            if tr.len() != horizon && !ended {
                return Err(IrlError::InconsistentLength {
                    trajectory: i,
                    expected: horizon,
                    found: tr.len(),
                });
            }
        }
        Ok(Self {
            trajectories,
            horizon,
            num_states: s_count,
            num_actions: a_count,
        })
    }

    /// `(S, A)` of the MDP the demonstrations were validated against.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.num_states, self.num_actions)
    }

    /// The common horizon `T` (number of actions of a full-length trajectory).
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// Number of trajectories `N`.
    pub fn len(&self) -> usize {
        self.trajectories.len()
    }

    /// Always false: validation rejects an empty set.
    pub fn is_empty(&self) -> bool {
        self.trajectories.is_empty()
    }

    /// The trajectories.
    pub fn trajectories(&self) -> &[Trajectory] {
        &self.trajectories
    }

    /// Empirical distribution of the start states, `ρ̃₀(s) = #{i : s_0^i = s} / N`.
    pub fn initial_distribution(&self) -> Vec<f64> {
        let mut rho = vec![0.0; self.num_states];
        for tr in &self.trajectories {
            rho[tr.states[0]] += 1.0;
        }
        let n = self.len() as f64;
        rho.iter_mut().for_each(|r| *r /= n);
        rho
    }

    /// Empirical state-action visitation counts `(1/N) Σ_i Σ_t 1[s_t^i = s, a_t^i = a]`
    /// (flat, `s · A + a`). They sum to the mean number of actions per trajectory.
    pub fn state_action_counts(&self) -> Vec<f64> {
        let mut counts = vec![0.0; self.num_states * self.num_actions];
        for tr in &self.trajectories {
            for (s, a) in tr.pairs() {
                counts[s * self.num_actions + a] += 1.0;
            }
        }
        let n = self.len() as f64;
        counts.iter_mut().for_each(|c| *c /= n);
        counts
    }

    /// Empirical feature expectation `f̃ = (1/N) Σ_i Σ_t φ(s_t^i, a_t^i)`.
    ///
    /// # Panics
    ///
    /// If `features` was built for an MDP of a different size.
    pub fn feature_expectation(&self, features: &Features) -> Vec<f64> {
        features.expectation(&self.state_action_counts())
    }
}

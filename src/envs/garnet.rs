//! Random "Garnet" MDPs for property tests.

use rand::seq::index::sample;
use rand::{Rng, RngExt};

use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_allocatable, table_len};

/// A random Garnet MDP: `S` states, `A` actions, and for each `(s, a)` exactly
/// `branching` distinct successors drawn uniformly, with probabilities from a uniform
/// random partition of `[0, 1]`; rewards `r(s, a) ~ U[0, 1)`; uniform initial distribution.
///
/// # Formula
///
/// For each `(s, a)`: successors `s'_1, …, s'_b` uniform without replacement; cut points
/// `0 = u_(0) < u_(1) < … < u_(b−1) < u_(b) = 1` (sorted uniforms), `P(s'_i | s, a) =
/// u_(i) − u_(i−1)`.
///
/// # References
///
/// Archibald, McKinnon, Thomas (1995), *On the generation of Markov decision processes*;
/// the name "Garnet" (Generic Average Reward Non-stationary Environment Testbed) and this
/// parametrisation are from Bhatnagar, Sutton, Ghavamzadeh, Lee (2009), *Natural
/// actor–critic algorithms*, §6.
///
/// # Errors
///
/// [`MdpError::Empty`] for `S = 0` or `A = 0`; [`MdpError::InvalidParameter`] for
/// `branching` outside `1..=S`, or `S > 2³² − 1` (from [`Mdp::new`]);
/// [`MdpError::TooLarge`] if the `S · A · branching` transitions overflow `usize` or cannot
/// be allocated; [`MdpError::InvalidDiscount`] for `γ ∉ [0, 1]`.
///
/// # Examples
///
/// ```
/// use maxent_rl::garnet;
/// use rand::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
/// let mdp = garnet(20, 3, 4, 0.9, &mut rng)?;
/// assert_eq!(mdp.num_transitions(), 20 * 3 * 4);
/// assert_eq!(mdp.successors(5, 2).count(), 4);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn garnet<R: Rng + ?Sized>(
    num_states: usize,
    num_actions: usize,
    branching: usize,
    discount: f64,
    rng: &mut R,
) -> Result<Mdp, MdpError> {
    if num_states == 0 {
        return Err(MdpError::Empty { what: "states" });
    }
    if num_actions == 0 {
        return Err(MdpError::Empty { what: "actions" });
    }
    if branching == 0 || branching > num_states {
        return Err(MdpError::InvalidParameter {
            what: "branching",
            value: branching as f64,
            expected: "between 1 and the number of states",
        });
    }
    let rows = table_len("transition rows", &[num_states, num_actions])?;
    check_allocatable(
        "Garnet transitions",
        rows,
        table_len("Garnet transitions", &[rows, branching, 40])?,
    )?;
    let mut transitions = Vec::with_capacity(rows);
    let mut rewards = Vec::with_capacity(rows);
    let mut cuts = vec![0.0; branching + 1];
    for _ in 0..rows {
        let successors = sample(rng, num_states, branching);
        cuts[0] = 0.0;
        cuts[branching] = 1.0;
        for c in &mut cuts[1..branching] {
            *c = rng.random::<f64>();
        }
        cuts.sort_by(f64::total_cmp);
        transitions.push(
            successors
                .iter()
                .zip(cuts.windows(2))
                .map(|(j, w)| (j, w[1] - w[0]))
                .collect(),
        );
        rewards.push(rng.random::<f64>());
    }
    Mdp::new(num_states, num_actions, &transitions, rewards, discount)
}

//! The two benchmark MDPs of the performance appendix, shared by `benches/soft_vi.rs` and
//! `examples/compare_soft_vi.rs`, so that the numpy comparison runs on exactly the MDPs
//! that are benchmarked.

use maxent_rl::{Gridworld, Mdp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Discount of both benchmark MDPs.
pub const DISCOUNT: f64 = 0.99;

/// The benchmark gridworld: 100 × 100, slip 0.1, goal in the far corner, step reward −1.
pub fn gridworld() -> Mdp {
    Gridworld::new(100, 100).slip(0.1).build(DISCOUNT).unwrap()
}

/// A dense random MDP: every row a random distribution over all S states (seeded), and
/// rewards uniform in [0, 1). Returns the MDP and its dense tensor `p[(s·A + a)·S + s']`.
pub fn dense_mdp(num_states: usize, num_actions: usize) -> (Mdp, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut p = vec![0.0; num_states * num_actions * num_states];
    for row in p.chunks_exact_mut(num_states) {
        for x in row.iter_mut() {
            *x = rng.random::<f64>();
        }
        let total: f64 = row.iter().sum();
        row.iter_mut().for_each(|x| *x /= total);
    }
    let rewards = (0..num_states * num_actions)
        .map(|_| rng.random::<f64>())
        .collect();
    let mdp = Mdp::from_dense(num_states, num_actions, &p, rewards, DISCOUNT).unwrap();
    (mdp, p)
}

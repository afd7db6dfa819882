//! The chapter-2 bandit experiment's configuration, shared by its test
//! (`tests/ch02_entropy_bonus.rs`) and its full-scale run
//! (`examples/ch02_premature_convergence.rs`), so that the two cannot drift apart.
//! Included with `#[path]`; not part of `common/mod.rs`.
#![allow(dead_code)]

use maxent_rl::experiments::SoftmaxBanditConfig;

/// Entropy weights compared: none, a small bonus, a large one.
pub const ALPHAS: [f64; 3] = [0.0, 0.05, 0.2];

/// Seeds of the full-scale run quoted in the book.
pub const BOOK_SEEDS: std::ops::Range<u64> = 0..2000;

/// Seeds of the test's run: disjoint from the book's, so the test is an independent
/// replication, not a re-computation.
pub const TEST_SEEDS: std::ops::Range<u64> = 1_000_000..1_000_400;

/// Five arms 0.2 apart, noise σ = 0.25, one pull per update, a large step size.
pub fn bandit_config(alpha: f64) -> SoftmaxBanditConfig {
    SoftmaxBanditConfig {
        arm_means: vec![1.0, 0.8, 0.6, 0.4, 0.2],
        reward_std: 0.25,
        alpha,
        learning_rate: 2.0,
        baseline_learning_rate: 0.1,
        batch_size: 1,
        steps: 5000,
        record_every: 50,
    }
}

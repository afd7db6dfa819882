//! The chapter-7 temperature experiment's configurations, shared by the claim test
//! (`tests/ch07_sac_temperature.rs`) and the figure (`tests/figures.rs`). Included with
//! `#[path]`; not part of `common/mod.rs`.
#![allow(dead_code)]

use maxent_rl::TemperatureConfig;
use maxent_rl::experiments::TemperatureBanditConfig;

/// Seed of both runs.
pub const SEED: u64 = 7;

/// Reward `−(a − 0.5)²`, target entropy `−1` (the default for one action dimension), batch
/// 64, 6000 updates; `ln σ₀` and `ln α₀` set where the run starts.
pub fn temperature_config(initial_log_std: f64, initial_log_alpha: f64) -> TemperatureBanditConfig {
    TemperatureBanditConfig {
        reward_peak: 0.5,
        reward_curvature: 1.0,
        initial_mean: 0.0,
        initial_log_std,
        actor_learning_rate: 0.05,
        temperature: TemperatureConfig {
            target_entropy: -1.0,
            learning_rate: 0.01,
            initial_log_alpha,
        },
        batch_size: 64,
        steps: 6000,
        record_every: 100,
        entropy_samples: 2000,
    }
}

/// The two runs of the chapter: `(label, config)`. One starts with the entropy above the
/// target (σ = 1, α = 1), one below it (σ = e⁻⁴, α = e⁻⁶).
pub fn runs() -> [(&'static str, TemperatureBanditConfig); 2] {
    [
        (
            "start above target (σ₀ = 1, α₀ = 1)",
            temperature_config(0.0, 0.0),
        ),
        (
            "start below target (σ₀ = e⁻⁴, α₀ = e⁻⁶)",
            temperature_config(-4.0, -6.0),
        ),
    ]
}

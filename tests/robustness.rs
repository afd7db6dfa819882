//! The promise of the README, as a property: every public function fed arbitrary `f64`
//! values (NaN, ±∞, ±0, subnormals, ±1e308, ±f64::MAX), arbitrary sizes and mismatched
//! shapes returns a typed error or finite output, and never panics or hangs.
//!
//! Each property runs a bounded number of cases with proptest's persisted seeds
//! (`tests/robustness.proptest-regressions`), so a failure found once is replayed first.

use maxent_rl::rand::SeedableRng;
use maxent_rl::rand::rngs::StdRng;
use maxent_rl::{
    TanhGaussian, TemperatureConfig, TemperatureState, categorical_entropy,
    categorical_entropy_and_grad, categorical_entropy_from_probs, diag_gaussian_entropy,
    diag_gaussian_log_prob, discrete_sac_actor_loss, discrete_soft_critic_target, entropy_loss,
    entropy_regularised_pg_loss, ppo_clipped_loss, sac_actor_loss, soft_critic_target,
    temperature_loss, temperature_loss_grad,
};
use proptest::prelude::*;

/// Values that break careless numerics: the IEEE specials, the extremes of the range,
/// subnormals, and ordinary numbers of every size.
fn wild() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0..10.0f64,
        2 => -1000.0..1000.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(1e308),
        1 => Just(-1e308),
        1 => Just(f64::MAX),
        1 => Just(f64::MIN),
        1 => Just(5e-324),
        1 => Just(-1e-310),
        1 => Just(800.0),
        1 => Just(-800.0),
        1 => any::<f64>(),
    ]
}

fn wild_vec(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(wild(), 0..=max_len)
}

fn finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn categorical_entropies_are_finite_or_errors(z in wild_vec(6)) {
        if let Ok(h) = categorical_entropy(&z) {
            prop_assert!(h.is_finite() && h >= 0.0, "H({z:?}) = {h}");
        }
        if let Ok((h, g)) = categorical_entropy_and_grad(&z) {
            prop_assert!(h.is_finite() && finite(&g), "H({z:?}) = {h}, ∇ = {g:?}");
        }
        if let Ok(h) = categorical_entropy_from_probs(&z) {
            prop_assert!(h.is_finite() && h >= 0.0, "H({z:?}) = {h}");
        }
    }

    #[test]
    fn gaussian_quantities_are_finite_or_errors(
        x in wild_vec(3), mean in wild_vec(3), log_std in wild_vec(3)
    ) {
        if let Ok(h) = diag_gaussian_entropy(&log_std) {
            prop_assert!(h.is_finite(), "H = {h} for log σ = {log_std:?}");
        }
        if let Ok(lp) = diag_gaussian_log_prob(&x, &mean, &log_std) {
            // −∞ is the correctly rounded value of a log-density below −f64::MAX.
            prop_assert!(lp.is_finite() || lp == f64::NEG_INFINITY,
                "ln p = {lp} for {x:?}, {mean:?}, {log_std:?}");
        }
        if let Ok(policy) = TanhGaussian::new(mean.clone(), log_std.clone()) {
            let mut rng = StdRng::seed_from_u64(0);
            let sample = policy.sample_and_log_prob(&mut rng);
            prop_assert!(finite(&sample.action) && finite(&sample.pre_tanh) && sample.log_prob.is_finite(),
                "sample {sample:?} of {mean:?}, {log_std:?}");
            prop_assert!(policy.base_gaussian_entropy().is_finite());
            if let Ok(lp) = policy.log_prob_pre_tanh(&x) {
                // ±∞ are the correctly rounded values beyond the f64 range (documented).
                prop_assert!(!lp.is_nan(),
                    "ln π(u = {x:?}) = {lp} for {mean:?}, {log_std:?}");
            }
            if let Ok(lp) = policy.log_prob(&x) {
                prop_assert!(!lp.is_nan(),
                    "ln π(a = {x:?}) = {lp} for {mean:?}, {log_std:?}");
            }
            if let Ok(g) = policy.reparam_grad(&x) {
                prop_assert!(finite(&g.d_action_d_mean) && finite(&g.d_log_prob_d_mean)
                    && finite(&g.d_action_d_log_std) && finite(&g.d_log_prob_d_log_std),
                    "∇ at {x:?} of {mean:?}, {log_std:?}: {g:?}");
            }
        }
    }

    #[test]
    fn categorical_losses_are_finite_or_errors(
        logits in wild_vec(6),
        actions in prop::collection::vec(0usize..4, 0..4),
        per_item in wild_vec(3),
        other in wild_vec(3),
        alpha in wild(),
        eps in wild(),
        num_actions in 0usize..4,
    ) {
        if let Ok(out) = entropy_regularised_pg_loss(&logits, num_actions, &actions, &per_item, alpha) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
        if let Ok(out) = ppo_clipped_loss(&logits, num_actions, &actions, &other, &per_item, eps, alpha) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
        if let Ok(out) = entropy_loss(&logits, num_actions, &per_item) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
        if let Ok(out) = discrete_sac_actor_loss(&logits, num_actions, &other, alpha) {
            prop_assert!(out.loss.is_finite() && finite(&out.grad_logits), "{out:?}");
        }
    }

    #[test]
    fn sac_losses_and_targets_are_finite_or_errors(
        r in wild_vec(2), d in wild_vec(2), q1 in wild_vec(4), q2 in wild_vec(4),
        log_pi in wild_vec(2), logits in wild_vec(4), alpha in wild(), num_actions in 0usize..3,
    ) {
        if let Ok(l) = sac_actor_loss(&log_pi, &q1, alpha) {
            prop_assert!(l.is_finite(), "{l}");
        }
        if let Ok(y) = soft_critic_target(&r, &d, &q1, &q2, &log_pi, alpha) {
            prop_assert!(finite(&y), "{y:?}");
        }
        if let Ok(y) = discrete_soft_critic_target(&r, &d, &logits, num_actions, &q1, &q2, alpha) {
            prop_assert!(finite(&y), "{y:?}");
        }
    }

    #[test]
    fn temperature_updates_are_finite_or_errors(
        log_alpha in wild(), log_pi in wild_vec(3), target in wild(), lr in wild(),
        steps in 1usize..4,
    ) {
        if let Ok(l) = temperature_loss(log_alpha, &log_pi, target) {
            prop_assert!(l.is_finite(), "{l}");
        }
        if let Ok(g) = temperature_loss_grad(&log_pi, target) {
            prop_assert!(g.is_finite(), "{g}");
        }
        let config = TemperatureConfig { target_entropy: target, learning_rate: lr, initial_log_alpha: log_alpha };
        let mut state = TemperatureState::new(&config);
        for _ in 0..steps {
            match state.update(&config, &log_pi) {
                Ok(step) => prop_assert!(step.alpha.is_finite() && step.alpha > 0.0
                    && step.loss.is_finite() && state.log_alpha.is_finite(),
                    "{step:?} with {config:?}"),
                Err(_) => break,
            }
        }
    }
}

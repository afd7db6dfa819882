//! Speed of chapter 11's continuous-action code: the certified Riccati solve for state
//! dimensions 2 to 64, SAC updates per second on the LQR, and one SVGD direction.
//!
//! Run with `cargo bench --bench continuous`. Throughput is in problems solved (Riccati),
//! SAC updates (one critic, actor and target step each, with one environment step), or
//! particles (SVGD).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maxent_rl::{
    LqProblem, RiccatiSolver, SacLqrConfig, SacLqrTemperature, sac_lqr, svgd_direction,
};
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

/// A random problem with n states and ⌈n/2⌉ actions: A with entries N(0, 1/n) scaled to
/// spectral radius about 1.05 (open-loop unstable), B uniform in [−1, 1], Q = I, R = I,
/// W = 0.1 I, γ = 0.95.
fn random_problem(n: usize, rng: &mut ChaCha8Rng) -> LqProblem {
    let m = n.div_ceil(2);
    let raw = DMatrix::from_fn(n, n, |_, _| {
        rng.random_range(-1.0..1.0) * (3.0 / n as f64).sqrt()
    });
    let radius = raw
        .complex_eigenvalues()
        .iter()
        .map(|z| z.norm())
        .fold(0.0, f64::max);
    let a = raw * (1.05 / radius);
    let b = DMatrix::from_fn(n, m, |_, _| rng.random_range(-1.0..1.0));
    LqProblem::new(
        a,
        b,
        DMatrix::identity(n, n),
        DMatrix::identity(m, m),
        DMatrix::identity(n, n) * 0.1,
        0.95,
    )
    .unwrap()
}

fn riccati(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut group = c.benchmark_group("riccati");
    group.throughput(Throughput::Elements(1));
    for n in [2usize, 4, 8, 16, 32, 64] {
        let problem = random_problem(n, &mut rng);
        let solver = RiccatiSolver::new();
        let solution = solver.solve(&problem).unwrap();
        eprintln!(
            "riccati n = {n}: {} doublings, certified bound {:.1e} (‖P‖_F = {:.1e})",
            solution.iterations,
            solution.error_bound,
            solution.p.norm()
        );
        group.bench_function(format!("solve/n{n}_m{}", n.div_ceil(2)), |b| {
            b.iter(|| solver.solve(black_box(&problem)).unwrap().error_bound)
        });
    }
    group.finish();
}

fn sac(c: &mut Criterion) {
    let m = |v: f64| DMatrix::from_element(1, 1, v);
    let problem = LqProblem::new(m(0.9), m(1.0), m(1.0), m(1.0), m(0.25), 0.8).unwrap();
    let mut group = c.benchmark_group("sac_lqr");
    let steps = 1000;
    group.throughput(Throughput::Elements(steps as u64));
    for batch in [32usize, 256] {
        let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(0.5), steps);
        config.batch_size = batch;
        config.learning_starts = 0;
        config.record_every = steps;
        group.bench_function(format!("updates/n1_m1_batch{batch}"), |b| {
            b.iter(|| {
                let mut rng = ChaCha8Rng::seed_from_u64(0);
                sac_lqr(black_box(&problem), &config, &mut rng)
                    .unwrap()
                    .alpha
            })
        });
    }
    group.finish();
}

fn svgd(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut group = c.benchmark_group("svgd");
    for (n, dim) in [(100usize, 1usize), (100, 2), (500, 2)] {
        let particles: Vec<f64> = (0..n * dim).map(|_| rng.random_range(-2.0..2.0)).collect();
        let grad: Vec<f64> = particles.iter().map(|u| -u).collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("direction/{n}_particles_dim{dim}"), |b| {
            b.iter(|| {
                svgd_direction(black_box(&particles), &grad, dim, None)
                    .unwrap()
                    .1
            })
        });
    }
    group.finish();
}

criterion_group!(benches, riccati, sac, svgd);
criterion_main!(benches);

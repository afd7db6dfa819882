//! The Rust side of `scripts/compare-irl`: builds a gridworld, writes it (dense transition
//! tensor, reward, start and goal) for the Python peer, runs the same forward–backward
//! computation with the library, and writes our policy, visitation and timing.
//!
//! `cargo run --release --example irl_compare -- <size> <out-dir>` writes the files;
//! `… -- <size> <out-dir> --time` only times: for each line `n` it reads from stdin it times
//! `n` runs and prints their seconds as a JSON list, so that `scripts/compare/irl_peer.py`
//! can alternate them with the peer's runs, both sides in long-lived processes.

use std::time::Instant;

use maxent_rl::{
    Gridworld, MaxEntPartition, TabularPolicy, TrajectoryEnd, visitation_until_absorbed,
};

fn write_f64(path: &std::path::Path, xs: &[f64]) {
    let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let size: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .expect("usage: <size> <out-dir>");
    let out = std::path::PathBuf::from(args.get(2).expect("usage: <size> <out-dir>"));
    std::fs::create_dir_all(&out).unwrap();

    // A slippery grid without terminal flags (the peer treats the goal specially itself).
    let grid = Gridworld::new(size, size).slip(0.2);
    let mdp = grid.build(1.0).unwrap().with_terminal_states(&[]).unwrap();
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    let goal = grid.state(size - 1, size - 1);
    let start = grid.state(0, 0);

    // State reward: 1 at the goal, 0 elsewhere (the peer's default example uses the same).
    let mut state_reward = vec![0.0; s_count];
    state_reward[goal] = 1.0;
    let reward: Vec<f64> = (0..s_count * a_count)
        .map(|i| state_reward[i / a_count])
        .collect();

    let timing_only = args.get(3).map(String::as_str) == Some("--time");
    if !timing_only {
        // Dense tensor in the peer's layout p[from, to, action].
        let mut p = vec![0.0; s_count * s_count * a_count];
        for s in 0..s_count {
            for a in 0..a_count {
                for (s2, prob) in mdp.successors(s, a) {
                    p[(s * s_count + s2) * a_count + a] = prob;
                }
            }
        }
        write_f64(&out.join("p_transition.f64"), &p);
        write_f64(&out.join("reward.f64"), &state_reward);
    }

    // The peer's computation: N = 2S backward iterations from Z = 1[goal], stationary local
    // action probabilities, forward pass until absorbed at the goal.
    let mut goal_set = vec![false; s_count];
    goal_set[goal] = true;
    let mut initial = vec![0.0; s_count];
    initial[start] = 1.0;
    let horizon = 2 * s_count;
    // The forward pass ends episodes at the MDP's terminal states.
    let absorbing = mdp.clone().with_terminal_states(&[goal]).unwrap();
    let run = || {
        let part = MaxEntPartition::new(
            &mdp,
            &reward,
            horizon,
            &TrajectoryEnd::InStates(goal_set.clone()),
        )
        .unwrap();
        let policy =
            TabularPolicy::from_log_probs(s_count, a_count, part.policy().log_probs_at(0).to_vec())
                .unwrap();
        let d = visitation_until_absorbed(&absorbing, &initial, &policy, 1e-13, 1_000_000).unwrap();
        (policy, d)
    };
    if timing_only {
        // One untimed run first, as the peer's timings follow its agreement check: the
        // first runs of a fresh process also pay for faulting in its tables.
        std::hint::black_box(run());
        // Then, for each line `n` on stdin, time n runs and print their seconds.
        use std::io::{BufRead, Write};
        for line in std::io::stdin().lock().lines() {
            let reps: usize = line
                .expect("stdin")
                .trim()
                .parse()
                .expect("a count per line");
            let times: Vec<String> = (0..reps)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(run());
                    format!("{:e}", t.elapsed().as_secs_f64())
                })
                .collect();
            let mut out = std::io::stdout().lock();
            writeln!(out, "[{}]", times.join(", ")).expect("stdout");
            out.flush().expect("stdout");
        }
        return;
    }
    let (policy, d) = run();
    // A first timing; `irl_peer.py` times both sides alternately with `--time`.
    let reps = if s_count <= 400 { 20 } else { 5 };
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(run());
        best = best.min(t.elapsed().as_secs_f64());
    }
    write_f64(&out.join("ours_policy.f64"), policy.probs());
    write_f64(&out.join("ours_svf.f64"), &d);
    let meta = format!(
        "{{\"size\": {size}, \"n_states\": {s_count}, \"n_actions\": {a_count}, \"start\": {start}, \
         \"goal\": {goal}, \"horizon\": {horizon}, \"ours_seconds\": {best:e}}}\n"
    );
    std::fs::write(out.join("meta.json"), meta).unwrap();
}

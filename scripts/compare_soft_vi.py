"""Soft value iteration in numpy/scipy, written the way a careful Python user would, on
the MDPs exported by `cargo run --release --example compare_soft_vi`; checks that the
answers agree with Rust's and prints the time ratios. Run through scripts/compare-soft-vi.
"""
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse
from scipy.sparse.linalg import spsolve
from scipy.special import logsumexp


def load(d: Path):
    meta = {}
    for line in (d / "meta.txt").read_text().splitlines():
        key, value = (x.strip() for x in line.split("="))
        meta[key] = float(value)
    n, k = int(meta["num_states"]), int(meta["num_actions"])
    offsets = np.fromfile(d / "offsets.u64", dtype="<u8").astype(np.int64)
    cols = np.fromfile(d / "next_states.u32", dtype="<u4").astype(np.int32)
    probs = np.fromfile(d / "probs.f64", dtype="<f8")
    P = scipy.sparse.csr_matrix((probs, cols, offsets), shape=(n * k, n))
    r = np.fromfile(d / "rewards.f64", dtype="<f8")
    terminal = np.fromfile(d / "terminal.u8", dtype=np.uint8).astype(bool)
    values = d / "values.f64"
    v_rust = np.fromfile(values, dtype="<f8") if values.exists() else None
    return meta, n, k, P, r, terminal, v_rust


def make_sweep(P, r, terminal, n, k, gamma, alpha, lse):
    """One soft Bellman sweep V -> alpha * logsumexp((r + gamma P V) / alpha)."""
    def sweep(v):
        q = (r + gamma * (P @ v)).reshape(n, k)
        v_new = lse(q, alpha)
        v_new[terminal] = 0.0
        return v_new
    return sweep


def lse_scipy(q, alpha):
    return alpha * logsumexp(q / alpha, axis=1)


def lse_numpy(q, alpha):
    m = q.max(axis=1)
    return m + alpha * np.log(np.exp((q - m[:, None]) / alpha).sum(axis=1))


def solve(sweep, n, gamma, tol):
    v = np.zeros(n)
    factor = gamma / (1.0 - gamma)
    iterations = 0
    while True:
        v_new = sweep(v)
        iterations += 1
        change = np.max(np.abs(v_new - v))
        v = v_new
        if factor * change <= tol:
            return v, iterations


def median_time(f, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def newton_peer(P, r, terminal, n, k, gamma, alpha, tol, P3=None):
    """Soft policy iteration (exact Newton) the way a careful scipy user would write it:
    each evaluation a direct solve, scipy.sparse.linalg.spsolve (SuperLU) for a sparse MDP
    or numpy.linalg.solve (LAPACK) with the dense tensor P3[s, a, s'] when given; the same
    pessimistic start and certificate ||T V - V||/(1 - gamma) <= tol as the Rust solver."""
    rk = r.reshape(n, k)
    lowest = min(0.0, float(rk[~terminal].min())) if (~terminal).any() else 0.0
    v = np.full(n, lowest / (1.0 - gamma))
    scale = 1.0 / (1.0 - gamma)
    pi_indptr = np.arange(0, n * k + 1, k)
    pi_indices = np.arange(n * k)
    eye = scipy.sparse.identity(n, format="csr")
    steps = 0
    while True:
        pv = P @ v
        q = rk + gamma * pv.reshape(n, k)
        m = q.max(axis=1)
        e = np.exp((q - m[:, None]) / alpha)
        z = e.sum(axis=1)
        tv = m + alpha * np.log(z)
        pi = e / z[:, None]
        tv[terminal] = 0.0
        pi[terminal] = 0.0
        steps += 1
        if np.max(np.abs(tv - v)) * scale <= tol:
            return v, steps
        # Newton's right-hand side T V - gamma P_pi V = r_pi + alpha H_pi.
        rhs = tv - gamma * (pi * pv.reshape(n, k)).sum(axis=1)
        if P3 is not None:
            A = np.eye(n) - gamma * np.einsum("sa,sat->st", pi, P3)
            v = np.linalg.solve(A, rhs)
        else:
            Pi = scipy.sparse.csr_matrix((pi.ravel(), pi_indices, pi_indptr), shape=(n, n * k))
            A = (eye - gamma * (Pi @ P)).tocsc()
            v = spsolve(A, rhs)


# The cases of the interleaved comparison: (exported MDP, name for the Rust binary, discount).
CASES = [
    ("grid100", "grid100", 0.99),
    ("grid100", "grid100", 0.999),
    ("dense", "dense", 0.99),
]


def interleaved(root: Path, rust_bin: str, reps: int, cases=CASES):
    """Rust's Newton soft policy iteration (and, on the gridworld, Rust's soft VI) against
    numpy's soft VI and the scipy Newton peer, each to a certified 1e-8: the repetitions
    alternate in this one driver (Rust through a subprocess that times only its solve), so
    machine load falls on all alike. Checks every repetition's answers agree; prints
    medians, min-max and the load average before and after each case."""
    import os
    import subprocess
    import tempfile
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, OPENBLAS_NUM_THREADS={threads}")
    print(f"interleaved, {reps} repetitions each")
    print("| MDP | γ | Rust Newton | Rust soft VI | numpy soft VI | scipy Newton | numpy VI / Rust Newton "
          "| scipy Newton / Rust Newton | load before → after |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    values_path = Path(tempfile.mkdtemp()) / "values.f64"
    for export_name, rust_name, gamma in cases:
        meta, n, k, P, r, terminal, _ = load(root / export_name)
        alpha, tol = meta["alpha"], meta["tolerance"]
        dense = P.nnz == n * k * n
        M = P.toarray() if dense else P
        P3 = M.reshape(n, k, n) if dense else None
        sweep = make_sweep(M, r, terminal, n, k, gamma, alpha, lse_numpy)
        load_before = os.getloadavg()[0]
        solvers = ["newton"] + ([] if dense else ["vi"])
        times = {key: [] for key in solvers + ["numpy", "scipy"]}
        counts = {}
        for _ in range(reps):
            answers = {}
            for solver in solvers:
                out = subprocess.run(
                    [rust_bin, "--time-once", rust_name, str(gamma), solver, str(values_path)],
                    check=True, capture_output=True, text=True).stdout.split()
                times[solver].append(float(out[0]))
                counts[solver] = int(out[2])
                answers[solver] = np.fromfile(values_path, dtype="<f8")
            t = time.perf_counter()
            answers["numpy"], counts["numpy"] = solve(sweep, n, gamma, tol)
            times["numpy"].append(time.perf_counter() - t)
            t = time.perf_counter()
            answers["scipy"], counts["scipy"] = newton_peer(M, r, terminal, n, k, gamma, alpha, tol, P3)
            times["scipy"].append(time.perf_counter() - t)
            # All are certified within tol of V*, so agree within 2 tol; 1e-10 more for the
            # rounding of values up to 1/(1 - gamma) = 1000 in size.
            reference = answers["numpy"]
            for key, v in answers.items():
                diff = float(np.max(np.abs(v - reference)))
                assert diff <= 2 * tol + 1e-10, f"{export_name} γ={gamma}: {key} differs by {diff}"
        med = {key: float(np.median(x)) for key, x in times.items()}

        def cell(key):
            if key not in times:
                return "—"
            x = times[key]
            return (f"{med[key] * 1e3:.1f} ms [{min(x) * 1e3:.1f}, {max(x) * 1e3:.1f}] "
                    f"({counts[key]})")
        print(f"| {export_name} | {gamma} | {cell('newton')} | {cell('vi')} | {cell('numpy')} "
              f"| {cell('scipy')} | {med['numpy'] / med['newton']:.1f}× "
              f"| {med['scipy'] / med['newton']:.1f}× | {load_before:.2f} → {os.getloadavg()[0]:.2f} |",
              flush=True)
    print("(median [min, max] in ms, (sweeps; for the Newton solvers, outer steps incl. "
          "Gauss–Seidel sweeps); load: 1-minute average)")


def peak_rss_kib():
    """Peak resident set size of this process (VmHWM), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def peer(kind: str, d: Path, gamma: float, values_out: str):
    """One timed solve by a Python peer in its own process (so its peak memory is its own):
    numpy soft VI (`vi`) or the scipy Newton peer (`newton`); prints `seconds sweeps
    peak_KiB` and writes the values."""
    meta, n, k, P, r, terminal, _ = load(d)
    alpha, tol = meta["alpha"], meta["tolerance"]
    t = time.perf_counter()
    if kind == "vi":
        v, count = solve(make_sweep(P, r, terminal, n, k, gamma, alpha, lse_numpy), n, gamma, tol)
    else:
        v, count = newton_peer(P, r, terminal, n, k, gamma, alpha, tol)
    seconds = time.perf_counter() - t
    v.astype("<f8").tofile(values_out)
    print(seconds, count, peak_rss_kib())


SCALING_WIDTHS = [10, 32, 100, 316, 1000]


def scaling(root: Path, rust_bin: str, out_csv: str):
    """Time to a certified 1e-8 on W x W gridworlds (gamma = 0.99), W in SCALING_WIDTHS:
    Rust Newton, Rust soft VI, numpy soft VI and the scipy Newton peer, each solve in its
    own process (peak RSS from VmHWM), repetitions interleaved; answers checked against
    Rust Newton's. Writes `solver,states,median_seconds,min_seconds,max_seconds,peak_kib,
    sweeps,reps,load_before,load_after` rows. PEER_MAX_WIDTH (default 1000) skips the Python
    peers above that width; SCALING_WIDTHS_MAX likewise for all."""
    import os
    import subprocess
    import tempfile
    gamma = 0.99
    peer_max = int(os.environ.get("PEER_MAX_WIDTH", "1000"))
    width_max = int(os.environ.get("SCALING_WIDTHS_MAX", "1000"))
    tmp = Path(tempfile.mkdtemp())
    rows = []
    for w in [x for x in SCALING_WIDTHS if x <= width_max]:
        name = f"grid{w}"
        subprocess.run([rust_bin, "--export", name, str(root)], check=True)
        meta = load(root / name)[0]
        n, tol = int(meta["num_states"]), meta["tolerance"]
        reps = 5 if w <= 100 else (3 if w <= 316 else 1)
        solvers = ["rust-newton", "rust-vi"] + (["numpy-vi", "scipy-newton"] if w <= peer_max else [])
        results = {x: [] for x in solvers}
        load_before = os.getloadavg()[0]
        for _ in range(reps):
            answers = {}
            for solver in solvers:
                values = tmp / f"{solver}.f64"
                if solver.startswith("rust"):
                    cmd = [rust_bin, "--time-once", name, str(gamma), solver[5:], str(values)]
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
                    seconds, count, peak = float(out[0]), int(out[2]), int(out[4])
                else:
                    kind = "vi" if solver == "numpy-vi" else "newton"
                    cmd = [sys.executable, __file__, "--peer", kind, str(root / name), str(gamma), str(values)]
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
                    seconds, count, peak = float(out[0]), int(out[1]), int(out[2])
                results[solver].append((seconds, count, peak))
                answers[solver] = np.fromfile(values, dtype="<f8")
            for solver, v in answers.items():
                diff = float(np.max(np.abs(v - answers["rust-newton"])))
                # Both certified within tol of V*; 1e-10 for the rounding of values up to 100.
                assert diff <= 2 * tol + 1e-10, f"{name}: {solver} differs by {diff}"
        load_after = os.getloadavg()[0]
        for solver, xs in results.items():
            times = [x[0] for x in xs]
            row = (solver, n, float(np.median(times)), min(times), max(times), max(x[2] for x in xs),
                   xs[0][1], reps, load_before, load_after)
            rows.append(row)
            print(",".join(str(x) for x in row), flush=True)
    with open(out_csv, "w") as f:
        f.write("solver,states,median_seconds,min_seconds,max_seconds,peak_kib,sweeps,reps,"
                "load_before,load_after\n")
        for row in rows:
            f.write(",".join(str(x) for x in row) + "\n")


def main(root: Path):
    import os
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, OPENBLAS_NUM_THREADS={threads}")
    rows = []
    for name, sweep_reps, full_reps in [
        ("gridworld_10x10", 2000, 20),
        ("gridworld_100x100", 200, 5),
        ("dense_S1000_A8", 50, 3),
    ]:
        meta, n, k, P, r, terminal, v_rust = load(root / name)
        gamma, alpha, tol = meta["discount"], meta["alpha"], meta["tolerance"]
        dense = P.nnz == n * k * n
        # A careful user stores a dense tensor densely (BLAS matvec) and a sparse one sparsely.
        M = P.toarray() if dense else P
        best = None
        for lse_name, lse in [("scipy.special.logsumexp", lse_scipy), ("hand-written numpy", lse_numpy)]:
            sweep = make_sweep(M, r, terminal, n, k, gamma, alpha, lse)
            # One sweep applied to the solution, as on the Rust side.
            t_sweep = median_time(lambda: sweep(v_rust), sweep_reps)
            result = {}
            def full():
                result["v"], result["it"] = solve(sweep, n, gamma, tol)
            t_full = median_time(full, full_reps)
            diff = float(np.max(np.abs(result["v"] - v_rust)))
            # Both answers are certified within tol of V*, so they agree within 2 tol.
            assert diff <= 2 * tol + 1e-12, f"{name}: answers differ by {diff}"
            print(f"{name} [{'dense' if dense else 'sparse'} matvec, {lse_name}]: "
                  f"sweep {t_sweep * 1e3:.3f} ms, full {t_full:.3f} s "
                  f"({result['it']} sweeps; Rust {int(meta['rust_iterations'])}), "
                  f"max |V_numpy - V_rust| = {diff:.2e}")
            if best is None or t_full < best[1]:
                best = (t_sweep, t_full, lse_name)
        rs, rf = meta["rust_sweep_seconds"], meta["rust_full_seconds"]
        rows.append((name, rs, best[0], rf, best[1], best[2]))
    print()
    print("| MDP | Rust sweep | numpy sweep | ratio | Rust full solve | numpy full solve | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, rs, ps, rf, pf, _ in rows:
        print(f"| {name} | {rs * 1e3:.3f} ms | {ps * 1e3:.3f} ms | {ps / rs:.1f}× "
              f"| {rf:.3f} s | {pf:.3f} s | {pf / rf:.1f}× |")
    print("(numpy: the faster of scipy.special.logsumexp and a hand-written shifted log-sum-exp)")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--peer":
        peer(sys.argv[2], Path(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
        sys.exit(0)
    if len(sys.argv) == 5 and sys.argv[2] == "--interleave":
        interleaved(Path(sys.argv[1]), sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[2] == "--scaling":
        scaling(Path(sys.argv[1]), sys.argv[3], sys.argv[4])
    else:
        main(Path(sys.argv[1] if len(sys.argv) > 1 else "target/compare-soft-vi"))

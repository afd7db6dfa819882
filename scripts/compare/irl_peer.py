"""The Python side of scripts/compare-irl: runs irl-maxent on the MDP written by
`cargo run --release --example irl_compare`, checks that it computes the same local action
probabilities and visitation frequencies as maxent-rl, and times both.

The two sides' repetitions are interleaved in one run, so that machine load falls on both
alike: ROUNDS rounds, each of `batch` (20) timed runs of the library and then `batch` timed
runs of the peer. The library runs in one long-lived child process (the example's `--time`
mode, which times the runs it is asked for on stdin, after one untimed run), as the peer
runs in this one (warm after the agreement check). Reports
the medians with the quartiles, the ratio of the medians, and the 1-minute load average
before and after.

Usage: irl_peer.py <dir> <path of the irl_compare binary>. Prints one JSON line per size.
"""
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import irl_maxent.maxent as M


def load(d, name, shape):
    return np.fromfile(f"{d}/{name}.f64", dtype="<f8").reshape(shape)


ROUNDS = 7


def quartiles(xs):
    xs = sorted(xs)
    at = lambda q: xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]
    return at(0.25), at(0.5), at(0.75)


def main(d, ours_binary):
    meta = json.load(open(f"{d}/meta.json"))
    S, A = meta["n_states"], meta["n_actions"]
    p = load(d, "p_transition", (S, S, A))
    reward = load(d, "reward", (S,))
    ours_policy = load(d, "ours_policy", (S, A))
    ours_svf = load(d, "ours_svf", (S,))
    p0 = np.zeros(S)
    p0[meta["start"]] = 1.0
    terminal = [meta["goal"]]
    row = {"size": meta["size"], "states": S, "numpy": np.__version__,
           "ours_best_alone": meta["ours_seconds"]}

    # Maximum entropy (2008): backward pass, then forward pass, and the two together.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow is a failure, not a warning
        try:
            policy = M.local_action_probabilities(p, terminal, reward)
            svf = M.expected_svf_from_policy(p, p0, terminal, policy, eps=1e-13)
            row["policy_max_abs_diff"] = float(np.max(np.abs(policy - ours_policy)))
            row["svf_max_rel_diff"] = float(np.max(np.abs(svf - ours_svf) / np.maximum(ours_svf, 1e-300)))
            batch = 20 if S <= 400 else 1
            ours, peer = [], []
            row["load_before"] = os.getloadavg()[0]
            server = subprocess.Popen([ours_binary, str(meta["size"]), d, "--time"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(ROUNDS):
                server.stdin.write(f"{batch}\n")
                server.stdin.flush()
                ours += json.loads(server.stdout.readline())
                for _ in range(batch):
                    t = time.perf_counter()
                    M.compute_expected_svf(p, p0, terminal, reward, eps=1e-13)
                    peer.append(time.perf_counter() - t)
            server.stdin.close()
            server.wait()
            row["load_after"] = os.getloadavg()[0]
            row["runs_each"] = len(ours)
            row["ours_quartiles"] = quartiles(ours)
            row["peer_quartiles"] = quartiles(peer)
            row["ratio_of_medians"] = quartiles(peer)[1] / quartiles(ours)[1]
        except Exception as e:  # noqa: BLE001 - report whatever the peer raises
            row["peer_error"] = f"{type(e).__name__}: {e}"
    if "peer_error" in row:
        # What a user sees with numpy's default settings (warnings printed, not raised).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            svf = M.compute_expected_svf(p, p0, terminal, reward, eps=1e-13)
        row["peer_default_output"] = (
            f"{int(np.sum(~np.isfinite(svf)))} of {S} visitation frequencies are NaN or inf"
        )

    # Maximum causal entropy (2010): does it run on this numpy?
    try:
        M.local_causal_action_probabilities(p, terminal, reward, 0.9)
        row["causal"] = "runs"
    except Exception as e:  # noqa: BLE001
        row["causal"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""Benchmark: initcore.layer_stats against the matrix products it cannot avoid (the BLAS floor).

The floor is one forward product a @ W and one backward product dz @ W^T per layer, same shapes,
same float32 BLAS with the same number of threads. Each case runs twice, each time in a fresh process:
with one BLAS thread (the app's setting, see ui/__init__.py) and with two (numpy's default on this
2-core machine, as in a notebook). layer_stats runs a batch of 2^18 values per layer or more as two
half-batches side by side, each on a BLAS of one thread (with two BLAS threads it puts BLAS on one thread
for the pass, through threadpoolctl), so it always uses both cores; the floor's products use one core in
the first process and both in the second. Prints a markdown table.
Run: python bench/layer_stats.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import initcore

CASES = [
    # (depth, width, batch, activation)
    (50, 512, 1000, "sigmoid"),
    (50, 512, 1000, "tanh"),
    (50, 512, 1000, "relu"),
    (10, 100, 1000, "sigmoid"),
    (50, 1024, 1000, "sigmoid"),
]


def _times(fn, repeat: int) -> list[float]:
    fn()  # warm up: BLAS threads, page cache, the theory tables
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


BLAS_THREADS = (1, 2)


def rows(repeat: int, threads: int) -> None:
    """This process's table rows (its BLAS was started with ``threads`` threads)."""
    for depth, width, batch, act in CASES:
        x = np.random.default_rng(0).standard_normal((batch, width)).astype(np.float32)
        weights = initcore.network_weights(width, depth=depth, width=width, scheme="glorot_uniform", seed=0)
        g = initcore.upstream_gradient(batch, width, seed=0)

        def run(x=x, depth=depth, width=width, act=act):
            initcore.layer_stats(x, depth=depth, width=width, scheme="glorot_uniform", activation=act, seed=0)

        def floor(x=x, weights=weights, g=g):
            a = x
            for w in weights:
                a = a @ w
            d = g
            for w in reversed(weights):
                d = d @ w.T

        t_run = statistics.median(_times(run, repeat))
        t_floor = statistics.median(_times(floor, repeat))
        print(
            f"| {depth} | {width} | {batch} | {act} | {threads} | {t_run:.3f} | {t_floor:.3f} | "
            f"{t_run / t_floor:.2f}x |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--blas-threads", type=int, help=argparse.SUPPRESS)  # set by the parent process
    args = parser.parse_args()
    if args.blas_threads:
        rows(args.repeat, args.blas_threads)
        return
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()},"
    )
    print(f"numpy {np.__version__}; median of {args.repeat} runs after one warm-up\n")
    print(
        "| depth | width | batch | activation | BLAS threads | layer_stats (s) | "
        "floor: 2 matmuls/layer (s) | ratio |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|")
    for threads in BLAS_THREADS:
        env = {**os.environ, **{v: str(threads) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}}
        command = [sys.executable, __file__, "--repeat", str(args.repeat), "--blas-threads", str(threads)]
        subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()

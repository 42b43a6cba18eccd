"""Benchmark: initcore.layer_stats against the matrix products it cannot avoid (the BLAS floor).

The floor is one forward product a @ W and one backward product dz @ W^T per layer, same shapes,
same float32 BLAS. Prints a markdown table. Run: python bench/layer_stats.py [--repeat N]
"""

from __future__ import annotations

import argparse
import platform
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()},"
    )
    print(f"numpy {np.__version__}; median of {args.repeat} runs after one warm-up\n")
    print("| depth | width | batch | activation | layer_stats (s) | floor: 2 matmuls/layer (s) | ratio |")
    print("|---:|---:|---:|---|---:|---:|---:|")
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

        t_run = statistics.median(_times(run, args.repeat))
        t_floor = statistics.median(_times(floor, args.repeat))
        print(
            f"| {depth} | {width} | {batch} | {act} | {t_run:.3f} | {t_floor:.3f} | {t_run / t_floor:.2f}x |"
        )


if __name__ == "__main__":
    main()

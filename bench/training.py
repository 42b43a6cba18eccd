"""Benchmark: the stacked training engine against six Keras models trained one after another with
model.fit, on the same data, steps and batches; plus the engine's FLOP/s next to numpy's matmul FLOP/s.
Also the server-side memory story: resident memory after a run and after 20 more. Prints markdown.

Run: python bench/training.py
"""

from __future__ import annotations

import itertools
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import initcore
from initcore import training

SCHEMES = {
    "U[-0.1, 0.1]": ("uniform", {"limit": 0.1}),
    "N(0, 0.1²)": ("normal", {"std": 0.1}),
    "Glorot uniform": ("glorot_uniform", {}),
    "He normal": ("he_normal", {}),
    "N(0, 1²)": ("normal", {"std": 1.0}),
    "LeCun normal": ("lecun_normal", {}),
}
DEPTH, WIDTH, STEPS, BATCH, LR = 5, 64, 300, 64, 0.1


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def keras_one_by_one(data, idx) -> float:
    keras = training.tensorflow()[1]
    init = training.initial_weights(SCHEMES, [2] + [WIDTH] * DEPTH + [1], seed=0)
    x, y = data.x_train[idx.ravel()], data.y_train[idx.ravel()].astype("float32")
    t0 = time.perf_counter()
    for label in SCHEMES:
        model = keras.Sequential(
            [keras.Input((2,))]
            + [keras.layers.Dense(WIDTH, activation="sigmoid") for _ in range(DEPTH)]
            + [keras.layers.Dense(1)]
        )
        model.set_weights(init[label])
        model.compile(
            optimizer=keras.optimizers.SGD(LR), loss=keras.losses.BinaryCrossentropy(from_logits=True)
        )
        model.fit(
            x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0
        )  # the same STEPS batches, in order
    return time.perf_counter() - t0


def engine(data, record_every: int = STEPS) -> float:
    """Wall time of one train_many call; record_every = STEPS measures only at the start and the end,
    like model.fit; the page records about 30 times per run."""
    t0 = time.perf_counter()
    training.train_many(
        data,
        SCHEMES,
        depth=DEPTH,
        width=WIDTH,
        activation="sigmoid",
        learning_rate=LR,
        steps=STEPS,
        batch_size=BATCH,
        seed=0,
        record_every=record_every,
    )
    return time.perf_counter() - t0


def numpy_gflops() -> float:
    a = np.random.default_rng(0).standard_normal((512, 512), dtype=np.float32)
    a @ a
    t0 = time.perf_counter()
    for _ in range(20):
        a @ a
    return 20 * 2 * 512**3 / (time.perf_counter() - t0) / 1e9


def main() -> None:
    rss0 = rss_mb()
    t0 = time.perf_counter()
    training.tensorflow()
    t_import = time.perf_counter() - t0
    data = initcore.load_dataset("circles", seed=0, n_samples=800)
    idx = training.batch_indices(len(data.x_train), BATCH, STEPS, seed=0)
    first = engine(data)  # includes tracing
    warm = min(engine(data) for _ in range(3))
    engine(data, 10)
    recorded = min(engine(data, 10) for _ in range(3))
    keras_time = keras_one_by_one(data, idx)
    # forward + backward = 3 matmuls per layer per step (x W, dz W^T, a^T dz), 2 flops per multiply-add
    sizes = [2] + [WIDTH] * DEPTH + [1]
    flops = 3 * 2 * BATCH * sum(a * b for a, b in itertools.pairwise(sizes)) * STEPS * len(SCHEMES)
    rss_after = rss_mb()
    for _ in range(20):
        engine(data)
    rss_20 = rss_mb()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores\n")
    net = f"{DEPTH} sigmoid layers of {WIDTH} units"
    print(f"{len(SCHEMES)} initializations x {net} x {STEPS} steps of batch {BATCH} (SGD)\n")
    print("| measurement | value |")
    print("|---|---:|")
    print(f"| import TensorFlow (first use) | {t_import:.2f} s |")
    print(f"| stacked engine, first call (with tracing) | {first:.2f} s |")
    print(f"| stacked engine, warm (best of 3) | {warm:.2f} s |")
    print(f"| stacked engine, warm, recording every 10 steps (30 records) | {recorded:.2f} s |")
    print(f"| six Keras models, model.fit one after another | {keras_time:.2f} s |")
    print(f"| speed-up (Keras / warm engine) | {keras_time / warm:.1f}x |")
    print(f"| speed-up with 30 records (Keras / warm engine) | {keras_time / recorded:.1f}x |")
    print(f"| engine FLOP/s (matmuls only) | {flops / warm / 1e9:.2f} GFLOP/s |")
    print(f"| numpy float32 512x512 matmul | {numpy_gflops():.1f} GFLOP/s |")
    memory = f"{rss0:.0f} / {rss_after:.0f} / {rss_20:.0f} MB"
    print(f"| resident memory: start / after TF and runs / after 20 more runs | {memory} |")


if __name__ == "__main__":
    main()

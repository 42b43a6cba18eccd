"""Benchmark: the most expensive requests the app's budget allows, run for real.

The pages refuse settings whose estimate (``initcore.depth_cost``, ``initcore.training_cost``) is over
``initcore.budget.MAX_SECONDS`` / ``MAX_MEGABYTES``; the issue's promise is that no single request then
takes more than 10 s or 500 MB beyond the idle server. This script searches every setting each page
offers for the allowed ones with the largest estimated time and the largest estimated memory, runs each
in a fresh process (page 2: the page's whole computation, ``initcore.depth_study``; page 3: loading the
data set and ``initcore.training.train_many`` as the page calls it, after TensorFlow is loaded and warm,
since the server loads it once for everyone), and prints estimate beside measurement: wall time, and peak
resident memory above the process's resident memory just before the request.

Run: python bench/budget.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ui  # noqa: E402, F401  first, as on every page: BLAS gets one thread before numpy loads

# isort: split
import initcore  # noqa: E402
from initcore import budget  # noqa: E402

PAGE2_WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 1024)  # as pages/2 offers them
PAGE2_BATCHES = (10, 50, 100, 250, 500, 1000, 2000)
PAGE3_WIDTHS = (2, 4, 8, 16, 32, 64, 128, 256)  # as pages/3 offers them
PAGE3_STEPS = (50, 100, 200, 300, 500, 1000, 2000)
PAGE3_BATCHES = (16, 32, 64, 128, 256)
DATA = {"circles": (2, 2, 800), "digits": (64, 10, 1797)}  # features, classes, examples (offline sets)
LIMIT_SECONDS, LIMIT_MB = 10.0, 500.0  # what the issue promises per request


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def page2_candidates() -> list[dict]:
    """The allowed page-2 settings with the largest estimated time and memory (orthogonal or not)."""
    allowed = []
    for depth, width, batch, k, ortho in itertools.product(
        range(1, 51), PAGE2_WIDTHS, PAGE2_BATCHES, range(1, 5), (0, 1)
    ):
        schemes = ["orthogonal"] * ortho + ["glorot_uniform"] * (k - ortho)
        cost = initcore.depth_cost(depth=depth, width=width, batch=batch, schemes=schemes)
        if cost.fits():
            allowed.append(({"depth": depth, "width": width, "batch": batch, "schemes": schemes}, cost))
    picks = {
        "slowest": max(
            (a for a in allowed if "orthogonal" not in a[0]["schemes"]), key=lambda a: a[1].seconds
        ),
        "largest": max(allowed, key=lambda a: (a[1].megabytes, a[1].seconds)),
        "slowest with an orthogonal init": max(
            (a for a in allowed if "orthogonal" in a[0]["schemes"]), key=lambda a: a[1].seconds
        ),
    }
    return [{"page": 2, "pick": name, **s, "estimate": vars(c)} for name, (s, c) in picks.items()]


def page3_candidates() -> list[dict]:
    """Per offline data set, the allowed training with the largest estimated time."""
    out = []
    for data, (features, classes, examples) in DATA.items():
        best = None
        for depth, width, steps, batch, k in itertools.product(
            range(1, 11), PAGE3_WIDTHS, PAGE3_STEPS, PAGE3_BATCHES, range(1, 7)
        ):
            cost = initcore.training_cost(
                features=features,
                classes=classes,
                examples=examples,
                depth=depth,
                width=width,
                models=k,
                steps=steps,
                batch=batch,
                measurements=budget.measurements(steps),
            )
            if cost.fits() and (best is None or cost.seconds > best[1].seconds):
                best = (
                    {"data": data, "depth": depth, "width": width, "steps": steps, "batch": batch, "k": k},
                    cost,
                )
        settings, cost = best
        out.append({"page": 3, "pick": f"slowest on {data}", **settings, "estimate": vars(cost)})
    return out


def run_one(case: dict) -> dict:
    """Run one case in this process (called in a fresh subprocess) and measure it."""
    if case["page"] == 2:
        inits = {f"{s} {i}": (s, {}) for i, s in enumerate(case["schemes"])}
        before = _rss_mb()
        t0 = time.perf_counter()
        initcore.depth_study(
            inits,
            depth=case["depth"],
            width=case["width"],
            batch=case["batch"],
            inputs="normal",
            activation="sigmoid",
            bias_std=0.0,
            seed=1,
        )
    else:
        import initcore.training as training  # TensorFlow only in this branch

        warm = initcore.load_dataset("circles", seed=0)  # the idle server: TensorFlow loaded, one run done
        training.train_many(
            warm, {"w": ("glorot_uniform", {})}, depth=1, width=2, activation="sigmoid", steps=2
        )
        before = _rss_mb()
        t0 = time.perf_counter()
        data = initcore.load_dataset(case["data"], seed=1)
        training.train_many(
            data,
            {f"glorot {i}": ("glorot_uniform", {}) for i in range(case["k"])},
            depth=case["depth"],
            width=case["width"],
            activation="sigmoid",
            optimizer="adam",
            learning_rate=0.01,
            steps=case["steps"],
            batch_size=case["batch"],
            seed=1,
            record_every=budget.record_every(case["steps"]),
        )
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "megabytes": max(0.0, _peak_mb() - before), "baseline_mb": before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one JSON case
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(json.loads(args.one))))
        return
    cases = page2_candidates() + page3_candidates()
    print(
        f"python {platform.python_version()} on {platform.machine()}; budget: estimates up to "
        f"{budget.MAX_SECONDS:g} s and {budget.MAX_MEGABYTES:g} MB; promise: {LIMIT_SECONDS:g} s and "
        f"{LIMIT_MB:g} MB per request\n"
    )
    print("| page | the most expensive allowed request | estimate | measured | within 10 s / 500 MB |")
    print("|---|---|---|---|---|")
    failed = False
    for case in cases:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", json.dumps(case)], capture_output=True, text=True, check=True
        )
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        est = case["estimate"]
        if case["page"] == 2:
            ortho = sum(s == "orthogonal" for s in case["schemes"])
            what = (
                f"{case['pick']}: depth {case['depth']}, width {case['width']}, batch {case['batch']}, "
                f"{len(case['schemes'])} inits" + (f" ({ortho} orthogonal)" if ortho else "")
            )
        else:
            what = (
                f"{case['pick']}: {case['depth']} x {case['width']}, {case['k']} models, "
                f"{case['steps']} steps of {case['batch']}"
            )
        ok = got["seconds"] <= LIMIT_SECONDS and got["megabytes"] <= LIMIT_MB
        failed |= not ok
        print(
            f"| {case['page']} | {what} | {est['seconds']:.1f} s, {est['megabytes']:.0f} MB | "
            f"{got['seconds']:.1f} s, +{got['megabytes']:.0f} MB (over {got['baseline_mb']:.0f} MB) | "
            f"{'yes' if ok else 'NO'} |"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

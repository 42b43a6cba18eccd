"""Benchmark: how page 2's cost grows with depth, width and batch, so a teacher knows what is safe to project.
Prints markdown.

Each setting (depth x width x batch; the page's other controls at their defaults: sigmoid, normal inputs,
no bias, the six default initializations, from ``initcore.claims.DEPTH_PRESETS[0]`` as the page takes
them) runs in its own fresh Python process, which measures, in this order:

- page rerun: the page itself through AppTest (dashboard, switch to page 2 with the setting in the URL;
  that first run is not timed and fills initcore's seed-independent theory caches, as a user's first
  visit does), then the median rerun time after a seed change (every rerun computes anew): the
  server-side interaction latency at that setting. The page refuses settings over the app's budget in
  a few ms: there the column says "refused";
- computation: the work behind one view of page 2 without Streamlit, what the page's cached ``study()``
  does on a cache miss: ``DepthView.study`` (one stacked pass, or one initialization at a time), the
  phase points, the six chart specs (``charts.*_spec``) and their conversion to Arrow
  (``ui.frozen_spec``); the phase diagram's background (cached once per activation) is not counted.
  Median over new seeds. For refused settings it shows what the refusal saves;
- peak memory: the peak of the memory traced by ``tracemalloc`` (Python objects and numpy's arrays,
  which numpy reports to it) during one more computation, above what was traced before it;
- result kept: the size of what the page caches per view (the three DataFrames, deep, plus the Arrow
  bytes of the chart data);
- budget: ``initcore.depth_cost(...)``'s estimate and whether it ``fits()`` (what the page refuses by).

Run: python bench/growth.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import ui  # noqa: E402  first, as on every page: BLAS gets one thread before numpy loads

# isort: split
import numpy as np  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import charts  # noqa: E402
import initcore  # noqa: E402
from initcore.claims import DEPTH_PRESETS  # noqa: E402
from initcore.views import labelled  # noqa: E402

PAGE = "pages/2_Saturation_across_depth.py"
GRID = {"depth": (10, 25, 50), "width": (100, 250, 500, 1024), "batch": (500, 1000, 2000)}
QUICK_GRID = {"depth": (10, 50), "width": (250, 500), "batch": (1000,)}
DEFAULT = (10, 250, 1000)  # page 2's default depth, width, batch: the reference row


# --- one setting, in its own process ----------------------------------------------------------------


def one(depth: int, width: int, batch: int, repeat: int) -> dict:
    lesson = DEPTH_PRESETS[0].view  # page 2's defaults
    inits = labelled(lesson.inits)
    act = lesson.activation
    net = {
        "depth": depth,
        "width": width,
        "batch": batch,
        "inputs": lesson.inputs,
        "activation": act,
        "bias_std": lesson.bias_std,
    }
    background = initcore.phase_background(act)

    def view(seed: int, net: dict = net):
        """What page 2's study() computes on a cache miss."""
        d = replace(lesson, **net).study(seed)  # stacked, or one at a time for big nets, as the page does
        names = {label: n for label, (n, _) in inits.items()}
        phase = initcore.PhaseDiagram(*background, initcore.phase_points(d.summary))
        bounded = initcore.ACTIVATIONS[act].limits is not None
        specs = {
            "heatmap": charts.layer_heatmap(d.hist, names, activation=act, bounded=bounded).spec(),
            "mean_std": charts.mean_std_chart(d.layers, names).spec(),
            "zones": charts.layer_lines("zones", d.layers, names).spec(),
            "grads": charts.layer_lines("grads", d.layers, names).spec(),
            "q": charts.layer_lines("q", d.layers, names).spec(),
            "phase": charts.phase_chart(phase, names, activation=act).spec(),
        }
        return {k: ui.frozen_spec(v) for k, v in specs.items()}, d

    view(0, {**net, "depth": 2, "width": 10, "batch": 10})  # warm up: imports, Arrow
    out = {"depth": depth, "width": width, "batch": batch}
    cost_fn = getattr(initcore, "depth_cost", None)  # initcore/budget.py
    if cost_fn is not None:
        cost = cost_fn(depth=depth, width=width, batch=batch, schemes=[n for n, _ in inits.values()])
        out.update(est_s=cost.seconds, est_mb=cost.megabytes, fits=cost.fits())
    # The page first: its untimed first run fills initcore's theory caches, as a first visit does.
    out.update(page_rerun(depth, width, batch, repeat))
    times = []
    for seed in range(2000, 2000 + repeat):
        t0 = time.perf_counter()
        view(seed)
        times.append(time.perf_counter() - t0)
    out["compute_s"] = statistics.median(times)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    specs, d = view(3000)
    out["peak_mb"] = (tracemalloc.get_traced_memory()[1] - base) / 1e6
    tracemalloc.stop()
    frames = sum(int(df.memory_usage(deep=True).sum()) for df in (d.layers, d.hist, d.summary))
    arrow = sum(len(b) for spec in specs.values() for b in spec["datasets"].values())
    out["result_mb"] = (frames + arrow) / 1e6
    return out


def page_rerun(depth: int, width: int, batch: int, repeat: int) -> dict:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600).run()
    at.switch_page(PAGE)
    at.query_params.clear()
    at.query_params.update(s_depth=str(depth), s_width=str(width), s_batch=str(batch))
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    refused = any("Nothing was run" in w.value for w in at.warning)
    shown = at.slider(key="s_depth").value, at.select_slider(key="s_width").value
    if shown != (depth, width):
        raise RuntimeError(f"the page shows depth, width {shown}, not {(depth, width)}")
    times = []
    for i in range(1 if refused else repeat):
        at.number_input(key="s_seed").set_value(1000 + i)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return {"refused": refused, "rerun_s": statistics.median(times)}


# --- the grid ---------------------------------------------------------------------------------------


def measure(grid: dict, repeat: int) -> list[dict]:
    rows = []
    for depth, width, batch in itertools.product(grid["depth"], grid["width"], grid["batch"]):
        cmd = [sys.executable, __file__, "--one", f"{depth},{width},{batch}", "--repeat", str(repeat)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
        if done.returncode:
            raise RuntimeError(f"setting {depth}, {width}, {batch} failed:\n{done.stderr[-3000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def exponents(rows: list[dict], key: str) -> tuple[float, float, float] | None:
    """Least-squares exponents (a, b, c) of value ~ depth^a width^b batch^c over the measured settings."""
    pts = [r for r in rows if r[key] > 0]
    cols = [k for k in ("depth", "width", "batch") if len({r[k] for r in pts}) > 1]
    if len(pts) < 4 or not cols:
        return None
    x = np.array([[1.0] + [np.log(r[k]) for k in cols] for r in pts])
    fit, *_ = np.linalg.lstsq(x, np.log([r[key] for r in pts]), rcond=None)
    found = dict(zip(cols, fit[1:], strict=True))
    return tuple(found.get(k, float("nan")) for k in ("depth", "width", "batch"))


def report(rows: list[dict], repeat: int, load: float) -> None:
    ref = next((r for r in rows if (r["depth"], r["width"], r["batch"]) == DEFAULT), rows[0])
    ref_name = f"depth {ref['depth']}, width {ref['width']}, batch {ref['batch']}"
    has_budget = "fits" in ref
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average before {load:.1f}. Page 2 "
        "with its other controls at their defaults (sigmoid, four initializations); one fresh process per "
        f"setting, median of {repeat} new seed{'s' if repeat > 1 else ''}. Ratios are to the page's default "
        f"setting ({ref_name}), measured in the same run.\n"
    )
    head = "| depth | width | batch | page 2 rerun (ms) | computation (ms) | / default "
    head += "| peak memory (MB) | / default | result kept (MB) |"
    rule = "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if has_budget:
        head += " budget estimate | budget |"
        rule += "---:|---|"
    print(head)
    print(rule)
    for r in rows:
        rerun = "refused" if r["refused"] else f"{r['rerun_s'] * 1e3:,.0f}"
        line = (
            f"| {r['depth']} | {r['width']} | {r['batch']} | {rerun} | {r['compute_s'] * 1e3:,.0f} "
            f"| {r['compute_s'] / ref['compute_s']:.1f}x | {r['peak_mb']:,.0f} "
            f"| {r['peak_mb'] / max(ref['peak_mb'], 1e-9):.1f}x | {r['result_mb']:.1f} |"
        )
        if has_budget:
            verdict = "fits" if r["fits"] else "**refused**"
            line += f" {r['est_s']:.1f} s, {r['est_mb']:,.0f} MB | {verdict} |"
        print(line)
    fitting = [r for r in rows if not r["refused"]]
    print("\nLeast-squares fits over the table (value ≈ k · depth^a · width^b · batch^c):\n")
    for key, what, among in (
        ("rerun_s", "page 2 rerun time (accepted settings)", fitting),
        ("compute_s", "computation time", rows),
        ("peak_mb", "peak memory", rows),
    ):
        e = exponents(among, key)
        if e:
            terms = [f"{n}^{v:.2f}" for n, v in zip(("depth", "width", "batch"), e, strict=True) if v == v]
            print(f"- {what} ∝ {' · '.join(terms)}")
    if fitting:
        slow = max(fitting, key=lambda r: r["rerun_s"])
        print(
            f"- slowest setting the page accepts: depth {slow['depth']}, width {slow['width']}, batch "
            f"{slow['batch']}: {slow['rerun_s']:.1f} s per rerun, {slow['peak_mb']:,.0f} MB at its peak"
        )
    if has_budget:
        wrong = [r for r in rows if r["fits"] == r["refused"]]
        print(f"- settings where the page and initcore.depth_cost disagree about refusing: {len(wrong)}")
        ratio = [r["compute_s"] / r["est_s"] for r in rows if r["est_s"] > 0.2]
        if ratio:
            print(
                f"- measured / estimated time (settings estimated over 0.2 s): median "
                f"{statistics.median(ratio):.2f}, max {max(ratio):.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2 x 2 x 1 grid, for a smoke test")
    parser.add_argument("--repeat", type=int, default=None, help="seeds per setting (default 2, quick 1)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # "depth,width,batch": measure one, print JSON
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 2)
    if args.one:
        depth, width, batch = map(int, args.one.split(","))
        print(json.dumps(one(depth, width, batch, repeat)))
        return
    load = os.getloadavg()[0]
    rows = measure(QUICK_GRID if args.quick else GRID, repeat)
    report(rows, repeat, load)


if __name__ == "__main__":
    main()

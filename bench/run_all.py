"""Run every benchmark and write one report, bench/RESULTS.md (date, machine, targets, tables).

The report holds the date (UTC), the machine, a summary of each target against what was measured, then
each benchmark's own tables.

Each benchmark runs as its own process (``python bench/NAME.py``), one after another, so that they share
no state; their output is kept in bench/out/ (git-ignored) as well. Run on a quiet machine: the numbers
are only as good as the machine is idle, and the report records the load average at the start and end.

Run: python bench/run_all.py [--quick] [--only NAME[,NAME]] [--out PATH]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "bench" / "out"
TIMEOUT_S = 3600  # for one benchmark


@dataclass(frozen=True)
class Check:
    """One line of the summary: what, the target (empty for a figure without one), what was measured."""

    what: str
    target: str
    measured: str
    met: bool | None  # None: no target, or not measured


@dataclass(frozen=True)
class Bench:
    name: str  # bench/<name>.py
    title: str
    how: str  # one line: what is measured, and against what
    full: tuple[str, ...]  # arguments for the full run
    quick: tuple[str, ...]  # ... and for --quick
    summarize: Callable[[str], list[Check]]


# --- reading the benchmarks' markdown ----------------------------------------------------------------


def tables(text: str) -> list[list[dict[str, str]]]:
    """Every markdown table in ``text``, as rows of {header: cell}."""
    found: list[list[dict[str, str]]] = []
    head: list[str] | None = None
    for line in [*text.splitlines(), ""]:
        line = line.strip()
        if not (line.startswith("|") and line.endswith("|")):
            head = None
            continue
        cells = [c.strip() for c in line[1:-1].split("|")]
        if head is None:
            head = cells
            found.append([])
        elif not set("".join(cells)) <= set("-: "):
            found[-1].append(dict(zip(head, cells, strict=False)))
    return found


def num(cell: str) -> float:
    """The first number in a cell: '1,234' -> 1234.0, '1.4x' -> 1.4, '0.52 s' -> 0.52."""
    m = re.search(r"-?\d[\d,]*(?:\.\d+)?", cell)
    if m is None:
        raise ValueError(f"no number in {cell!r}")
    return float(m.group().replace(",", ""))


def rows_with(text: str, column: str) -> list[dict[str, str]]:
    return [row for table in tables(text) for row in table if column in row]


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "—"}[met]


# --- one summary per benchmark -----------------------------------------------------------------------


def summarize_interaction(out: str) -> list[Check]:
    rows = rows_with(out, "p95 (ms)")
    empty = next(r for r in rows if r["page"].startswith("empty"))
    at_defaults = [r for r in rows if r["page"] in ("page 1 (defaults)", "page 2 (defaults)")]
    worst = max(at_defaults, key=lambda r: num(r["p95 (ms)"]))
    p95, ref = num(worst["p95 (ms)"]), num(empty["p95 (ms)"])
    checks = [
        Check(
            "Rerun after a widget change (AppTest), p95, pages 1 and 2 at defaults",
            "≤ 100 ms",
            f"{p95:.0f} ms (worst: {worst['page']}, {worst['widget changed']}); "
            f"empty page {ref:.0f} ms: {p95 / ref:.1f}x",
            p95 <= 100,
        )
    ]
    for r in rows:
        if "defaults" not in r["page"] and r["page"].startswith("page"):
            checks.append(
                Check(
                    f"… at a heavy setting: {r['page']}",
                    "",
                    f"median {num(r['median (ms)']):,.0f} ms, p95 {num(r['p95 (ms)']):,.0f} ms "
                    f"({num(r['p95 (ms)']) / ref:.0f}x the empty page)",
                    None,
                )
            )
    return checks


def summarize_browser(out: str) -> list[Check]:
    rows = rows_with(out, "latency p95 (ms)")
    empty = next(r for r in rows if r["page"].startswith("empty Streamlit"))
    pages = [r for r in rows if r["page"].startswith("page")]
    worst = max(pages, key=lambda r: num(r["latency p95 (ms)"]))
    p95, ref = num(worst["latency p95 (ms)"]), num(empty["latency p95 (ms)"])
    return [
        Check(
            "Control change to updated chart in Chromium, p95, pages 1 and 2 at defaults",
            "≤ 300 ms",
            f"{p95:.0f} ms (worst: {worst['page']}, {worst['control changed']}); empty page {ref:.0f} ms: "
            f"{p95 / ref:.1f}x",
            p95 <= 300,
        )
    ]


def summarize_layer_stats(out: str) -> list[Check]:
    checks = []
    for threads, setting in (
        (
            "1",
            "one BLAS thread, as the app runs (layer_stats then runs two half-batches, one on each core; "
            "the floor's products use one core)",
        ),
        (
            "2",
            "two BLAS threads, numpy's default, as in a notebook (layer_stats puts BLAS on one thread for "
            "its two half-batches; the floor's products use both cores)",
        ),
    ):
        rows = [
            r
            for r in rows_with(out, "ratio")
            if (r["depth"], r["width"], r["batch"], r["BLAS threads"]) == ("50", "512", "1000", threads)
        ]
        worst = max(rows, key=lambda r: num(r["ratio"]))
        ratios = ", ".join(f"{r['activation']} {num(r['ratio']):.2f}x" for r in rows)
        floor = next(k for k in worst if k.startswith("floor"))
        checks.append(
            Check(
                "initcore.layer_stats / BLAS floor (2 matmuls per layer), depth 50, width 512, batch 1000, "
                + setting,
                "≤ 1.5x",
                f"{ratios} ({num(worst['layer_stats (s)']):.3f} s vs {num(worst[floor]):.3f} s for "
                f"{worst['activation']})",
                num(worst["ratio"]) <= 1.5,
            )
        )
    return checks


def summarize_training(out: str) -> list[Check]:
    values = {r["measurement"]: r["value"] for r in rows_with(out, "measurement")}
    speedup = num(values["speed-up (Keras / warm engine)"])
    keras = num(values["six Keras models, model.fit one after another"])
    engine = num(values["stacked engine, warm (best of 3)"])
    flops = num(values["engine FLOP/s (matmuls only)"])
    numpy = num(values["numpy float32 512x512 matmul"])
    return [
        Check(
            "Stacked engine vs six Keras models trained one after another (model.fit)",
            "≥ 10x",
            f"{speedup:.1f}x ({engine:.2f} s vs {keras:.2f} s)",
            speedup >= 10,
        ),
        Check(
            "Engine's FLOP/s vs numpy's float32 matmul on this machine",
            "",
            f"{flops:.2f} vs {numpy:.1f} GFLOP/s: {flops / numpy:.0%}",
            None,
        ),
    ]


def summarize_cold_start(out: str) -> list[Check]:
    first = {r["page"]: r for r in rows_with(out, "first chart drawn (s)")}
    ref = num(first["empty Streamlit page"]["first chart drawn (s)"])
    one = num(first["empty page + one 30-bar chart"]["first chart drawn (s)"])
    landing = num(first["landing page"]["first chart drawn (s)"])
    page1 = num(first["page 1"]["first chart drawn (s)"])
    states = {r["server state"]: r for r in rows_with(out, "server state")}
    modules = rows_with(out, "TensorFlow imported")
    pages = states["after pages 1 and 2"]
    trained = next(r for k, r in states.items() if k.startswith("after one default training run"))
    lazy = all(r["TensorFlow imported"] == "no" for r in modules) and all(
        states[k]["TensorFlow mapped"] == "no" for k in ("after pages 1 and 2", "on page 3, before Train")
    )
    empty_mb = num(states["empty Streamlit page, after one visit"]["RSS (MB)"])
    return [
        Check(
            "Cold start: process start to first chart drawn, landing page and page 1",
            "≤ 2.5 s",  # issue #14
            f"medians: landing {landing:.2f} s, page 1 {page1:.2f} s; empty page {ref:.2f} s "
            f"({landing / ref:.1f}x, {page1 / ref:.1f}x), empty page + one 30-bar chart {one:.2f} s",
            max(landing, page1) <= 2.5,
        ),
        Check(
            "TensorFlow not imported before training",
            "not imported",
            "not imported" if lazy else "imported",
            lazy,
        ),
        Check(
            "Server RSS after visiting pages 1 and 2",
            "< 300 MB",
            f"{num(pages['RSS (MB)']):.0f} MB ({num(pages['RSS (MB)']) / empty_mb:.1f}x the empty page's "
            f"{empty_mb:.0f} MB)",
            num(pages["RSS (MB)"]) < 300,
        ),
        Check(
            "Server RSS after one default training run",
            "< 1 GB",
            f"{num(trained['RSS (MB)']):.0f} MB ({num(trained['RSS (MB)']) / empty_mb:.1f}x the empty page)",
            num(trained["RSS (MB)"]) < 1024,
        ),
    ]


def summarize_growth(out: str) -> list[Check]:
    bullets = [line[2:] for line in out.splitlines() if line.startswith("- ")]
    keep = [b for b in bullets if b.startswith(("page 2 rerun", "peak memory", "slowest"))]
    return [Check("Page 2's cost vs depth, width and batch", "", "; ".join(keep), None)]


BENCHES = [
    Bench(
        "interaction",
        "Interaction latency, server side",
        "Streamlit AppTest: wall time of the rerun after one widget change, per page and widget, at defaults "
        "and at a heavy setting, next to an empty Streamlit page (one number input).",
        (),
        ("--repeat", "5"),
        summarize_interaction,
    ),
    Bench(
        "browser_latency",
        "Browser latency",
        "Headless Chromium (Playwright): from the keydown that commits a control change to the end of the "
        "run and the last redraw of the charts, next to an empty Streamlit page, rows taking turns.",
        (),
        ("--repeat", "5"),
        summarize_browser,
    ),
    Bench(
        "layer_stats",
        "initcore.layer_stats against the BLAS floor",
        "Median wall time of initcore.layer_stats (forward, backward, per-layer statistics) against one "
        "forward and one backward float32 matrix product per layer with the same shapes.",
        (),
        ("--repeat", "2"),
        summarize_layer_stats,
    ),
    Bench(
        "training",
        "Training: the stacked engine against Keras",
        "Six initializations x 5 sigmoid layers of 64 x 300 SGD steps of batch 64: one stacked train_many "
        "call against six Keras models trained one after another with model.fit on the same batches.",
        (),
        (),
        summarize_training,
    ),
    Bench(
        "cold_start",
        "Cold start, imports and memory",
        "Fresh server processes: spawn to first chart in Chromium; packages imported per page; server RSS "
        "after pages 1 and 2 and after one default training run, next to an empty Streamlit page.",
        (),
        ("--repeat", "3"),  # one fresh server per reading: a single one is too noisy to judge by
        summarize_cold_start,
    ),
    Bench(
        "growth",
        "Growth with depth, width and batch (page 2)",
        "One fresh process per setting: page 2's rerun (AppTest) and its computation alone (median over new "
        "seeds), tracemalloc peak, the size of what the page caches, and the app's budget verdict.",
        (),
        ("--quick",),
        summarize_growth,
    ),
]


# --- the machine -------------------------------------------------------------------------------------


def _version(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return "unknown"


def _command(*args: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False, cwd=ROOT)
    except OSError:
        return ""
    return done.stdout.strip()


def machine() -> list[tuple[str, str]]:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    mem_gib = num(_first("/proc/meminfo", "MemTotal")) / 1024**2
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    chromium = _command("/usr/bin/chromium", "--version") or "not found"
    return [
        ("CPU", f"{_first('/proc/cpuinfo', 'model name')}, {cores} cores ({usable} usable by this process)"),
        ("memory", f"{mem_gib:.1f} GiB"),
        (
            "OS",
            f"{_first('/etc/os-release', 'PRETTY_NAME=')}, Linux {platform.release()} {platform.machine()}",
        ),
        ("Python", platform.python_version()),
        ("numpy, pandas", f"{np.__version__}, {_version('pandas')}"),
        ("BLAS (numpy's)", f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()),
        ("streamlit, altair", f"{_version('streamlit')}, {_version('altair')}"),
        ("TensorFlow, Keras", f"{_version('tensorflow-cpu', 'tensorflow')}, {_version('keras')}"),
        ("Playwright, Chromium", f"{_version('playwright')}, {chromium.replace('Chromium ', '')}"),
    ]


def commit() -> str:
    head = _command("git", "rev-parse", "--short", "HEAD") or "unknown"
    changed = len(_command("git", "status", "--porcelain").splitlines())
    return f"{head}" + (f" with {changed} uncommitted changes" if changed else "")


# --- running -----------------------------------------------------------------------------------------


@dataclass
class Result:
    bench: Bench
    seconds: float
    returncode: int
    stdout: str
    stderr: str


def run(bench: Bench, quick: bool) -> Result:
    args = bench.quick if quick else bench.full
    cmd = [sys.executable, str(ROOT / "bench" / f"{bench.name}.py"), *args]
    print(f"running {' '.join(['bench/' + bench.name + '.py', *args])} …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        out, err, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as e:
        out, err, code = e.stdout or "", f"timed out after {TIMEOUT_S} s\n{e.stderr or ''}", -1
        out, err = (x.decode(errors="replace") if isinstance(x, bytes) else x for x in (out, err))
    seconds = time.perf_counter() - t0
    LOGS.mkdir(exist_ok=True)
    (LOGS / f"{bench.name}.stdout.md").write_text(out)
    (LOGS / f"{bench.name}.stderr.txt").write_text(err)
    print(f"  done in {seconds:.0f} s (exit code {code})", file=sys.stderr, flush=True)
    return Result(bench, seconds, code, out, err)


def checks(result: Result) -> list[Check]:
    if result.returncode:
        return [Check(result.bench.title, "", f"**failed** (exit code {result.returncode}): see below", None)]
    try:
        return result.bench.summarize(result.stdout)
    except (KeyError, ValueError, StopIteration, IndexError) as err:
        return [
            Check(result.bench.title, "", f"could not read its output ({type(err).__name__}: {err})", None)
        ]


def report(results: list[Result], quick: bool, started: datetime.datetime, load: tuple, wall: float) -> str:
    end_load = os.getloadavg()
    mode = (
        "`python bench/run_all.py --quick` (a smoke test: few repeats)"
        if quick
        else "`python bench/run_all.py`"
    )
    lines = [
        "# Benchmark results",
        "",
        f"Measured on {started:%Y-%m-%d %H:%M} UTC with {mode} in {wall / 60:.1f} min, at commit {commit()}. "
        "Every figure is measured side by side with its reference in the same run; the ratio is given "
        "beside the absolute numbers.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine()),
        f"| load average (1 / 5 / 15 min) at start | {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} |",
        f"| load average at end | {end_load[0]:.2f} / {end_load[1]:.2f} / {end_load[2]:.2f} |",
        "",
        "## Summary",
        "",
        "| # | measurement | target | measured | |",
        "|---:|---|---|---|---|",
    ]
    number = {b.name: i for i, b in enumerate(BENCHES, 1)}
    for r in results:
        for c in checks(r):
            cells = [str(number[r.bench.name]), c.what, c.target or "—", c.measured, _verdict(c.met)]
            lines.append("| " + " | ".join(cells) + " |")
    for r in results:
        lines += ["", f"## {number[r.bench.name]}. {r.bench.title}", ""]
        for c in (c for c in checks(r) if c.target):
            lines.append(
                f"**{c.what}**: target {c.target or '—'}, measured {c.measured}: {_verdict(c.met)}.  "
            )
        args = " ".join(r.bench.quick if quick else r.bench.full)
        lines += [
            f"{r.bench.how} Ran as `python bench/{r.bench.name}.py{' ' + args if args else ''}` in "
            f"{r.seconds:.0f} s.",
            "",
        ]
        if r.returncode:
            tail = "\n".join(r.stderr.strip().splitlines()[-25:])
            lines += [f"Failed with exit code {r.returncode}:", "", "```", tail, "```"]
        else:
            lines.append(r.stdout.strip())
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke test, not results")
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(b.name for b in BENCHES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md", help="report path")
    args = parser.parse_args()
    chosen = BENCHES
    if args.only:
        names = [n.strip().removeprefix("bench/").removesuffix(".py") for n in args.only.split(",")]
        unknown = sorted(set(names) - {b.name for b in BENCHES})
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from the list in --help")
        chosen = [b for b in BENCHES if b.name in names]
    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()
    t0 = time.perf_counter()
    results = [run(b, args.quick) for b in chosen]
    text = report(results, args.quick, started, load, time.perf_counter() - t0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    print(f"written to {args.out}", file=sys.stderr)
    return 1 if any(r.returncode for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

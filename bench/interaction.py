"""Benchmark: server-side rerun time after a widget change (Streamlit AppTest), per page, next to an
empty Streamlit page measured in the same run. Prints a markdown table.

Run: python bench/interaction.py [--repeat N]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import ui  # noqa: E402, F401  first, as on every page: BLAS gets one thread before numpy loads
from initcore.words import speaking  # noqa: E402


def _timed_reruns(at: AppTest, changes: list[Callable[[AppTest], object]], repeat: int) -> list[float]:
    out = []
    for change in itertools.islice(itertools.cycle(changes), repeat):
        change(at)
        t0 = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return out


def _app(page: str | None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    if page:
        at.switch_page(page)
    if lang:
        at.query_params["lang"] = lang
    if page or lang:
        at.run()
    return at


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    rows = []

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.py"
        empty.write_text("import streamlit as st\nx = st.number_input('x', key='x')\nst.write(x)\n")
        at = AppTest.from_file(str(empty)).run()
        counter = itertools.count(1)
        times = _timed_reruns(at, [lambda a: a.number_input(key="x").set_value(next(counter))], args.repeat)
        rows.append(("empty Streamlit page", "number input", times))

    at = _app(None)
    changes = [
        lambda a: a.radio(key="act").set_value("tanh"),
        lambda a: a.radio(key="act").set_value("sigmoid"),
    ]
    rows.append(("landing", "activation", _timed_reruns(at, changes, args.repeat)))
    changes = [lambda a, n=n: a.radio(key="n").set_value(n) for n in (10, 1000, 100)]
    rows.append(("landing", "inputs n", _timed_reruns(at, changes, args.repeat)))

    page1 = "pages/1_Uniform_vs_normal_draws.py"
    at = _app(page1)
    seeds = itertools.count(1)
    rows.append(
        (
            "page 1 (defaults)",
            "seed (new draws)",
            _timed_reruns(at, [lambda a: a.number_input(key="d_seed").set_value(next(seeds))], args.repeat),
        )
    )
    at = _app(page1)
    changes = [lambda a, n=n: a.select_slider(key="d_n").set_value(n) for n in (200, 1000, 4096, 50, 100)]
    rows.append(("page 1 (defaults)", "inputs per neuron n", _timed_reruns(at, changes, args.repeat)))
    at = _app(page1)
    changes = [lambda a, m=m: a.radio(key="d_compare").set_value(m) for m in ("variance", "free", "bound")]
    rows.append(("page 1 (defaults)", "compare at", _timed_reruns(at, changes, args.repeat)))
    at = _app(page1)
    at.select_slider(key="d_draws").set_value(1_000_000).run()
    at.select_slider(key="d_n").set_value(4096).run()
    rows.append(
        (
            "page 1 (1e6 draws, n = 4096)",
            "seed (new draws)",
            _timed_reruns(
                at, [lambda a: a.number_input(key="d_seed").set_value(next(seeds))], max(5, args.repeat // 4)
            ),
        )
    )

    page2 = "pages/2_Saturation_across_depth.py"
    at = _app(page2)
    rows.append(
        (
            "page 2 (defaults)",
            "seed (new nets)",
            _timed_reruns(at, [lambda a: a.number_input(key="s_seed").set_value(next(seeds))], args.repeat),
        )
    )
    at = _app(page2)
    changes = [lambda a, d=d: a.slider(key="s_depth").set_value(d) for d in (11, 12, 9, 10)]
    rows.append(("page 2 (defaults)", "depth", _timed_reruns(at, changes, args.repeat)))
    for page, name, key in ((page1, "page 1", "d_seed"), (page2, "page 2", "s_seed")):  # the same, in Persian
        at = _app(page, lang="fa")  # its first run is English: opened in this thread's English
        with speaking("fa"):  # AppTest shows a choice's value with its labels, in this thread's language
            change = [lambda a, key=key: a.number_input(key=key).set_value(next(seeds))]
            what = "seed (new draws)" if page == page1 else "seed (new nets)"
            rows.append((f"{name} (defaults, Persian)", what, _timed_reruns(at, change, args.repeat)))
    at = _app(page2)
    changes = [lambda a, v=v: a.number_input(key="s_i2_std").set_value(v) for v in (0.2, 0.3, 0.05, 0.1)]
    rows.append(("page 2 (defaults)", "one initialization's std", _timed_reruns(at, changes, args.repeat)))
    at = _app(page2)
    views = ("activations", "gradients", "phase", "units")  # a click on a tab: the nets are cached
    changes = [lambda a, v=v: a.session_state.__setitem__("s_view", v) for v in views]
    rows.append(("page 2 (defaults)", "tab (another view)", _timed_reruns(at, changes, args.repeat)))
    at = _app(page2)
    at.slider(key="s_depth").set_value(50).run()
    at.select_slider(key="s_width").set_value(1024).run()
    at.select_slider(key="s_batch").set_value(1000).run()
    at.radio(key="s_k").set_value(4).run()
    rows.append(
        (
            "page 2 (depth 50, width 1024, batch 1000, 4 inits)",
            "seed (new nets)",
            _timed_reruns(at, [lambda a: a.number_input(key="s_seed").set_value(next(seeds))], 3),
        )
    )

    print(
        f"python {platform.python_version()} on {platform.machine()}; "
        "AppTest rerun wall time after one widget change\n"
    )
    print("| page | widget changed | runs | median (ms) | p95 (ms) | max (ms) |")
    print("|---|---|---:|---:|---:|---:|")
    for page, widget, times in rows:
        ms = [t * 1e3 for t in times]
        med, p95 = statistics.median(ms), _p95(ms)
        print(f"| {page} | {widget} | {len(ms)} | {med:.0f} | {p95:.0f} | {max(ms):.0f} |")


if __name__ == "__main__":
    main()

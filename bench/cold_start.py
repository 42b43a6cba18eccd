"""Benchmark: cold start and server memory. Prints markdown.

1. Time to first render: a fresh ``streamlit run`` process for every measurement; the clock starts just
   before the process is spawned (Popen), the browser (headless Chromium, already running, a fresh context
   each time so nothing is cached) opens the page as soon as /_stcore/health answers ok, and the clock
   reads when the first Vega-Lite chart has drawn marks (an SVG or a canvas) of some size on the page
   (not ui.prefetch's hidden chart, which a fresh server sends first) and when the whole run has
   finished with every chart drawn. Landing page and page 1, next to an empty Streamlit page (one number
   input and st.write; first render = its text) and the same page with one 30-bar chart drawn from a
   pandas DataFrame (browser_latency's reference: what any page that imports numpy and pandas and draws
   one chart costs here, the floor under the app's own imports and first run), measured in the same rounds.
   The app's modules are compiled to bytecode first, as a deployed server finds them: the image compiles
   them when it is built (Dockerfile), and a Python that may write its bytecode (Community Cloud's) does
   at its first start; a process with PYTHONDONTWRITEBYTECODE set and no bytecode (this sandbox) would
   compile them again at every start, 0.06-0.07 s of the landing page's first run.
2. Modules: which packages a fresh Python process has imported after running the landing page and pages
   1, 2 and 3 (without training) through AppTest, and whether TensorFlow is mapped into the real server
   process (a ``tensorflow`` shared library in /proc/<pid>/maps) after pages 1 and 2 and on page 3 before
   and after training.
3. Memory: resident memory (VmRSS of the server and its children) of one fresh server after one browser
   session visited the landing page and pages 1 and 2 (through the sidebar, one session), then after one
   default training run on page 3 (press Train, wait for "Who learned?"; five models x 500 Adam steps),
   with the peak sampled every 0.1 s during training; the empty page's server after one visit beside it.

Run: python bench/cold_start.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from browser_latency import EMPTY_PAGE, ONE_CHART_PAGE, TIMEOUT_S, VIEWPORT, rss_mb, settle
from playwright.sync_api import Browser, Page
from serve import ROOT, chromium, streamlit_server

sys.path.insert(0, str(ROOT))
from ui.prefetch import KEY as PREFETCH_KEY  # the hidden chart's container: class st-key-<KEY>

RSS_PAGES_TARGET_MB = 300.0  # issue #7: after visiting pages 1 and 2
RSS_TRAINED_TARGET_MB = 1024.0  # issue #7: after one training run
TRAIN_TIMEOUT_S = 600  # the first run imports TensorFlow: 5-20 s, more on a busy machine
SETTLE_S = 1.0  # wait before reading memory, so that the server is done with the page
NAV_LINK = "[data-testid=stSidebar] [data-testid=stPageLink-NavLink]"
PAGES = {  # name: (sidebar label, URL path, charts once loaded)
    "landing": ("Why initialization matters", "/", 1),
    "page 1": ("Uniform vs normal draws", "/Uniform_vs_normal_draws", 2),
    "page 2": ("Saturation across depth", "/Saturation_across_depth", 1),  # the open tab
    "page 3": ("Training comparisons", "/Training_comparisons", 1),  # the data set's preview
}
FIRST_DRAWN_JS = (
    """
(text) => {
  if (document.querySelector('[data-testid=stException]')) return true;
  if (text) {
    const md = document.querySelector('[data-testid=stMain] [data-testid=stMarkdown]');
    return !!md && md.textContent.includes('x = ');
  }
  // a chart drawn with a size on the page, not ui.prefetch's hidden one: for the moment before its CSS
  // hides it, that one has a size too (counted, it made the landing page's first chart 1.9 s, not 2.7)
  const chart = '[data-testid=stVegaLiteChart]';
  const drawn = [...document.querySelectorAll(`${chart} svg.marks, ${chart} canvas.marks`)];
  return drawn.some((m) => !m.closest('.PREFETCH') && m.getBoundingClientRect().height > 0);
}
"""
).replace("PREFETCH", f"st-key-{PREFETCH_KEY}")
TRAINED_JS = """
() => {
  if (document.querySelector('[data-testid=stException]')) return true;
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const main = document.querySelector('[data-testid=stMain]');
  return !!main && main.innerText.includes('Who learned?');
}
"""
# Runs in a fresh interpreter from the repository root; prints one JSON object.
MODULES_PY = """
import json, sys
from streamlit.testing.v1 import AppTest

def tops():
    return {m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names)

out, seen = [], tops()
at = AppTest.from_file("dashboard.py", default_timeout=300)
for name, script in [("landing", None), ("page 1", "pages/1_Uniform_vs_normal_draws.py"),
                     ("page 2", "pages/2_Saturation_across_depth.py"),
                     ("page 3 (before Train)", "pages/3_Training_comparisons.py")]:
    if script:
        at.switch_page(script)
    at.run()
    if at.exception:
        raise SystemExit(f"{name}: {at.exception[0].message}")
    now = tops()
    new = sorted(m for m in now - seen if not m.startswith("_"))
    out.append({"step": name, "modules": len(sys.modules), "new": new,
                "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules})
    seen = now
print(json.dumps(out))
"""


def tensorflow_mapped(pid: int) -> bool:
    """Whether a TensorFlow shared library is mapped into the process (it is once TensorFlow is imported)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return any("tensorflow" in line and ".so" in line for line in maps.splitlines())


# --- 1. time to first render -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cold:
    healthy: float  # seconds from spawn to /_stcore/health ok
    first: float  # ... to the first chart drawn (the text, on the empty page)
    done: float  # ... to the run finished with every chart drawn
    rss: float  # MB, the server after that first render


def cold_render(browser: Browser, script: Path, path: str, charts: int, logs: Path) -> Cold:
    with streamlit_server(script, logs, timeout_s=TIMEOUT_S) as server:
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_S * 1000)
            page.goto(server.url + path, wait_until="commit")
            page.wait_for_function(FIRST_DRAWN_JS, arg=charts == 0, polling="raf", timeout=TIMEOUT_S * 1000)
            first = time.perf_counter() - server.started
            settle(page, charts, path=path)
            done = time.perf_counter() - server.started
            time.sleep(SETTLE_S)
            return Cold(server.healthy_s, first, done, rss_mb(server.pid))
        finally:
            context.close()


# --- 3. memory -------------------------------------------------------------------------------------


class PeakRss(threading.Thread):
    """The largest rss_mb(pid) seen every 0.1 s until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._halt.wait(0.1)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak


def visit(page: Page, name: str) -> None:
    label, path, charts = PAGES[name]
    page.locator(NAV_LINK, has_text=label).click()
    settle(page, charts, path=path)


def memory_tour(browser: Browser, logs: Path) -> dict:
    """One fresh server, one browser session: landing, pages 1 and 2, page 3, Train."""
    out: dict = {}
    with streamlit_server(ROOT / "dashboard.py", logs, timeout_s=TIMEOUT_S) as server:
        try:
            pid = server.pid
            time.sleep(SETTLE_S)
            out["idle"] = rss_mb(pid)
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_S * 1000)
            page.goto(server.url + "/")
            settle(page, PAGES["landing"][2], path="/")
            time.sleep(SETTLE_S)
            out["landing"] = rss_mb(pid)
            visit(page, "page 1")
            visit(page, "page 2")
            time.sleep(SETTLE_S)
            out["pages"] = rss_mb(pid)
            out["tf_after_pages"] = tensorflow_mapped(pid)
            visit(page, "page 3")
            time.sleep(SETTLE_S)
            out["page3"] = rss_mb(pid)
            out["tf_before_train"] = tensorflow_mapped(pid)
            sampler = PeakRss(pid)
            sampler.start()
            t0 = time.perf_counter()
            page.locator("[data-testid=stFormSubmitButton] button").click()
            page.wait_for_function(TRAINED_JS, polling=100, timeout=TRAIN_TIMEOUT_S * 1000)
            out["train_s"] = time.perf_counter() - t0
            boxes = page.locator("[data-testid=stException]")
            if boxes.count():
                raise RuntimeError(f"exception box after Train: {boxes.first.inner_text()[:300]}")
            time.sleep(SETTLE_S)
            out["peak_train"] = sampler.stop()
            out["trained"] = rss_mb(pid)
            out["tf_after_train"] = tensorflow_mapped(pid)
            context.close()
        except Exception as err:
            raise RuntimeError(f"{err}\nserver log:\n{server.log_tail()}") from err
    return out


def modules() -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", MODULES_PY], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode:
        raise RuntimeError(f"the module check failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report ------------------------------------------------------------------------------------------


def _med(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f}" + (f" ({max(xs):.2f})" if len(xs) > 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh servers per page (default 3)")
    args = parser.parse_args()
    load = os.getloadavg()
    for part in ("ui", "charts", "initcore"):  # as the Dockerfile does (see the docstring)
        compileall.compile_dir(ROOT / part, quiet=1)
    rows = {
        "empty Streamlit page": ("empty", "/", 0),
        "empty page + one 30-bar chart": ("one_chart", "/", 1),
        "landing page": ("app", "/", PAGES["landing"][2]),
        "page 1": ("app", PAGES["page 1"][1], PAGES["page 1"][2]),
    }
    runs: dict[str, list[Cold]] = {name: [] for name in rows}
    with tempfile.TemporaryDirectory(prefix="wil_cold_") as tmp, chromium() as browser:
        tmp = Path(tmp)
        scripts = {"app": ROOT / "dashboard.py", "empty": tmp / "empty.py"}
        scripts["empty"].write_text(EMPTY_PAGE)
        scripts["one_chart"] = tmp / "one_chart.py"
        scripts["one_chart"].write_text(ONE_CHART_PAGE)
        for _ in range(args.repeat):  # rounds, so that noise falls on every row alike
            for name, (script, path, charts) in rows.items():
                runs[name].append(cold_render(browser, scripts[script], path, charts, tmp / "cold"))
        mods = modules()
        tour = memory_tour(browser, tmp / "tour")

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average before {load[0]:.1f}; "
        f"headless Chromium on the same machine. Median of {args.repeat} fresh server process"
        + ("es" if args.repeat > 1 else "")
        + (" (slowest in brackets)" if args.repeat > 1 else "")
        + "; seconds from spawning the server process.\n"
    )
    print(
        "| page | server healthy (s) | first chart drawn (s) | run finished, all charts drawn (s) "
        "| first chart / empty page | server RSS after it (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    empty_first = statistics.median(c.first for c in runs["empty Streamlit page"])
    for name, cs in runs.items():
        first = [c.first for c in cs]
        print(
            f"| {name} | {_med([c.healthy for c in cs])} | {_med(first)} | {_med([c.done for c in cs])} "
            f"| {statistics.median(first) / empty_first:.1f}x | {statistics.median(c.rss for c in cs):.0f} |"
        )
    print("\n_On the empty page the first render is its text; it has no chart._\n")

    print("Packages imported by a fresh Python running the pages through AppTest (new ones at each step):\n")
    print("| after | modules loaded | TensorFlow imported | new top-level packages |")
    print("|---|---:|---|---|")
    for m in mods:
        tf = "yes" if m["tensorflow"] or m["keras"] else "no"
        print(f"| {m['step']} | {m['modules']} | {tf} | {', '.join(m['new']) or '—'} |")

    empty_rss = statistics.median(c.rss for c in runs["empty Streamlit page"])
    met = {True: "met", False: "not met"}
    pages_ok = tour["pages"] < RSS_PAGES_TARGET_MB
    trained_ok = tour["trained"] < RSS_TRAINED_TARGET_MB
    rows = [
        ("empty Streamlit page, after one visit", empty_rss, False, ""),
        ("app started, no session yet", tour["idle"], None, ""),
        ("after the landing page", tour["landing"], None, ""),
        ("after pages 1 and 2", tour["pages"], tour["tf_after_pages"],
         f"under {RSS_PAGES_TARGET_MB:.0f} MB: {met[pages_ok]}"),
        ("on page 3, before Train", tour["page3"], tour["tf_before_train"], ""),
        ("peak during the training run", tour["peak_train"], None, ""),
        (f"after one default training run ({tour['train_s']:.1f} s from Train to results)", tour["trained"],
         tour["tf_after_train"], f"under {RSS_TRAINED_TARGET_MB:.0f} MB: {met[trained_ok]}"),
    ]  # fmt: skip
    print("\nOne fresh server, one browser session:\n")
    print("| server state | RSS (MB) | / empty page server | TensorFlow mapped | target |")
    print("|---|---:|---:|---|---|")
    for what, mb, tf, target in rows:
        mapped = "" if tf is None else "yes" if tf else "no"
        print(f"| {what} | {mb:.0f} | {mb / empty_rss:.1f}x | {mapped} | {target} |")
    lazy = not (tour["tf_after_pages"] or tour["tf_before_train"] or any(m["tensorflow"] for m in mods))
    print(
        f"\nTargets: TensorFlow not imported before training: {met[lazy]}; RSS after pages 1 and 2 "
        f"{tour['pages']:.0f} MB (under {RSS_PAGES_TARGET_MB:.0f}): {met[pages_ok]}; after one training "
        f"run {tour['trained']:.0f} MB (under {RSS_TRAINED_TARGET_MB:.0f}): {met[trained_ok]}."
    )


if __name__ == "__main__":
    main()

"""Load test: a whole class at once. Starts one Streamlit server, opens N concurrent browser sessions in one
headless Chromium, and has every session do what a student does: open the landing page, click through the
sidebar to pages 1 and 2 and type its own seed into each, then open page 3, type the seed into the form
and train the default comparison (five models, 500 Adam steps). Each session is one Streamlit session
(one browser context, one tab) and stays connected until the whole class is done.

Measures the wall time of the whole class and of each session's steps (a step ends when the server has
finished the run it triggered and the URL shows its settings), and samples the server's resident memory
(VmRSS of the server process and its children, from /proc, every 0.2 s): idle before the first session,
and the peak during the load.

Isolation: every session has its own seed (101, 102, ...) and its own landing settings (activation and
n, which must appear in the landing page's caption). After the load, the pages are run once per seed,
and once for the default seed 0, in AppTest (the pages' own code, one session at a time, no server), and
each browser session's tables (page 1's summary, page 2's theory table, page 3's "Who learned?" table)
must equal its own seed's reference cell for cell. A table equal to another session's seed is reported
as a leak, one equal to seed 0's as a lost setting or a stale table. The report says how many reference
tables are distinct: when all are, any such mix-up is caught.

Exits non-zero if a session fails (timeout, error, exception box), a table is not its own seed's, or the
server's peak RSS exceeds --max-rss-mb. Prints a markdown report. The server runs with its file watcher
off, as a deployed app's files do not change; the browsers share the machine with the server, so on a
small machine the timings include Chromium's own work.

Run: python bench/load_test.py [--sessions 20] [--timeout 300] [--max-rss-mb 1536]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from serve import ROOT, async_chromium, streamlit_server

SAMPLE_EVERY = 0.2  # seconds between RSS samples
DEFAULT_SEED = 0  # the pages' default seed: what a session shows before it types its own
SEED_BASE = 101  # session i uses seed SEED_BASE + i
LANDING = [("sigmoid", 10), ("tanh", 100), ("sigmoid", 1000), ("tanh", 10), ("sigmoid", 100), ("tanh", 1000)]
# (step name, sidebar label = page title, seed key, page script); the URL path is the script's name
PAGES = (
    ("page 1", "Uniform vs normal draws", "d_seed", "pages/1_Uniform_vs_normal_draws.py"),
    ("page 2", "Saturation across depth", "s_seed", "pages/2_Saturation_across_depth.py"),
    ("page 3", "Training comparisons", "t_seed", "pages/3_Training_comparisons.py"),
)
NAV_LINK = "[data-testid=stSidebar] [data-testid=stPageLink-NavLink]"
TRAIN_BUTTON = "FormSubmitter:t_settings-Train"  # AppTest key of page 3's form submit button

# True once the app has finished a run in which every condition holds (or an exception box is shown).
SETTLED_JS = """
(want) => {
  if (document.querySelector('[data-testid=stException]')) return true;
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (want.path !== null && location.pathname !== want.path) return false;
  const query = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(want.params)) if (query.get(k) !== v) return false;
  const main = document.querySelector('[data-testid=stMain]');
  const text = main ? main.innerText : '';
  return want.texts.every((t) => text.includes(t));
}
"""
# Cell texts of the n-th st.dataframe, from the grid's accessible table: [[header...], [row...], ...].
TABLE_JS = """
(n) => {
  const df = document.querySelectorAll('[data-testid=stDataFrame]')[n];
  const table = df && df.querySelector('table');
  if (!table) return null;
  return [...table.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent));
}
"""
REDRAWN_JS = f"""
(a) => {{
  const t = ({TABLE_JS.strip()})(a.n);
  return t !== null && t.length > 1 && JSON.stringify(t) !== JSON.stringify(a.before);
}}
"""
RENDER_LAG_S = 15  # longest wait for a table to be redrawn after its run has ended
RENDER_POLL_S = 0.5


# --- the server's memory --------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4, after "pid (comm) state"
                out.append(int(entry))
    return out


def tree_rss_kb(pid: int) -> int:
    """VmRSS of pid and all its descendants, in kB (0 for processes that are gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        todo += _children(p)
    return total


class RssSampler(threading.Thread):
    """Samples tree_rss_kb(pid) every SAMPLE_EVERY seconds until stopped; samples are (time, kB)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.perf_counter(), tree_rss_kb(self.pid)))
            self._halt.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def peak_between(self, t0: float, t1: float) -> int:
        return max((kb for t, kb in self.samples if t0 <= t <= t1), default=0)


# --- one student --------------------------------------------------------------------------------


@dataclass
class Session:
    index: int
    seed: int
    act: str
    n: int
    times: dict[str, float] = field(default_factory=dict)  # step -> seconds
    tables: dict[str, list[list[str]]] = field(default_factory=dict)  # page -> cell texts
    error: str | None = None
    isolation: list[str] = field(default_factory=list)  # mismatches found

    @property
    def total(self) -> float:
        return sum(self.times.values())


async def settle(page: Page, timeout_s: float, *, path=None, params=None, texts=()) -> None:
    """Wait until a finished run shows the wanted path, URL parameters and texts; raise on an exception
    box."""
    want = {"path": path, "params": params or {}, "texts": list(texts)}
    await page.wait_for_function(SETTLED_JS, arg=want, timeout=timeout_s * 1000, polling=100)
    boxes = page.locator("[data-testid=stException]")
    if await boxes.count():
        raise RuntimeError(f"exception box: {(await boxes.first.inner_text()).strip()[:300]}")


async def read_table(page: Page, n: int, before: list[list[str]] | None) -> list[list[str]]:
    """The n-th table once it has been redrawn: the grid can show the previous run's cells for a few tenths
    of a second after the run has ended, so wait (up to RENDER_LAG_S) until the table differs from
    ``before`` (read before the change), then until two reads RENDER_POLL_S apart agree. If it never
    changes, what it shows is returned, and the isolation check judges it."""
    arg = {"n": n, "before": before}
    with contextlib.suppress(PlaywrightTimeoutError):
        await page.wait_for_function(REDRAWN_JS, arg=arg, timeout=RENDER_LAG_S * 1000, polling=100)
    table = await page.evaluate(TABLE_JS, n)
    for _ in range(20):
        await asyncio.sleep(RENDER_POLL_S)
        again = await page.evaluate(TABLE_JS, n)
        if again == table:
            break
        table = again
    if not table:
        raise RuntimeError(f"no table {n} on the page")
    return table


async def set_seed(page: Page, value: int) -> None:
    box = page.locator("[data-testid=stNumberInput]").filter(has_text="Seed").locator("input")
    await box.fill(str(value))


async def student(browser, url: str, s: Session, timeout_s: float) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(timeout_s * 1000)
    page = await context.new_page()
    step = "landing"
    try:
        t0 = time.perf_counter()
        await page.goto(f"{url}/?act={s.act}&n={s.n}")
        await settle(
            page,
            timeout_s,
            path="/",
            params={"act": s.act, "n": str(s.n)},
            texts=[f"the {s.act} keeps", f"unit with n = {s.n} inputs", "Explore"],
        )
        s.times[step] = time.perf_counter() - t0
        for name, label, key, script in PAGES:
            step, path = name, "/" + Path(script).stem.split("_", 1)[1]
            t0 = time.perf_counter()
            await page.locator(NAV_LINK, has_text=label).click()
            await settle(page, timeout_s, path=path, params={key: str(DEFAULT_SEED)}, texts=[label])
            before = await page.evaluate(TABLE_JS, 0)  # None on page 3 before training
            await set_seed(page, s.seed)
            if name == "page 3":  # the seed is in a form: press Train
                s.times[step] = time.perf_counter() - t0
                step, t0 = "train", time.perf_counter()
                await page.locator("[data-testid=stFormSubmitButton] button").click()
                texts = ["Who learned?"]
            else:
                await page.keyboard.press("Enter")
                texts = [label]
            await settle(page, timeout_s, path=path, params={key: str(s.seed)}, texts=texts)
            s.times[step] = time.perf_counter() - t0  # the run has ended; the redraw wait is not counted
            s.tables[name] = await read_table(page, 0, before)
    except Exception as err:  # one failed session must not stop the others
        s.error = f"{step}: {type(err).__name__}: {str(err).splitlines()[0][:300]}"


async def run_class(url: str, sessions: list[Session], timeout_s: float, ramp: float) -> float:
    """All sessions at once (session i starts i * ramp seconds in); returns the whole class's wall time."""
    async with async_chromium() as browser:
        t0 = time.perf_counter()

        async def one(s: Session) -> None:
            await asyncio.sleep(s.index * ramp)
            await student(browser, url, s, timeout_s)

        await asyncio.gather(*(one(s) for s in sessions))
        wall = time.perf_counter() - t0
    return wall  # the browser closes only now: every session stays connected until the whole class is done


# --- what each seed should show (one AppTest session per seed, after the load) ------------------


def _frame_rows(df) -> list[list[str]]:
    rows = zip(df.index, df.values, strict=True)
    return [["", *map(str, df.columns)]] + [[str(i), *map(str, row)] for i, row in rows]


def references(seeds: list[int], timeout_s: float) -> dict[int, dict[str, list[list[str]]]]:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # AppTest outside a server warns about a missing ScriptRunContext on every run
    out = {}
    for seed in seeds:
        out[seed] = {}
        for name, _, key, script in PAGES:
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout_s).run()
            at.switch_page(script)
            at.query_params.clear()
            at.query_params[key] = str(seed)
            at.run()
            if name == "page 3":
                at.button(key=TRAIN_BUTTON).click().run(timeout=timeout_s)
            if at.exception:
                raise RuntimeError(f"reference run of {script} with seed {seed}: {at.exception[0].message}")
            out[seed][name] = _frame_rows(at.dataframe[0].value)
    return out


def _cells(rows: list[list[str]]) -> list[list[str]]:
    """A table's column names and rows; the header's first cell (the index name, or blank) is left out."""
    return [row[1:] if i == 0 else row for i, row in enumerate(rows)]


def check_isolation(sessions: list[Session], refs: dict[int, dict[str, list[list[str]]]]) -> dict[str, int]:
    """Fill each session's isolation list (empty: every table is its own seed's). Returns, per page, how
    many of the reference tables are distinct: when they all are, a session shown another seed's table
    (another session's, or the page default's) is caught."""
    for s in sessions:
        if s.error:
            continue
        for name, *_ in PAGES:
            seen = _cells(s.tables.get(name, []))
            if seen == _cells(refs[s.seed][name]):
                continue
            others = [o for o, t in refs.items() if o != s.seed and _cells(t[name]) == seen]
            if DEFAULT_SEED in others:
                s.isolation.append(f"{name}: shows the default seed {DEFAULT_SEED}'s table, not its own")
            elif others:
                s.isolation.append(f"{name}: shows seed {others[0]}'s table, another session's (leak)")
            else:
                s.isolation.append(
                    f"{name}: table differs from seed {s.seed}'s reference: {s.tables.get(name)} vs "
                    f"{refs[s.seed][name]}"
                )
    return {name: len({repr(_cells(t[name])) for t in refs.values()}) for name, *_ in PAGES}


# --- report -------------------------------------------------------------------------------------


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed for any one step")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds between session starts (default 0)")
    parser.add_argument("--max-rss-mb", type=float, default=1536, help="fail if the server's peak exceeds it")
    args = parser.parse_args()

    sessions = [Session(i, SEED_BASE + i, *LANDING[i % len(LANDING)]) for i in range(args.sessions)]
    load_before = os.getloadavg()
    logs = Path(tempfile.mkdtemp(prefix="load_test_server_"))
    with streamlit_server(ROOT / "dashboard.py", logs) as server:
        sampler = RssSampler(server.pid)
        sampler.start()
        try:
            time.sleep(2.0)
            idle = statistics.median(kb for _, kb in sampler.samples[-5:])
            t_load = time.perf_counter()
            wall = asyncio.run(run_class(server.url, sessions, args.timeout, args.ramp))
            t_end = time.perf_counter()
            time.sleep(1.0)
            peak = sampler.peak_between(t_load, t_end)
            after = sampler.samples[-1][1]
        finally:
            sampler.stop()
    startup = server.healthy_s

    done = [s for s in sessions if not s.error]
    t_ref = time.perf_counter()
    refs = references(sorted({DEFAULT_SEED} | {s.seed for s in done}), args.timeout) if done else {}
    t_ref = time.perf_counter() - t_ref
    distinct = check_isolation(sessions, refs)
    blind = {name: n for name, n in distinct.items() if n < len(refs)}  # seeds the check cannot tell apart
    isolated = [s for s in done if not s.isolation]

    print(f"## Load test: {args.sessions} concurrent sessions\n")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average before "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} (1 / 5 / 15 min); the browsers "
        "run on the same machine as the server.\n"
    )
    print("| | |\n|---|---|")
    print(f"| sessions | {args.sessions} |")
    print(f"| completed without error | {len(done)} / {args.sessions} |")
    print(f"| tables matching their own seed (pages 1, 2, 3) | {len(isolated)} / {args.sessions} |")
    print(f"| server start to healthy | {startup:.1f} s |")
    print(f"| total wall time (all sessions) | {wall:.1f} s |")
    if done:
        totals = [s.total for s in done]
        print(
            f"| per-session time min / median / max | {min(totals):.1f} / {statistics.median(totals):.1f} / "
            f"{max(totals):.1f} s |"
        )
        trains = [s.times["train"] for s in done]
        print(
            f"| page 3 Train to results min / median / max | {min(trains):.1f} / "
            f"{statistics.median(trains):.1f} / {max(trains):.1f} s |"
        )
    print(f"| server RSS idle (started, no session yet) | {_mb(idle)} |")
    verdict = "within" if peak <= args.max_rss_mb * 1024 else "OVER"
    target = f"{verdict} the {args.max_rss_mb:,.0f} MB target"
    print(f"| server RSS peak during the load | {_mb(peak)} ({target}) |")
    print(f"| server RSS after the load (sessions just closed) | {_mb(after)} |")
    print(f"| reference runs (AppTest, {len(refs)} seeds, after the load) | {t_ref:.1f} s |")
    shown = " / ".join(f"{n}" for n in distinct.values())
    print(f"| distinct reference tables, pages 1 / 2 / 3 (of {len(refs)} seeds) | {shown} |")
    print()
    steps = ["landing", "page 1", "page 2", "page 3", "train"]
    head = " | ".join(f"{x} (s)" for x in steps)
    print(f"| session | seed | landing act, n | {head} | total (s) | result |")
    print("|---:|---:|---|" + "---:|" * (len(steps) + 1) + "---|")
    for s in sessions:
        cells = [f"{s.times[x]:.1f}" if x in s.times else "—" for x in steps]
        result = s.error or ("; ".join(s.isolation) if s.isolation else "ok")
        total = f"{s.total:.1f}" if not s.error else "—"
        print(f"| {s.index} | {s.seed} | {s.act}, {s.n} | " + " | ".join(cells) + f" | {total} | {result} |")
    for name, n in blind.items():
        print(f"\nWarning: {name}: only {n} distinct tables for {len(refs)} seeds; a leak between seeds with")
        print("the same table would go unnoticed.")

    failed = len(done) < len(sessions) or len(isolated) < len(done) or verdict == "OVER"
    if failed and any(s.error for s in sessions):
        tail = "\n".join(server.stderr.read_text(errors="replace").splitlines()[-30:])
        print(f"\nLast lines of the server's stderr (all of it: {server.stderr}):\n\n```\n{tail}\n```")
    else:
        shutil.rmtree(logs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

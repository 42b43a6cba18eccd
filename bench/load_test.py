"""Load test: a whole class at once. Starts one Streamlit server, opens N concurrent browser sessions in one
headless Chromium, and has every session do what a student does: open the landing page, click through the
sidebar to pages 1 and 2 and type its own seed into each (on page 2, then open the tab with its theory
table), then open page 3, type the seed into the form
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

With ``--replicas N`` (N > 1) the class goes through the class-sized deployment instead: N servers behind
Debian's nginx with the repository's balancer configuration (``deploy/nginx/lab.conf``, sticky by the
cookie ``lab_replica``), as compose.yaml runs them. The report then gives each replica's sessions and peak
RSS, and checks from nginx's access log that every session's requests all went to one replica.

Run: python bench/load_test.py [--sessions 20] [--timeout 300] [--max-rss-mb 1536] [--replicas 3]
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
from serve import (
    ROOT,
    TABLE_JS,
    Balancer,
    async_chromium,
    frame_rows,
    nginx_balancer,
    streamlit_server,
    table_cells,
)

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
    key: str | None = None  # its balancer cookie (lab_replica), behind a balancer

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
        s.key = next((c["value"] for c in await context.cookies() if c["name"] == "lab_replica"), None)
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
            if name == "page 2":  # its table (the theory) is on the gradients tab, which runs when opened
                await page.get_by_role("tab").filter(has_text="3 ·").click()
                await settle(page, timeout_s, path=path, params={key: str(s.seed), "s_view": "gradients"})
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
            if name == "page 2":
                at.query_params["s_view"] = "gradients"  # where its table is
            at.run()
            if name == "page 3":
                at.button(key=TRAIN_BUTTON).click().run(timeout=timeout_s)
            if at.exception:
                raise RuntimeError(f"reference run of {script} with seed {seed}: {at.exception[0].message}")
            first = at.table[0] if name == "page 1" else at.dataframe[0]  # page 1 shows st.table
            out[seed][name] = frame_rows(first.value)
    return out


def check_isolation(sessions: list[Session], refs: dict[int, dict[str, list[list[str]]]]) -> dict[str, int]:
    """Fill each session's isolation list (empty: every table is its own seed's). Returns, per page, how
    many of the reference tables are distinct: when they all are, a session shown another seed's table
    (another session's, or the page default's) is caught."""
    for s in sessions:
        if s.error:
            continue
        for name, *_ in PAGES:
            seen = table_cells(s.tables.get(name, []))
            if seen == table_cells(refs[s.seed][name]):
                continue
            others = [o for o, t in refs.items() if o != s.seed and table_cells(t[name]) == seen]
            if DEFAULT_SEED in others:
                s.isolation.append(f"{name}: shows the default seed {DEFAULT_SEED}'s table, not its own")
            elif others:
                s.isolation.append(f"{name}: shows seed {others[0]}'s table, another session's (leak)")
            else:
                s.isolation.append(
                    f"{name}: table differs from seed {s.seed}'s reference: {s.tables.get(name)} vs "
                    f"{refs[s.seed][name]}"
                )
    return {name: len({repr(table_cells(t[name])) for t in refs.values()}) for name, *_ in PAGES}


# --- report -------------------------------------------------------------------------------------


def stickiness(balancer: Balancer, sessions: list[Session]) -> dict:
    """From nginx's access log: how many sessions had every request served by one replica, how many
    sessions each replica had, and how many requests went through (and failed with a 5xx)."""
    served: dict[str, set[str]] = {}
    requests = balancer.routes()
    for key, upstream, _ in requests:
        served.setdefault(key, set()).update(upstream.split(", "))
    per_replica: dict[str, int] = {}
    sticky = 0
    for s in sessions:
        mine = served.get(s.key or "", set())
        if len(mine) == 1:
            sticky += 1
            per_replica[next(iter(mine))] = per_replica.get(next(iter(mine)), 0) + 1
    errors = sum(1 for _, _, status in requests if status >= 500)
    return {"sticky": sticky, "per_replica": per_replica, "requests": len(requests), "errors": errors}


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed for any one step")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds between session starts (default 0)")
    parser.add_argument("--max-rss-mb", type=float, default=1536, help="fail if a server's peak exceeds it")
    parser.add_argument(
        "--replicas", type=int, default=1, help="servers behind nginx (default 1: no balancer)"
    )
    args = parser.parse_args()

    sessions = [Session(i, SEED_BASE + i, *LANDING[i % len(LANDING)]) for i in range(args.sessions)]
    load_before = os.getloadavg()
    logs = Path(tempfile.mkdtemp(prefix="load_test_server_"))
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(streamlit_server(ROOT / "dashboard.py", logs / f"replica{i}"))
            for i in range(max(1, args.replicas))
        ]
        balancer = None
        if args.replicas > 1:
            upstreams = [server.url.removeprefix("http://") for server in servers]
            balancer = stack.enter_context(nginx_balancer(upstreams, logs / "nginx"))
        samplers = [RssSampler(server.pid) for server in servers]
        for sampler in samplers:
            sampler.start()
        try:
            time.sleep(2.0)
            idles = [statistics.median(kb for _, kb in sampler.samples[-5:]) for sampler in samplers]
            t_load = time.perf_counter()
            url = balancer.url if balancer else servers[0].url
            wall = asyncio.run(run_class(url, sessions, args.timeout, args.ramp))
            t_end = time.perf_counter()
            time.sleep(1.0)
            peaks = [sampler.peak_between(t_load, t_end) for sampler in samplers]
            afters = [sampler.samples[-1][1] for sampler in samplers]
        finally:
            for sampler in samplers:
                sampler.stop()
        sticky = stickiness(balancer, sessions) if balancer else None
    startup = max(server.healthy_s for server in servers)
    idle, peak, after = max(idles), max(peaks), max(afters)
    server = servers[0]

    done = [s for s in sessions if not s.error]
    t_ref = time.perf_counter()
    refs = references(sorted({DEFAULT_SEED} | {s.seed for s in done}), args.timeout) if done else {}
    t_ref = time.perf_counter() - t_ref
    distinct = check_isolation(sessions, refs)
    blind = {name: n for name, n in distinct.items() if n < len(refs)}  # seeds the check cannot tell apart
    isolated = [s for s in done if not s.isolation]

    where = f", {args.replicas} replicas behind nginx" if balancer else ""
    print(f"## Load test: {args.sessions} concurrent sessions{where}\n")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average before "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} (1 / 5 / 15 min); the browsers "
        "run on the same machine as the server.\n"
    )
    print("| | |\n|---|---|")
    print(f"| sessions | {args.sessions} |")
    print(f"| completed without error | {len(done)} / {args.sessions} |")
    print(f"| tables matching their own seed (pages 1, 2, 3) | {len(isolated)} / {args.sessions} |")
    print(f"| server start to healthy{' (slowest replica)' if balancer else ''} | {startup:.1f} s |")
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
    each = " per replica (the largest)" if balancer else ""
    print(f"| server RSS idle (started, no session yet){each} | {_mb(idle)} |")
    verdict = "within" if peak <= args.max_rss_mb * 1024 else "OVER"
    target = f"{verdict} the {args.max_rss_mb:,.0f} MB target"
    print(f"| server RSS peak during the load{each} | {_mb(peak)} ({target}) |")
    print(f"| server RSS after the load (sessions just closed){each} | {_mb(after)} |")
    if sticky is not None:
        spread = " / ".join(str(sticky["per_replica"].get(u, 0)) for u in balancer.upstreams)
        peaks_shown = " / ".join(_mb(kb) for kb in peaks)
        print(f"| sessions per replica | {spread} |")
        print(f"| peak RSS per replica | {peaks_shown} |")
        print(f"| sessions whose requests all went to one replica | {sticky['sticky']} / {len(sessions)} |")
        n, errors = sticky["requests"], sticky["errors"]
        print(f"| requests through the balancer (errors: status 5xx) | {n} ({errors}) |")
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
    failed = failed or (sticky is not None and (sticky["sticky"] < len(sessions) or sticky["errors"] > 0))
    if failed and any(s.error for s in sessions):
        tail = "\n".join(server.stderr.read_text(errors="replace").splitlines()[-30:])
        print(f"\nLast lines of the server's stderr (all of it: {server.stderr}):\n\n```\n{tail}\n```")
    else:
        shutil.rmtree(logs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The class-sized deployment, for real: Debian's nginx with the repository's own balancer configuration
(``deploy/nginx/lab.conf``, as compose.yaml mounts it) in front of three app processes on loopback ports,
and browser sessions through it.

Each browser gets a key (the cookie ``lab_replica``) and the balancer's access log says which replica
served each of its requests: every session must stay on one replica, the sessions must spread over more
than one, each must show its own seed's numbers (the pages' own reference, run in AppTest), a page switch
and a training run must work through the balancer, and stopping one replica must lose only the sessions
on it, which reconnect to a live one and show their link's view again.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from test_browser import TRAINING_TIMEOUT_MS, settle

from bench.serve import (
    TABLE_JS,
    Balancer,
    NoNginx,
    Server,
    ServerError,
    frame_rows,
    nginx_balancer,
    streamlit_server,
    table_cells,
)

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 3
SESSIONS = 8  # all on one replica of three by chance: 3 / 3^8, once in 2,187 runs
PAGE1 = "pages/1_Uniform_vs_normal_draws.py"
SEED = 400  # session i opens page 1 with seed SEED + i
STREAM = "/_stcore/stream"  # Streamlit's websocket
RECONNECT_MS = 60_000  # a dropped session's own retries (Streamlit's frontend backs off up to a few seconds)


@dataclass
class Cluster:
    servers: list[Server]
    balancer: Balancer

    def replica_of(self, key: str) -> str:
        """The one replica that served every request of browser ``key`` so far (fails if there were two)."""
        served = {up for k, up, _ in self.balancer.routes() if k == key and "," not in up}
        assert len(served) == 1, f"browser {key} was served by {sorted(served) or 'no replica'}"
        return served.pop()

    def server_at(self, address: str) -> Server:
        return next(s for s in self.servers if s.url.endswith(address))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("balancer")
    try:
        with contextlib.ExitStack() as stack:
            servers = [
                stack.enter_context(streamlit_server("dashboard.py", logs / f"replica{i}", timeout_s=120))
                for i in range(REPLICAS)
            ]
            balancer = stack.enter_context(nginx_balancer([s.url.removeprefix("http://") for s in servers],
                                                          logs / "nginx"))  # fmt: skip
            yield Cluster(servers, balancer)
    except NoNginx as err:
        if os.environ.get("CI"):
            pytest.fail(f"{err}; CI is set, so this is an error", pytrace=False)
        pytest.skip(str(err))
    except ServerError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture(scope="module")
def reference():
    """seed -> page 1's summary table at that seed, from the page's own code in AppTest (no server)."""
    from streamlit.testing.v1 import AppTest

    made: dict[int, list[list[str]]] = {}

    def of(seed: int) -> list[list[str]]:
        if seed not in made:
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
            at.switch_page(PAGE1)
            at.query_params.clear()
            at.query_params["d_seed"] = str(seed)
            at.run()
            assert not at.exception, at.exception[0].value
            made[seed] = table_cells(frame_rows(at.table[0].value))
        return made[seed]

    return of


@dataclass
class Session:
    context: BrowserContext
    page: Page
    seed: int

    @property
    def key(self) -> str:
        [cookie] = [c for c in self.context.cookies() if c["name"] == "lab_replica"]
        return cookie["value"]

    def table(self, before: list[list[str]] | None = None) -> list[list[str]]:
        """Page 1's summary table once it shows something other than ``before``."""
        return table_cells(_after(self, before))

    def set_seed(self, seed: int, timeout_ms: float = 60_000) -> None:
        """Type ``seed`` into page 1's seed box; returns once the run it started has written it into the
        URL (AssertionError if that does not happen within ``timeout_ms``)."""
        box = self.page.locator(".st-key-d_seed input")
        box.fill(str(seed))
        box.press("Enter")
        self.seed = seed
        expect(self.page).to_have_url(_seed_in_url(seed), timeout=timeout_ms)


def _seed_in_url(seed: int) -> re.Pattern:
    return re.compile(rf"[?&]d_seed={seed}(&|$)")


def _open(browser: Browser, cluster: Cluster, seed: int) -> Session:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{cluster.balancer.url}/Uniform_vs_normal_draws?d_seed={seed}")
    expect(page.locator("[data-testid=stApp]")).to_be_visible()
    return Session(context, page, seed)


def test_every_session_stays_on_one_replica_and_shows_its_own_seed(browser, cluster, reference):
    sessions = [_open(browser, cluster, SEED + i) for i in range(SESSIONS)]
    for s in sessions:
        assert s.table() == reference(s.seed), f"seed {s.seed}: not its own numbers"
    for s in sessions:  # a rerun over each session's websocket: still its own replica, its own numbers
        before = s.page.evaluate(TABLE_JS, 0)
        s.set_seed(s.seed + 50)
        assert table_cells(_after(s, before)) == reference(s.seed), f"seed {s.seed} after a change"
    keys = [s.key for s in sessions]
    assert len(set(keys)) == SESSIONS, "each browser has its own key"
    replicas = {s.key: cluster.replica_of(s.key) for s in sessions}
    for s in sessions:
        s.context.close()  # nginx logs a websocket when it closes: now its replica is in the log too
    for key, replica in replicas.items():
        assert cluster.replica_of(key) == replica, f"browser {key}: its websocket went elsewhere"
    streams = [k for k, _, _ in cluster.balancer.routes() if k in replicas]
    assert len(streams) > 5 * SESSIONS, f"only {len(streams)} requests logged for {SESSIONS} sessions"
    assert len(set(replicas.values())) > 1, f"every session on one replica: {replicas}"


def _after(s: Session, before) -> list[list[str]]:
    """Page 1's summary table (as read) once a finished run shows one other than ``before``."""
    s.page.wait_for_function(
        f"(b) => {{ const t = ({TABLE_JS.strip()})(0); return t && t.length > 1 && "
        "JSON.stringify(t) !== JSON.stringify(b); }",
        arg=before,
    )
    settle(s.page)
    return s.page.evaluate(TABLE_JS, 0)


def test_a_page_switch_and_a_training_run_work_through_the_balancer(browser, cluster):
    s = _open(browser, cluster, SEED)
    settle(s.page)
    s.page.locator("[data-testid=stSidebar] [data-testid=stPageLink-NavLink]",
                   has_text="Training comparisons").click()  # fmt: skip
    expect(s.page).to_have_url(re.compile(r"/Training_comparisons"))
    s.page.locator("[data-testid=stFormSubmitButton] button").click()
    expect(s.page.get_by_role("heading", name="Who learned?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    settle(s.page)
    expect(s.page.locator("[data-testid=stException]")).to_have_count(0)
    cluster.replica_of(s.key)  # one replica for the whole visit: landing script, switch, training
    s.context.close()


def test_stopping_a_replica_loses_only_its_sessions_and_they_reconnect_with_their_link(
    browser, cluster, reference
):
    sessions: list[Session] = []
    on: dict[str, list[Session]] = {}
    while len(on) < 2 and len(sessions) < 4 * REPLICAS:  # sessions on at least two replicas
        s = _open(browser, cluster, SEED + 100 + len(sessions))
        assert s.table() == reference(s.seed)
        sessions.append(s)
        on.setdefault(cluster.replica_of(s.key), []).append(s)
    assert len(on) >= 2, f"{len(sessions)} sessions, all on one replica"
    victim = next(iter(on))
    server = cluster.server_at(victim)
    os.kill(server.pid, signal.SIGTERM)  # the fixture's process handle reaps it at teardown
    _wait_gone(server)

    for s in (s for replica, group in on.items() if replica != victim for s in group):
        before = s.page.evaluate(TABLE_JS, 0)
        s.set_seed(s.seed + 7)  # a live replica's session goes on as before
        assert table_cells(_after(s, before)) == reference(s.seed), f"seed {s.seed} on a live replica"
        assert cluster.replica_of(s.key) != victim

    for s in on[victim]:  # the stopped replica's sessions reconnect to a live one, from their link
        app = s.page.locator("[data-testid=stApp]")
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=RECONNECT_MS)
        settle(s.page)
        expect(s.page).to_have_url(_seed_in_url(s.seed))  # the link is intact ...
        assert table_cells(s.page.evaluate(TABLE_JS, 0)) == reference(s.seed), f"seed {s.seed} reconnected"
        # Streamlit's frontend reruns nothing when it reconnects: the new session's first run comes with the
        # next change and opens the link's view (a new session reads the URL), so a change made before that
        # run has ended gives way to the link. One made after it runs as before, on the new replica.
        expect(s.page.locator(".st-key-d_seed input")).to_be_enabled()
        before = s.page.evaluate(TABLE_JS, 0)
        try:
            s.set_seed(s.seed + 1, timeout_ms=10_000)
        except AssertionError:  # still the link's view: the next change is the new session's second run
            s.seed -= 1
            before = s.page.evaluate(TABLE_JS, 0)
            s.set_seed(s.seed + 2)
        assert table_cells(_after(s, before)) == reference(s.seed), f"seed {s.seed} after reconnecting"
        expect(s.page.locator("[data-testid=stException]")).to_have_count(0)
    moved = [s.key for s in on[victim]]
    for s in sessions:
        s.context.close()  # nginx logs each websocket as it closes
    for key in moved:
        streams = [up for k, up, _, path in cluster.balancer.requests() if k == key and path == STREAM]
        assert len(streams) >= 2 and streams[0] == victim and victim not in streams[-1], streams


def _wait_gone(server: Server, timeout_s: float = 20) -> None:
    import time
    import urllib.request

    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        try:
            urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=1)
        except OSError:
            return
        time.sleep(0.1)
    raise AssertionError(f"{server.url} still answers after SIGTERM")

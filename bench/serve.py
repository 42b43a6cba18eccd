"""One Streamlit server and one headless Chromium, started the same way for the browser tests and the benches.

``streamlit_server(script, logs)`` runs ``python -m streamlit run SCRIPT`` from the repository root (so the
app's ``.streamlit/config.toml`` applies to every script, an empty reference page included) on a free local
port, waits until ``/_stcore/health`` answers ok and stops the server on the way out. Its file watcher is
off: a deployed app's files do not change under it, and in a working tree that others are editing the
watcher would rerun pages mid-measurement with "source changed" prompts that say nothing about the app.

``nginx_balancer(upstreams, logs)`` puts Debian's nginx, with the repository's own balancer configuration
(``deploy/nginx/lab.conf``), in front of running servers: the class-sized deployment of compose.yaml, on
loopback ports.

``chromium()`` and ``async_chromium()`` launch the Chromium that ``chromium_executable`` finds, headless,
with ``CHROMIUM_ARGS``; with none installed they raise ``NoChromium``, and the caller decides whether that
is a skip or an error.

Used as ``from bench.serve import ...`` by tests/e2e (run from the repository root) and as
``from serve import ...`` by the scripts in bench/ (Python puts a script's own folder on the path).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import BrowserType as AsyncBrowserType
from playwright.async_api import async_playwright
from playwright.sync_api import Browser, BrowserType, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
# Headless in a container, and quiet: no sandbox (it needs privileges a container lacks), no GPU, and none of
# the background traffic (updates, sync, QUIC probes) that would add noise to the timings.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
HEALTH_POLL_S = 0.05  # how often to ask /_stcore/health: fine enough to time a cold start by it
STOP_S = 15  # how long the server may take to exit after SIGTERM before it is killed


class ServerError(RuntimeError):
    """The server exited, or did not answer its health check in time; the message ends with its log."""


class NoNginx(RuntimeError):
    """No nginx binary on this machine (Debian: apt-get install nginx)."""


class NoChromium(RuntimeError):
    """Neither the system's Chromium nor a Playwright-managed one is installed."""


@dataclass(frozen=True)
class Server:
    """A running ``streamlit run``: its base URL (no trailing slash), its process id (for memory readings
    from /proc), its log files, when it was spawned (``time.perf_counter()`` just before the process was
    created) and how many seconds it took from then until its health check answered ok."""

    url: str
    pid: int
    stdout: Path
    stderr: Path
    started: float
    healthy_s: float

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's stderr (tracebacks and log messages land there), for failure messages."""
        return _tail(self.stderr, chars)


def _tail(path: Path, chars: int) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-chars:] or "(empty)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:  # refused while starting; URLError and HTTPError are OSErrors too
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def streamlit_server(script: str | Path, logs: Path, *, timeout_s: float = 90) -> Iterator[Server]:
    """Run ``streamlit run SCRIPT`` on a free port of 127.0.0.1 until the block ends; yields it once healthy.

    Args:
        script: the page to serve; a relative path is taken from the repository root.
        logs: a folder (created if missing) for the server's ``stdout.log`` and ``stderr.log``; one folder
            per server that runs at the same time, as the files are overwritten.
        timeout_s: how long the server may take to answer its health check.

    Raises:
        ServerError: the server exited before it was healthy, or was not healthy within ``timeout_s``
            seconds; the message names which and ends with the server's stderr.
    """
    logs.mkdir(parents=True, exist_ok=True)
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
    try:
        deadline = started + timeout_s
        while not _healthy(url):
            if process.poll() is not None or time.perf_counter() > deadline:
                state = f"exited with {process.returncode}" if process.poll() is not None else "timed out"
                raise ServerError(
                    f"streamlit run {script} never answered {url}/_stcore/health ({state}; {timeout_s:.0f} s "
                    f"allowed)\n--- server stderr ---\n{_tail(stderr, 4000)}"
                )
            time.sleep(HEALTH_POLL_S)
        yield Server(url, process.pid, stdout, stderr, started, time.perf_counter() - started)
    finally:
        _stop(process)


# Cell texts of the n-th table on the page, an st.table or an st.dataframe (from the grid's accessible
# table), in the page's order: [[header...], [row...], ...].
TABLE_JS = """
(n) => {
  const box = document.querySelectorAll('[data-testid=stTable], [data-testid=stDataFrame]')[n];
  const table = box && box.querySelector('table');
  if (!table) return null;
  return [...table.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent));
}
"""


def frame_rows(df) -> list[list[str]]:
    """A DataFrame as ``TABLE_JS`` reads its grid: the header row, then each row with its index first."""
    rows = zip(df.index, df.values, strict=True)
    return [["", *map(str, df.columns)]] + [[str(i), *map(str, row)] for i, row in rows]


def table_cells(rows: list[list[str]]) -> list[list[str]]:
    """A table's column names and rows; the header's first cell (the index name, or blank) is left out."""
    return [row[1:] if i == 0 else row for i, row in enumerate(rows)]


LAB_CONF = ROOT / "deploy" / "nginx" / "lab.conf"  # the balancer's configuration, as compose.yaml mounts it
LAB_LISTEN = "listen 8080;"  # its port in compose; a test's balancer listens on a free one instead
_ROUTE = re.compile(r'key=(\S+) upstream=(\S+(?:, \S+)*) status=(\d+) request="\S+ (\S+)')


@dataclass(frozen=True)
class Balancer:
    """A running nginx in front of ``upstreams`` ("127.0.0.1:port" each): its base URL, process id and the
    file its access log (``lab_sticky`` format: one line per proxied request) goes to."""

    url: str
    pid: int
    upstreams: tuple[str, ...]
    access: Path
    errors: Path

    def requests(self) -> list[tuple[str, str, int, str]]:
        """(browser key, replica address, status, path) of every proxied request so far, in the order they
        ended (a websocket ends when it closes). A request that nginx retried on another replica lists each
        address it tried, comma-separated."""
        text = self.access.read_text(errors="replace") if self.access.exists() else ""
        return [(k, up, int(st), path.split("?")[0]) for k, up, st, path in _ROUTE.findall(text)]

    def routes(self) -> list[tuple[str, str, int]]:
        """(browser key, replica address, status) of every proxied request so far (:meth:`requests`)."""
        return [(k, up, st) for k, up, st, _ in self.requests()]


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which a non-root PATH may lack), or None."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _nginx_conf(folder: Path, port: int, upstreams: tuple[str, ...]) -> Path:
    """A main nginx.conf in ``folder`` (pid, logs and temporary files there; no root needed) whose http
    block is the repository's lab.conf on ``port``, with lab-servers.conf listing ``upstreams``."""
    lab = LAB_CONF.read_text()
    if lab.count(LAB_LISTEN) != 1:
        raise ValueError(f"{LAB_CONF} must hold {LAB_LISTEN!r} once (the port compose publishes)")
    (folder / "lab.conf").write_text(lab.replace(LAB_LISTEN, f"listen 127.0.0.1:{port};"))
    (folder / "lab-servers.conf").write_text(
        "".join(f"server {u} max_fails=1 fail_timeout=10s;\n" for u in upstreams)
    )
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    temp.chmod(0o777)  # nginx's workers run as nobody when the master is root
    conf = folder / "nginx.conf"
    paths = "\n".join(
        f"    {kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n{paths}\n    include {folder / 'lab.conf'};\n}}\n"
    )
    return conf


@contextlib.contextmanager
def nginx_balancer(upstreams: list[str], logs: Path, *, timeout_s: float = 20) -> Iterator[Balancer]:
    """Run nginx with ``deploy/nginx/lab.conf`` in front of ``upstreams`` on a free port of 127.0.0.1 until
    the block ends; yields it once it answers ``/_stcore/health`` through a replica.

    Raises:
        NoNginx: no nginx binary.
        ServerError: nginx exited or did not answer within ``timeout_s`` seconds (the message ends with
            its error log).
    """
    binary = nginx_binary()
    if binary is None:
        raise NoNginx("no nginx: apt-get install nginx (Debian's package is what .ci/run installs)")
    logs.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    conf = _nginx_conf(logs, port, tuple(upstreams))
    access, errors = logs / "access.log", logs / "error.log"
    check = subprocess.run([binary, "-t", "-c", str(conf), "-p", str(logs)], capture_output=True, text=True)
    if check.returncode:
        raise ServerError(f"nginx -t refused {conf}:\n{check.stderr}")
    url = f"http://127.0.0.1:{port}"
    with access.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(logs)], stdout=out, stderr=subprocess.STDOUT, env=os.environ
        )
    try:
        deadline = time.perf_counter() + timeout_s
        while not _healthy(url):
            if process.poll() is not None or time.perf_counter() > deadline:
                raise ServerError(f"nginx never answered {url}/_stcore/health\n{_tail(errors, 4000)}")
            time.sleep(HEALTH_POLL_S)
        yield Balancer(url, process.pid, tuple(upstreams), access, errors)
    finally:
        _stop(process)


def chromium_executable(browser_type: BrowserType | AsyncBrowserType) -> str | None:
    """The Chromium to drive: Debian's ``/usr/bin/chromium`` if it exists, else the one ``playwright install
    chromium`` put in Playwright's cache if that exists, else None. ``browser_type`` is
    ``playwright.chromium`` of a started sync or async Playwright."""
    if SYSTEM_CHROMIUM.exists():
        return str(SYSTEM_CHROMIUM)
    managed = browser_type.executable_path
    return managed if managed and Path(managed).exists() else None


def _executable(browser_type: BrowserType | AsyncBrowserType) -> str:
    executable = chromium_executable(browser_type)
    if executable is None:
        raise NoChromium(
            f"no Chromium: neither {SYSTEM_CHROMIUM} (Debian: apt-get install chromium) nor a "
            "Playwright-managed one (playwright install chromium)"
        )
    return executable


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium (sync Playwright API) with ``CHROMIUM_ARGS``, closed when the block ends.

    Raises:
        NoChromium: ``chromium_executable`` found none.
    """
    with sync_playwright() as playwright:
        executable = _executable(playwright.chromium)
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


@contextlib.asynccontextmanager
async def async_chromium() -> AsyncIterator[AsyncBrowser]:
    """``chromium()`` for the async Playwright API, for many sessions driven at once from one event loop."""
    async with async_playwright() as playwright:
        executable = _executable(playwright.chromium)
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            await browser.close()

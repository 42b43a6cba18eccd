"""Fixtures for the browser tests: one Streamlit server and one headless Chromium for the whole session.

Chromium is Debian's ``/usr/bin/chromium`` where it exists, else the one ``playwright install chromium``
put in Playwright's cache. With neither, the browser tests skip on a developer's machine and fail in CI
(where the environment variable ``CI`` is set): there a missing browser is a broken build, not a choice.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_S = 60  # a cold start (imports, first page) takes ~5 s; the machine may be busy
TIMEOUT_MS = 60_000  # any one wait in a test: generous, because other work may share the CPUs

expect.set_options(timeout=TIMEOUT_MS)


def find_chromium(playwright: Playwright) -> str | None:
    """The Chromium to drive: the system one, else Playwright's own if it is installed, else None."""
    if SYSTEM_CHROMIUM.exists():
        return str(SYSTEM_CHROMIUM)
    managed = playwright.chromium.executable_path
    return managed if managed and Path(managed).exists() else None


@dataclass(frozen=True)
class App:
    """The running app: its base URL (no trailing slash) and the server's log files."""

    url: str
    stdout: Path
    stderr: Path

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's stderr (tracebacks land there), for failure messages."""
        text = self.stderr.read_text(errors="replace") if self.stderr.exists() else ""
        return text[-chars:] or "(empty)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        executable = find_chromium(playwright)
        if executable is None:
            reason = (
                f"no Chromium for the browser tests: neither {SYSTEM_CHROMIUM} (Debian: apt-get install "
                "chromium) nor a Playwright-managed one (playwright install chromium)"
            )
            if os.environ.get("CI"):
                pytest.fail(f"{reason}; CI is set, so this is an error", pytrace=False)
            pytest.skip(reason)
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """``streamlit run dashboard.py`` on a free local port, healthy before the first test uses it."""
    port = _free_port()
    logs = tmp_path_factory.mktemp("streamlit")
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # Other work may edit the sources while the tests run: no "source changed" prompts mid-test.
        "--server.fileWatcherType",
        "none",
    ]
    url = f"http://127.0.0.1:{port}"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        server = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {server.returncode}" if server.poll() is not None else "timed out"
                pytest.fail(
                    f"streamlit never answered {url}/_stcore/health ({state} after {SERVER_START_S} s "
                    f"at most)\n--- server stderr ---\n{stderr.read_text(errors='replace')[-4000:]}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield App(url, stdout, stderr)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def new_page(browser: Browser, app: App) -> Iterator[Callable[[], Page]]:
    """A factory of pages, each in a fresh browser context (no shared cookies, storage or session).
    Uncaught JavaScript errors on any of them fail the test at teardown."""
    contexts, errors = [], []

    def make() -> Page:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    if errors:
        pytest.fail("uncaught errors in the browser:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()

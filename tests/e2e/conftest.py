"""Fixtures for the browser tests: one Streamlit server and one headless Chromium for the whole session,
both started by ``bench.serve`` as the benches start theirs.

Chromium is Debian's ``/usr/bin/chromium`` where it exists, else the one ``playwright install chromium``
put in Playwright's cache. With neither, the browser tests skip on a developer's machine and fail in CI
(where the environment variable ``CI`` is set): there a missing browser is a broken build, not a choice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.serve import NoChromium, Server, ServerError, chromium, streamlit_server

VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_S = 60  # a cold start (imports, first page) takes ~5 s; the machine may be busy
TIMEOUT_MS = 60_000  # any one wait in a test: generous, because other work may share the CPUs

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        with chromium() as browser:
            yield browser
    except NoChromium as err:
        if os.environ.get("CI"):
            pytest.fail(f"{err}; CI is set, so this is an error", pytrace=False)
        pytest.skip(f"browser tests: {err}")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``streamlit run dashboard.py`` on a free local port, healthy before the first test uses it."""
    logs = tmp_path_factory.mktemp("streamlit")
    try:
        with streamlit_server("dashboard.py", logs, timeout_s=SERVER_START_S) as app:
            yield app
    except ServerError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture
def new_page(browser: Browser, app: Server) -> Iterator[Callable[[], Page]]:
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

"""A fresh server process's first page run sends the browser a hidden chart before the app's modules
load, so that the browser fetches and compiles Streamlit's chart renderer (Vega, ~760 KB of JavaScript,
and Arrow's readers) while the server imports numpy, pandas and initcore (and builds the page's first
numbers), instead of after them, when the page's own first chart arrives.

Measured on this 2-core machine (bench/cold_start.py, fresh servers, a fresh browser context each, six
of each, 2026-12-03): the first chart drawn on page 1 at 3.40-3.83 s after the server's start without it
(median 3.66), 2.84-3.32 s with it (median 3.07); on the landing page it gains nothing measurable
(2.85-3.22 s against 2.65-3.19); the empty Streamlit page takes 1.5-1.6 s. (Earlier figures here, 1.8-2.5
s with it, counted this hidden chart itself as the first chart drawn: for a moment, before its CSS hides
it, it has a size.)

It imports nothing but streamlit, and sends nothing that loads more: ``ui/__init__`` calls :func:`send`
before its own heavy imports, right after it sets the BLAS threads. Only a fresh process sends it (the
first import of ``ui``): later runs find the modules loaded and send their own first chart at once.
:func:`clear` (``ui.setup_page``, the page's first call after its imports) takes it off the page again,
leaving the empty placeholder that every later run puts in the same place; the renderer goes on
loading. Nothing of it is seen: a container one pixel high, hidden by its own CSS once that is drawn,
holding a chart of no size.
"""

from __future__ import annotations

import threading

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

KEY = "ui-prefetch-charts"  # the container's CSS class: st-key-ui-prefetch-charts
CSS = f"<style>.st-key-{KEY} {{ display: none !important; }}</style>"  # over Streamlit's own flex
SPEC = {  # one point in no room at all, and hidden by CSS too: nothing here is ever seen
    "width": 0,
    "height": 0,
    "padding": 0,
    "autosize": "none",
    # a generated datum, not inline values: Streamlit would convert those with pandas, which is not loaded
    "data": {"sequence": {"start": 0, "stop": 1, "as": "x"}},
    "mark": "point",
    "encoding": {"x": {"field": "x", "type": "quantitative", "axis": None}},
    "config": {"view": {"stroke": None}},
}
_LOCK = threading.Lock()
_SENT: list = []  # (the run's context, its placeholder): only the run that sent it takes it off


def send() -> bool:
    """Send the hidden chart if a page run is under way (not a plain import: a test's, a notebook's);
    returns whether it did."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    _skip_the_direct_run_check()
    placeholder = st.empty()
    # One pixel high: until the renderers have loaded (~0.3 s), Streamlit shows loading placeholders
    # (80 px of light grey) in their place, which the container clips.
    with placeholder.container(key=KEY, height=1, border=False):
        st.markdown(CSS, unsafe_allow_html=True)  # inside: clear() takes the style off with the chart
        st.vega_lite_chart(SPEC, width="content")  # the spec's zero width, not the column's
    with _LOCK:
        _SENT.append((ctx, placeholder))
    return True


def _skip_the_direct_run_check() -> None:
    """Streamlit's first element in a process checks, once, whether the script runs in a REPL or without
    ``streamlit run``, to warn that nothing will show: ``inspect.stack()``, which reads the source of
    every frame, 56-71 ms of a cold server's first run here (three fresh servers, 2026-12-04). A page
    that the runtime runs (a script run context: ``send`` checks) is neither, so the check is marked done
    before the first element. (A private flag of ``streamlit.delta_generator``: where a Streamlit lacks
    it, nothing is set and the check runs as before; tests/test_imports.py notices.)"""
    import streamlit.delta_generator as generator  # noqa: PLC0415 (loaded with streamlit already)

    if hasattr(generator, "_use_warning_has_been_displayed"):
        generator._use_warning_has_been_displayed = True


def clear() -> None:
    """Take this run's hidden chart off the page, if it sent one; a run that sent none puts an empty
    placeholder in its place instead, so that every run's elements keep the same places on the page (a
    run whose elements moved by one would have the browser draw every chart again from scratch)."""
    ctx = get_script_run_ctx()
    with _LOCK:
        mine = [p for c, p in _SENT if c is ctx]
        _SENT[:] = [(c, p) for c, p in _SENT if c is not ctx]
    for placeholder in mine:
        placeholder.empty()
    if not mine and ctx is not None:
        st.empty()

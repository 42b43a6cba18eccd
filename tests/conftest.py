"""Fixtures shared by the app tests."""

from __future__ import annotations

import pytest

import initcore.datasets
import ui


@pytest.fixture
def offline(monkeypatch):
    """MNIST cannot be downloaded (no network, no TensorFlow): loading it raises DatasetUnavailable."""

    def unavailable(name):
        raise initcore.datasets.offline(name, OSError("offline in this test"))

    monkeypatch.setattr(initcore.datasets, "_download", unavailable)


@pytest.fixture
def spy(monkeypatch, offline):
    """Records every PageState the pages build (their Fields); keeps MNIST offline (:func:`offline`)."""
    states: list[ui.PageState] = []

    class Spy(ui.PageState):
        def __init__(self, page, fields):
            super().__init__(page, fields)
            states.append(self)

    monkeypatch.setattr(ui.state, "PageState", Spy)
    return states


@pytest.fixture
def no_keras_reset(request, monkeypatch):
    """Once any test has imported Keras, Streamlit clears Keras's session after every script run: a full
    garbage collection of TensorFlow's heap, about 0.25 s a run, most of a link-fuzz case's time. Tests of
    runs that train nothing skip it; a test marked ``tf`` (it trains) keeps it."""
    if request.node.get_closest_marker("tf") is None:
        import streamlit.runtime.scriptrunner.script_runner as runner

        monkeypatch.setattr(runner, "_clean_problem_modules", lambda: None, raising=False)

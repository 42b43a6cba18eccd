"""Fixtures shared by the app tests."""

from __future__ import annotations

import pytest

import initcore.datasets
import ui


@pytest.fixture
def spy(monkeypatch):
    """Records every PageState the pages build (their Fields); keeps MNIST offline (no download, no
    TensorFlow)."""
    states: list[ui.PageState] = []

    class Spy(ui.PageState):
        def __init__(self, page, fields):
            super().__init__(page, fields)
            states.append(self)

    def offline(name):
        raise initcore.datasets.DatasetUnavailable(f"{name} could not be downloaded (offline in this test).")

    monkeypatch.setattr(ui, "PageState", Spy)
    monkeypatch.setattr(initcore.datasets, "_download", offline)
    return states

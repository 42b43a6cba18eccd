"""The app as a user meets it (Streamlit AppTest): it renders, and shows initcore's numbers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import initcore
from initcore.activations import gaussian_zone_shares

ROOT = Path(__file__).resolve().parents[1]


def _landing(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_landing_page_renders_the_lesson_and_a_chart():
    at = _landing()
    assert not at.exception, at.exception
    assert at.title[0].value == "Why initialization matters"
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1, f"expected the activation chart, got {len(charts)}"
    assert any("What to notice" in c.value for c in at.caption), "every chart needs a caption"


def test_landing_table_shows_initcore_zone_shares():
    at = _landing()
    table = at.dataframe[0].value
    row = table[(table["inputs n"] == 1000) & (table["weights"] == "N(0, 0.1²)")].iloc[0]
    expected = gaussian_zone_shares("sigmoid", math.sqrt(1000) * 0.1)
    assert row["saturated"] == pytest.approx(expected["saturated"]), row
    assert row["std of z"] == pytest.approx(math.sqrt(10))


def test_switching_to_tanh_redraws_zones_from_initcore():
    at = _landing()
    at.radio(key="act").set_value("tanh").run()
    assert not at.exception
    assert f"{initcore.activations.TANH_LINEAR_Z:.3f}" in at.caption[0].value
    assert f"{initcore.activations.TANH_SATURATION_Z:.2f}" in at.caption[0].value
    table = at.dataframe[0].value
    assert table["saturated"].iloc[3] == pytest.approx(
        gaussian_zone_shares("tanh", table["std of z"].iloc[3])["saturated"]
    )


def test_the_activation_comes_from_the_url():
    at = _landing(act="tanh")
    assert not at.exception
    assert at.radio(key="act").value == "tanh"


def test_an_unknown_url_value_falls_back_without_a_traceback():
    at = _landing(act="softmax")
    assert not at.exception, at.exception
    assert at.radio(key="act").value == "sigmoid"

"""The app as a user meets it (Streamlit AppTest): every page renders, shows initcore's numbers, and
survives bad links."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import initcore
from initcore.activations import gaussian_zone_shares

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
P1 = "pages/1_Uniform_vs_normal_draws.py"


def _app(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if page is None:
        for key, value in query.items():
            at.query_params[key] = value
        return at.run()
    at.run()
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _summary(at: AppTest):
    return at.dataframe[0].value  # page 1: rows are statistics, columns "A theory", "A sample", ...


@pytest.mark.parametrize("page", [None, *PAGES])
def test_every_page_renders_with_charts_and_captions(page):
    at = _app(page)
    assert not at.exception, at.exception
    assert at.get("vega_lite_chart"), f"{page or 'dashboard.py'} shows no chart"
    assert any("What to notice" in c.value for c in at.caption), "every chart needs a caption"
    assert at.sidebar, "the navigation lives in the sidebar"


def test_landing_page_renders_the_lesson():
    at = _app()
    assert at.title[0].value == "Why initialization matters"
    table = at.dataframe[0].value
    row = table[(table["inputs n"] == 1000) & (table["weights"] == "N(0, 0.1²)")].iloc[0]
    expected = gaussian_zone_shares("sigmoid", math.sqrt(1000) * 0.1)
    assert row["saturated"] == pytest.approx(expected["saturated"]), row
    assert row["std of z"] == pytest.approx(math.sqrt(10))


def test_landing_switches_to_tanh_and_mirrors_it_in_the_url():
    at = _app()
    at.radio(key="act").set_value("tanh").run()
    assert not at.exception
    assert at.query_params["act"] == "tanh", at.query_params
    assert f"{initcore.activations.TANH_LINEAR_Z:.3f}" in at.caption[0].value
    table = at.dataframe[0].value
    assert table["saturated"].iloc[3] == pytest.approx(
        gaussian_zone_shares("tanh", table["std of z"].iloc[3])["saturated"]
    )


def test_landing_reads_its_controls_from_the_url():
    at = _app(act="tanh", n="1000")
    assert not at.exception
    assert at.radio(key="act").value == "tanh" and at.radio(key="n").value == 1000
    assert "n = 1000" in at.caption[0].value


@pytest.mark.parametrize(
    ("query", "key", "default"),
    [
        ({"act": "softmax"}, "act", "sigmoid"),
        ({"n": "-5"}, "n", 100),
        ({"n": "nan"}, "n", 100),
    ],
)
def test_bad_landing_links_fall_back_with_a_notice(query, key, default):
    at = _app(**query)
    assert not at.exception, at.exception
    assert at.radio(key=key).value == default
    assert at.info and "Ignored" in at.info[0].value, "the fallback must be visible"


def test_page1_defaults_show_the_lesson_numbers():
    at = _app(P1)
    assert not at.exception
    table = _summary(at)
    assert table.loc["std", "A theory"] == "0.05774", table  # U[-0.1, 0.1]: 0.1 / sqrt(3)
    assert table.loc["std", "B theory"] == "0.1", table  # N(0, 0.1²)
    assert abs(float(table.loc["std", "A sample"]) - 0.05774) < 6 * 0.05774 / math.sqrt(2e5)
    assert "0.33" in at.caption[1].value, "Var(A) / Var(B) = 1/3 at the same number s"
    codes = [c.value for c in at.code]
    assert any("RandomUniform(minval=-0.1, maxval=0.1, seed=0)" in c for c in codes), codes
    assert any("RandomNormal(mean=0.0, stddev=0.1, seed=1)" in c for c in codes), codes


def test_page1_same_variance_makes_the_stds_equal():
    at = _app(P1)
    at.radio(key="d_compare").set_value("variance").run()
    assert not at.exception
    table = _summary(at)
    assert table.loc["std", "A theory"] == table.loc["std", "B theory"] == "0.1", table
    assert table.loc["max", "A theory"] == f"{math.sqrt(3) * 0.1:.4g}", "U[-sqrt(3) s, sqrt(3) s]"
    assert at.query_params["d_compare"] == "variance"
    assert "d_a_limit" not in at.query_params, "a matched parameter is derived, not part of the link"


def test_page1_widgets_drive_the_numbers():
    at = _app(P1)
    at.radio(key="d_compare").set_value("free").run()
    at.number_input(key="d_a_limit").set_value(0.3).run()
    at.selectbox(key="d_b").set_value("glorot_uniform").run()
    at.number_input(key="d_fan_in").set_value(200).run()
    assert not at.exception
    table = _summary(at)
    assert table.loc["max", "A theory"] == "0.3"
    glorot = initcore.SCHEMES["glorot_uniform"].std(200, 100)
    assert table.loc["std", "B theory"] == f"{glorot:.4g}", table
    assert at.query_params["d_b"] == "glorot_uniform" and at.query_params["d_fan_in"] == "200"


def test_page1_neuron_section_follows_n():
    at = _app(P1)
    at.select_slider(key="d_n").set_value(1000).run()
    assert not at.exception
    neuron = at.dataframe[1].value
    b = neuron.loc["B: N(0, 0.1²)"]
    measured, predicted = b["saturated"].split(" ")
    assert float(measured.rstrip("%")) > 10, f"n = 1000 saturates N(0, 0.1²): {b['saturated']}"
    assert predicted == f"({gaussian_zone_shares('sigmoid', math.sqrt(10))['saturated']:.1%})"


def test_page1_link_reproduces_the_view():
    query = {"d_a": "he_normal", "d_b": "uniform", "d_b_limit": "0.05", "d_compare": "free", "d_seed": "7"}
    at = _app(P1, **query)
    assert not at.exception
    assert at.selectbox(key="d_a").value == "he_normal"
    assert at.number_input(key="d_b_limit").value == 0.05
    assert at.number_input(key="d_seed").value == 7
    again = _app(P1, **dict(at.query_params))
    assert _summary(again).equals(_summary(at)), "the same link must show the same numbers"


@pytest.mark.parametrize(
    "query",
    [
        {"d_a": "xavier"},
        {"d_b_std": "-1"},
        {"d_b_std": "1e300"},
        {"d_seed": "1.5"},
        {"d_draws": "7"},
        {"d_n": "inf"},
        {"d_fan_in": ""},
        {"zzz": "1"},
        {"d_compare": "é" * 500},
    ],
)
def test_page1_bad_links_fall_back_with_a_notice(query):
    at = _app(P1, **query)
    assert not at.exception, at.exception
    assert at.info and "Ignored" in at.info[0].value, f"no notice for {query}"
    assert _summary(at).loc["std", "B theory"] == "0.1", "the defaults are used instead"


def test_landing_and_page1_do_not_import_tensorflow():
    probe = f"""
import sys, json
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "dashboard.py")!r}, default_timeout=60).run()
at.switch_page({P1!r}); at.run()
assert not at.exception, at.exception
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [], "TensorFlow was imported by a page"

"""Classroom features: lesson mode's steps open the view they describe, predict-then-reveal hides and
shows results, and every page offers a link that reproduces it."""

from __future__ import annotations

import functools
import urllib.parse
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def _step_links() -> dict:
    """Each lesson step's link (its page and query string), as the landing page draws it."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lesson"] = "true"
    at.run()
    links = {}
    for step in range(1, 7):
        at.radio(key="step").set_value(step).run()
        assert not at.exception
        [link] = [p.proto for p in at.get("page_link") if p.proto.label.startswith("Open step")]
        links[step] = link
    return links


PAGE_FILES = {
    "Uniform_vs_normal_draws": "pages/1_Uniform_vs_normal_draws.py",
    "Saturation_across_depth": "pages/2_Saturation_across_depth.py",
    "Training_comparisons": "pages/3_Training_comparisons.py",
}


def _open(link) -> AppTest:
    """A page opened the way a lesson link opens it: its page with the link's query string."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page(PAGE_FILES[link.page])
    at.query_params.clear()
    for key, value in urllib.parse.parse_qsl(link.query_string):
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("step", range(1, 7))
def test_each_lesson_step_opens_its_page_with_valid_settings(step):
    link = _step_links()[step]
    at = _open(link)
    assert not at.exception
    assert not [i for i in at.info if "link" in i.value.lower()], "no setting of the link was refused"
    for key, value in urllib.parse.parse_qsl(link.query_string):
        assert at.query_params[key] == value, f"step {step}: {key} was not applied"


def _verdicts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if m.value.startswith("- **"))


def test_lesson_step_texts_match_what_their_pages_show():
    links = _step_links()
    small = _verdicts(_open(links[3]))
    assert "100% of layer-10 units are in the sigmoid's linear zone" in small
    assert "e-15 of the gradient" in small, "step 3 says layer 1 gets about 1e-15 of the gradient"
    large = _verdicts(_open(links[4]))
    share = int(large.split("% of layer-10 units sit in the sigmoid's flat tails")[0].split()[-1])
    assert share > 50, "step 4 says over half of layer 10 is saturated"
    fix = _verdicts(_open(links[5]))
    assert fix.count("*healthy*") == 1 and "4x Glorot" in fix.split("*healthy*")[0].split("- **")[-1]


def test_lesson_mode_is_off_by_default_and_kept_in_the_link():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not [p for p in at.get("page_link") if p.proto.label.startswith("Open step")]
    at.toggle(key="lesson").set_value(True).run()
    at.radio(key="step").set_value(4).run()
    assert at.query_params["lesson"] == "true" and at.query_params["step"] == "4"
    assert any(m.value.startswith("**4. Too large") for m in at.markdown)


def test_predict_then_reveal_hides_page_two_until_revealed_and_again_after_a_change():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page("pages/2_Saturation_across_depth.py")
    at.run()
    assert len(at.get("vega_lite_chart")) == 6
    at.toggle(key="s_predict").set_value(True).run()
    assert not at.get("vega_lite_chart") and not _verdicts(at)
    assert any("Predict first" in m.value for m in at.markdown)
    at.button(key="s_predict_button").click().run()
    assert len(at.get("vega_lite_chart")) == 6 and _verdicts(at)
    at.slider(key="s_depth").set_value(12).run()
    assert not at.get("vega_lite_chart"), "new settings: a new prediction"
    assert at.query_params["s_predict"] == "true"


@pytest.mark.tf
def test_predict_then_reveal_hides_training_results():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300).run()
    at.switch_page("pages/3_Training_comparisons.py")
    at.query_params.clear()
    at.query_params.update({"t_steps": "50", "t_k": "2", "t_predict": "true"})
    at.run()
    at.button(key="FormSubmitter:t_settings-Train").click().run()
    assert not at.exception
    assert "t_result" in at.session_state
    assert not at.dataframe, "the Who learned? table is hidden"
    assert not at.get("vega_lite_chart")[1:], "only the data preview is drawn"
    at.button(key="t_predict_button").click().run()
    assert not at.exception and at.dataframe


@pytest.mark.parametrize("page", [None, *PAGE_FILES.values()])
def test_every_page_shows_a_link_that_holds_its_settings(page):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    if page:
        at.switch_page(page)
        at.query_params.clear()
        at.run()
    assert not at.exception
    [code] = [c for c in at.code if c.value.startswith("?")]
    shared = dict(urllib.parse.parse_qsl(code.value[1:]))
    assert shared and shared == {k: at.query_params[k] for k in at.query_params}

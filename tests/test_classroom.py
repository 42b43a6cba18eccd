"""Classroom features: lesson mode's steps open the view they describe, predict-then-reveal hides and
shows results, and every page offers a link that reproduces it."""

from __future__ import annotations

import functools
import urllib.parse
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from initcore import claims

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


def _with_seed(link, key: str, seed: int):
    """The step's link with another seed: the words must hold on any seed, not only the link's."""
    query = dict(urllib.parse.parse_qsl(link.query_string)) | {key: str(seed)}
    return type("Link", (), {"page": link.page, "query_string": urllib.parse.urlencode(query)})


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("step", [3, 4, 5])
def test_depth_steps_show_the_numbers_their_claims_are_tested_on(step, seed):
    """Steps 3-5 open page 2 on their view: the page's verdicts are initcore's for that view and seed,
    the numbers the step's claims (tests/test_claims.py, seeds 0-9) hold for."""
    lesson = claims.LESSON[step - 1]
    at = _open(_with_seed(_step_links()[step], "s_seed", seed))
    assert not at.exception
    d = claims.study(lesson.view, seed)
    want = "\n".join(f"- **{r.series}** — *{r.verdict}*: {r.detail}." for r in d.summary.itertuples())
    assert _verdicts(at) == want
    for claim in lesson.claims:
        if claim.view == lesson.view:
            assert not claim.failures(seed), claim.failures(seed)


@pytest.mark.parametrize("step", [1, 2])
def test_draws_steps_show_the_numbers_their_claims_are_tested_on(step):
    lesson = claims.LESSON[step - 1]
    at = _open(_with_seed(_step_links()[step], "d_seed", 4))
    assert not at.exception
    summary = claims.draws_summary(lesson.view, 4)
    sample = summary[summary["of"] == "sample"].reset_index(drop=True)
    shown = at.table[0].value  # rows: statistics; columns "A theory", "A sample", ...
    assert shown.loc["std", "A sample"] == f"{sample['std'][0]:.4g}", shown
    neuron = claims.neuron_table(lesson.view, 4)
    shown = at.table[1].value
    for label, row in neuron.iterrows():
        assert shown.loc[label, "saturated"].startswith(f"{row['saturated']:.1%}"), (label, shown)


def test_lesson_mode_is_off_by_default_and_kept_in_the_link():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not [p for p in at.get("page_link") if p.proto.label.startswith("Open step")]
    at.toggle(key="lesson").set_value(True).run()
    at.radio(key="step").set_value(4).run()
    assert at.query_params["lesson"] == "true" and at.query_params["step"] == "4"
    assert any(m.value.startswith("**4. Too large") for m in at.markdown)
    assert any(m.value == f"**4. Too large: saturation.** {claims.LESSON[3].text}" for m in at.markdown)


def test_predict_then_reveal_hides_page_two_until_revealed_and_again_after_a_change():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page("pages/2_Saturation_across_depth.py")
    at.run()
    assert len(at.get("vega_lite_chart")) == 1  # the open tab's heatmap
    at.toggle(key="s_predict").set_value(True).run()
    assert not at.get("vega_lite_chart") and not _verdicts(at)
    assert any("Predict first" in m.value for m in at.markdown)
    at.button(key="s_predict_button").click().run()
    assert len(at.get("vega_lite_chart")) == 1 and _verdicts(at)
    at.session_state["s_view"] = "phase"
    at.run()
    assert len(at.get("vega_lite_chart")) == 1 and _verdicts(at), "another tab: the same settings, revealed"
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

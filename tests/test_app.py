"""The app as a user meets it (Streamlit AppTest): every page renders, shows initcore's numbers, and
survives bad links."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import shown
from streamlit.testing.v1 import AppTest

import charts
import initcore
import ui
from initcore.activations import gaussian_zone_shares
from initcore.claims import DEPTH_PRESETS, TRAINING_PRESETS

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
    at.query_params.clear()  # a browser drops the previous page's parameters on a switch; AppTest does not
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _summary(at: AppTest):
    return at.table[0].value  # page 1: rows are statistics, columns "A theory", "A sample", ...


@pytest.mark.parametrize("page", [None, *PAGES])
def test_every_page_renders_with_charts_and_captions(page):
    at = _app(page)
    assert not at.exception, at.exception
    assert at.get("vega_lite_chart"), f"{page or 'dashboard.py'} shows no chart"
    assert any("What to notice" in c.value for c in at.caption), "every chart needs a caption"
    assert at.sidebar, "the navigation lives in the sidebar"


@pytest.mark.parametrize("page", [None, *PAGES])
def test_the_link_to_copy_waits_in_a_popover_and_the_landing_page_shows_no_other_code(page):
    # A code box makes the browser load a 1.5 MB highlighter script; a popover's content is drawn only
    # once it is opened, so a first visit to the landing page compiles none of it before its chart.
    at = _app(page)
    popovers = [b for b in at.sidebar.children.values() if getattr(b, "type", None) == "popover"]
    assert len(popovers) == 1, [getattr(b, "type", None) for b in at.sidebar.children.values()]
    [link] = [c.value for c in popovers[0].code]
    assert link.startswith("?") and link in [c.value for c in at.code]
    if page is None:
        assert [c.value for c in at.code] == [link], "the landing page's only code box is the link"


def test_landing_page_renders_the_lesson():
    at = _app()
    assert at.title[0].value == "Why initialization matters"
    table = at.dataframe[0].value
    row = table[(table["n"] == 1000) & (table["weights"] == "N(0, 0.1²)")].iloc[0]
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
    neuron = at.table[1].value
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


def test_landing_and_pages_1_and_2_do_not_import_tensorflow():
    probe = f"""
import sys, json
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "dashboard.py")!r}, default_timeout=60).run()
for page in ({P1!r}, "pages/2_Saturation_across_depth.py"):
    at.switch_page(page); at.run()
    assert not at.exception, at.exception
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [], "TensorFlow was imported by a page"


P2 = "pages/2_Saturation_across_depth.py"


def _verdicts(at: AppTest) -> list[str]:
    text = next(m.value for m in at.markdown if m.value.startswith("- **"))
    return text.splitlines()


def _assert_widgets(at: AppTest, values: dict) -> None:
    for key, value in values.items():
        assert at.session_state[key] == value, f"{key}: {at.session_state[key]!r} != {value!r}"


TABS, TAB_CHARTS = shown.constant(shown.P2, "TABS"), shown.constant(shown.P2, "TAB_CHARTS")


def _open_tab(at: AppTest) -> int:
    """The index of the tab the page's one st.tabs opens on (its container's default_tab_index)."""
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) == "tab_container":
                found.append(child.proto.tab_container.default_tab_index)
            walk(child)

    walk(at._tree)
    (index,) = found
    return index


def test_page2_defaults_are_the_lesson_with_initcore_numbers_and_verdicts():
    at = _app(P2)
    assert not at.exception, at.exception
    lesson = DEPTH_PRESETS[0]
    d = lesson.view.study(0)
    verdicts = _verdicts(at)
    assert len(verdicts) == len(lesson.view.inits) == 6
    for line, row in zip(verdicts, d.summary.itertuples(), strict=True):
        assert line == f"- **{row.series}** — *{row.verdict}*: {row.detail}.", line
    assert [row.verdict for row in d.summary.itertuples()] == list(lesson.expect)
    assert any(
        c.value == f"**{lesson.name}:** {lesson.text} {ui.seeds_note(lesson.view)}" for c in at.caption
    ), "the preset's note"
    assert [t.label for t in at.tabs] == [ui.tr(t) for t in TABS.values()], "the views, one tab each"
    assert at.session_state["s_view"] == "units" and at.query_params["s_view"] == "units"
    drawn = {}
    for tab, names in TAB_CHARTS.items():  # only the open tab runs: each tab draws its own charts
        at.session_state["s_view"] = tab
        at.run()
        assert not at.exception, at.exception
        assert at.query_params["s_view"] == tab, "the link opens on this tab"
        assert _open_tab(at) == list(TABS).index(tab), "the browser is told to show this tab"
        assert _verdicts(at) == verdicts, "every tab is a view of the same nets"
        specs = [c.proto.spec for c in at.get("vega_lite_chart")]
        assert len(specs) == len(names), (tab, names)
        assert len(at.get("download_button")) == 1, "the data behind the tab's view can be downloaded"
        drawn.update(zip(names, specs, strict=True))
        if tab == "gradients":
            table = at.dataframe[0].value
            chi1 = initcore.chi1("sigmoid", 250.0, 0.0)  # N(0, 1²) at width 250: sigma_w2 = 250
            assert (
                table.loc["N(0, 1²)", "χ₁"] == f"{chi1:.4g}" and table.loc["N(0, 1²)", "phase"] == "chaotic"
            )
            assert table.loc["U[-0.1, 0.1]", "σ_w²"] == "0.8333"  # 250 * 0.1² / 3
        else:
            assert not at.dataframe, "the theory table belongs to its tab"
    assert set(drawn) == set(charts.DEPTH_CHARTS), "every chart is in some tab"


@pytest.mark.parametrize("i", range(len(DEPTH_PRESETS)), ids=[p.name for p in DEPTH_PRESETS])
def test_page2_presets_set_every_control_and_show_their_verdicts(i):
    preset = DEPTH_PRESETS[i]
    at = _app(P2, s_seed="3")
    at.button(key=f"s_preset_{i}").click().run()
    assert not at.exception, at.exception
    _assert_widgets(at, ui.depth_state(preset.view))  # the slots a preset uses, and the net
    assert at.number_input(key="s_seed").value == 3, "a preset keeps the seed"
    words = [re.search(r" — \*(.+?)\*: ", line).group(1) for line in _verdicts(at)]
    assert words == list(preset.expect), words
    assert any(
        c.value == f"**{preset.name}:** {preset.text} {ui.seeds_note(preset.view)}" for c in at.caption
    ), "the preset's note"
    at.slider(key="s_depth").set_value(preset.view.depth + 1).run()
    assert not any(c.value.startswith(f"**{preset.name}:**") for c in at.caption), "gone once changed"


def test_page2_controls_change_the_numbers():
    at = _app(P2, s_view="gradients")  # the tab with the theory table
    at.radio(key="s_k").set_value(2).run()
    at.selectbox(key="s_act").set_value("tanh").run()
    at.slider(key="s_depth").set_value(5).run()
    at.slider(key="s_bias").set_value(0.5).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table.index) == ["U[-0.1, 0.1]", "N(0, 0.1²)"], "two initializations compared"
    chi1 = initcore.chi1("tanh", 2.5, 0.25)  # N(0, 0.1²) at width 250: sigma_w2 = 2.5; bias 0.5
    assert table.loc["N(0, 0.1²)", "χ₁"] == f"{chi1:.4g}", table
    assert "layer 5" in " ".join(_verdicts(at)) or "layer-5" in " ".join(_verdicts(at))
    assert at.query_params["s_bias"] == "0.5" and "s_i3" not in at.query_params


def test_page2_link_reproduces_the_view():
    query = {
        "s_act": "relu",
        "s_depth": "7",
        "s_k": "1",
        "s_i1": "he_uniform",
        "s_seed": "3",
        "s_view": "gradients",
    }
    at = _app(P2, **query)
    assert not at.exception
    again = _app(P2, **dict(at.query_params))
    assert again.session_state["s_view"] == "gradients", "the link opens on its tab"
    assert _verdicts(again) == _verdicts(at) and again.dataframe[0].value.equals(at.dataframe[0].value)


@pytest.mark.parametrize(
    "query",
    [
        {"s_depth": "51"},
        {"s_width": "3"},
        {"s_act": "gelu"},
        {"s_bias": "nan"},
        {"s_k": "9"},
        {"s_i2_std": "-0"},
    ],
)
def test_page2_bad_links_fall_back(query):
    at = _app(P2, **query)
    assert not at.exception, at.exception
    if query != {"s_i2_std": "-0"}:  # -0 is a valid std of 0
        assert at.info and "Ignored" in at.info[0].value, f"no notice for {query}"


@pytest.mark.parametrize(
    ("scheme", "param"),
    [("zeros", None), ("normal", ("std", 1e6)), ("uniform", ("limit", 0.0)), ("orthogonal", ("gain", 1e6))],
)
def test_page2_degenerate_initializations_get_a_clear_verdict(scheme, param):
    at = _app(P2)
    at.radio(key="s_k").set_value(1).run()
    at.selectbox(key="s_i1").set_value(scheme).run()
    if param:
        at.number_input(key=f"s_i1_{param[0]}").set_value(param[1]).run()
    assert not at.exception, at.exception
    verdict = _verdicts(at)[0]
    assert any(w in verdict for w in ("*symmetric*", "*overflow*", "*saturated*")), verdict


P3 = "pages/3_Training_comparisons.py"
SMALL = {"t_data": "circles", "t_opt": "adam", "t_lr": "0.01", "t_steps": "50", "t_depth": "2"}
SMALL |= {"t_width": "8", "t_k": "3", "t_batch": "32"}


def _train(at: AppTest) -> AppTest:
    return at.button(key="FormSubmitter:t_settings-Train").click().run(timeout=300)


@pytest.mark.tf
def test_page3_waits_for_train_then_shows_who_learned():
    at = _app(P3, **SMALL)
    assert not at.exception, at.exception
    assert any("Press **Train**" in i.value for i in at.info), "nothing runs before Train is pressed"
    assert at.get("vega_lite_chart"), "the data preview is shown before training"
    _train(at)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table.index) == ["U[-0.1, 0.1]", "N(0, 0.1²)", "Glorot (Xavier) uniform"], table
    assert set(table.columns) >= {"train loss", "test accuracy", "diverged at step"}
    assert len(at.get("vega_lite_chart")) >= 6, "curves, layers over training, decision boundaries"
    assert {b.label for b in at.get("download_button")} >= {"Weights (.npz)"}
    # The numbers are the engine's for the same settings
    data = initcore.load_dataset("circles", seed=0, noise=0.1)
    import initcore.training as training

    inits = {
        "U[-0.1, 0.1]": ("uniform", {"limit": 0.1}),
        "N(0, 0.1²)": ("normal", {"std": 0.1}),
        "Glorot (Xavier) uniform": ("glorot_uniform", {}),
    }
    result = training.train_many(
        data,
        inits,
        depth=2,
        width=8,
        activation="sigmoid",
        optimizer="adam",
        learning_rate=0.01,
        steps=50,
        batch_size=32,
        seed=0,
        record_every=1,
    )
    expected = training.summarize(result)
    assert table.loc["Glorot (Xavier) uniform", "test loss"] == f"{expected['test loss'].iloc[2]:.4g}"


@pytest.mark.parametrize("i", range(len(TRAINING_PRESETS)), ids=[p.name for p in TRAINING_PRESETS])
def test_page3_presets_set_the_form_and_show_their_note(i):
    preset = TRAINING_PRESETS[i]
    at = _app(P3, t_seed="3")
    at.button(key=f"t_preset_{i}").click().run()
    assert not at.exception, at.exception
    _assert_widgets(at, {**ui.training_state(preset.view), "t_seed": 0})
    assert any(
        c.value == f"**{preset.name}:** {preset.text} {ui.seeds_note(preset.view)}" for c in at.caption
    ), "the preset's note"
    assert not at.warning, "a preset fits the budget"


@pytest.mark.tf
def test_page3_relu_preset_trains_and_tells_its_outcomes_apart():
    i = next(i for i, p in enumerate(TRAINING_PRESETS) if p.view.activation == "relu")
    at = _app(P3)
    at.button(key=f"t_preset_{i}").click().run()
    _train(at)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table.index) == ["Zeros", "N(0, 0.01²)", "He normal", "N(0, 10²)"]
    assert list(table["outcome"])[:3] == ["dead", "stalled", "learned"], table["outcome"]
    assert table["outcome"].iloc[3] in ("exploded, then dead", "diverged"), table["outcome"]
    lines = next(m.value for m in at.markdown if m.value.startswith("- **Zeros**")).splitlines()
    assert lines[0].startswith("- **Zeros** — *dead*: every unit of layer 3 outputs 0"), lines[0]


def test_page3_offline_data_set_is_explained(monkeypatch):
    import initcore.datasets

    def offline(name):
        raise initcore.datasets.DatasetUnavailable(f"{name} could not be downloaded (offline).")

    monkeypatch.setattr(initcore.datasets, "_download", offline)
    at = _app(P3, t_data="mnist")
    assert not at.exception, at.exception
    assert at.warning and "could not be downloaded" in at.warning[0].value and "digits" in at.warning[0].value

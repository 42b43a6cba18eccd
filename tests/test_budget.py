"""The request budget: cost estimates, what to lower, and the pages refusing settings over it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import initcore
from initcore import budget

ROOT = Path(__file__).resolve().parents[1]
FOUR = ["uniform", "normal", "normal", "glorot_uniform"]


def test_depth_cost_counts_products_and_memory():
    c = initcore.depth_cost(depth=10, width=100, batch=1000, schemes=["uniform"])
    flops = 10 * 4 * 1000 * 100 * 100  # a forward and a backward product per layer
    assert c.seconds == pytest.approx(flops / budget.GEMM_FLOPS + 10 * 1000 * 100 * budget.ELEMENT_SECONDS)
    assert c.megabytes == pytest.approx((10 * 1000 * 100 + 10 * 100 * 100 + 6 * 1000 * 100) * 4 / 1e6)
    four = initcore.depth_cost(depth=10, width=100, batch=1000, schemes=FOUR)
    # counted as if run one after another: an upper bound (small nets run two at a time on page 2)
    assert four.seconds == pytest.approx(4 * c.seconds)
    assert four.megabytes == c.megabytes, "one pass in memory at a time"


def test_page_two_budget_allows_the_defaults_and_the_issue_heavy_case_but_not_the_maxima():
    assert initcore.depth_cost(depth=10, width=100, batch=1000, schemes=FOUR).fits()
    assert initcore.depth_cost(depth=50, width=1024, batch=1000, schemes=FOUR).fits()
    assert not initcore.depth_cost(depth=50, width=1024, batch=2000, schemes=FOUR).fits()
    # a QR per layer: 50 orthogonal 1024 x 1024 draws take minutes, not seconds
    ortho = initcore.depth_cost(depth=50, width=1024, batch=10, schemes=["orthogonal"])
    assert not ortho.fits() and ortho.seconds > 10


def test_training_budget_allows_the_defaults_and_presets_but_not_the_maxima():
    digits = {"features": 64, "classes": 10, "examples": 1797}
    default = initcore.training_cost(
        features=2, classes=2, examples=800, depth=5, width=64, models=5, steps=500, batch=64, measurements=32
    )
    assert default.fits() and default.seconds < 3
    glorot_preset = initcore.training_cost(
        **digits, depth=4, width=128, models=2, steps=1000, batch=64, measurements=31
    )
    assert glorot_preset.fits()
    biggest = initcore.training_cost(
        **digits, depth=10, width=256, models=6, steps=2000, batch=256, measurements=31
    )
    assert not biggest.fits()


def test_network_parameters():
    assert budget.network_parameters([2, 3, 1]) == 2 * 3 + 3 + 3 * 1 + 1


@settings(max_examples=60, deadline=None)
@given(
    depth=st.integers(1, 50),
    width=st.integers(1, 1024),
    batch=st.integers(1, 2000),
    which=st.sampled_from(["depth", "width", "batch"]),
)
def test_depth_cost_grows_with_every_setting(depth, width, batch, which):
    base = {"depth": depth, "width": width, "batch": batch}
    more = {**base, which: base[which] + 1}
    a = initcore.depth_cost(**base, schemes=FOUR)
    b = initcore.depth_cost(**more, schemes=FOUR)
    assert b.seconds > a.seconds and b.megabytes >= a.megabytes


def test_largest_fitting_is_the_largest_lower_value_that_fits():
    def cost(v):
        return initcore.Cost(seconds=float(v), megabytes=1.0)

    assert initcore.largest_fitting(cost, 20, range(1, 21)) == 8  # 8 s fits, 9 s does not
    assert initcore.largest_fitting(cost, 5, range(1, 21)) == 4, "only values below the current one"
    assert initcore.largest_fitting(lambda v: initcore.Cost(99.0, 1.0), 20, range(1, 21)) is None


def test_over_budget_message_names_the_estimate_and_each_fix():
    cost = initcore.Cost(16.2, 668.0)
    text = initcore.over_budget_message(
        "compute", cost, {"the depth": 27, "the width": None, "the batch": 1000}
    )
    assert "about 16 s and 668 MB" in text
    assert "Lower the depth to 27, or the batch to 1,000" in text
    assert "the width" not in text, "a setting that cannot fix it alone is not suggested"
    none = initcore.over_budget_message("train", cost, {"the steps": None})
    assert "Lower several of the settings together" in none


def _page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page(page)
    at.query_params.clear()
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_page_two_refuses_settings_over_the_budget_and_keeps_them():
    params = {"s_depth": "50", "s_width": "1024", "s_batch": "2000", "s_seed": "7", "s_k": "4"}
    at = _page("pages/2_Saturation_across_depth.py", params)
    assert not at.exception
    [warning] = at.warning
    assert "Lower the depth to 27, the width to 500, or the batch to 1,000" in warning.value
    assert not at.get("vega_lite_chart"), "nothing was computed"
    assert at.slider(key="s_depth").value == 50 and at.select_slider(key="s_batch").value == 2000
    assert all(at.query_params[k] == v for k, v in params.items()), "the link still holds every setting"
    at.select_slider(key="s_batch").set_value(1000).run()  # the suggested fix runs
    assert not at.exception and not at.warning and len(at.get("vega_lite_chart")) == 1  # the open tab


def test_page_three_refuses_a_training_over_the_budget_without_training():
    params = {"t_data": "digits", "t_depth": "10", "t_width": "256", "t_steps": "2000", "t_batch": "256"}
    params["t_k"] = "5"
    at = _page("pages/3_Training_comparisons.py", params)
    assert not at.exception
    assert any("Lower the units per layer to 32, and it runs" in w.value for w in at.warning)
    at.button(key="FormSubmitter:t_settings-Train").click().run()
    assert not at.exception
    assert "t_result" not in at.session_state, "nothing was trained"
    assert any("Nothing was run" in w.value for w in at.warning)


@pytest.mark.parametrize("steps", [1, 29, 30, 50, 500, 1000, 2000])
def test_measurements_count_the_records_of_a_run(steps):
    every = budget.record_every(steps)
    # train_many measures at step 0 and after every chunk of `every` steps
    assert budget.measurements(steps) == 1 + len(range(0, steps, every))
    assert (
        1 + budget.RECORDS <= budget.measurements(steps) <= 2 * budget.RECORDS + 1 or steps < budget.RECORDS
    )

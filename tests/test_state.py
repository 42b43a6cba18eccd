"""Declarative controls (ui.state.Control) and the page that draws them (ui.state.Page): one declaration
gives the URL field, the widget, the budget's choices; the link holds exactly the controls drawn, also when
a page ends early."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui
from ui.state import Control


def test_a_control_gives_its_field_and_its_choices():
    depth = ui.slider("d", "Depth", 1, 50, 10, 1)
    assert depth.field == ui.Field("d", 10, (), 1, 50, True, False)
    assert list(depth.choices()) == list(range(1, 51))
    width = ui.steps("w", "Width", (1, 10, 100), 10)
    assert width.field.options == (1, 10, 100) and tuple(width.choices()) == (1, 10, 100)
    assert ui.switch("p", "Predict").field.boolean
    bias = ui.slider("b", "Bias", 0.0, 3.0, 0.0, 0.1)
    assert not bias.field.integer
    with pytest.raises(ValueError, match="continuous range"):
        bias.choices()
    with pytest.raises(ValueError, match="widget must be one of"):
        Control("x", "X", 1, "knob")


def _page(stop_early: bool, show_b: bool):
    import streamlit as st

    import ui

    controls = (
        ui.slider("a", "A", 1, 9, 3, 1),
        ui.radio("b", "B", ("x", "y"), "x"),
        ui.integer("c", "C", 0, 9, 0),
    )
    with ui.Page("probe", controls) as page:
        page.show_notices()
        page.draw("a")
        if show_b:
            page.draw("b")
        page.draw("c", keep=False)
        if stop_early:
            st.info("stopped")
            page.stop()
        st.markdown("the end")


@pytest.mark.parametrize("stop_early", [False, True])
def test_the_link_holds_the_controls_drawn_also_when_the_page_stops_early(stop_early):
    at = AppTest.from_function(_page, kwargs={"stop_early": stop_early, "show_b": False})
    at.query_params.update({"b": "y", "c": "4"})
    at.run()
    assert not at.exception, at.exception
    assert at.slider(key="a").value == 3 and at.number_input(key="c").value == 4
    assert dict(at.query_params) == {"a": "3"}, "only what is drawn and kept goes into the link"
    assert any(c.value.startswith("?a=3") or c.value == "?a=3" for c in at.code), "the copyable link"
    assert any(m.value == "the end" for m in at.markdown) != stop_early
    at.slider(key="a").set_value(5).run()
    assert dict(at.query_params) == {"a": "5"}


def test_a_bad_link_value_falls_back_with_a_notice():
    at = AppTest.from_function(_page, kwargs={"stop_early": False, "show_b": True})
    at.query_params.update({"a": "99", "zz": "1"})
    at.run()
    assert not at.exception
    assert at.slider(key="a").value == 3, "the default"
    notice = at.info[0].value
    assert "Ignored `a=99` in the link (outside 1 to 9); using 3." in notice and "`zz`" in notice, notice
    assert dict(at.query_params) == {"a": "3", "b": "x"}

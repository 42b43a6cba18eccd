"""Landing page: why the way we initialize weights decides whether a network can learn."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import streamlit as st

import charts
import initcore
from initcore import claims
from initcore.activations import curve, prose_name, zone_spans
from initcore.views import DepthView, DrawsView, TrainingView
from initcore.words import is_rtl
from ui import N_, Control, tr, words

ui.setup_page("Why initialization matters", ":material/school:")
LESSON = (claims.DRAWS.a, claims.DRAWS.b)  # the two initializations before 2010, as page 1 draws them
PAGE_OF = {DrawsView: ui.PAGES[1][0], DepthView: ui.PAGES[2][0], TrainingView: ui.PAGES[3][0]}
STEPS = claims.LESSON  # each step's sentences are claims, tested on many seeds (initcore.claims)
CONTROLS = (
    Control(
        "act",
        N_("Activation"),
        "sigmoid",
        "radio",
        ("sigmoid", "tanh"),
        label_of=lambda a: tr(initcore.ACTIVATIONS[a].label),
        horizontal=True,
    ),
    Control("n", N_("Inputs per unit, n"), 100, "radio", (10, 100, 1000), horizontal=True),
    Control("lesson", N_("Lesson mode: teach it in six steps"), False, "toggle"),
    Control(
        "step",
        N_("Step"),
        1,
        "radio",
        tuple(range(1, len(STEPS) + 1)),
        label_of=lambda i: f"{i} · {tr(STEPS[i - 1].title)}",
        horizontal=True,
    ),
)

with ui.Page("home", CONTROLS) as page:
    st.title(tr("Why initialization matters"))
    st.markdown(tr(words.LANDING))
    page.show_notices()
    if page.draw("lesson"):
        with st.container(border=True):
            step = page.draw("step")
            lesson = STEPS[step - 1]
            st.markdown(
                tr("**{step}. {title}.** {text}", step=step, title=tr(lesson.title), text=lesson.text)
            )
            st.page_link(
                PAGE_OF[type(lesson.view)],
                label=tr("Open step {step}: {title}", step=step, title=tr(lesson.title)),
                icon=":material/arrow_back:"
                if is_rtl()
                else ":material/arrow_forward:",  # the way the text reads
                query_params=ui.view_link(lesson.view, seed=0),  # every setting its words depend on
            )

    c1, c2, _ = st.columns([1, 1, 2])
    activation, n = page.draw("act", c1), page.draw("n", c2)
    z, series = initcore.compare.lesson_z_curves(n, {i.scheme: i.kwargs for i in LESSON})
    chart = charts.activation_zones(
        curve(activation), zone_spans(activation), label=activation, z=z, series_schemes=series
    )
    st.vega_lite_chart(chart.spec(), width="stretch")
    st.caption(words.zones_chart_caption(activation, n))

    table = initcore.compare.zone_table(activation)
    text, table_col = st.columns([2, 3])
    text.subheader(tr("Where one unit's z lands"))
    text.markdown(
        tr(
            "A {act} unit with *n* inputs x ~ N(0, 1). z is close to normal with std √(n · Var(w)); the "
            "table gives the exact share of z in each zone.",
            act=prose_name(activation),
        )
    )
    text.caption(words.zone_table_caption(table))
    percent = st.column_config.NumberColumn(format="percent")
    table_col.dataframe(
        table.rename(columns=tr),
        hide_index=True,
        width="stretch",
        column_config={
            tr("std of z"): st.column_config.NumberColumn(format="%.2f"),
            tr("near-linear"): percent,
            tr("saturated"): percent,
        },
    )

    st.subheader(tr("Explore"))
    for path, label, icon, blurb in ui.PAGES[1:]:
        st.page_link(path, label=tr(label), icon=icon, query_params=ui.language.query())
        st.caption(tr(blurb))

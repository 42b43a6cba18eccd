"""Page 1: what the lesson's two simple initializations draw, and what one neuron fed by them computes."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
from dataclasses import replace

import pandas as pd
import streamlit as st

import charts
import initcore
from initcore.activations import curve, zone_spans
from initcore.claims import DRAWS as LESSON
from initcore.views import DrawsView
from ui import N_, tr, words
from ui.views import draw_slot, slot_controls

ui.setup_page("Uniform vs normal draws", ":material/bar_chart:")

COMPARE = {
    "bound": N_("Same number s (the lesson)"),
    "variance": N_("Same variance"),
    "free": N_("Set separately"),
}
DRAWS = (1_000, 10_000, 100_000, 1_000_000)
FAN_INS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000, 4096)
FANS = (1, 8192)  # a layer's fan_in and fan_out
INPUTS = initcore.INPUTS
CONTROLS = (
    *slot_controls("d_", "a", LESSON.a, label=N_("Distribution A")),
    *slot_controls("d_", "b", LESSON.b, label=N_("Distribution B")),
    ui.radio("d_compare", "Compare at", COMPARE, LESSON.compare, lambda m: tr(COMPARE[m])),
    ui.integer("d_fan_in", "fan_in", *FANS, LESSON.fan_in, help=N_("inputs per unit of the layer")),
    ui.integer("d_fan_out", "fan_out", *FANS, LESSON.fan_out, help=N_("units of the layer")),
    ui.steps("d_draws", "Draws", DRAWS, LESSON.draws_n, "{:,}".format),
    ui.steps("d_n", "Inputs per neuron, n", FAN_INS, LESSON.n),
    ui.select("d_inputs", "Inputs x", INPUTS, LESSON.inputs, lambda k: tr(INPUTS[k])),
    ui.seed("d_seed", help=N_("same seed, same numbers")),
)


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=ui.BY_FIELDS)
def draws_view(view: DrawsView, seed: int, lang: str):  # lang: the chart's words
    d = view.draws(seed)
    series = {label: name for label, (name, _) in view.schemes().items()}
    return charts.draws_histogram(d.hist, d.curves, series).spec(), d.summary, d.samples


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=ui.BY_FIELDS)
def neuron_view(view: DrawsView, seed: int, lang: str):
    v = view.neuron(seed)
    series = {label: name for label, (name, _) in view.schemes().items()}
    spans, phi = zone_spans("sigmoid", -v.reach, v.reach), curve("sigmoid", -v.reach, v.reach)
    return charts.neuron_chart(v.hist, spans, phi, series).spec(), v.table


with ui.Page("draws", CONTROLS) as page:
    st.title(tr("Uniform vs normal draws"))
    st.markdown(
        tr(
            "Until 2010 most networks started from **U[-0.1, 0.1]** or **N(0, 0.1²)**. Here are both, drawn "
            "live: what values they produce, and what a neuron that adds up *n* inputs weighted by them "
            "computes."
        )
    )
    page.show_notices()
    compare = page.draw("d_compare")
    col_a, col_b, col_shared = st.columns([1, 1, 1.2])
    with col_a:
        a = draw_slot(page, "d_", "a", params=compare == "free")  # else A's scale is matched to B's
    with col_b:
        b = draw_slot(page, "d_", "b")
    with col_shared:
        fan_cols = st.columns(2)
        fan_in, fan_out = page.draw("d_fan_in", fan_cols[0]), page.draw("d_fan_out", fan_cols[1])
        n_draws, seed = page.draw("d_draws"), page.draw("d_seed")
    # n and the inputs are drawn under their own section, below: their values are already known
    view = DrawsView(a, b, compare, fan_in, fan_out, n_draws, page.value("d_n"), page.value("d_inputs"))
    schemes = view.schemes()
    (a_label, (_, a_params)), (b_label, _) = schemes.items()
    if compare != "free" and initcore.SCHEMES[a.scheme].params:
        p = initcore.SCHEMES[a.scheme].params[0].name
        col_a.caption(
            tr(
                "{p} = **{value}**, matched to B ({how}).",
                p=tr(p),
                value=f"{a_params[p]:.4g}",
                how=tr(COMPARE[compare]).lower(),
            )
        )

    left, right = st.columns([1, 1])
    drawn = replace(view, n=LESSON.n, inputs=LESSON.inputs)  # the draws do not depend on n
    spec, summary, samples = draws_view(drawn, seed, ui.lang())
    left.vega_lite_chart(spec, width="stretch")
    left.caption(words.draws_caption(compare, a.scheme, b.scheme, summary, n_draws))
    right.table(ui.summary_table(summary))
    for label, (name, _) in schemes.items():
        right.caption(tr("**{label}**: {doc}", label=label, doc=initcore.SCHEMES[name].doc))

    st.subheader(tr("What one neuron sees"))
    c1, c2 = st.columns(2)
    n, inputs = page.draw("d_n", c1), page.draw("d_inputs", c2)
    spec, z_table = neuron_view(view, seed, ui.lang())
    left, right = st.columns([1, 1])
    left.vega_lite_chart(spec, width="stretch")
    right.table(ui.neuron_table(z_table))
    right.caption(tr("Measured on 20,000 values of z; in brackets, the normal approximation's prediction."))
    right.caption(words.neuron_caption(n, z_table))

    st.subheader(tr("The same weights in Keras"))
    st.caption(tr("Keras draws its own numbers: the same distributions, not the same values."))
    for i, (label, (name, params)) in enumerate(schemes.items()):
        st.code(f"# {label}\n{initcore.SCHEMES[name].keras_code(seed=seed + i, **params)}", language="python")
    d1, d2, _ = st.columns([1, 1, 3])
    d1.download_button(
        tr("Draws (CSV)"),
        lambda: pd.DataFrame(samples).to_csv(index=False),
        "draws.csv",
        "text/csv",
        key="d_dl_draws",
    )
    d2.download_button(
        tr("Summary (CSV)"), summary.to_csv(index=False), "summary.csv", "text/csv", key="d_dl_summary"
    )

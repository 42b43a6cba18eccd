"""Page 1: what the lesson's two simple initializations draw, and what one neuron fed by them computes."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import pandas as pd
import streamlit as st

import charts
import initcore
from initcore.activations import curve, zone_spans

ui.setup_page("Uniform vs normal draws", ":material/bar_chart:")

SCHEME_NAMES = tuple(initcore.SCHEMES)
PARAMS = {p.name: p for s in initcore.SCHEMES.values() for p in s.params}  # limit, std, gain
COMPARE = {"bound": "Same number s (the lesson)", "variance": "Same variance", "free": "Set separately"}
DRAWS = (1_000, 10_000, 100_000, 1_000_000)
FAN_INS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000, 4096)
state = ui.PageState(
    "draws",
    [
        ui.Field("d_a", "uniform", options=SCHEME_NAMES),
        ui.Field("d_b", "normal", options=SCHEME_NAMES),
        *(
            ui.Field(f"d_{s}_{p.name}", p.default, low=p.low, high=p.high)
            for s in "ab"
            for p in PARAMS.values()
        ),
        ui.Field("d_compare", "bound", options=tuple(COMPARE)),
        ui.Field("d_fan_in", 100, low=1, high=8192, integer=True),
        ui.Field("d_fan_out", 100, low=1, high=8192, integer=True),
        ui.Field("d_draws", 100_000, options=DRAWS),
        ui.Field("d_n", 100, options=FAN_INS),
        ui.Field("d_inputs", "normal", options=tuple(initcore.INPUTS)),
        ui.Field("d_seed", 0, low=0, high=2**31 - 1, integer=True),
    ],
)


@st.cache_data(max_entries=16, show_spinner=False)
def draws_view(schemes: tuple, fan_in: int, fan_out: int, n: int, seed: int):
    schemes = {label: (name, dict(params)) for label, name, params in schemes}
    d = initcore.compare_draws(schemes, fan_in=fan_in, fan_out=fan_out, n=n, seed=seed)
    series = {label: name for label, (name, _) in schemes.items()}
    return charts.draws_histogram_spec(d.hist, d.curves, series), d.summary, d.samples


@st.cache_data(max_entries=32, show_spinner=False)
def neuron_view(schemes: tuple, n: int, inputs: str, seed: int):
    schemes = {label: (name, dict(params)) for label, name, params in schemes}
    v = initcore.compare_neuron(schemes, n=n, inputs=inputs, seed=seed)
    series = {label: name for label, (name, _) in schemes.items()}
    spans, phi = zone_spans("sigmoid", -v.reach, v.reach), curve("sigmoid", -v.reach, v.reach)
    return charts.neuron_chart_spec(v.hist, spans, phi, series), v.table


st.title("Uniform vs normal draws")
st.markdown(
    "Until 2010 most networks started from **U[-0.1, 0.1]** or **N(0, 0.1²)**. Here are both, drawn live: "
    "what values they produce, and what a neuron that adds up *n* inputs weighted by them computes."
)
state.show_notices()

compare = st.radio("Compare at", tuple(COMPARE), format_func=COMPARE.get, key="d_compare", horizontal=True)
col_a, col_b, col_shared = st.columns([1, 1, 1.2])
chosen = {}
for slot, col in (("a", col_a), ("b", col_b)):
    with col:
        show = slot == "b" or compare == "free"  # else A's scale is matched to B below
        name, params = ui.scheme_picker("d_", slot, label=f"Distribution {slot.upper()}", show_params=show)
        chosen[slot] = (name, params)
with col_shared:
    fan_cols = st.columns(2)
    fan_in = fan_cols[0].number_input("fan_in", 1, 8192, key="d_fan_in", help="inputs per unit of the layer")
    fan_out = fan_cols[1].number_input("fan_out", 1, 8192, key="d_fan_out", help="units of the layer")
    n_draws = st.select_slider("Draws", DRAWS, format_func="{:,}".format, key="d_draws")
    seed = st.number_input("Seed", 0, 2**31 - 1, key="d_seed", help="same seed, same numbers")

(a, a_params), (b, b_params) = chosen["a"], chosen["b"]
a_params = initcore.matched_params(compare, a, a_params, b, b_params, fan_in, fan_out)
if compare != "free" and initcore.SCHEMES[a].params:
    p = initcore.SCHEMES[a].params[0].name
    col_a.caption(f"{p} = **{a_params[p]:.4g}**, matched to B ({COMPARE[compare].lower()}).")
schemes = {
    f"A: {initcore.SCHEMES[a].short_label(**a_params)}": (a, a_params),
    f"B: {initcore.SCHEMES[b].short_label(**b_params)}": (b, b_params),
}
key = tuple((label, name, tuple(sorted(params.items()))) for label, (name, params) in schemes.items())

left, right = st.columns([1, 1])
spec, summary, samples = draws_view(key, fan_in, fan_out, n_draws, seed)
with left:
    st.vega_lite_chart(spec, width="stretch")
    st.caption(ui.draws_caption(compare, a, b, summary, n_draws))
with right:
    st.dataframe(ui.summary_table(summary), width="stretch")
    for label, (name, _) in schemes.items():
        st.caption(f"**{label}**: {initcore.SCHEMES[name].doc}")

st.subheader("What one neuron sees")
c1, c2 = st.columns(2)
n = c1.select_slider("Inputs per neuron, n", FAN_INS, key="d_n")
inputs = c2.selectbox("Inputs x", tuple(initcore.INPUTS), format_func=initcore.INPUTS.get, key="d_inputs")
spec, z_table = neuron_view(key, n, inputs, seed)
left, right = st.columns([1, 1])
left.vega_lite_chart(spec, width="stretch")
with right:
    st.dataframe(ui.neuron_table(z_table), width="stretch")
    st.caption("Measured on 20,000 values of z; in brackets, the normal approximation's prediction.")
    st.caption(ui.neuron_caption(n, z_table))

st.subheader("The same weights in Keras")
st.caption("Keras draws its own numbers: the same distributions, not the same values.")
for i, (label, (name, params)) in enumerate(schemes.items()):
    st.code(f"# {label}\n{initcore.SCHEMES[name].keras_code(seed=seed + i, **params)}", language="python")

d1, d2, _ = st.columns([1, 1, 3])
d1.download_button(
    "Draws (CSV)",
    lambda: pd.DataFrame(samples).to_csv(index=False),
    "draws.csv",
    "text/csv",
    key="d_dl_draws",
)
d2.download_button(
    "Summary (CSV)", summary.to_csv(index=False), "summary.csv", "text/csv", key="d_dl_summary"
)

active = ["d_a", "d_b", "d_compare", "d_fan_in", "d_fan_out", "d_draws", "d_n", "d_inputs", "d_seed"]
shown = [f"d_{s}_{p.name}" for s in "ab" for p in initcore.SCHEMES[chosen[s][0]].params]
state.sync(active + [k for k in shown if compare == "free" or not k.startswith("d_a_")])  # matched A: derived

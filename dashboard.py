"""Landing page: why the way we initialize weights decides whether a network can learn."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import math

import pandas as pd
import streamlit as st

import charts
import initcore
from initcore import claims
from initcore.activations import curve, gaussian_zone_shares, zone_spans
from initcore.views import DepthView, DrawsView, TrainingView

ui.setup_page("Why initialization matters", ":material/school:")
LESSON = {"uniform": {"limit": 0.1}, "normal": {"std": 0.1}}  # the two initializations before 2010
PAGE_OF = {DrawsView: ui.PAGES[1][0], DepthView: ui.PAGES[2][0], TrainingView: ui.PAGES[3][0]}
STEPS = claims.LESSON  # each step's sentences are claims, tested on many seeds (initcore.claims)
state = ui.PageState(
    "home",
    [
        ui.Field("act", "sigmoid", options=("sigmoid", "tanh")),
        ui.Field("n", 100, options=(10, 100, 1000)),
        ui.Field("lesson", False, boolean=True),
        ui.Field("step", 1, options=tuple(range(1, len(STEPS) + 1))),
    ],
)

st.title("Why initialization matters")
st.markdown(
    """
A neural network starts from random weights, and *how* random decides whether it can learn.
Until 2010 the usual choice was to draw every weight from **U[-0.1, 0.1]** or **N(0, 0.1²)**,
whatever the size of the layer.

A sigmoid unit adds up its inputs, **z = w₁x₁ + … + wₙxₙ + b**, and outputs sigmoid(z).
With *n* independent inputs, **Var(z) = n · Var(w) · E[x²]**: a draw of fixed scale ignores the
layer's size, so the same weights give a narrow layer a small z and a wide layer a large one.

- **Weights too small:** z stays near 0, where the sigmoid is almost a straight line of slope 1/4.
  Each layer passes back only a fraction of the gradient, so the gradient vanishes on its way to the
  first layers, and the net computes an almost linear function.
- **Weights too large:** z lands in the flat tails. Outputs stick at 0 or 1, the slope there is almost
  zero, and learning stalls. In between lies the *edge of chaos*, where the gradient keeps its size from
  layer to layer even with many units saturated.
- **What we want:** a wide but reasonable spread of z, which means scaling Var(w) with the layer's
  size. That is **Xavier/Glorot initialization**, Var(w) = 2 / (fan_in + fan_out), derived for units
  whose slope at 0 is 1, like tanh. The sigmoid's slope at 0 is 1/4 and its outputs average 0.5: it
  needs about four times the Glorot scale.
- **How we train shows it, or hides it:** plain SGD moves every weight by its own gradient, so it shows
  vanishing gradients; Adam rescales each weight's step and hides much of them.
"""
)

state.show_notices()
if st.toggle("Lesson mode: teach it in six steps", key="lesson"):
    with st.container(border=True):
        step = st.radio(
            "Step",
            tuple(range(1, len(STEPS) + 1)),
            format_func=lambda i: f"{i} · {STEPS[i - 1].title}",
            key="step",
            horizontal=True,
        )
        lesson = STEPS[step - 1]
        st.markdown(f"**{step}. {lesson.title}.** {lesson.text}")
        st.page_link(
            PAGE_OF[type(lesson.view)],
            label=f"Open step {step}: {lesson.title}",
            icon=":material/arrow_forward:",
            query_params=ui.view_link(lesson.view, seed=0),  # every setting its words depend on
        )

c1, c2, _ = st.columns([1, 1, 2])
activation = c1.radio("Activation", ["sigmoid", "tanh"], key="act", horizontal=True)
n = c2.radio("Inputs per unit, n", [10, 100, 1000], key="n", horizontal=True)
act = initcore.ACTIVATIONS[activation]
sat_z = next(hi for lo, hi in act.saturated if math.isinf(lo)) * -1
lin_z = act.near_linear[0][1]

stds = {
    f"{initcore.SCHEMES[k].short_label(**p)}": math.sqrt(n) * initcore.SCHEMES[k].std(n, n, **p)
    for k, p in LESSON.items()
}
z = initcore.normal_z_curves(stds, reach=8.0)
st.vega_lite_chart(
    charts.activation_zones_spec(
        curve(activation),
        zone_spans(activation),
        label=activation,
        z=z,
        series_schemes=dict(zip(stds, LESSON, strict=True)),
    ),
    width="stretch",
)
st.caption(
    f"**What to notice:** inside |z| ≤ {lin_z:.3f} (blue) the {activation} keeps at least 95% of its "
    f"steepest slope: it is almost linear there. Beyond |z| > {sat_z:.2f} (orange) its slope is below "
    "5% of the maximum: the unit is saturated and passes almost no gradient back. Learning happens "
    f"in between (green). The coloured areas show where z lands for a unit with n = {n} inputs "
    "x ~ N(0, 1) and the lesson's two initializations: move n and watch them spread into the tails."
)

rows = []
for n_in in (100, 1000):
    for name in ("uniform", "normal", "glorot_uniform"):
        scheme = initcore.SCHEMES[name]
        std_z = math.sqrt(n_in) * scheme.std(n_in, n_in)
        shares = gaussian_zone_shares(activation, std_z)
        rows.append(
            {
                "n": n_in,
                "weights": scheme.short_label(),
                "std of z": std_z,
                "near-linear": shares["near-linear"],
                "saturated": shares["saturated"],
            }
        )
table = pd.DataFrame(rows)
text, table_col = st.columns([2, 3])
with text:
    st.subheader("Where one unit's z lands")
    st.markdown(
        f"A {activation} unit with *n* inputs x ~ N(0, 1). z is close to normal with "
        "std √(n · Var(w)); the table gives the exact share of z in each zone."
    )
    st.caption(ui.zone_table_caption(table))
with table_col:
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "std of z": st.column_config.NumberColumn(format="%.2f"),
            "near-linear": st.column_config.NumberColumn(format="percent"),
            "saturated": st.column_config.NumberColumn(format="percent"),
        },
    )

st.subheader("Explore")
for path, label, icon, blurb in ui.PAGES[1:]:
    st.page_link(path, label=label, icon=icon)
    st.caption(blurb)

state.sync(["act", "n", "lesson", "step"] if state.value("lesson") else ["act", "n", "lesson"])

"""Landing page: why the way we initialize weights decides whether a network can learn."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import math

import pandas as pd
import streamlit as st

import charts
import initcore
from initcore.activations import curve, gaussian_zone_shares, zone_spans

ui.setup_page("Why initialization matters", ":material/school:")
LESSON = {"uniform": {"limit": 0.1}, "normal": {"std": 0.1}}  # the two initializations before 2010
P1, P2, P3 = (path for path, *_ in ui.PAGES[1:])
# Each step's link names every setting its words depend on: a link sets only what it names, and the
# rest would come from what this session last chose on that page.
NET = {"s_act": "sigmoid", "s_depth": "10", "s_width": "100", "s_batch": "1000", "s_inputs": "normal"}
NET |= {"s_bias": "0", "s_seed": "0"}
TRAINING = {"t_data": "circles", "t_noise": 0.1, "t_depth": 5, "t_width": 64, "t_act": "sigmoid"}
TRAINING |= {"t_opt": "adam", "t_lr": 0.01, "t_steps": 500, "t_batch": 64, "t_seed": 0, "t_k": 5}
# The lesson in six steps: (title, page, the link's settings, what the class should notice).
STEPS = (
    (
        "Uniform vs normal",
        P1,
        {"d_a": "uniform", "d_b": "normal", "d_b_std": "0.1", "d_compare": "bound"},
        "The two classic draws look alike, but U[-0.1, 0.1] has std 0.058 while N(0, 0.1²) has std 0.1, "
        "and only the normal has tails. Switch *Compare at* to *same variance* and they match.",
    ),
    (
        "What one neuron sees",
        P1,
        {"d_a": "uniform", "d_b": "normal", "d_b_std": "0.1", "d_compare": "bound", "d_n": "1000"},
        "A unit with n = 1000 inputs adds them up: z has std √n · std(w), 1.8 for the uniform and 3.2 for "
        "the normal. Look at the neuron chart: a good part of z lands in the sigmoid's flat tails.",
    ),
    (
        "Too small: almost linear",
        P2,
        {
            **NET,
            "s_k": "1",
            "s_i1": "normal",
            "s_i1_std": "0.01",
        },
        "With N(0, 0.01²) weights every z stays near 0: all layer-10 units are in the sigmoid's linear "
        "zone, the activations collapse to 0.5, and layer 1 gets about 1e-15 of the last layer's gradient.",
    ),
    (
        "Too large: saturation",
        P2,
        {
            **NET,
            "s_k": "1",
            "s_i1": "normal",
            "s_i1_std": "1",
        },
        "With N(0, 1) weights and 100 inputs, z has a std near 10: over half of layer 10's units sit in "
        "the flat tails with outputs stuck at 0 or 1, where their slope, and the gradient through them, "
        "is almost zero.",
    ),
    (
        "The fix: Xavier/Glorot",
        P2,
        {
            **NET,
            "s_k": "4",
            "s_i1": "normal",
            "s_i1_std": "0.01",
            "s_i2": "glorot_uniform",
            "s_i3": "glorot_uniform_x4",
            "s_i4": "normal",
            "s_i4_std": "1",
        },
        "Glorot scales Var(w) with the layer's size, so z keeps the same spread at every depth. The "
        "sigmoid's slope at 0 is only 1/4, so Glorot & Bengio suggest 4x the limit for it: the only "
        "*healthy* verdict here, neither linear nor saturated.",
    ),
    (
        "Proof by training",
        P3,
        {
            **{key: str(value) for key, value in TRAINING.items()},
            "t_i1": "uniform",
            "t_i1_limit": "0.1",
            "t_i2": "normal",
            "t_i2_std": "0.1",
            "t_i3": "glorot_uniform",
            "t_i4": "he_normal",
            "t_i5": "normal",
            "t_i5_std": "1",
        },
        "Press **Train**: the same net, data and batches, five initializations. The *Who learned?* "
        "table and the loss curves show which ones bring the loss down in 500 steps and which stall.",
    ),
)
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
Until 2010 the usual choice was to draw every weight uniformly from **[-0.1, 0.1]** or from a
normal with **std 0.1**, whatever the size of the layer.

A sigmoid unit adds up its inputs, **z = w₁x₁ + … + wₙxₙ + b**, and outputs sigmoid(z).
With *n* independent inputs, **Var(z) = n · Var(w) · E[x²]**: the spread of z grows with the
number of inputs.

- **Weights too small:** z stays near 0, where the sigmoid is almost a straight line. Every layer
  is then nearly linear, and a deep stack of linear layers is just one linear model.
- **Weights too large:** z lands in the flat tails. Outputs stick at 0 or 1 and the slope there is
  almost zero, so hardly any gradient gets through: learning stalls.
- **What we want:** a wide but reasonable spread of z, which means scaling Var(w) with the layer's
  size. That is **Xavier/Glorot initialization**: Var(w) = 2 / (fan_in + fan_out).
"""
)

state.show_notices()
if st.toggle("Lesson mode: teach it in six steps", key="lesson"):
    with st.container(border=True):
        step = st.radio(
            "Step",
            tuple(range(1, len(STEPS) + 1)),
            format_func=lambda i: f"{i} · {STEPS[i - 1][0]}",
            key="step",
            horizontal=True,
        )
        title, page, params, notice = STEPS[step - 1]
        st.markdown(f"**{step}. {title}.** {notice}")
        st.page_link(
            page, label=f"Open step {step}: {title}", icon=":material/arrow_forward:", query_params=params
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
    lesson_1000 = table[(table["n"] == 1000) & (table["weights"] == "N(0, 0.1²)")].iloc[0]
    st.caption(
        "**What to notice:** with 100 inputs both of the lesson's draws are mild. With 1000 inputs "
        f"N(0, 0.1²) gives z a std of {lesson_1000['std of z']:.1f}, and "
        f"{lesson_1000['saturated']:.0%} of z is saturated. Glorot keeps the std of z near 1 at any n."
    )
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

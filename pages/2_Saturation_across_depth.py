"""Page 2: push data through a deep net and watch what each initialization does to every layer."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import streamlit as st

import charts
import initcore

ui.setup_page("Saturation across depth", ":material/stacked_line_chart:")

WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 1024)
BATCHES = (10, 50, 100, 250, 500, 1000, 2000)
SLOTS = (1, 2, 3, 4)
SIDE_BY_SIDE_MB = 64  # estimated memory of one initialization's pass below which they run in parallel
DEFAULT_INITS = {
    1: ("uniform", {"limit": 0.1}),
    2: ("normal", {"std": 0.1}),
    3: ("normal", {"std": 1.0}),
    4: ("glorot_uniform", {}),
}
GLOBAL_DEFAULTS = {
    "s_act": "sigmoid",
    "s_depth": 10,
    "s_width": 100,
    "s_batch": 1000,
    "s_inputs": "normal",
    "s_bias": 0.0,
    "s_k": 4,
}
PRESETS = {
    "The lesson": ({}, DEFAULT_INITS),
    "Too small / Xavier / too large": (
        {"s_k": 3},
        {1: ("normal", {"std": 0.01}), 2: ("glorot_normal", {}), 3: ("normal", {"std": 1.0})},
    ),
    "tanh: CS231n's 10 layers of 500": (
        {"s_act": "tanh", "s_width": 500, "s_k": 3},
        {1: ("normal", {"std": 0.01}), 2: ("glorot_normal", {}), 3: ("normal", {"std": 1.0})},
    ),
    "ReLU: He vs Glorot": (
        {"s_act": "relu", "s_depth": 30, "s_k": 2},
        {1: ("he_normal", {}), 2: ("glorot_normal", {})},
    ),
}


state = ui.PageState(
    "depth",
    [
        ui.Field("s_act", "sigmoid", options=tuple(initcore.ACTIVATIONS)),
        ui.Field("s_depth", 10, low=1, high=50, integer=True),
        ui.Field("s_width", 100, options=WIDTHS),
        ui.Field("s_batch", 1000, options=BATCHES),
        ui.Field("s_inputs", "normal", options=tuple(initcore.INPUTS)),
        ui.Field("s_bias", 0.0, low=-3.0, high=3.0),
        ui.Field("s_seed", 0, low=0, high=2**31 - 1, integer=True),
        ui.Field("s_k", 4, options=SLOTS),
        ui.Field("s_predict", False, boolean=True),
        *(f for j in SLOTS for f in ui.slot_fields("s_i", j, *DEFAULT_INITS[j])),
    ],
)


def apply_preset(name: str) -> None:
    """Set every control of the preset (an on_click callback: runs before the widgets are drawn)."""
    changes, inits = PRESETS[name]
    ui.apply_settings({**GLOBAL_DEFAULTS, **changes}, "s_i", inits)


@st.cache_data(max_entries=8, show_spinner="Computing the phase diagram (once per activation)…")
def phase_background(act: str):
    return initcore.phase_background(act)


@st.cache_data(max_entries=64, show_spinner=False)
def series(label: str, name: str, params: tuple, net: tuple, seed: int):
    depth, width, batch, inputs, act, bias = net
    net = {"depth": depth, "width": width, "batch": batch, "inputs": inputs, "activation": act, "bias": bias}
    return initcore.depth_series(label, name, dict(params), **net, seed=seed)


@st.cache_resource(max_entries=32, show_spinner=False)
def study(inits: tuple, net: tuple, seed: int):
    """The whole view, kept as is (read-only: charts get copies) so that a rerun with the same settings
    costs nothing; built from one cached computation per initialization, so that editing one of them
    recomputes only that one."""
    depth, width, batch = net[:3]
    one = initcore.depth_cost(depth=depth, width=width, batch=batch, schemes=["glorot_uniform"])
    if one.megabytes <= SIDE_BY_SIDE_MB:  # small nets: initializations side by side, one per core
        parts = ui.parallel_map(lambda i: series(*i, net, seed), inits)
    else:  # large ones split each pass in two instead (initcore.depth_series): one in memory at a time
        parts = [series(label, n, params, net, seed) for label, n, params in inits]
    d = initcore.combine(parts)
    names = {label: name for label, name, _ in inits}
    act = net[4]
    cells, critical = phase_background(act)
    phase = initcore.PhaseDiagram(cells, critical, initcore.phase_points(d.summary))
    specs = {
        "heatmap": charts.layer_heatmap_spec(
            d.hist, names, activation=act, bounded=initcore.ACTIVATIONS[act].limits is not None
        ),
        "mean_std": charts.mean_std_chart_spec(d.layers, names),
        "zones": charts.layer_lines_spec("zones", d.layers, names),
        "grads": charts.layer_lines_spec("grads", d.layers, names),
        "q": charts.layer_lines_spec("q", d.layers, names),
        "phase": charts.phase_chart_spec(phase, names, activation=act),
    }
    columns = [
        "series",
        "sigma_w2",
        "q_star",
        "chi1",
        "phase",
        "sqrt_chi1",
        "factor_theory",
        "factor_measured",
    ]
    return (
        {name: ui.frozen_spec(spec) for name, spec in specs.items()},
        d,
        ui.theory_table(d.summary[columns]),
    )


st.title("Saturation across depth")
st.markdown(
    "Push a batch of inputs through a deep net and look at every layer: where its units sit on the "
    "activation, how the signal's spread changes, and how much gradient makes it back. Every "
    "initialization below sees the same inputs and the same random seed, so two normals differ only in scale."
)
state.show_notices()

cols = st.columns(len(PRESETS))
for col, name in zip(cols, PRESETS, strict=True):
    col.button(
        name,
        on_click=apply_preset,
        args=(name,),
        width="stretch",
        key=f"s_preset_{list(PRESETS).index(name)}",
    )

c = st.columns([1, 1.4, 1, 1, 1.2, 1.2, 1])
act = c[0].selectbox(
    "Activation",
    tuple(initcore.ACTIVATIONS),
    format_func=lambda a: initcore.ACTIVATIONS[a].label,
    key="s_act",
)
depth = c[1].slider("Depth (layers)", 1, 50, key="s_depth")
width = c[2].select_slider("Width = fan-in", WIDTHS, key="s_width")
batch = c[3].select_slider("Batch", BATCHES, key="s_batch", help="inputs pushed through the net")
inputs = c[4].selectbox("Inputs", tuple(initcore.INPUTS), format_func=initcore.INPUTS.get, key="s_inputs")
bias = c[5].slider("Bias b (every unit)", -3.0, 3.0, step=0.1, key="s_bias", help="σ_b² = b²")
seed = c[6].number_input("Seed", 0, 2**31 - 1, key="s_seed")

left, right = st.columns([3, 2])
k = left.radio("Initializations compared", SLOTS, key="s_k", horizontal=True)
right.toggle("Predict, then reveal", key="s_predict", help="Hide the results until you reveal them.")
inits = {}
for j, col in zip(SLOTS[:k], st.columns(4), strict=False):
    with col:
        name, params = ui.scheme_picker("s_i", j)
    inits[ui.unique_label(inits, name, params, j)] = (name, params)

run = tuple((label, name, tuple(sorted(params.items()))) for label, (name, params) in inits.items())
active = ["s_act", "s_depth", "s_width", "s_batch", "s_inputs", "s_bias", "s_seed", "s_k", "s_predict"]
for j in SLOTS[:k]:
    active += ui.slot_keys("s_i", j, state.value(f"s_i{j}"))


def cost(depth: int = depth, width: int = width, batch: int = batch, k: int = k) -> initcore.Cost:
    return initcore.depth_cost(depth=depth, width=width, batch=batch, schemes=[n for _, n, _ in run[:k]])


ui.refuse_over_budget(
    "compute",
    cost(),
    lambda: {
        "the depth": initcore.largest_fitting(lambda v: cost(depth=v), depth, range(1, 51)),
        "the width": initcore.largest_fitting(lambda v: cost(width=v), width, WIDTHS),
        "the batch": initcore.largest_fitting(lambda v: cost(batch=v), batch, BATCHES),
        "the number of initializations": initcore.largest_fitting(lambda v: cost(k=v), k, SLOTS),
    },
    state,
    active,
)
net = (depth, width, batch, inputs, act, bias)
question = (
    f"which of these initializations will leave layer {depth}'s units almost linear, which will saturate "
    "them, and whose gradients will have vanished by layer 1?"
)
if ui.hidden_until_revealed("s_predict", question, (run, net, seed)):
    state.sync(active)
    st.stop()
specs, d, theory = study(run, net, seed)
specs = {name: dict(spec) for name, spec in specs.items()}  # Streamlit edits a spec's top-level keys
act_label = initcore.ACTIVATIONS[act].label
last = f"layer {depth}"

st.subheader("Verdict")
st.markdown("\n".join(f"- **{r.series}** — *{r.verdict}*: {r.detail}." for r in d.summary.itertuples()))

st.subheader("1 · Where the units sit, layer by layer")
st.vega_lite_chart(specs["heatmap"], width="content")
st.caption(
    "**What to notice:** each row is one layer's distribution of activations, brightest where most "
    f"units are. Small weights squeeze every layer into a thin stripe at {act_label}(0); large ones push "
    "the units to the edges (for a sigmoid: 0 and 1); a good initialization keeps a broad band at "
    "every depth."
)
ui.download(d.hist, "activation_histograms.csv", "s_dl_hist")

left, right = st.columns(2)
with left:
    st.subheader("2 · Mean ± std of the activations")
    st.vega_lite_chart(specs["mean_std"], width="stretch")
    st.caption(
        "**What to notice:** the band is each layer's spread of activations (Glorot & Bengio's Figure 2). "
        "A band shrinking to a line means every unit outputs nearly the same value: the layer passes on "
        "no information."
    )
with right:
    st.subheader("3 · Saturated and near-linear units")
    st.vega_lite_chart(specs["zones"], width="stretch")
    lin, sat = initcore.activations.LINEAR_SLOPE, initcore.activations.SATURATED_SLOPE
    st.caption(
        f"**What to notice:** saturated (solid) = slope below {sat:.0%} of the activation's steepest, "
        f"near-linear (dashed) = at least {lin:.0%} of it. A layer full of either does no useful "
        "nonlinear work."
    )
ui.download(d.layers, "layers.csv", "s_dl_layers")

left, right = st.columns(2)
with left:
    st.subheader("4 · Gradient flow")
    st.vega_lite_chart(specs["grads"], width="stretch")
    st.caption(
        "**What to notice:** the RMS of dL/dz at each layer for the same signal placed on the last "
        "layer, on a log axis. Lines falling toward layer 1 are vanishing gradients: the first layers "
        "barely learn. Dashed: what mean-field theory predicts."
    )
with right:
    st.subheader("5 · Theory beside measurement")
    st.vega_lite_chart(specs["q"], width="stretch")
    st.caption(
        "**What to notice:** solid is the measured E[z²] per layer, dashed the mean-field variance map "
        "q^l = σ_w² E[φ(√q^(l-1) u)²] + σ_b² (Poole et al. 2016). They agree when the layer is wide."
    )
st.dataframe(theory, width="stretch")
st.caption(
    "χ₁ = σ_w² E[φ'(√q* u)²]: below 1 (ordered) gradients shrink by about √χ₁ per layer, near 1 "
    "(critical) they travel deep, above 1 (chaotic) they grow. The last two columns are the per-layer "
    "gradient factor, predicted and measured (geometric mean over the layers)."
)
ui.download(d.summary, "theory.csv", "s_dl_theory")

st.subheader("6 · Phase diagram")
left, right = st.columns([3, 2])
left.vega_lite_chart(specs["phase"], width="stretch")
with right:
    st.caption(
        f"**What to notice:** the colour is χ₁ for a wide {act_label} net with weight variance σ_w²/fan_in "
        "and bias variance σ_b²: blue is ordered (gradients vanish), orange chaotic, the black line is "
        "the edge of chaos χ₁ = 1 where deep nets train best (Schoenholz et al. 2017). Each dot is one of "
        f"the initializations above at width {width}; a triangle lies beyond the plot."
    )
ui.download(d.summary[["series", "sigma_w2", "sigma_b2", "chi1", "phase"]], "phase_points.csv", "s_dl_phase")

state.sync(active)

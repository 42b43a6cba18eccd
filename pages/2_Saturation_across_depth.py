"""Page 2: push data through a deep net and watch what each initialization does to every layer."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import streamlit as st

import charts
import initcore
from initcore.claims import DEPTH_PRESETS
from initcore.views import DepthView, Init

ui.setup_page("Saturation across depth", ":material/stacked_line_chart:")

WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 1024)
BATCHES = (10, 50, 100, 250, 500, 1000, 2000)
SLOTS = (1, 2, 3, 4, 5, 6)
SIDE_BY_SIDE_MB = 64  # estimated memory of one initialization's pass below which they run in parallel
PRESETS = DEPTH_PRESETS  # each with the verdicts it shows on every seed (initcore.claims)
DEFAULTS = ui.depth_state(PRESETS[0].view)  # the page opens on the lesson
SPARE = (Init.of("glorot_normal"), Init.of("he_normal"))  # slots a preset leaves empty


state = ui.PageState(
    "depth",
    [
        ui.Field("s_act", DEFAULTS["s_act"], options=tuple(initcore.ACTIVATIONS)),
        ui.Field("s_depth", DEFAULTS["s_depth"], low=1, high=50, integer=True),
        ui.Field("s_width", DEFAULTS["s_width"], options=WIDTHS),
        ui.Field("s_batch", DEFAULTS["s_batch"], options=BATCHES),
        ui.Field("s_inputs", DEFAULTS["s_inputs"], options=tuple(initcore.INPUTS)),
        ui.Field("s_bias", DEFAULTS["s_bias"], low=0.0, high=3.0),
        ui.Field("s_seed", 0, low=0, high=2**31 - 1, integer=True),
        ui.Field("s_k", DEFAULTS["s_k"], options=SLOTS),
        ui.Field("s_predict", False, boolean=True),
        *(
            f
            for j, init in enumerate((*PRESETS[0].view.inits, *SPARE)[: len(SLOTS)], start=1)
            for f in ui.slot_fields("s_i", j, init.scheme, init.kwargs)
        ),
    ],
)


def apply_preset(i: int) -> None:
    """Set every control of preset i but the seed (an on_click callback: runs before the widgets are
    drawn)."""
    ui.apply_state(ui.depth_state(PRESETS[i].view))


@st.cache_data(max_entries=8, show_spinner="Computing the phase diagram (once per activation)…")
def phase_background(act: str):
    return initcore.phase_background(act)


@st.cache_data(max_entries=64, show_spinner=False)
def series(label: str, name: str, params: tuple, net: tuple, seed: int):
    depth, width, batch, inputs, act, bias = net
    net = {"depth": depth, "width": width, "batch": batch, "inputs": inputs, "activation": act}
    net["bias_std"] = bias
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

for i, (col, preset) in enumerate(zip(st.columns(len(PRESETS)), PRESETS, strict=True)):
    col.button(preset.name, on_click=apply_preset, args=(i,), width="stretch", key=f"s_preset_{i}")
preset_note = st.empty()

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
bias = c[5].slider(
    "Bias spread σ_b",
    0.0,
    3.0,
    step=0.1,
    key="s_bias",
    help="Each unit gets its own bias, drawn from N(0, σ_b²), as in the mean-field theory (Poole et al.).",
)
seed = c[6].number_input("Seed", 0, 2**31 - 1, key="s_seed")

left, right = st.columns([3, 2])
k = left.radio("Initializations compared", SLOTS, key="s_k", horizontal=True)
right.toggle("Predict, then reveal", key="s_predict", help="Hide the results until you reveal them.")
inits = {}
for j, col in zip(SLOTS[:k], st.columns(len(SLOTS)), strict=False):
    with col:
        name, params = ui.scheme_picker("s_i", j)
    inits[ui.unique_label(inits, name, params, j)] = (name, params)
view = DepthView(tuple(Init.of(n, **p) for n, p in inits.values()), act, depth, width, batch, inputs, bias)
with preset_note:
    ui.preset_note(PRESETS, view)

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

st.subheader("Verdict")
st.caption(
    f"Each verdict reads layer {depth}'s units and how much of their gradient reaches layer 1: it "
    "vanishes below 1e-3 of it or when it halves at every layer, and explodes above 1e3 times or when it "
    "doubles at every layer. The mean-field theory's prediction is beside it."
)
st.markdown("\n".join(f"- **{r.series}** — *{r.verdict}*: {r.detail}." for r in d.summary.itertuples()))

st.subheader("1 · Where the units sit, layer by layer")
st.vega_lite_chart(specs["heatmap"], width="content")
st.caption(ui.heatmap_caption(act, bias))
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
    st.caption(ui.zones_caption(act))
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
    st.caption(ui.q_caption(d.layers))
st.dataframe(theory, width="stretch")
st.caption(
    "χ₁ = σ_w² E[φ'(√q* u)²]: once the signal settles at q*, gradients shrink by about √χ₁ per layer "
    "below 1 (ordered), keep their size near 1 (critical) and grow above 1 (chaotic). The last two "
    "columns are the per-layer gradient factor, predicted and measured (geometric mean over the layers)."
)
ui.download(d.summary, "theory.csv", "s_dl_theory")

st.subheader("6 · Phase diagram")
left, right = st.columns([3, 2])
left.vega_lite_chart(specs["phase"], width="stretch")
with right:
    st.caption(ui.phase_caption(act, width))
ui.download(d.summary[["series", "sigma_w2", "sigma_b2", "chi1", "phase"]], "phase_points.csv", "s_dl_phase")

state.sync(active)

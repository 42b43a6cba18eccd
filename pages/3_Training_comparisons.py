"""Page 3: train the same network from several initializations at once and watch which ones learn."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import pandas as pd
import streamlit as st

import charts
import initcore
import initcore.training
from initcore.claims import TRAINING_PRESETS
from initcore.datasets import DATASETS, TOY_SETS, DatasetUnavailable, load_dataset
from initcore.views import Init, TrainingView

ui.setup_page("Training comparisons", ":material/model_training:")

SLOTS = (1, 2, 3, 4, 5, 6)
WIDTHS = (2, 4, 8, 16, 32, 64, 128, 256)
RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
STEPS = (50, 100, 200, 300, 500, 1000, 2000)
BATCHES = (16, 32, 64, 128, 256)
PRESETS = TRAINING_PRESETS  # each with the outcome every model gets on every seed (initcore.claims)
DEFAULTS = {**ui.training_state(PRESETS[0].view), "t_seed": 0}  # the page opens on the lesson
SETTINGS = [key for key in DEFAULTS if not key.startswith("t_i")]


state = ui.PageState(
    "training",
    [
        ui.Field("t_data", DEFAULTS["t_data"], options=tuple(DATASETS)),
        ui.Field("t_noise", DEFAULTS["t_noise"], low=0.0, high=0.5),
        ui.Field("t_depth", DEFAULTS["t_depth"], low=1, high=10, integer=True),
        ui.Field("t_width", DEFAULTS["t_width"], options=WIDTHS),
        ui.Field("t_act", DEFAULTS["t_act"], options=tuple(initcore.ACTIVATIONS)),
        ui.Field("t_opt", DEFAULTS["t_opt"], options=initcore.training.OPTIMIZERS),
        ui.Field("t_lr", DEFAULTS["t_lr"], options=RATES),
        ui.Field("t_steps", DEFAULTS["t_steps"], options=STEPS),
        ui.Field("t_batch", DEFAULTS["t_batch"], options=BATCHES),
        ui.Field("t_seed", DEFAULTS["t_seed"], low=0, high=2**31 - 1, integer=True),
        ui.Field("t_k", DEFAULTS["t_k"], options=SLOTS),
        ui.Field("t_predict", False, boolean=True),
        *(
            f
            for j, init in enumerate(PRESETS[0].view.inits, start=1)
            for f in ui.slot_fields("t_i", j, init.scheme, init.kwargs)
        ),
    ],
)


def apply_preset(i: int) -> None:
    """Set every training setting of preset i, and the seed back to 0 (an on_click callback, before the
    widgets are drawn)."""
    ui.apply_state({**ui.training_state(PRESETS[i].view), "t_seed": 0})


@st.cache_data(max_entries=16, show_spinner=False)
def dataset(name: str, noise: float, seed: int):
    return load_dataset(name, seed=seed, noise=noise)


st.title("Training comparisons")
st.markdown(
    "The proof: train the same network from several initializations at once, on the same batches, "
    "and see which ones learn. Change the settings, then press **Train**; nothing runs until you do."
)
state.show_notices()
for i, (col, preset) in enumerate(zip(st.columns(len(PRESETS)), PRESETS, strict=True)):
    col.button(preset.name, on_click=apply_preset, args=(i,), width="stretch", key=f"t_preset_{i}")
preset_note = st.empty()
predict = st.toggle(
    "Predict, then reveal",
    key="t_predict",
    help="Hide the results (and the live loss) until you reveal them.",
)

with st.form("t_settings"):
    c = st.columns(4)
    data_name = c[0].selectbox(
        "Data set", tuple(DATASETS), format_func=lambda n: n.replace("_", " "), key="t_data"
    )
    noise = c[0].slider("Noise (2-D sets)", 0.0, 0.5, step=0.05, key="t_noise")
    depth = c[1].slider("Hidden layers", 1, 10, key="t_depth")
    width = c[1].select_slider("Units per layer", WIDTHS, key="t_width")
    act = c[1].selectbox(
        "Activation",
        tuple(initcore.ACTIVATIONS),
        format_func=lambda a: initcore.ACTIVATIONS[a].label,
        key="t_act",
    )
    opt = c[2].radio(
        "Optimizer", initcore.training.OPTIMIZERS, format_func=str.upper, key="t_opt", horizontal=True
    )
    lr = c[2].select_slider("Learning rate", RATES, key="t_lr")
    steps = c[2].select_slider("Steps", STEPS, key="t_steps")
    batch = c[3].select_slider("Batch size", BATCHES, key="t_batch")
    seed = c[3].number_input("Seed", 0, 2**31 - 1, key="t_seed")
    k = c[3].select_slider("Initializations compared", SLOTS, key="t_k")
    inits = {}
    slot_cols = st.columns(6)
    for j in SLOTS:
        with slot_cols[j - 1]:
            name, params = ui.scheme_picker("t_i", j)
        if j <= k:
            inits[ui.unique_label(inits, name, params, j)] = (name, params)
    submitted = st.form_submit_button("Train", type="primary", icon=":material/play_arrow:")
chosen = tuple(Init.of(n, **p) for n, p in inits.values())
view = TrainingView(chosen, data_name, noise, depth, width, act, opt, lr, steps, batch)
with preset_note:
    ui.preset_note(PRESETS, view)
st.caption(
    "Only the first *Initializations compared* slots are trained. A scheme's parameters appear under it "
    "after you press Train."
)

active = ["t_predict", *SETTINGS] + [
    key for j in SLOTS[:k] for key in ui.slot_keys("t_i", j, state.value(f"t_i{j}"))
]
settings = (view, seed)  # what a stored result was trained with
try:
    data = dataset(data_name, noise, seed)
except DatasetUnavailable as err:
    st.warning(f"{err} Pick another data set, such as *digits*.", icon=":material/cloud_off:")
    state.sync(active)
    st.stop()
names = {label: name for label, (name, _) in inits.items()}
with st.expander(f"The data: {data_name.replace('_', ' ')}", expanded=not submitted):
    st.vega_lite_chart(charts.dataset_preview_spec(initcore.training.preview_frame(data)), width="content")
    st.caption(
        f"**What to notice:** {data.description}; {len(data.x_train):,} training and {len(data.x_test):,} "
        f"test examples, {data.features} inputs, {data.n_classes} classes."
    )


def cost(depth: int = depth, width: int = width, steps: int = steps, batch: int = batch, k: int = k):
    return initcore.training_cost(
        features=data.features,
        classes=data.n_classes,
        examples=len(data.x_train) + len(data.x_test),
        depth=depth,
        width=width,
        models=k,
        steps=steps,
        batch=batch,
        measurements=initcore.budget.measurements(steps),
    )


ui.refuse_over_budget(
    "train",
    cost(),
    lambda: {
        "the steps": initcore.largest_fitting(lambda v: cost(steps=v), steps, STEPS),
        "the hidden layers": initcore.largest_fitting(lambda v: cost(depth=v), depth, range(1, 11)),
        "the units per layer": initcore.largest_fitting(lambda v: cost(width=v), width, WIDTHS),
        "the batch size": initcore.largest_fitting(lambda v: cost(batch=v), batch, BATCHES),
        "the initializations compared": initcore.largest_fitting(lambda v: cost(k=v), k, SLOTS),
    },
    state,
    active,
)
if submitted:
    with st.status("Loading TensorFlow (the first run takes a few seconds)…", expanded=False) as status:
        initcore.training.tensorflow()
        status.update(label="TensorFlow is ready", state="complete")
    bar = st.progress(0.0, text="Training…")
    live = st.empty()

    def progress(step: int, total: int, history: pd.DataFrame) -> None:
        bar.progress(step / total, text=f"Training… step {step} of {total}")
        if not predict:
            live.vega_lite_chart(charts.training_curves_spec(history, names, metric="loss"), width="stretch")

    result = initcore.training.train_many(
        data,
        inits,
        depth=depth,
        width=width,
        activation=act,
        optimizer=opt,
        learning_rate=lr,
        steps=steps,
        batch_size=batch,
        seed=seed,
        record_every=initcore.budget.record_every(steps),  # as cost() assumes
        progress=progress,
    )
    bar.empty()
    live.empty()
    st.session_state["t_result"] = (settings, result)

stored = st.session_state.get("t_result")
if stored is None or stored[0] != settings:
    st.info("Press **Train** to run these settings.", icon=":material/play_arrow:")
    state.sync(active)
    st.stop()
result = stored[1]
question = (
    f"which of these initializations will bring the loss down in {steps:,} steps, and which will stall?"
)
if ui.hidden_until_revealed("t_predict", question, settings):
    state.sync(active)
    st.stop()

summary = initcore.training.summarize(result)
st.subheader("Who learned?")
st.dataframe(ui.training_table(summary), width="stretch")
fates = initcore.training.outcomes(result)
st.markdown("\n".join(f"- **{o.label}** — *{o.kind}*: {o.detail}." for o in fates))
diverged = [o.label for o in fates if o.kind == "diverged"]
if diverged:
    st.warning(
        f"Diverged (the loss became NaN or infinite, so training stopped for them): {', '.join(diverged)}."
    )
left, right = st.columns(2)
left.vega_lite_chart(charts.training_curves_spec(result.history, names, metric="loss"), width="stretch")
right.vega_lite_chart(charts.training_curves_spec(result.history, names, metric="accuracy"), width="stretch")
st.caption(ui.curves_caption(result.history, opt))

st.subheader("Inside the network while it trains")
st.vega_lite_chart(charts.layer_training_spec(result.layers, names, field="a_mean"), width="content")
st.caption(ui.layers_caption(result.layers, act))
# One row each: with up to six small panels per chart, side-by-side columns would cut panels off.
st.vega_lite_chart(charts.layer_training_spec(result.layers, names, field="saturated"), width="content")
st.caption("**What to notice:** the share of units in the flat tails of the activation, per layer.")
st.vega_lite_chart(charts.layer_training_spec(result.layers, names, field="grad_rms"), width="content")
st.caption(ui.gradients_caption(opt))

if data_name in TOY_SETS:
    st.subheader("Decision boundaries")
    grid = initcore.training.boundary_grid(result, data, activation=act)
    test = pd.DataFrame(
        {"x": data.x_test[:, 0], "y": data.x_test[:, 1], "label": [f"class {c}" for c in data.y_test]}
    )
    st.vega_lite_chart(charts.decision_boundaries_spec(grid, test, names), width="content")
    st.caption(ui.boundary_caption(grid))

d1, d2, d3, _ = st.columns([1, 1, 1, 2])
with d1:
    ui.download(result.history, "history.csv", "t_dl_history")
with d2:
    ui.download(result.layers, "layers.csv", "t_dl_layers")
d3.download_button(
    "Weights (.npz)",
    lambda: initcore.training.weights_npz(result),
    "weights.npz",
    key="t_dl_weights",
    type="tertiary",
)

state.sync(active)

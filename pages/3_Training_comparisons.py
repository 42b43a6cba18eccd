"""Page 3: train the same network from several initializations at once and watch which ones learn."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import streamlit as st

import charts
import initcore
import initcore.runs
import initcore.training
from initcore.claims import TRAINING_PRESETS
from initcore.datasets import DATASETS, NAMES, TOY_SETS, DatasetUnavailable, load_dataset
from ui import N_, tr, words
from ui.views import draw_slot, labels, slot_controls, test_points

ui.setup_page("Training comparisons", ":material/model_training:")

SLOTS = (1, 2, 3, 4, 5, 6)
WIDTHS = (2, 4, 8, 16, 32, 64, 128, 256)
RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
STEPS = (50, 100, 200, 300, 500, 1000, 2000)
BATCHES = (16, 32, 64, 128, 256)
PRESETS = TRAINING_PRESETS  # each with the outcome every model gets on every seed (initcore.claims)
START = ui.training_state(PRESETS[0].view)  # the page opens on the lesson
ACTS = initcore.ACTIVATIONS
OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam"}  # as the papers and Keras write them
S = START
CONTROLS = (
    ui.select("t_data", "Data set", DATASETS, S["t_data"], lambda n: tr(NAMES[n])),
    ui.slider("t_noise", "Noise (2-D sets)", 0.0, 0.5, S["t_noise"], 0.05),
    ui.slider("t_depth", "Hidden layers", 1, 10, S["t_depth"], 1),
    ui.steps("t_width", "Units per layer", WIDTHS, S["t_width"]),
    ui.select("t_act", "Activation", ACTS, S["t_act"], lambda a: tr(ACTS[a].label)),
    ui.radio("t_opt", "Optimizer", initcore.training.OPTIMIZERS, S["t_opt"], OPTIMIZER_NAMES.get),
    ui.steps("t_lr", "Learning rate", RATES, S["t_lr"]),
    ui.steps("t_steps", "Steps", STEPS, S["t_steps"]),
    ui.steps("t_batch", "Batch size", BATCHES, S["t_batch"]),
    ui.seed("t_seed"),
    ui.steps("t_k", "Initializations compared", SLOTS, S["t_k"]),
    ui.switch(
        "t_predict",
        "Predict, then reveal",
        help=N_("Hide the results (and the live loss) until you reveal them."),
    ),
    *(c for j, init in enumerate(PRESETS[0].view.inits, 1) for c in slot_controls("t_i", j, init)),
)
FORM = (
    ("t_data", "t_noise"),
    ("t_depth", "t_width", "t_act"),
    ("t_opt", "t_lr", "t_steps"),
    ("t_batch", "t_seed", "t_k"),
)


@st.cache_data(max_entries=16, show_spinner=False)
def dataset(name: str, noise: float, seed: int):
    return load_dataset(name, seed=seed, noise=noise)


with ui.Page("training", CONTROLS) as page:
    st.title(tr("Training comparisons"))
    st.markdown(tr(words.TRAINING_INTRO))
    page.show_notices()
    note = ui.preset_buttons(PRESETS, ui.training_state, "t", keep_seed=False)
    predict = page.draw("t_predict")
    with st.form("t_settings"):
        values = {
            key: page.draw(key, col) for keys, col in zip(FORM, st.columns(4), strict=True) for key in keys
        }
        k, inits = values["t_k"], []
        for j, col in zip(SLOTS, st.columns(len(SLOTS)), strict=True):
            with col:
                inits.append(draw_slot(page, "t_i", j, keep=j <= k))
        submitted = st.form_submit_button(tr("Train"), type="primary", icon=":material/play_arrow:")
    view = ui.views.training_view(values, inits[:k])
    seed, names = values["t_seed"], labels(view.inits)
    with note:
        ui.preset_note(PRESETS, view)
    st.caption(tr(words.SLOTS_NOTE))
    try:
        data = dataset(view.data, view.noise, seed)
    except DatasetUnavailable as err:
        st.warning(words.offline_warning(err), icon=":material/cloud_off:")
        page.stop()
    with st.expander(tr("The data: {name}", name=tr(NAMES[view.data])), expanded=not submitted):
        st.vega_lite_chart(charts.dataset_preview(initcore.runs.preview_frame(data)).spec(), width="content")
        st.caption(words.data_caption(data))
    ui.refuse_over_budget(
        page,
        N_("train the models"),
        lambda **changes: view.cost(data, **changes),
        {
            "steps": (N_("the steps"), "t_steps"),
            "depth": (N_("the hidden layers"), "t_depth"),
            "width": (N_("the units per layer"), "t_width"),
            "batch_size": (N_("the batch size"), "t_batch"),
            "k": (N_("the initializations compared"), "t_k"),
        },
    )
    if submitted:
        curves = lambda h: charts.training_curves(h, names, metric="loss").spec()  # noqa: E731
        st.session_state["t_result"] = (
            (view, seed),
            ui.train(view, seed, data, live=None if predict else curves),
        )
    stored = st.session_state.get("t_result")
    if stored is None or stored[0] != (view, seed):
        st.info(tr("Press **Train** to run these settings."), icon=":material/play_arrow:")
        page.stop()
    result = stored[1].relabelled(list(names))  # trained before a language switch: named anew
    if ui.hidden_until_revealed("t_predict", words.training_question(view.steps), (view, seed)):
        page.stop()

    st.subheader(tr("Who learned?"))
    st.dataframe(ui.training_table(initcore.runs.summarize(result)), width="stretch")
    fates = initcore.runs.outcomes(result)
    st.markdown(words.verdict_lines((o.label, o.kind, o.detail) for o in fates))
    if diverged := [o.label for o in fates if o.kind == "diverged"]:
        st.warning(words.diverged_warning(diverged))
    left, right = st.columns(2)
    for col, metric in ((left, "loss"), (right, "accuracy")):
        col.vega_lite_chart(
            charts.training_curves(result.history, names, metric=metric).spec(), width="stretch"
        )
    st.caption(words.curves_caption(result.history, view.optimizer))

    st.subheader(tr("Inside the network while it trains"))
    # One row each: with up to six small panels per chart, side-by-side columns would cut panels off.
    for field, caption in (
        ("a_mean", words.layers_caption(result.layers, view.activation)),
        ("saturated", words.notice(words.SATURATED_CAPTION)),
        ("grad_rms", words.gradients_caption(view.optimizer)),
    ):
        st.vega_lite_chart(charts.layer_training(result.layers, names, field=field).spec(), width="content")
        st.caption(caption)
    if view.data in TOY_SETS:
        st.subheader(tr("Decision boundaries"))
        grid = initcore.runs.boundary_grid(result, data, activation=view.activation)
        test = test_points(data)
        st.vega_lite_chart(charts.decision_boundaries(grid, test, names).spec(), width="content")
        st.caption(words.boundary_caption(grid))
    d1, d2, d3, _ = st.columns([1, 1, 1, 2])
    ui.download(result.history, "history.csv", "t_dl_history", where=d1)
    ui.download(result.layers, "layers.csv", "t_dl_layers", where=d2)
    weights = lambda: initcore.runs.weights_npz(result)  # noqa: E731
    d3.download_button(tr("Weights (.npz)"), weights, "weights.npz", key="t_dl_weights", type="tertiary")

"""Page 2: push data through a deep net and watch what each initialization does to every layer."""

from __future__ import annotations

import ui  # first: it sets up the process (BLAS threads) before anything loads numpy

# isort: split
import streamlit as st

import charts
import initcore
from initcore.claims import DEPTH_PRESETS
from initcore.views import DepthView, Init, Kept
from ui import N_, tr, words
from ui.views import draw_slot, slot_controls

ui.setup_page("Saturation across depth", ":material/stacked_line_chart:")

WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 1024)
BATCHES = (10, 50, 100, 250, 500, 1000, 2000)
SLOTS = (1, 2, 3, 4, 5, 6)
PRESETS = DEPTH_PRESETS  # each with the verdicts it shows on every seed (initcore.claims)
START = ui.depth_state(PRESETS[0].view)  # the page opens on the lesson
SPARE = (Init.of("glorot_normal"), Init.of("he_normal"))  # for the slots the lesson leaves empty
ACTS, INPUTS = initcore.ACTIVATIONS, initcore.INPUTS
TABS = {  # the views below the verdicts, one open at a time (only its charts are made and drawn)
    "units": N_("1 · Where the units sit, layer by layer"),
    "activations": N_("2 · Activations: mean ± std, saturated and near-linear"),
    "gradients": N_("3 · Gradient flow and the theory"),
    "phase": N_("4 · Phase diagram"),
}
TAB_CHARTS = {"units": ("heatmap",), "activations": ("mean_std", "zones"), "gradients": ("grads", "q"),
              "phase": ("phase",)}  # fmt: skip
EARLY_S = 0.5  # nets estimated quicker than this are computed before any widget is drawn (slower ones
# after the controls, which then stay on screen while they compute)
NET = ("s_act", "s_depth", "s_width", "s_batch", "s_inputs", "s_bias", "s_seed")
S = START
CONTROLS = (
    ui.select("s_act", "Activation", ACTS, S["s_act"], lambda a: tr(ACTS[a].label)),
    ui.slider("s_depth", "Depth (layers)", 1, 50, S["s_depth"], 1),
    ui.steps("s_width", "Width = fan-in", WIDTHS, S["s_width"]),
    ui.steps("s_batch", "Batch", BATCHES, S["s_batch"], help=N_("inputs pushed through the net")),
    ui.select("s_inputs", "Inputs", INPUTS, S["s_inputs"], lambda k: tr(INPUTS[k])),
    ui.slider("s_bias", "Bias spread σ_b", 0.0, 3.0, S["s_bias"], 0.1, help=words.BIAS_HELP),
    ui.seed("s_seed"),
    ui.radio("s_k", "Initializations compared", SLOTS, S["s_k"]),
    ui.switch("s_predict", "Predict, then reveal", help=N_("Hide the results until you reveal them.")),
    ui.tabs("s_view", tuple(TABS), lambda t: tr(TABS[t])),
    *(
        c
        for j, i in enumerate((*PRESETS[0].view.inits, *SPARE)[: len(SLOTS)], 1)
        for c in slot_controls("s_i", j, i)
    ),
)


@st.cache_resource(show_spinner=False)
def kept() -> Kept:
    """Every session's last series, one per initialization, so that editing one recomputes only it."""
    return Kept(maxsize=64)


@st.cache_resource(max_entries=32, show_spinner=False, hash_funcs=ui.BY_FIELDS)
def computed(view: DepthView, seed: int, lang: str):  # lang: the verdicts' words
    """The whole view, kept as is (read-only) so that a rerun with the same settings costs nothing."""
    return view.study(seed, kept=kept())


@st.cache_resource(max_entries=32, show_spinner=False, hash_funcs=ui.BY_FIELDS)
def theory(view: DepthView, seed: int, lang: str):
    """The theory table of the gradients tab, made when that tab is open."""
    return ui.theory_table(computed(view, seed, lang).summary)


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=ui.BY_FIELDS)
def tab_specs(view: DepthView, seed: int, tab: str, lang: str) -> dict[str, dict]:
    """The specs of one tab's charts, made when the tab is first opened (read-only: the page draws copies,
    as Streamlit edits a spec's top-level keys)."""
    d = computed(view, seed, lang)
    made = charts.depth_charts(d, activation=view.activation, only=TAB_CHARTS[tab])
    return {name: ui.frozen_spec(chart.spec()) for name, chart in made.items()}


with ui.Page("depth", CONTROLS) as page:
    now = {k: page.value(k) for k in NET}
    ahead = ui.views.depth_view(now, [ui.views.slot_init(page, "s_i", j) for j in SLOTS[: page.value("s_k")]])
    if ahead.cost().seconds <= EARLY_S:  # quick: compute first, then send the page in one go
        computed(ahead, now["s_seed"], ui.lang())
    st.title(tr("Saturation across depth"))
    st.markdown(tr(words.DEPTH_INTRO))
    page.show_notices()
    note = ui.preset_buttons(PRESETS, ui.depth_state, "s", keep_seed=True)
    values = dict(zip(NET, map(page.draw, NET, st.columns([1, 1.4, 1, 1, 1.2, 1.2, 1])), strict=True))
    left, right = st.columns([3, 2])
    k = page.draw("s_k", left)
    page.draw("s_predict", right)
    inits = []
    for j, col in zip(SLOTS[:k], st.columns(len(SLOTS)), strict=False):
        with col:
            inits.append(draw_slot(page, "s_i", j))
    page.keep("s_view")  # the open tab stays in the link when the run ends before the tabs (a refusal)
    view = ui.views.depth_view(values, inits)
    depth, seed = view.depth, values["s_seed"]
    with note:
        ui.preset_note(PRESETS, view)

    ui.refuse_over_budget(
        page,
        N_("compute"),
        view.cost,
        {
            "depth": (N_("the depth"), "s_depth"),
            "width": (N_("the width"), "s_width"),
            "batch": (N_("the batch"), "s_batch"),
            "k": (N_("the number of initializations"), "s_k"),
        },
    )
    question = tr(
        "which of these initializations will leave layer {depth}'s units almost linear, which will saturate "
        "them, and whose gradients will have vanished by layer 1?",
        depth=depth,
    )
    if ui.hidden_until_revealed("s_predict", question, (view, seed)):
        page.stop()
    d = computed(view, seed, ui.lang())

    st.subheader(tr("Verdict"))
    st.caption(
        tr(
            "Each verdict reads layer {depth}'s units and how much of their gradient reaches layer 1: it "
            "vanishes below 1e-3 of it or when it halves at every layer, and explodes above 1e3 times or "
            "when it doubles at every layer. The mean-field theory's prediction is beside it.",
            depth=depth,
        )
    )
    st.markdown(words.verdict_lines((r.series, r.verdict, r.detail) for r in d.summary.itertuples()))

    with page.draw("s_view"):
        shown = page.value("s_view")
        specs = {name: dict(spec) for name, spec in tab_specs(view, seed, shown, ui.lang()).items()}
        if shown == "units":
            st.vega_lite_chart(specs["heatmap"], width="content")
            st.caption(words.heatmap_caption(view.activation, view.bias_std))
            ui.download(d.hist, "activation_histograms.csv", "s_dl_hist")
        elif shown == "phase":
            left, right = st.columns([3, 2])
            left.vega_lite_chart(specs["phase"], width="stretch")
            right.caption(words.phase_caption(view.activation, view.width))
            points = d.summary[["series", "sigma_w2", "sigma_b2", "chi1", "phase"]]
            ui.download(points, "phase_points.csv", "s_dl_phase")
        else:  # two charts side by side, each (title, chart, caption), then the data behind them
            panes = {
                "activations": (
                    (N_("**Mean ± std of the activations**"), "mean_std", words.notice(words.MEAN_STD)),
                    (
                        N_("**Saturated and near-linear units**"),
                        "zones",
                        words.zones_caption(view.activation),
                    ),
                ),
                "gradients": (
                    (N_("**Gradient flow**"), "grads", words.notice(words.GRADIENTS_CAPTION)),
                    (N_("**Theory beside measurement**"), "q", words.q_caption(d.layers)),
                ),
            }[shown]
            for column, (title, name, caption) in zip(st.columns(2), panes, strict=True):
                column.markdown(tr(title))
                column.vega_lite_chart(specs[name], width="stretch")
                column.caption(caption)
            if shown == "activations":
                ui.download(d.layers, "layers.csv", "s_dl_layers")
            else:
                st.dataframe(theory(view, seed, ui.lang()), width="stretch")
                st.caption(tr(words.THEORY_CAPTION))
                ui.download(d.summary, "theory.csv", "s_dl_theory")

"""What each page shows for a setting of its controls, computed as the page computes it, without Streamlit.

Each function takes the page's widget values (control key -> value; controls the page does not draw for
these values are ignored, as the page ignores them) and runs the same pure functions, in the same order,
that the page runs: the view built from the values, its results (``view.draws`` / ``neuron`` / ``study``,
the data set and the budget on page 3), the chart builders, :mod:`ui.tables` and the captions of
:mod:`ui.words`. It returns the text and the tables the page would show (:class:`Shown`); an exception the
page would raise is raised here.

Text the pages write literally (a title, a fixed paragraph) is left out: only what is computed from the
values. The few literals this needs (the landing page's lesson, page 1's comparison names, the slots of
pages 2 and 3, what each budget refusal calls its settings) are read from the page's source, not copied.
``tests/test_extremes.py`` checks, on the runs it keeps in AppTest (each page as it opens, every control
at its minimum and at its maximum), that every text and table computed here is on the real page, so this
mirror cannot drift from the pages there unnoticed.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

import charts
import initcore
import initcore.training
import ui
from initcore import SCHEMES, claims
from initcore.activations import curve, zone_spans
from initcore.datasets import DatasetUnavailable, load_dataset
from initcore.views import DepthView, DrawsView, Init
from ui import tr, words
from ui.views import labels, training_view

ROOT = Path(__file__).resolve().parents[1]
HOME = "dashboard.py"
P1 = "pages/1_Uniform_vs_normal_draws.py"
P2 = "pages/2_Saturation_across_depth.py"
P3 = "pages/3_Training_comparisons.py"


@dataclass
class Shown:
    """What a page shows: its computed text (captions, markdown, notices, code) and its tables."""

    texts: list[str] = field(default_factory=list)
    tables: list[pd.DataFrame] = field(default_factory=list)


# --- literals read from the pages' source -----------------------------------------------------------------


@cache
def _tree(page: str) -> ast.Module:
    return ast.parse((ROOT / page).read_text(encoding="utf-8"))


class _Unmark(ast.NodeTransformer):
    """``N_("text")`` (a message marked for the catalogue, initcore.words.N_) read as ``"text"``."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if getattr(node.func, "id", None) == "N_" and len(node.args) == 1:
            return self.visit(node.args[0])
        return self.generic_visit(node)


def literal(node: ast.AST) -> Any:
    """``ast.literal_eval`` of a node in which messages may be marked with ``N_``."""
    return ast.literal_eval(_Unmark().visit(copy.deepcopy(node)))


@cache
def constant(page: str, name: str) -> Any:
    """A module-level literal of a page (``LESSON = {...}``)."""
    for node in _tree(page).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return literal(node.value)
    raise LookupError(f"{page} has no literal {name}")


@cache
def budget(page: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """The page's ``ui.refuse_over_budget(page, what, cost, settings)``: (what, settings)."""
    for node in ast.walk(_tree(page)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "refuse_over_budget":
            return literal(node.args[1]), literal(node.args[3])
    raise LookupError(f"{page} refuses nothing over the budget")


def choices(f: ui.Field) -> Any:
    """``Control.choices`` from the Field: its options, or each whole number of its range."""
    return f.options or range(int(f.low), int(f.high) + 1)


def refusal(page: str, cost: Any, values: dict[str, Any], fields: dict[str, ui.Field]) -> str | None:
    """``ui.refuse_over_budget``'s warning for these values, or None when they fit."""
    what, settings = budget(page)
    current = {kw: values[key] for kw, (_, key) in settings.items()}
    estimate = cost(**current)
    if estimate.fits():
        return None
    lower = initcore.budget.what_to_lower(
        cost, current, {kw: choices(fields[key]) for kw, (_, key) in settings.items()}
    )
    named = {tr(settings[kw][0]): value for kw, value in lower.items()}
    return initcore.over_budget_message(tr(what), estimate, named)


def slot(values: dict[str, Any], key: str, *, params: bool = True) -> Init:
    """``ui.views.draw_slot``: the slot's scheme and, with ``params``, its scheme's parameters."""
    name = values[key]
    own = {p.name: values[f"{key}_{p.name}"] for p in SCHEMES[name].params} if params else {}
    return Init.of(name, **own)


def preset_note(presets: Any, view: Any) -> list[str]:
    """``ui.preset_note``: the note of the preset whose view is on screen."""
    for preset in presets:
        if preset.view == view:
            return [f"**{tr(preset.name)}:** {preset.text} {ui.seeds_note(preset.view)}"]
    return []


# --- the pages ----------------------------------------------------------------------------------------


def home(v: dict[str, Any], fields: dict[str, ui.Field]) -> Shown:
    """dashboard.py."""
    out = Shown()
    if v["lesson"]:
        step = v["step"]
        lesson = claims.LESSON[step - 1]
        out.texts.append(f"**{step}. {tr(lesson.title)}.** {lesson.text}")
        ui.view_link(lesson.view, seed=0)
    activation, n = v["act"], v["n"]
    z, series = initcore.compare.lesson_z_curves(
        n, {i.scheme: i.kwargs for i in (claims.DRAWS.a, claims.DRAWS.b)}
    )
    charts.activation_zones(
        curve(activation), zone_spans(activation), label=activation, z=z, series_schemes=series
    ).spec()
    out.texts.append(words.zones_chart_caption(activation, n))
    table = initcore.compare.zone_table(activation)
    out.texts.append(words.zone_table_caption(table))
    out.tables.append(table.rename(columns=tr))
    return out


def draws(v: dict[str, Any], fields: dict[str, ui.Field]) -> Shown:
    """Page 1."""
    out = Shown()
    compare, seed, n_draws = v["d_compare"], v["d_seed"], v["d_draws"]
    a = slot(v, "d_a", params=compare == "free")  # else A's scale is matched to B's
    b = slot(v, "d_b")
    view = DrawsView(a, b, compare, v["d_fan_in"], v["d_fan_out"], n_draws, v["d_n"], v["d_inputs"])
    schemes = view.schemes()
    (_, (_, a_params)), _ = schemes.items()
    if compare != "free" and SCHEMES[a.scheme].params:
        p = SCHEMES[a.scheme].params[0].name
        how = tr(constant(P1, "COMPARE")[compare]).lower()
        out.texts.append(
            tr("{p} = **{value}**, matched to B ({how}).", p=tr(p), value=f"{a_params[p]:.4g}", how=how)
        )
    lesson = claims.DRAWS
    d = replace(view, n=lesson.n, inputs=lesson.inputs).draws(seed)  # the draws do not depend on n
    series = {label: name for label, (name, _) in schemes.items()}
    charts.draws_histogram(d.hist, d.curves, series).spec()
    out.texts.append(words.draws_caption(compare, a.scheme, b.scheme, d.summary, n_draws))
    out.tables.append(ui.summary_table(d.summary))
    out.texts += [f"**{label}**: {tr(SCHEMES[name].doc)}" for label, (name, _) in schemes.items()]
    neuron = view.neuron(seed)
    reach = neuron.reach
    spans, phi = zone_spans("sigmoid", -reach, reach), curve("sigmoid", -reach, reach)
    charts.neuron_chart(neuron.hist, spans, phi, series).spec()
    out.tables.append(ui.neuron_table(neuron.table))
    out.texts.append(words.neuron_caption(v["d_n"], neuron.table))
    out.texts += [
        f"# {label}\n{SCHEMES[name].keras_code(seed=seed + i, **params)}"
        for i, (label, (name, params)) in enumerate(schemes.items())
    ]
    d.summary.to_csv(index=False)  # the summary's download (the draws' is made only when clicked)
    return out


def depth(v: dict[str, Any], fields: dict[str, ui.Field]) -> Shown:
    """Page 2, its results revealed (predict-then-reveal hides them only until Reveal is pressed)."""
    out = Shown()
    act, width, bias, seed = v["s_act"], v["s_width"], v["s_bias"], v["s_seed"]
    inits = tuple(slot(v, f"s_i{j}") for j in constant(P2, "SLOTS")[: v["s_k"]])
    view = DepthView(inits, act, v["s_depth"], width, v["s_batch"], v["s_inputs"], bias)
    out.texts += preset_note(claims.DEPTH_PRESETS, view)
    refused = refusal(P2, view.cost, v, fields)
    if refused is not None:
        out.texts.append(refused)
        return out
    d = view.study(seed)
    tab = v["s_view"]  # only the open tab's charts are made and drawn
    for chart in charts.depth_charts(d, activation=act, only=constant(P2, "TAB_CHARTS")[tab]).values():
        ui.frozen_spec(chart.spec())
    out.texts.append(
        "\n".join(f"- **{r.series}** — *{tr(r.verdict)}*: {r.detail}." for r in d.summary.itertuples())
    )
    out.texts += {
        "units": [words.heatmap_caption(act, bias)],
        "activations": [words.zones_caption(act)],
        "gradients": [words.q_caption(d.layers)],
        "phase": [words.phase_caption(act, width)],
    }[tab]
    if tab == "gradients":
        out.tables.append(ui.theory_table(d.summary))
    return out


def training(v: dict[str, Any], fields: dict[str, ui.Field]) -> Shown:
    """Page 3 before Train is pressed (nothing is trained): the data, the budget, what to do next."""
    out = Shown()
    k, seed = v["t_k"], v["t_seed"]
    inits = [slot(v, f"t_i{j}") for j in constant(P3, "SLOTS")]  # all in the form, also those not trained
    view = training_view(v, inits[:k])
    labels(view.inits)
    out.texts += preset_note(claims.TRAINING_PRESETS, view)
    try:
        data = load_dataset(view.data, seed=seed, noise=view.noise)
    except DatasetUnavailable as err:
        out.texts.append(tr("{error} Pick another data set, such as *digits*.", error=str(err)))
        return out
    charts.dataset_preview(initcore.training.preview_frame(data)).spec()
    out.texts.append(words.data_caption(data))
    refused = refusal(P3, lambda **changes: view.cost(data, **changes), v, fields)
    if refused is not None:
        out.texts.append(refused)
        return out
    out.texts.append(tr("Press **Train** to run these settings."))
    return out


PAGES = {HOME: home, P1: draws, P2: depth, P3: training}

"""initcore's views (:mod:`initcore.views`) on the pages: a view's widget values, its link, the
initialization slots that build one, and the note a preset shows while its view is on screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from initcore import SCHEMES, claims
from initcore.views import DepthView, DrawsView, Init, TrainingView, labelled
from initcore.words import N_, tr

from . import language
from .state import Control, Field, Page

PARAMS = {p.name: p for s in SCHEMES.values() for p in s.params}  # every scheme parameter: limit, std, gain
PARAM_LABELS = (N_("limit"), N_("std"), N_("gain"))  # their names, the labels of their number boxes


def scheme_label(name: str) -> str:
    return tr(SCHEMES[name].label)


def slot_controls(prefix: str, j: int | str, default: Init, *, label: str | None = None) -> list[Control]:
    """Initialization slot j: its scheme (``{prefix}{j}``) and a number for every parameter name any
    scheme has (``{prefix}{j}_{name}``), defaults from ``default``."""
    return [
        Control(
            f"{prefix}{j}",
            label or N_("Initialization {j}"),
            default.scheme,
            "selectbox",
            options=tuple(SCHEMES),
            label_of=scheme_label,
            label_values=() if label else (("j", j),),
        ),
        *(
            Control(
                f"{prefix}{j}_{p.name}",
                p.name,
                default.kwargs.get(p.name, p.default),
                "number",
                low=p.low,
                high=p.high,
                step=0.01,
                number_format="%.4g",
                help=p.help,
            )
            for p in PARAMS.values()
        ),
    ]


def draw_slot(page: Page, prefix: str, j: int | str, *, params: bool = True, keep: bool = True) -> Init:
    """Slot j's scheme box and, under it, a number per parameter of the chosen scheme (none when
    ``params`` is False: the page sets them itself). Returns the slot's initialization."""
    name = page.draw(f"{prefix}{j}", keep=keep)
    values = (
        {p.name: page.draw(f"{prefix}{j}_{p.name}", keep=keep, help=p.help) for p in SCHEMES[name].params}
        if params
        else {}
    )
    return Init.of(name, **values)


def slot_init(page: Page, prefix: str, j: int | str) -> Init:
    """Slot j's initialization as its widgets hold it at the start of this run, before they are drawn
    (what :func:`draw_slot` will return)."""
    name = page.value(f"{prefix}{j}")
    return Init.of(name, **{p.name: page.value(f"{prefix}{j}_{p.name}") for p in SCHEMES[name].params})


def labels(inits: Sequence[Init]) -> dict[str, str]:
    """Each slot's legend label (numbered when an earlier slot has it) -> its scheme."""
    return {label: scheme for label, (scheme, _) in labelled(inits).items()}


def apply_state(values: dict[str, Any]) -> None:
    """Write widget values into the session (for on_click callbacks, which run before the widgets are
    drawn)."""
    for key, value in values.items():
        st.session_state[key] = value


def slot_state(prefix: str, inits: Sequence[Init]) -> dict[str, Any]:
    """The widget values of slots 1.. for ``inits``: each slot's scheme, and every parameter field (those
    the scheme does not set go back to their defaults)."""
    out: dict[str, Any] = {}
    for j, init in enumerate(inits, start=1):
        out[f"{prefix}{j}"] = init.scheme
        for p in PARAMS.values():
            out[f"{prefix}{j}_{p.name}"] = init.kwargs.get(p.name, p.default)
    return out


def depth_state(view: DepthView) -> dict[str, Any]:
    """Page 2's widget values for a view."""
    return {
        "s_act": view.activation,
        "s_depth": view.depth,
        "s_width": view.width,
        "s_batch": view.batch,
        "s_inputs": view.inputs,
        "s_bias": float(view.bias_std),
        "s_k": len(view.inits),
        **slot_state("s_i", view.inits),
    }


def depth_view(values: dict[str, Any], inits: Sequence[Init]) -> DepthView:
    """The view page 2's widget values describe (the inverse of :func:`depth_state`)."""
    v = values
    return DepthView(
        tuple(inits), v["s_act"], v["s_depth"], v["s_width"], v["s_batch"], v["s_inputs"], v["s_bias"]
    )


def training_view(values: dict[str, Any], inits: Sequence[Init]) -> TrainingView:
    """The view page 3's widget values describe (the inverse of :func:`training_state`)."""
    v = values
    return TrainingView(
        tuple(inits),
        v["t_data"],
        v["t_noise"],
        v["t_depth"],
        v["t_width"],
        v["t_act"],
        v["t_opt"],
        v["t_lr"],
        v["t_steps"],
        v["t_batch"],
    )


def training_state(view: TrainingView) -> dict[str, Any]:
    """Page 3's widget values for a view (the seed is not part of a view)."""
    return {
        "t_data": view.data,
        "t_noise": float(view.noise),
        "t_depth": view.depth,
        "t_width": view.width,
        "t_act": view.activation,
        "t_opt": view.optimizer,
        "t_lr": float(view.learning_rate),
        "t_steps": view.steps,
        "t_batch": view.batch_size,
        "t_k": len(view.inits),
        **slot_state("t_i", view.inits),
    }


def draws_state(view: DrawsView) -> dict[str, Any]:
    """Page 1's widget values for a view."""
    out = {
        "d_compare": view.compare,
        "d_fan_in": view.fan_in,
        "d_fan_out": view.fan_out,
        "d_draws": view.draws_n,
        "d_n": view.n,
        "d_inputs": view.inputs,
    }
    for slot, init in (("a", view.a), ("b", view.b)):
        out[f"d_{slot}"] = init.scheme
        if slot == "b" or view.compare == "free":  # else A's scale is matched to B's on the page
            out |= {f"d_{slot}_{k}": v for k, v in init.params}
    return out


def view_link(view: DepthView | TrainingView | DrawsView, seed: int) -> dict[str, str]:
    """The query parameters that open ``view`` with ``seed`` on its page: every setting the view names
    (a slot's parameters only for its own scheme), as a link writes them."""
    if isinstance(view, DrawsView):
        values = {**draws_state(view), "d_seed": seed}
    else:
        depth = isinstance(view, DepthView)
        values = depth_state(view) if depth else training_state(view)
        prefix = "s_i" if depth else "t_i"
        slots = slot_state(prefix, view.inits)
        values = {k: v for k, v in values.items() if k not in slots}
        for j, init in enumerate(view.inits, start=1):
            own = [f"{prefix}{j}"] + [f"{prefix}{j}_{p.name}" for p in SCHEMES[init.scheme].params]
            values |= {k: slots[k] for k in own}
        values["s_seed" if depth else "t_seed"] = seed
    return {key: Field(key, value).dump(value) for key, value in values.items()} | language.query()


def seeds_note(view: Any) -> str:
    """'(Checked on seeds 0-9.)': the seeds a view's claims are tested on."""
    seeds = claims.TRAINING_SEEDS if isinstance(view, TrainingView) else claims.SEEDS
    return tr("(Checked on seeds {first}-{last}.)", first=seeds[0], last=seeds[-1])


def preset_note(presets: Sequence[Any], current: Any) -> None:
    """Under the preset buttons: what the preset on screen shows, while the settings are still exactly
    that preset's (its words are claims about that view, tested on many seeds)."""
    for preset in presets:
        if preset.view == current:
            st.caption(
                tr(
                    "**{name}:** {text} {seeds}",
                    name=tr(preset.name),
                    text=preset.text,
                    seeds=seeds_note(preset.view),
                )
            )
            return


# A preset's name wraps onto a second line instead of being cut off ("Too small / Xavier / 4x Xav…"),
# in every language: the names are the lesson's words.
PRESET_CSS = """
<style>
[class*="st-key-"][class*="_preset_"] button { height: auto; }
[class*="st-key-"][class*="_preset_"] button p {
  white-space: normal; overflow: visible; text-overflow: clip;
}
</style>
"""


def preset_buttons(presets: Sequence[Any], state_of: Any, prefix: str, *, keep_seed: bool) -> Any:
    """A row of preset buttons (each sets every control of its view; the seed is kept or set to 0) and,
    under it, a place for the note of the preset on screen (returned: fill it with :func:`preset_note`)."""
    seed_key = f"{prefix}_seed"

    def apply(i: int) -> None:
        apply_state({**state_of(presets[i].view), **({} if keep_seed else {seed_key: 0})})

    st.html(PRESET_CSS)
    for i, (col, preset) in enumerate(zip(st.columns(len(presets)), presets, strict=True)):
        col.button(tr(preset.name), on_click=apply, args=(i,), width="stretch", key=f"{prefix}_preset_{i}")
    return st.empty()


def test_points(data: Any) -> pd.DataFrame:
    """A 2-D data set's test points for the decision-boundary chart: columns x, y, label ('class 0' ...)."""
    return pd.DataFrame(
        {
            "x": data.x_test[:, 0],
            "y": data.x_test[:, 1],
            "label": [tr("class {c}", c=c) for c in data.y_test],
        }
    )

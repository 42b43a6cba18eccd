"""Page plumbing shared by every page: URL-mirrored controls, navigation, notices, caching helpers.

Every control on every page is a :class:`Field` whose key is both its Streamlit widget key and its name
in the URL, so a copied link reproduces the view. On each run :class:`PageState` seeds the widgets
from, in order: the widget's own state, the URL, what the user last chose on this page in this session
(kept when they visit another page), and the default. A URL value that is unknown, malformed or out of
range falls back to the default with a short notice; nothing raises.
"""

from __future__ import annotations

import os

# One BLAS thread per matrix product, set before anything loads numpy (so every page imports this module
# first). The app's products are small and many sessions share a 2-core server: with two OpenBLAS
# threads, page 2's default computation measured 51 ms on an idle machine but 630 ms while another
# process used a core (the threads spin-wait for each other); with one thread, 56 ms either way. Page 2
# computes its initializations side by side instead (two half-batches each for large nets).
# A variable the host already set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("VECLIB_MAXIMUM_THREADS", "1")  # macOS Accelerate

import math
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from streamlit import dataframe_util
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

import initcore
from initcore import SCHEMES, claims
from initcore.views import DepthView, DrawsView, Init, TrainingView

PAGES = (
    ("dashboard.py", "Why initialization matters", ":material/school:", "The lesson in brief."),
    (
        "pages/1_Uniform_vs_normal_draws.py",
        "Uniform vs normal draws",
        ":material/bar_chart:",
        "What U[-0.1, 0.1] and N(0, 0.1²) draw, side by side with the exact theory, and where the "
        "weighted sum z of one neuron with n inputs lands on the sigmoid.",
    ),
    (
        "pages/2_Saturation_across_depth.py",
        "Saturation across depth",
        ":material/stacked_line_chart:",
        "A deep sigmoid (or tanh, ReLU) net layer by layer: activations collapsing or saturating, "
        "gradients vanishing, and the mean-field theory that predicts it, with a phase diagram.",
    ),
    (
        "pages/3_Training_comparisons.py",
        "Training comparisons",
        ":material/model_training:",
        "The proof: the same network trained from up to six initializations at once, on the same "
        "batches, with loss, accuracy and every layer's saturation as it learns.",
    ),
)
_SAVED = "_saved_view"  # session_state slot: {page: {key: value}}, survives page switches
_MAX_URL_VALUE = 200  # characters; longer URL values are refused before any parsing


@dataclass(frozen=True)
class Field:
    """A control mirrored in the URL.

    Attributes:
        key: widget key and URL name, unique across the app.
        default: the value when the URL says nothing (or something invalid).
        options: for a choice: the allowed values (compared as strings in the URL).
        low, high: for a number: the closed allowed range; ``integer`` picks int or float.
        boolean: a toggle ("true" / "false" in the URL).
    """

    key: str
    default: Any
    options: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False
    boolean: bool = False

    def parse(self, raw: Any) -> Any:
        """The value a URL string stands for; ValueError with a short reason otherwise."""
        if isinstance(raw, list):  # a repeated key: ?x=1&x=2
            raise ValueError("given more than once")
        text = str(raw)
        if len(text) > _MAX_URL_VALUE:
            raise ValueError("too long")
        if self.boolean:
            if text.lower() in ("true", "1", "yes", "on"):
                return True
            if text.lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError("not true or false")
        if self.options:
            for option in self.options:
                if text in (str(option), self.dump(option)):  # dump: 1.0 is written "1" in a link
                    return option
            raise ValueError("not one of the choices")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("not a number") from None
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        if self.integer:
            if number != int(number):
                raise ValueError("not a whole number")
            number = int(number)
        elif number == 0:
            number = 0.0  # -0.0 reads as 0
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise ValueError(f"outside {self.low:g} to {self.high:g}")
        return number

    def dump(self, value: Any) -> str:
        if self.boolean:
            return "true" if value else "false"
        if isinstance(value, float):
            short = f"{value:g}"  # 6 digits: 684560.7 would read back as 684561
            return short if float(short) == value else repr(value)
        return str(value)


class PageState:
    """Seeds a page's widgets (URL > saved view > default) and mirrors them back into the URL."""

    def __init__(self, page: str, fields: Sequence[Field]):
        self.page = page
        self.fields = {f.key: f for f in fields}
        self.notices: list[str] = []
        saved = st.session_state.setdefault(_SAVED, {}).setdefault(page, {})
        url = st.query_params
        for key in list(url.keys()):
            if key not in self.fields:
                self.notices.append(f"Ignored the unknown link parameter `{_short(key)}`.")
                del url[key]
        for key, field in self.fields.items():
            if key in st.session_state:
                continue  # the widget already holds the user's value
            value = saved.get(key, field.default)
            if key in url:
                raw = url.get_all(key)
                try:
                    value = field.parse(raw[0] if len(raw) == 1 else raw)
                except ValueError as err:
                    self.notices.append(
                        f"Ignored `{key}={_short(str(raw[0]))}` in the link ({err}); "
                        f"using {field.dump(field.default)}."
                    )
                    value = field.default
            st.session_state[key] = value

    def value(self, key: str) -> Any:
        return st.session_state.get(key, self.fields[key].default)

    def show_notices(self) -> None:
        if self.notices:
            st.info("  \n".join(self.notices), icon=":material/link_off:")

    def sync(self, active: Sequence[str]) -> None:
        """Write the active controls into the URL (and remember them for this session)."""
        saved = st.session_state[_SAVED][self.page]
        for key, field in self.fields.items():
            if key in st.session_state:
                saved[key] = st.session_state[key]
            if key in active:
                text = field.dump(self.value(key))
                if st.query_params.get_all(key) != [text]:  # get() sees only the last of ?x=1&x=1
                    st.query_params[key] = text
            elif key in st.query_params:
                del st.query_params[key]
        with st.sidebar:
            st.markdown("**Copy a link to this view**")
            st.code(share_link(), language=None, wrap_lines=True)
            st.caption("Copy it with the button in the box's corner: it opens this page as you see it now.")


def share_link() -> str:
    """The address of this page with every setting as a query parameter (relative when the browser's
    address is unknown, as in tests)."""
    query = urllib.parse.urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    base = st.context.url or ""
    return f"{base}?{query}" if query else base or "?"


SUMMARY_ROWS = {
    "mean": "mean",
    "std": "std",
    "var": "variance",
    "min": "min",
    "max": "max",
    "excess_kurtosis": "excess kurtosis",
    "beyond_2std": "|w| > 2 std",
}


def fmt(value: float, percent: bool = False) -> str:
    """A number for a table cell: 4 significant digits, ∞ for infinities, '—' for undefined."""
    if value != value:  # NaN
        return "—"
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "−∞"
    value += 0.0  # -0.0 + 0.0 is 0.0: an all-zero sample's mean shows as 0, not -0
    return f"{value:.1%}" if percent else f"{value:.4g}"


def neuron_table(table: Any) -> Any:
    """initcore's neuron table as text: per series, measured value with the prediction in brackets."""
    rows = []
    for _, r in table.iterrows():
        rows.append(
            {
                "weights": r["weights"],
                "std of z": f"{fmt(r['std of z (sample)'])} ({fmt(r['std of z (theory)'])})",
                "near-linear": f"{fmt(r['near-linear'], True)} ({fmt(r['near-linear (theory)'], True)})",
                "saturated": f"{fmt(r['saturated'], True)} ({fmt(r['saturated (theory)'], True)})",
            }
        )
    return pd.DataFrame(rows).set_index("weights")


def frozen_spec(spec: dict) -> dict:
    """A chart spec whose named datasets are already Arrow IPC bytes, as Streamlit would make them: for a
    spec that is cached and drawn on many reruns, so the conversion (a few ms per dataset) happens once.
    Streamlit passes bytes through unchanged."""
    datasets = {
        name: dataframe_util.convert_anything_to_arrow_bytes(df) for name, df in spec["datasets"].items()
    }
    return {**spec, "datasets": datasets}


def refuse_over_budget(
    what: str,
    cost: Any,
    suggestions: Callable[[], dict[str, int | None]],
    state: PageState,
    active: list[str],
) -> None:
    """If ``cost`` (an ``initcore.Cost``) is over the budget: say so, with what to lower (``suggestions()``,
    searched only then), keep the URL in step with the controls, and end this run (nothing is computed;
    the controls keep their values)."""
    if cost.fits():
        return
    st.warning(initcore.over_budget_message(what, cost, suggestions()), icon=":material/speed:")
    state.sync(active)
    st.stop()


def hidden_until_revealed(key: str, question: str, settings: Any) -> bool:
    """Predict, then reveal: while the toggle ``key`` is on and the results of ``settings`` have not been
    revealed, show the question and a Reveal button and return True (the page then hides its results).
    New settings hide the results again, so each change can be predicted anew."""
    revealed = f"{key}_revealed"
    if not st.session_state.get(key) or st.session_state.get(revealed) == settings:
        return False
    with st.container(border=True):
        st.markdown(f"**Predict first:** {question}")
        st.caption("Take a guess or a vote; the results stay hidden until you reveal them.")
        st.button(
            "Reveal the results",
            key=f"{key}_button",
            type="primary",
            icon=":material/visibility:",
            on_click=st.session_state.__setitem__,
            args=(revealed, settings),
        )
    return True


WORKERS = 2  # threads for independent computations: the cores of a small server (BLAS uses one each)


def parallel_map(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """``[fn(x) for x in items]`` in up to ``WORKERS`` threads (numpy releases the GIL in its loops and
    matrix products). Each thread carries this run's script context, so cached functions behave there as
    they do on the page; results come back in order."""
    items = list(items)
    if len(items) < 2 or WORKERS < 2:
        return [fn(x) for x in items]
    ctx = get_script_run_ctx()
    with ThreadPoolExecutor(
        min(WORKERS, len(items)), initializer=add_script_run_ctx, initargs=(None, ctx)
    ) as pool:
        return list(pool.map(fn, items))


def download(df: Any, filename: str, key: str) -> None:
    """A small CSV download button for the data behind a chart (built only when clicked)."""
    st.download_button(
        f"Data (CSV): {filename}",
        lambda: df.to_csv(index=False),
        filename,
        "text/csv",
        key=key,
        type="tertiary",
    )


THEORY_COLUMNS = {
    "sigma_w2": "σ_w²",
    "q_star": "q*",
    "chi1": "χ₁",
    "phase": "phase",
    "sqrt_chi1": "√χ₁",
    "factor_theory": "factor per layer (predicted)",
    "factor_measured": "factor per layer (measured)",
}


def theory_table(table: Any) -> Any:
    """The depth study's theory summary as text, one row per initialization."""
    out = table.set_index("series").rename(columns=THEORY_COLUMNS)
    for col in out.columns:
        if col != "phase":
            out[col] = [fmt(v) for v in out[col]]
    return out


def training_table(summary: Any) -> Any:
    """initcore.training.summarize as text: numbers to 3 digits, accuracies in %, 'never' / 'no' for None."""
    out = summary.set_index("scheme").astype(object)
    for col in out.columns:
        if col == "outcome":
            continue
        if "accuracy" in col and not col.startswith("step"):
            out[col] = [fmt(v, percent=True) for v in out[col]]
        elif col.startswith("step"):
            out[col] = ["never" if v is None or v != v else f"{int(v)}" for v in out[col]]
        elif col.startswith("diverged"):
            out[col] = ["no" if v is None or v != v else f"step {int(v)}" for v in out[col]]
        else:
            out[col] = [fmt(v) for v in out[col]]
    return out


def summary_table(summary: Any) -> Any:
    """initcore's theory/sample summary, one column per (draws, of), one row per statistic, as text."""
    columns = {}
    for _, row in summary.iterrows():
        label = f"{row['draws'].split(':')[0]} {row['of']}"
        columns[label] = [fmt(row[k], percent=k == "beyond_2std") for k in SUMMARY_ROWS]
    return pd.DataFrame(columns, index=list(SUMMARY_ROWS.values()))


def scheme_label(name: str) -> str:
    return SCHEMES[name].label


# --- initialization slots: a scheme picker and its parameters, mirrored in the URL ----------------


def _all_params() -> dict[str, Any]:
    return {p.name: p for s in SCHEMES.values() for p in s.params}  # limit, std, gain


def slot_fields(prefix: str, j: int, scheme: str, params: dict[str, float]) -> list[Field]:
    """The URL fields of initialization slot j: ``{prefix}{j}`` (the scheme) and one per parameter name."""
    return [
        Field(f"{prefix}{j}", scheme, options=tuple(SCHEMES)),
        *(
            Field(f"{prefix}{j}_{p.name}", params.get(p.name, p.default), low=p.low, high=p.high)
            for p in _all_params().values()
        ),
    ]


def slot_keys(prefix: str, j: int, scheme: str) -> list[str]:
    """The keys that describe slot j in a link: its scheme and that scheme's own parameters."""
    return [f"{prefix}{j}"] + [f"{prefix}{j}_{p.name}" for p in SCHEMES[scheme].params]


def scheme_picker(
    prefix: str, j: int | str, *, label: str | None = None, show_params: bool = True
) -> tuple[str, dict[str, float]]:
    """Slot j's scheme selectbox and, below it, a number input per parameter of the chosen scheme
    (none when ``show_params`` is False; the parameters returned are then those shown)."""
    name = st.selectbox(
        label or f"Initialization {j}", tuple(SCHEMES), format_func=scheme_label, key=f"{prefix}{j}"
    )
    params = {}
    for p in SCHEMES[name].params if show_params else ():
        params[p.name] = st.number_input(
            p.name, p.low, p.high, step=0.01, format="%.4g", key=f"{prefix}{j}_{p.name}", help=p.help
        )
    return name, params


def unique_label(inits: dict[str, Any], name: str, params: dict[str, float], j: int) -> str:
    """The legend label of slot j: the scheme's short label, numbered when another slot has it already."""
    label = SCHEMES[name].short_label(**params)
    return label if label not in inits else f"{label} ({j})"


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
        for p in _all_params().values():
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
    return {key: Field(key, value).dump(value) for key, value in values.items()}


def seeds_note(view: Any) -> str:
    """'(Checked on seeds 0-9.)': the seeds a view's claims are tested on."""
    from_to = claims.TRAINING_SEEDS if isinstance(view, TrainingView) else claims.SEEDS
    return f"(Checked on seeds {from_to[0]}-{from_to[-1]}.)"


def preset_note(presets: Sequence[Any], current: Any) -> None:
    """Under the preset buttons: what the preset on screen shows, while the settings are still exactly
    that preset's (its words are claims about that view, tested on many seeds)."""
    for preset in presets:
        if preset.view == current:
            st.caption(f"**{preset.name}:** {preset.text} {seeds_note(preset.view)}")
            return


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def setup_page(title: str, icon: str) -> None:
    """Page config and the sidebar navigation (same order, labels and icons on every page)."""
    st.set_page_config(page_title=f"{title} · Weight Initialization Lab", page_icon=icon, layout="wide")
    with st.sidebar:
        st.markdown("### Weight Initialization Lab")
        for path, label, page_icon, _ in PAGES:
            st.page_link(path, label=label, icon=page_icon)


# --- words that depend on the numbers on screen (computed from them, so they always agree) ------------


def heatmap_caption(activation: str, bias_std: float) -> str:
    """Page 2, chart 1: what small and large weights do to each layer's activations."""
    act = initcore.ACTIVATIONS[activation]
    centre = float(act.fn(np.zeros(1))[0])
    small = (
        f"a thin stripe at {act.name}(0) = {centre:.2g}"
        if bias_std == 0
        else f"the band that the biases alone make (σ_b = {bias_std:g}) around {act.name}(0) = {centre:.2g}"
    )
    text = (
        "**What to notice:** each row is one layer's distribution of activations, brightest where most "
        f"units are. Small weights squeeze every layer into {small}"
    )
    if act.limits is not None:
        lo, hi = act.limits
        return text + f"; large ones push the units to the edges, {lo:g} and {hi:g}."
    if activation == "relu":
        return text + "; ReLU puts every unit with z ≤ 0 at exactly 0 (the left column)."
    return text + "."


def zones_caption(activation: str) -> str:
    """Page 2, chart 3: what the saturated and near-linear shares mean for this activation."""
    lin, sat = initcore.LINEAR_SLOPE, initcore.SATURATED_SLOPE
    if activation in ("sigmoid", "tanh"):
        return (
            f"**What to notice:** saturated (solid) = slope below {sat:.0%} of the activation's steepest, "
            f"near-linear (dashed) = at least {lin:.0%} of it. A layer of saturated units passes almost no "
            "gradient back; a layer of near-linear ones computes an almost linear function."
        )
    if activation == "relu":
        return (
            "**What to notice:** for ReLU, *saturated* (solid) is a unit that outputs 0 for an input and "
            "passes no gradient back; every other unit is exactly linear (dashed), so the two add up to "
            "100%. What matters is that part of every layer stays active."
        )
    return "**What to notice:** a linear unit is near-linear everywhere (dashed, 100%) and never saturates."


def q_caption(layers: pd.DataFrame) -> str:
    """Page 2, chart 5: how far the measured E[z^2] is from the mean-field prediction, from the numbers."""
    gaps, apart = {}, []
    for series, mine in layers.groupby("series", sort=False):
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(mine["q_measured"].to_numpy(float) / mine["q_theory"].to_numpy(float) - 1.0)
        if rel.size and np.isfinite(rel).all():
            gaps[series] = float(rel.max())
        else:
            apart.append(series)
    text = (
        "**What to notice:** solid is the measured E[z²] per layer, dashed the mean-field variance map "
        "q^l = σ_w² E[φ(√q^(l-1) u)²] + σ_b² (Poole et al. 2016), which describes an infinitely wide "
        "layer; a finite one scatters around it."
    )
    skipped = f" (No ratio for {_names(apart)}: a value there is 0 or beyond float32.)" if apart else ""
    if not gaps:
        return text + skipped
    best, worst = min(gaps, key=gaps.get), max(gaps, key=gaps.get)
    if best == worst:
        return text + f" Here they are at most {gaps[best]:.0%} apart at any layer for {best}." + skipped
    return (
        text + f" Here they are at most {gaps[best]:.0%} apart at any layer for {best}, and up to "
        f"{gaps[worst]:.0%} for {worst}." + skipped
    )


def phase_caption(activation: str, width: int) -> str:
    """Page 2, chart 6 (the edge of chaos with no bias comes from the theory)."""
    act = initcore.ACTIVATIONS[activation]
    edge = _edge_of_chaos(activation)
    where = f" With no bias it lies at σ_w² ≈ {edge:.3g}." if np.isfinite(edge) else ""
    return (
        f"**What to notice:** the colour is χ₁ for a wide {act.label} net with weight variance "
        "σ_w²/fan_in and bias variance σ_b²: blue is ordered (gradients shrink by about √χ₁ a layer), "
        "orange chaotic (they grow), the black line is the edge of chaos χ₁ = 1, where signals and "
        "gradients travel deepest "
        f"(Schoenholz et al. 2017).{where} Each dot is one of the initializations above at width "
        f"{width}; a triangle lies beyond the plot."
    )


@lru_cache(maxsize=8)
def _edge_of_chaos(activation: str) -> float:
    """sigma_w^2 at which chi1 = 1 with no bias."""
    return float(initcore.critical_line(activation, np.array([0.0]))["sigma_w2"].iloc[0])


def _names(labels: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    labels = list(labels)
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


FLAT_ACCURACY = 0.05  # a test accuracy that never moves more than this over a run is a flat curve


def curves_caption(history: pd.DataFrame, optimizer: str) -> str:
    """Page 3, the loss and accuracy curves: whose test accuracy stays flat here (read from the curves
    themselves), and what the optimizer shows or hides."""
    test = history[history["split"] == "test"]
    span = test.groupby("scheme", sort=False)["accuracy"].agg(lambda a: float(np.nanmax(a) - np.nanmin(a)))
    flat = [label for label, v in span.items() if v <= FLAT_ACCURACY]
    text = (
        "**What to notice:** every model sees the same batches, so the only difference is where it "
        "started; solid is the training set, dashed the held-out test set."
    )
    if flat:
        text += f" Accuracy flat here: {_names(flat)} (the list above says why)."
    if optimizer == "sgd":
        return text + (
            " With plain SGD every weight moves by its gradient times the learning rate, so a vanishing "
            "gradient shows as a flat curve; switch to Adam to see it hidden."
        )
    return text + (
        " Adam scales each weight's step by the size of its own recent gradients, so a weight with a tiny "
        "gradient still moves: it hides vanishing gradients (plain SGD shows them)."
    )


def layers_caption(layers: pd.DataFrame, activation: str) -> str:
    """Page 3, each layer's mean activation during training; for a sigmoid net, whose top layer sank
    toward 0 (Glorot & Bengio's Figure 2) and whether it came back, from the numbers."""
    text = (
        "**What to notice:** each layer's mean activation (line) ± one std (band) on held-out examples, "
        "as in Glorot & Bengio's Figure 2."
    )
    if activation != "sigmoid" or not len(layers):
        return text
    rows = initcore.training.sinking(layers)
    sank = rows[rows["sank_at"].notna()]
    below = initcore.runs.SUNK_BELOW
    if not len(sank):
        return text + f" No model's top hidden layer sank below {below:g} here."
    parts = []
    for r in sank.itertuples():
        back = (
            f"back above {below:g} at step {r.recovered_at:,}"
            if r.recovered_at is not None
            else "not back by the end"
        )
        parts.append(
            f"{r.scheme}: below {below:g} at step {r.sank_at:,} (lowest {r.top_min:.2f}), {back}, while "
            f"the layers below it stayed between {r.lower_min:.2f} and {r.lower_max:.2f}"
            if np.isfinite(r.lower_min)
            else f"{r.scheme}: below {below:g} at step {r.sank_at:,} (lowest {r.top_min:.2f}), {back}"
        )
    return text + " The top hidden layer's mean sank toward 0 for " + "; ".join(parts) + "."


def gradients_caption(optimizer: str) -> str:
    """Page 3, the gradient reaching each layer during training."""
    text = "**What to notice:** the gradient reaching each layer (log axis)."
    if optimizer == "sgd":
        return (
            text
            + " With plain SGD that is each layer's step: lines far apart mean the first layers barely learn."
        )
    return text + (
        " Adam rescales every weight's step, so here lines far apart do not mean that the first layers "
        "learn slowly; switch to SGD to see the gradient as the step."
    )


FLAT_BELOW = 0.2  # a model whose P(class 1) varies less than this over the plane paints one flat colour


def boundary_caption(grid: pd.DataFrame) -> str:
    """Page 3, decision boundaries: which models paint one flat colour, from their predictions."""
    text = "**What to notice:** orange is where the model says class 1."
    spread = grid.groupby("scheme", sort=False)["p"].agg(lambda p: float(np.nanmax(p) - np.nanmin(p)))
    flat = [label for label, v in spread.items() if not v >= FLAT_BELOW]
    if not flat:
        return text + " Every model here draws a boundary."
    return text + (
        f" {_names(flat)} paint{'s' if len(flat) == 1 else ''} one flat colour: P(class 1) varies by less "
        f"than {FLAT_BELOW:g} over the whole plane."
    )


def zone_table_caption(table: pd.DataFrame) -> str:
    """The landing page's zone table (n, weights, std of z, near-linear, saturated), in words."""
    lesson = table[table["weights"] != SCHEMES["glorot_uniform"].short_label()]
    mild = lesson[lesson["n"] == 100]
    wide = lesson[lesson["n"] == 1000].set_index("weights")
    worst = wide["saturated"].idxmax()
    glorot = table[table["weights"] == SCHEMES["glorot_uniform"].short_label()]["std of z"]
    std, share = wide.loc[worst, "std of z"], wide.loc[worst, "saturated"]
    most = mild["saturated"].max()
    little = f"at most {most:.1%}" if most >= 0.001 else "almost none (under 0.1%)"
    return (
        f"**What to notice:** with 100 inputs the lesson's draws put {little} of z in the flat tails; "
        f"with 1000 inputs {worst} gives z a std of {std:.1f} and puts {share:.0%} of it there. Glorot "
        f"keeps the std of z at {glorot.min():.2g} for every n."
    )


def draws_caption(compare: str, a: str, b: str, summary: pd.DataFrame, n_draws: int) -> str:
    """Page 1, the histogram: what the comparison mode does for these two schemes, from their theory."""
    theory = summary[summary["of"] == "theory"].reset_index(drop=True)
    std_a, std_b = theory["std"]
    if std_b == 0:
        ratio = "undefined (B is all zeros)"
    else:
        q = (std_a / std_b) * (std_a / std_b)  # not ** 2: that raises OverflowError for std 1e-200
        ratio = f"{q:.2f}" if q < 1e4 else fmt(q)  # 4 digits for huge ratios, ∞ beyond 1.8e308
    ratio += " (A is all zeros)" if std_a == 0 else ""
    text = (
        f"**What to notice:** bars are {n_draws:,} draws, lines the exact densities. "
        f"Var(A) / Var(B) = {ratio}. "
    )
    sa, sb = SCHEMES[a], SCHEMES[b]
    if compare == "free":
        return text + "Each distribution has its own parameters."
    if not sa.params:
        return text + (
            f"{sa.label} has no parameter of its own (its scale comes from the layer's fans), so it "
            "cannot be matched to B: pick *Set separately* or another A."
        )
    if compare == "bound":
        if (a, b) == ("uniform", "normal"):
            return text + (
                "At the same number s, U[-s, s] has a third of the variance of N(0, s²): switch "
                "*Compare at* to *Same variance* to make them equal."
            )
        return text + (
            f"A's {sa.params[0].name} is set to B's scale number. Pick Uniform for A and Normal for B to "
            "see the lesson's comparison."
        )
    kurt = theory["excess_kurtosis"]
    shapes = f"excess kurtosis {fmt(kurt[0])} for A against {fmt(kurt[1])} for B (0 for a normal)"
    matched = f"A's {sa.params[0].name} is set so that the variances match"
    if sa.family != sb.family:
        return text + f"{matched}; the shapes still differ: {shapes}."
    return text + f"{matched}; both are of one family, so the shapes match too ({shapes})."


def neuron_caption(n: int, table: pd.DataFrame) -> str:
    """Page 1, the neuron chart: how much of z each series puts in the flat tails, measured."""
    worst = table.loc[table["saturated"].idxmax()]
    return (
        f"**What to notice:** with n = {n} inputs, {worst['weights']} puts {worst['saturated']:.0%} of z "
        "in the sigmoid's flat tails (orange). Var(z) = n · Var(w) · E[x²] grows with n while a fixed-scale "
        "Var(w) stays put: move n and watch z spread. Xavier/Glorot scales Var(w) by 1/n to keep z in the "
        "useful middle: pick *Glorot (Xavier) uniform* for A and move n."
    )

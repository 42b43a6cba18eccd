"""Chart builders: pure functions, DataFrame in, ``alt.Chart`` out. No Streamlit here.

Each chart is a *template* (its marks, encodings and colours, which depend only on a few labels) fed
with *named datasets*. ``foo(...)`` returns the Altair chart with its data attached; ``foo_spec(...)``
returns the same chart as a Vega-Lite dict from a cached template with the DataFrames as its datasets,
ten times faster, for the pages' interactive reruns. Colours are fixed per meaning so that every page
and every chart agree, from the colour-blind-safe palettes of Okabe & Ito (2008) and Paul Tol.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

ZONE_COLORS = {"saturated": "#D55E00", "nonlinear": "#009E73", "near-linear": "#0072B2"}
# One colour per scheme on every chart and page: Okabe-Ito first, then Paul Tol's muted scheme for the
# schemes beyond eight.
SCHEME_COLORS = {
    "uniform": "#E69F00",
    "normal": "#56B4E9",
    "truncated_normal": "#332288",
    "standard": "#999933",
    "glorot_uniform": "#009E73",
    "glorot_normal": "#44AA99",
    "glorot_uniform_x4": "#882255",
    "he_uniform": "#D55E00",
    "he_normal": "#CC6677",
    "lecun_uniform": "#CC79A7",
    "lecun_normal": "#AA4499",
    "orthogonal": "#0072B2",
    "zeros": "#555555",
}
SECOND_OF_A_KIND = "#000000"  # when two compared series use the same scheme, the second one is black
# ... and further ones of that scheme (the lesson compares three normals) these, from Paul Tol's palettes
REPEATS = (SECOND_OF_A_KIND, "#DDCC77", "#117733", "#661100", "#6699CC")
FONT_SIZE = 14  # readable on a projector from the back of the room
Z_TITLE = "z = w₁x₁ + … + wₙxₙ"
SLOPE_LABEL = "relative slope φ'(z) / max φ'"


# --- plumbing: named data, templates, fast specs ---------------------------------------------------


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN and inf become null, which Vega-Lite skips)."""
    out = df.to_dict("records")
    for row in out:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
            elif isinstance(value, np.generic):
                row[key] = value.item()
    return out


def _attach(chart: alt.TopLevelMixin, data: dict[str, pd.DataFrame]) -> alt.TopLevelMixin:
    return chart.properties(datasets={name: _records(df) for name, df in data.items()})


@lru_cache(maxsize=128)
def _template_dict(template: Callable[..., alt.TopLevelMixin], key: tuple) -> dict[str, Any]:
    return template(*key).to_dict(validate=False)


def _finite(df: pd.DataFrame) -> pd.DataFrame:
    numeric = df.select_dtypes("number")
    if numeric.empty or np.isfinite(numeric.to_numpy(dtype=float)).all():
        return df
    return df.replace([np.inf, -np.inf], np.nan)  # NaN is skipped by Vega-Lite; infinities break scales


_PLACEHOLDER = (("·", "uniform"),)  # stands for any non-empty list of series in a cached template
SERIES_FIELDS = ("series", "scheme")  # data columns that name the compared initializations
FACET_COLUMNS = 3  # small multiples per row before wrapping


def _fast_spec(
    template: Callable[..., alt.TopLevelMixin],
    key: tuple,
    data: dict[str, pd.DataFrame],
    series: tuple[tuple[str, str], ...] = (),
) -> dict:
    """The template's Vega-Lite dict with the DataFrames themselves as its named datasets, which
    ``st.vega_lite_chart`` sends as Arrow (a fifth of the cost of JSON records).

    Templates take the series first; they are cached with a placeholder and the series' colour scales
    and sort orders are written into a copy, so new labels (a changed parameter) cost no recompilation.
    """
    spec = {**_series_template_dict(template, key, series)}
    # Streamlit sets or removes top-level keys (datasets, data, autosize) and, in a single-view spec,
    # patches encoding.color.title: copy those parts, never the cached template itself.
    if "encoding" in spec:
        spec["encoding"] = copy.deepcopy(spec["encoding"])
    spec["datasets"] = {name: _finite(df) for name, df in data.items()}
    return spec


@lru_cache(maxsize=256)
def _series_template_dict(template: Callable[..., alt.TopLevelMixin], key: tuple, series: tuple) -> dict:
    base = _template_dict(template, (_PLACEHOLDER if series else (), *key))
    return _with_series(base, series) if series else base


def _with_series(node: Any, series: tuple[tuple[str, str], ...]) -> Any:
    """A copy of a spec whose encodings of a series field (``series``, or ``scheme`` in training data)
    get these series' colour scale and order."""
    if isinstance(node, list):
        return [_with_series(v, series) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _with_series(v, series) for k, v in node.items()}
    if out.get("field") in SERIES_FIELDS:
        if "scale" in out:
            out["scale"] = {**out["scale"], **series_scale(series).to_dict()}
        if "sort" in out:
            out["sort"] = [label for label, _ in series]
    return out


Plan = tuple[Callable[..., alt.TopLevelMixin], tuple, dict[str, pd.DataFrame], tuple[tuple[str, str], ...]]
"""What a chart is made of: (template, template key after the series, named datasets, series)."""


def _chart(plan: Plan) -> alt.TopLevelMixin:
    """The Altair chart of a plan, data attached (for tests, notebooks and exports)."""
    template, key, data, series = plan
    return _attach(template(series, *key), data)


def _spec(plan: Plan) -> dict:
    """The same chart as a Vega-Lite dict from the cached template (for the pages' reruns)."""
    return _fast_spec(*plan)


def _configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    if not isinstance(chart, alt.FacetChart):
        # Fit the width to the page and keep the height for the plot: with Streamlit's default ("fit" both
        # ways) the legends above and below come out of the chart's height, and six series' legend rows
        # squeezed a 320-pixel plot to 60.
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE).configure_legend(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, orient="top", labelLimit=400, columns=2
    )  # two entries per row: a row of four long labels is cut off in a half-width chart


def _zone_scale() -> alt.Scale:
    return alt.Scale(domain=list(ZONE_COLORS), range=list(ZONE_COLORS.values()))


def series_scale(series_schemes: dict[str, str] | tuple[tuple[str, str], ...]) -> alt.Scale:
    """Colour scale for labelled series: each gets its scheme's colour; a scheme's second series is black,
    its third and later ones the next of ``REPEATS``."""
    pairs = tuple(series_schemes.items()) if isinstance(series_schemes, dict) else series_schemes
    seen: dict[str, int] = {}
    colors = []
    for _, scheme in pairs:
        n = seen.get(scheme, 0)
        colors.append(SCHEME_COLORS[scheme] if n == 0 else REPEATS[(n - 1) % len(REPEATS)])
        seen[scheme] = n + 1
    return alt.Scale(domain=[label for label, _ in pairs], range=colors)


def _zone_shade(title: str, legend_title: str = "zone", opacity: float = 0.18) -> alt.Chart:
    return (
        alt.Chart(alt.NamedData("spans"))
        .mark_rect(opacity=opacity)
        .encode(
            x=alt.X("start:Q", title=title),
            x2="end:Q",
            color=alt.Color("zone:N", scale=_zone_scale(), title=legend_title),
            tooltip=[
                alt.Tooltip("zone:N", title="zone"),
                alt.Tooltip("start:Q", title="from z", format=".3f"),
                alt.Tooltip("end:Q", title="to z", format=".3f"),
            ],
        )
    )


# --- the activation and its zones (landing page) ------------------------------------------------


def _activation_template(series: tuple[tuple[str, str], ...], label: str) -> alt.LayerChart:
    lines = (
        alt.Chart(alt.NamedData("curve"))
        .mark_line(strokeWidth=3, color="#222222")
        .encode(
            x=alt.X("z:Q", title="pre-activation z = w · x + b"),
            y=alt.Y("value:Q", title="output / relative slope / share of z"),
            strokeDash=alt.StrokeDash(
                "curve:N",
                title=None,
                scale=alt.Scale(domain=[f"{label}(z)", SLOPE_LABEL], range=[[1, 0], [6, 4]]),
            ),
            tooltip=[
                alt.Tooltip("curve:N", title="curve"),
                alt.Tooltip("z:Q", format=".2f"),
                alt.Tooltip("value:Q", format=".4f"),
                alt.Tooltip("zone:N"),
            ],
        )
    )
    layers = [_zone_shade("pre-activation z = w · x + b")]
    if series:
        layers.append(
            alt.Chart(alt.NamedData("z"))
            .mark_area(opacity=0.3)
            .encode(
                x="z:Q",
                y=alt.Y("height:Q", stack=None),
                fill=alt.Fill(
                    "series:N",
                    scale=series_scale(series),
                    title="where z lands",
                    legend=alt.Legend(orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("series:N", title="z for"),
                    alt.Tooltip("z:Q", format=".2f"),
                    alt.Tooltip("density:Q", title="density of z", format=".3f"),
                ],
            )
        )
    return _configured(alt.layer(*layers, lines).properties(height=360))


def _activation_data(
    curve: pd.DataFrame, spans: pd.DataFrame, label: str, z: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    long = curve.melt(
        id_vars=["z", "zone"], value_vars=["phi", "slope"], var_name="curve", value_name="value"
    )
    long["curve"] = long["curve"].map({"phi": f"{label}(z)", "slope": SLOPE_LABEL})
    data = {"spans": spans, "curve": long}
    if z is not None:
        data["z"] = z
    return data


def activation_zones(
    curve: pd.DataFrame,
    spans: pd.DataFrame,
    *,
    label: str,
    z: pd.DataFrame | None = None,
    series_schemes: dict[str, str] | None = None,
) -> alt.LayerChart:
    """An activation phi(z) and its relative slope, over shaded saturated and near-linear zones, and
    optionally where z lands for some initializations.

    Args:
        curve: columns z, phi, slope, zone (``initcore.activations.curve``).
        spans: columns zone, start, end (``initcore.activations.zone_spans``).
        label: the activation's name, for the legend.
        z: columns series, z, density, height (density scaled to a peak of 1), drawn as areas.
        series_schemes: series label -> scheme name, for the colours of ``z``.
    """
    return _chart(_activation_plan(curve, spans, label, z, series_schemes))


def activation_zones_spec(
    curve: pd.DataFrame,
    spans: pd.DataFrame,
    *,
    label: str,
    z: pd.DataFrame | None = None,
    series_schemes: dict[str, str] | None = None,
) -> dict:
    """:func:`activation_zones` as a Vega-Lite dict, from a cached template."""
    return _spec(_activation_plan(curve, spans, label, z, series_schemes))


def _activation_plan(
    curve: pd.DataFrame,
    spans: pd.DataFrame,
    label: str,
    z: pd.DataFrame | None,
    series_schemes: dict[str, str] | None,
) -> Plan:
    series = tuple((series_schemes or {}).items()) if z is not None else ()
    return _activation_template, (label,), _activation_data(curve, spans, label, z), series


# --- weight draws and their densities (page 1) ---------------------------------------------------


def _draws_template(series: tuple[tuple[str, str], ...]) -> alt.LayerChart:
    color = alt.Color("series:N", scale=series_scale(series), title=None)
    bars = (
        alt.Chart(alt.NamedData("hist"))
        .mark_rect(opacity=0.45)
        .encode(
            x=alt.X("left:Q", title="weight w"),
            x2="right:Q",
            y=alt.Y("density:Q", title="density", stack=None),
            color=color,
            tooltip=[
                alt.Tooltip("series:N", title="draws"),
                alt.Tooltip("left:Q", title="from", format=".4g"),
                alt.Tooltip("right:Q", title="to", format=".4g"),
                alt.Tooltip("count:Q", title="draws in bin", format=","),
                alt.Tooltip("density:Q", format=".4g"),
            ],
        )
    )
    lines = (
        alt.Chart(alt.NamedData("curves"))
        .mark_line(strokeWidth=3)
        .encode(
            x="w:Q",
            y="density:Q",
            color=color,
            tooltip=[
                alt.Tooltip("series:N", title="exact density of"),
                alt.Tooltip("w:Q", format=".4g"),
                alt.Tooltip("density:Q", format=".4g"),
            ],
        )
    )
    return _configured(alt.layer(bars, lines).properties(height=340))


def draws_histogram(
    hist: pd.DataFrame, curves: pd.DataFrame, series_schemes: dict[str, str]
) -> alt.LayerChart:
    """Histograms of weight draws (bars) with each scheme's exact density (lines).

    Args:
        hist: columns series, left, right, count, density (``initcore.histogram_frame``).
        curves: columns series, w, density: the exact densities on a grid (may be empty).
        series_schemes: series label -> scheme name, for the colours.
    """
    return _chart(_draws_plan(hist, curves, series_schemes))


def draws_histogram_spec(hist: pd.DataFrame, curves: pd.DataFrame, series_schemes: dict[str, str]) -> dict:
    """:func:`draws_histogram` as a Vega-Lite dict, from a cached template."""
    return _spec(_draws_plan(hist, curves, series_schemes))


def _draws_plan(hist: pd.DataFrame, curves: pd.DataFrame, series_schemes: dict[str, str]) -> Plan:
    return _draws_template, (), {"hist": hist, "curves": curves}, tuple(series_schemes.items())


# --- what one neuron sees (page 1) ----------------------------------------------------------------


def _neuron_template(series: tuple[tuple[str, str], ...]) -> alt.LayerChart:
    bars = (
        alt.Chart(alt.NamedData("hist"))
        .mark_rect(opacity=0.55)
        .encode(
            x="left:Q",
            x2="right:Q",
            y=alt.Y(
                "height:Q", title="sigmoid(z); share of z (tallest bar = 1)", scale=alt.Scale(domain=[0, 1])
            ),
            fill=alt.Fill("series:N", scale=series_scale(series), title=None),
            tooltip=[
                alt.Tooltip("series:N", title="weights"),
                alt.Tooltip("left:Q", title="z from", format=".3g"),
                alt.Tooltip("right:Q", title="z to", format=".3g"),
                alt.Tooltip("count:Q", title="values of z", format=","),
            ],
        )
    )
    sigmoid = (
        alt.Chart(alt.NamedData("curve"))
        .mark_line(strokeWidth=3, color="#222222")
        .encode(
            x="z:Q",
            y="phi:Q",
            tooltip=[
                alt.Tooltip("z:Q", format=".2f"),
                alt.Tooltip("phi:Q", title="sigmoid(z)", format=".3f"),
            ],
        )
    )
    shade = _zone_shade(Z_TITLE, legend_title="sigmoid zone", opacity=0.14)
    return _configured(alt.layer(shade, bars, sigmoid).properties(height=340))


def neuron_chart(
    hist: pd.DataFrame, spans: pd.DataFrame, curve: pd.DataFrame, series_schemes: dict[str, str]
) -> alt.LayerChart:
    """Where z = sum w_i x_i lands: its histogram per series, over the sigmoid and its shaded zones.

    One y axis from 0 to 1 holds both the sigmoid and the histograms, each scaled to its tallest bar.

    Args:
        hist: columns series, left, right, count, height (density / the largest density).
        spans: columns zone, start, end (``initcore.activations.zone_spans``).
        curve: columns z, phi (the activation on the same z range).
        series_schemes: series label -> scheme name, for the colours.
    """
    return _chart(_neuron_plan(hist, spans, curve, series_schemes))


def neuron_chart_spec(
    hist: pd.DataFrame, spans: pd.DataFrame, curve: pd.DataFrame, series_schemes: dict[str, str]
) -> dict:
    """:func:`neuron_chart` as a Vega-Lite dict, from a cached template."""
    return _spec(_neuron_plan(hist, spans, curve, series_schemes))


def _neuron_plan(
    hist: pd.DataFrame, spans: pd.DataFrame, curve: pd.DataFrame, series_schemes: dict[str, str]
) -> Plan:
    data = {"spans": spans, "hist": hist, "curve": curve[["z", "phi"]]}
    return _neuron_template, (), data, tuple(series_schemes.items())


# --- saturation across depth (page 2) -------------------------------------------------------------


def _series_color(series: tuple[tuple[str, str], ...], channel: type = alt.Color) -> Any:
    return channel("series:N", scale=series_scale(series), title=None, sort=[s for s, _ in series])


def _layer_axis(depth: int) -> alt.X:
    return alt.X(
        "layer:Q", title="layer", scale=alt.Scale(domain=[1, max(depth, 2)]), axis=alt.Axis(tickMinStep=1)
    )


def _heatmap_template(series: tuple[tuple[str, str], ...], activation: str, bounded: bool) -> alt.FacetChart:
    base = (
        alt.Chart(alt.NamedData("hist"))
        .mark_rect()
        .encode(
            x=alt.X("left:Q", title=f"activation a = {activation}(z)"),
            x2="right:Q",
            y=alt.Y("layer:O", title="layer"),
            color=alt.Color(
                "height:Q",
                title="share (each layer's peak = 1)",
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="weights"),
                alt.Tooltip("layer:O"),
                alt.Tooltip("left:Q", title="a from", format=".3g"),
                alt.Tooltip("right:Q", title="a to", format=".3g"),
                alt.Tooltip("density:Q", format=".3g"),
            ],
        )
        .properties(width=300, height=alt.Step(16))
    )
    # Two panels per row: four initializations side by side would not fit a projector's 1280 pixels.
    chart = base.facet(alt.Facet("series:N", title=None, sort=[s for s, _ in series]), columns=2)
    if not bounded:
        chart = chart.resolve_scale(x="independent")
    return _configured(chart)


def layer_heatmap(
    hist: pd.DataFrame, series_schemes: dict[str, str], *, activation: str, bounded: bool
) -> alt.FacetChart:
    """Density of the activations by layer (rows) for each initialization (columns).

    Args:
        hist: columns series, layer, left, right, density, height (``initcore.depth_study(...).hist``).
        series_schemes: series label -> scheme name (the column order).
        activation: its name, for the axis title.
        bounded: the activation has a fixed range (sigmoid, tanh): share one x axis; else one per column.
    """
    return _chart(_heatmap_plan(hist, series_schemes, activation, bounded))


def layer_heatmap_spec(
    hist: pd.DataFrame, series_schemes: dict[str, str], *, activation: str, bounded: bool
) -> dict:
    """:func:`layer_heatmap` as a Vega-Lite dict, from a cached template."""
    return _spec(_heatmap_plan(hist, series_schemes, activation, bounded))


def _heatmap_plan(hist: pd.DataFrame, series_schemes: dict[str, str], activation: str, bounded: bool) -> Plan:
    return _heatmap_template, (activation, bounded), {"hist": hist}, tuple(series_schemes.items())


def _mean_std_template(series: tuple[tuple[str, str], ...], depth: int) -> alt.LayerChart:
    base = alt.Chart(alt.NamedData("layers")).encode(x=_layer_axis(depth), color=_series_color(series))
    tooltip = [
        alt.Tooltip("series:N", title="weights"),
        alt.Tooltip("layer:Q"),
        alt.Tooltip("a_mean:Q", title="mean of a", format=".4g"),
        alt.Tooltip("a_std:Q", title="std of a", format=".4g"),
    ]
    band = base.mark_area(opacity=0.12).encode(
        y=alt.Y("a_lo:Q", title="activation: mean ± std"),
        y2="a_hi:Q",
        fill=alt.Fill("series:N", scale=series_scale(series), legend=None),
    )
    line = base.mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=60)).encode(
        y="a_mean:Q", tooltip=tooltip
    )
    return _configured(alt.layer(band, line).properties(height=320))


def _mean_std_data(layers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    cols = layers[["series", "layer", "a_mean", "a_std"]]
    return {"layers": cols.assign(a_lo=cols.a_mean - cols.a_std, a_hi=cols.a_mean + cols.a_std)}


def mean_std_chart(layers: pd.DataFrame, series_schemes: dict[str, str]) -> alt.LayerChart:
    """Per-layer mean ± std of the activations, one colour per initialization (Glorot & Bengio's Figure 2)."""
    return _chart(_mean_std_plan(layers, series_schemes))


def mean_std_chart_spec(layers: pd.DataFrame, series_schemes: dict[str, str]) -> dict:
    """:func:`mean_std_chart` as a Vega-Lite dict, from a cached template."""
    return _spec(_mean_std_plan(layers, series_schemes))


def _mean_std_plan(layers: pd.DataFrame, series_schemes: dict[str, str]) -> Plan:
    depth = int(layers["layer"].max())
    return _mean_std_template, (depth,), _mean_std_data(layers), tuple(series_schemes.items())


def _long_template(
    series: tuple[tuple[str, str], ...], depth: int, y_title: str, kinds: tuple[str, ...], log: bool, fmt: str
) -> alt.LayerChart:
    y_scale = alt.Scale(type="log") if log else alt.Scale(domain=[0, 1])
    return _configured(
        alt.Chart(alt.NamedData("long"))
        .mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=50))
        .encode(
            x=_layer_axis(depth),
            y=alt.Y("value:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=fmt)),
            color=_series_color(series),
            strokeDash=alt.StrokeDash(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=list(kinds), range=[[1, 0], [6, 4]][: len(kinds)]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="weights"),
                alt.Tooltip("kind:N", title="what"),
                alt.Tooltip("layer:Q"),
                alt.Tooltip("value:Q", format=".3~g" if log else ".1%"),
            ],
        )
        .properties(height=320)
    )


def _long(layers: pd.DataFrame, columns: dict[str, str], positive: bool) -> pd.DataFrame:
    """``layers`` melted to one row per (series, layer, kind): built from numpy arrays, since
    ``DataFrame.melt`` costs a few ms per chart on every new net."""
    values = np.concatenate([layers[c].to_numpy(dtype=float) for c in columns])
    n = len(layers)
    long = pd.DataFrame(
        {
            "series": np.tile(layers["series"].to_numpy(dtype=object), len(columns)),
            "layer": np.tile(layers["layer"].to_numpy(), len(columns)),
            "kind": np.repeat(np.array(list(columns.values()), dtype=object), n),
            "value": values,
        }
    )
    if positive:  # a log axis cannot show 0: those points are left out
        long = long[values > 0].reset_index(drop=True)
    return long


_ZONE_KINDS = {"saturated": "saturated", "near_linear": "near-linear"}
_GRAD_KINDS = {"grad_rms": "measured", "grad_theory": "mean-field prediction"}
_Q_KINDS = {"q_measured": "measured E[z²]", "q_theory": "mean-field q"}


def _long_plan(which: str, layers: pd.DataFrame, series_schemes: dict[str, str]) -> Plan:
    depth = int(layers["layer"].max())
    kinds, title, log, fmt = {
        "zones": (_ZONE_KINDS, "share of units", False, "%"),
        "grads": (_GRAD_KINDS, "RMS of dL/dz (log)", True, "~e"),
        "q": (_Q_KINDS, "E[z²] per layer (log)", True, "~g"),
    }[which]
    key = (depth, title, tuple(kinds.values()), log, fmt)
    return _long_template, key, {"long": _long(layers, kinds, positive=log)}, tuple(series_schemes.items())


def layer_lines(which: str, layers: pd.DataFrame, series_schemes: dict[str, str]) -> alt.Chart:
    """Per-layer lines, one colour per initialization, solid and dashed for the two quantities of ``which``:

    - ``zones``: the share of saturated (solid) and near-linear (dashed) units;
    - ``grads``: the RMS of dL/dz measured (solid) and predicted by mean-field theory (dashed), log axis;
    - ``q``: the measured E[z²] (solid) and the mean-field variance map q^l (dashed), log axis.

    Args:
        layers: ``initcore.depth_study(...).layers``.
    """
    return _chart(_long_plan(which, layers, series_schemes))


def layer_lines_spec(which: str, layers: pd.DataFrame, series_schemes: dict[str, str]) -> dict:
    """:func:`layer_lines` as a Vega-Lite dict, from a cached template."""
    return _spec(_long_plan(which, layers, series_schemes))


def _phase_template(series: tuple[tuple[str, str], ...], activation: str) -> alt.LayerChart:
    x = alt.X("w_lo:Q", title="σ_w² = fan_in · Var(w)  (log)", scale=alt.Scale(type="log"))
    cells = (
        alt.Chart(alt.NamedData("cells"))
        .mark_rect()
        .encode(
            x=x,
            x2="w_hi:Q",
            y=alt.Y("b_lo:Q", title="σ_b² = bias²"),
            y2="b_hi:Q",
            color=alt.Color(
                "log10_chi1:Q",
                title="log₁₀ χ₁",
                scale=alt.Scale(scheme="blueorange", domain=[-2, 2], domainMid=0),
            ),
            tooltip=[
                alt.Tooltip("sigma_w2:Q", title="σ_w²", format=".3g"),
                alt.Tooltip("sigma_b2:Q", title="σ_b²", format=".2f"),
                alt.Tooltip("chi1:Q", title="χ₁", format=".3g"),
            ],
        )
    )
    edge = (
        alt.Chart(alt.NamedData("critical"))
        .mark_line(color="#000000", strokeWidth=3)
        .encode(
            x="sigma_w2:Q",
            y="sigma_b2:Q",
            order="sigma_b2:Q",
            tooltip=[alt.Tooltip("sigma_w2:Q", title="χ₁ = 1 at σ_w²", format=".3g")],
        )
    )
    points = (
        alt.Chart(alt.NamedData("points"))
        .mark_point(filled=True, size=260, stroke="#000000", strokeWidth=1.5, opacity=1)
        .encode(
            x="shown_w2:Q",
            y="shown_b2:Q",
            fill=_series_color(series, alt.Fill),
            shape=alt.Shape(
                "outside:N",
                title="marker",
                scale=alt.Scale(domain=[False, True], range=["circle", "triangle-right"]),
                legend=alt.Legend(labelExpr="datum.value ? 'beyond the plot (at its edge)' : 'in the plot'"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="weights"),
                alt.Tooltip("sigma_w2:Q", title="σ_w²", format=".4g"),
                alt.Tooltip("sigma_b2:Q", title="σ_b²", format=".3g"),
                alt.Tooltip("chi1:Q", title="χ₁", format=".3g"),
                alt.Tooltip("phase:N"),
            ],
        )
    )
    return _configured(
        alt.layer(cells, edge, points).properties(height=340, title=f"{activation}: χ₁ over (σ_w², σ_b²)")
    )


def phase_chart(phase: Any, series_schemes: dict[str, str], *, activation: str) -> alt.LayerChart:
    """chi1 over the (sigma_w2, sigma_b2) plane, the critical line chi1 = 1 (black), and each compared
    initialization as a point (a triangle when it lies beyond the plotted range).

    Args:
        phase: an ``initcore.PhaseDiagram`` (cells, critical, points).
    """
    return _chart(_phase_plan(phase, series_schemes, activation))


def phase_chart_spec(phase: Any, series_schemes: dict[str, str], *, activation: str) -> dict:
    """:func:`phase_chart` as a Vega-Lite dict, from a cached template."""
    return _spec(_phase_plan(phase, series_schemes, activation))


def _phase_plan(phase: Any, series_schemes: dict[str, str], activation: str) -> Plan:
    data = {"cells": phase.cells, "critical": phase.critical.dropna(), "points": phase.points}
    return _phase_template, (activation,), data, tuple(series_schemes.items())


# --- training comparisons (page 3) ----------------------------------------------------------------


def _curves_template(series: tuple[tuple[str, str], ...], metric: str) -> alt.Chart:
    log = metric == "loss"
    return _configured(
        alt.Chart(alt.NamedData("history"))
        .mark_line(strokeWidth=3)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y(
                f"{metric}:Q",
                title="cross-entropy loss (log)" if log else "accuracy",
                scale=alt.Scale(type="log") if log else alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="~g" if log else "%"),
            ),
            color=_series_color(series),
            strokeDash=alt.StrokeDash(
                "split:N",
                title=None,
                scale=alt.Scale(domain=["train", "test"], range=[[1, 0], [6, 4]]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("scheme:N", title="weights"),
                alt.Tooltip("split:N"),
                alt.Tooltip("step:Q"),
                alt.Tooltip(f"{metric}:Q", format=".4g" if log else ".1%"),
            ],
        )
        .transform_calculate(series="datum.scheme")
        .properties(height=320)
    )


def _curves_data(history: pd.DataFrame, metric: str) -> dict[str, pd.DataFrame]:
    h = history[["scheme", "step", "split", metric]]
    return {"history": h[h[metric] > 0] if metric == "loss" else h}  # a log axis cannot show 0


def training_curves(history: pd.DataFrame, series_schemes: dict[str, str], *, metric: str) -> alt.Chart:
    """Loss (log axis) or accuracy over training: one colour per initialization, train solid, test dashed.

    Args:
        history: ``initcore.training.train_many(...).history`` (scheme, step, split, loss, accuracy).
        metric: "loss" or "accuracy".
    """
    return _chart((_curves_template, (metric,), _curves_data(history, metric), tuple(series_schemes.items())))


def training_curves_spec(history: pd.DataFrame, series_schemes: dict[str, str], *, metric: str) -> dict:
    """:func:`training_curves` as a Vega-Lite dict, from a cached template."""
    return _spec((_curves_template, (metric,), _curves_data(history, metric), tuple(series_schemes.items())))


LAYER_FIELDS = {
    "a_mean": ("activation mean ± std", False),
    "saturated": ("share of saturated units", False),
    "grad_rms": ("RMS of dL/dz (log)", True),
}


def _layer_training_template(series: tuple[tuple[str, str], ...], field: str) -> alt.FacetChart:
    title, log = LAYER_FIELDS[field]
    color = alt.Color("layer:O", title="layer", scale=alt.Scale(scheme="viridis"))
    line = (
        alt.Chart()
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(type="log") if log else alt.Scale()),
            color=color,
            tooltip=[
                alt.Tooltip("scheme:N", title="weights"),
                alt.Tooltip("layer:O"),
                alt.Tooltip("step:Q"),
                alt.Tooltip(f"{field}:Q", format=".3~g"),
            ],
        )
    )
    layers = [line]
    if field == "a_mean":
        layers.insert(
            0, alt.Chart().mark_area(opacity=0.15).encode(x="step:Q", y="a_lo:Q", y2="a_hi:Q", color=color)
        )
    chart = alt.layer(*layers, data=alt.NamedData("layers")).properties(width=230, height=220)
    facet = alt.Facet("scheme:N", title=None, sort=[s for s, _ in series])
    return _configured(chart.facet(facet=facet, columns=FACET_COLUMNS))  # wraps: six panels fit a projector


def _layer_training_data(layers: pd.DataFrame, field: str) -> dict[str, pd.DataFrame]:
    cols = layers[["scheme", "step", "layer", "a_mean", "a_std", field]].loc[
        :, lambda d: ~d.columns.duplicated()
    ]
    cols = cols.assign(a_lo=cols.a_mean - cols.a_std, a_hi=cols.a_mean + cols.a_std)
    return {"layers": cols[cols[field] > 0] if LAYER_FIELDS[field][1] else cols}


def layer_training(layers: pd.DataFrame, series_schemes: dict[str, str], *, field: str) -> alt.FacetChart:
    """One small chart per initialization: a per-layer quantity over training, one colour per layer
    (Glorot & Bengio's Figure 2 for ``a_mean``, with ± one std as a band).

    Args:
        layers: ``train_many(...).layers`` (scheme, step, layer, a_mean, a_std, saturated, grad_rms).
        field: "a_mean", "saturated" or "grad_rms" (log axis).
    """
    return _chart(_layer_training_plan(layers, series_schemes, field))


def layer_training_spec(layers: pd.DataFrame, series_schemes: dict[str, str], *, field: str) -> dict:
    """:func:`layer_training` as a Vega-Lite dict, from a cached template."""
    return _spec(_layer_training_plan(layers, series_schemes, field))


def _layer_training_plan(layers: pd.DataFrame, series_schemes: dict[str, str], field: str) -> Plan:
    return (
        _layer_training_template,
        (field,),
        _layer_training_data(layers, field),
        tuple(series_schemes.items()),
    )


CLASS_COLORS = ("#0072B2", "#D55E00")  # class 0, class 1


def _boundary_template(series: tuple[tuple[str, str], ...]) -> alt.FacetChart:
    cells = (
        alt.Chart()
        .transform_filter("datum.kind == 'grid'")
        .mark_rect()
        .encode(
            x=alt.X("x_lo:Q", title="x₁", axis=alt.Axis(grid=False)),
            x2="x_hi:Q",
            y=alt.Y("y_lo:Q", title="x₂", axis=alt.Axis(grid=False)),
            y2="y_hi:Q",
            color=alt.Color("p:Q", title="P(class 1)", scale=alt.Scale(scheme="blueorange", domain=[0, 1])),
            tooltip=[alt.Tooltip("p:Q", title="P(class 1)", format=".2f")],
        )
    )
    points = (
        alt.Chart()
        .transform_filter("datum.kind == 'test'")
        .mark_point(filled=True, size=22, stroke="#000000", strokeWidth=0.4)
        .encode(
            x="x:Q",
            y="y:Q",
            fill=alt.Fill(
                "label:N",
                title="test points",
                scale=alt.Scale(domain=["class 0", "class 1"], range=list(CLASS_COLORS)),
            ),
            tooltip=[alt.Tooltip("label:N", title="true class")],
        )
    )
    chart = alt.layer(cells, points, data=alt.NamedData("boundary")).properties(width=230, height=230)
    facet = alt.Facet("scheme:N", title=None, sort=[s for s, _ in series])
    return _configured(chart.facet(facet=facet, columns=FACET_COLUMNS))  # wraps: six panels fit a projector


def _boundary_data(grid: pd.DataFrame, test: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One dataset for the facets: grid cells (kind 'grid') and each scheme's copy of the test points."""
    schemes = grid["scheme"].unique()
    pts = pd.concat([test.assign(scheme=s) for s in schemes], ignore_index=True)
    return {"boundary": pd.concat([grid.assign(kind="grid"), pts.assign(kind="test")], ignore_index=True)}


def decision_boundaries(
    grid: pd.DataFrame, test: pd.DataFrame, series_schemes: dict[str, str]
) -> alt.FacetChart:
    """Each model's P(class 1) over the plane with the test points on top, one panel per initialization.

    Args:
        grid: ``initcore.training.boundary_grid`` (scheme, x_lo, x_hi, y_lo, y_hi, p).
        test: columns x, y, label ("class 0" / "class 1").
    """
    return _chart((_boundary_template, (), _boundary_data(grid, test), tuple(series_schemes.items())))


def decision_boundaries_spec(grid: pd.DataFrame, test: pd.DataFrame, series_schemes: dict[str, str]) -> dict:
    """:func:`decision_boundaries` as a Vega-Lite dict, from a cached template."""
    return _spec((_boundary_template, (), _boundary_data(grid, test), tuple(series_schemes.items())))


def _preview_template(series: tuple, kind: str) -> alt.TopLevelMixin:
    if kind == "points":
        chart = (
            alt.Chart(alt.NamedData("data"))
            .mark_circle(size=30, opacity=0.8)
            .encode(
                x=alt.X("x:Q", title="x₁"),
                y=alt.Y("y:Q", title="x₂"),
                color=alt.Color(
                    "label:N",
                    title=None,
                    scale=alt.Scale(domain=["class 0", "class 1"], range=list(CLASS_COLORS)),
                ),
                tooltip=[
                    alt.Tooltip("label:N", title="class"),
                    alt.Tooltip("x:Q", format=".2f"),
                    alt.Tooltip("y:Q", format=".2f"),
                ],
            )
            .properties(width=320, height=320)
        )
        return _configured(chart)
    chart = (
        alt.Chart(alt.NamedData("data"))
        .mark_rect()
        .encode(
            x=alt.X("col:O", axis=None),
            y=alt.Y("row:O", axis=None),
            color=alt.Color("value:Q", scale=alt.Scale(scheme="greys"), legend=None),
            tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value:Q", title="intensity", format=".2f")],
        )
        .properties(width=90, height=90)
        .facet(facet=alt.Facet("image:O", header=alt.Header(title=None, labels=False)), columns=8)
    )
    return _configured(chart)


def _preview_kind(frame: pd.DataFrame) -> str:
    return "points" if "x" in frame.columns else "images"


def dataset_preview(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """A 2-D set's points coloured by class, or a row of example images (``training.preview_frame``)."""
    return _chart((_preview_template, (_preview_kind(frame),), {"data": frame}, ()))


def dataset_preview_spec(frame: pd.DataFrame) -> dict:
    """:func:`dataset_preview` as a Vega-Lite dict, from a cached template."""
    return _spec((_preview_template, (_preview_kind(frame),), {"data": frame}, ()))

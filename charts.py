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


def _fast_spec(template: Callable[..., alt.TopLevelMixin], key: tuple, data: dict[str, pd.DataFrame]) -> dict:
    """The template's Vega-Lite dict with the DataFrames themselves as its named datasets, which
    ``st.vega_lite_chart`` sends as Arrow (a fifth of the cost of JSON records)."""
    spec = copy.deepcopy(_template_dict(template, key))
    spec["datasets"] = {name: _finite(df) for name, df in data.items()}
    return spec


def _configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE).configure_legend(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, orient="top", labelLimit=400
    )


def _zone_scale() -> alt.Scale:
    return alt.Scale(domain=list(ZONE_COLORS), range=list(ZONE_COLORS.values()))


def series_scale(series_schemes: dict[str, str] | tuple[tuple[str, str], ...]) -> alt.Scale:
    """Colour scale for labelled series: each gets its scheme's colour (a repeated scheme: black)."""
    pairs = tuple(series_schemes.items()) if isinstance(series_schemes, dict) else series_schemes
    used: set[str] = set()
    colors = []
    for _, scheme in pairs:
        colors.append(SECOND_OF_A_KIND if scheme in used else SCHEME_COLORS[scheme])
        used.add(scheme)
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


def _activation_template(label: str, series: tuple[tuple[str, str], ...] = ()) -> alt.LayerChart:
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
    key = (label, tuple((series_schemes or {}).items()) if z is not None else ())
    return _attach(_activation_template(*key), _activation_data(curve, spans, label, z))


def activation_zones_spec(
    curve: pd.DataFrame,
    spans: pd.DataFrame,
    *,
    label: str,
    z: pd.DataFrame | None = None,
    series_schemes: dict[str, str] | None = None,
) -> dict:
    """:func:`activation_zones` as a Vega-Lite dict, from a cached template."""
    key = (label, tuple((series_schemes or {}).items()) if z is not None else ())
    return _fast_spec(_activation_template, key, _activation_data(curve, spans, label, z))


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
    return _attach(_draws_template(tuple(series_schemes.items())), {"hist": hist, "curves": curves})


def draws_histogram_spec(hist: pd.DataFrame, curves: pd.DataFrame, series_schemes: dict[str, str]) -> dict:
    """:func:`draws_histogram` as a Vega-Lite dict, from a cached template."""
    return _fast_spec(_draws_template, (tuple(series_schemes.items()),), {"hist": hist, "curves": curves})


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
    data = {"spans": spans, "hist": hist, "curve": curve[["z", "phi"]]}
    return _attach(_neuron_template(tuple(series_schemes.items())), data)


def neuron_chart_spec(
    hist: pd.DataFrame, spans: pd.DataFrame, curve: pd.DataFrame, series_schemes: dict[str, str]
) -> dict:
    """:func:`neuron_chart` as a Vega-Lite dict, from a cached template."""
    data = {"spans": spans, "hist": hist, "curve": curve[["z", "phi"]]}
    return _fast_spec(_neuron_template, (tuple(series_schemes.items()),), data)

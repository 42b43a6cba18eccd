"""Charts of page 2: every layer of a deep net for several initializations, the mean-field theory beside
the measurements, and the phase diagram."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import numpy as np
import pandas as pd

import initcore
from initcore.activations import prose_name
from initcore.words import N_, tr

from .base import (
    Chart,
    _configured,
    _layer_axis,
    _series_color,
    alt,
    either,
    series_scale,
)

# --- saturation across depth (page 2) -------------------------------------------------------------


# Vega's "viridis" (vega-scale): 31 colours, interpolated linearly in RGB between neighbours.
_VIRIDIS = (
    "440154470e61481a6c482575472f7d443a834144873d4e8a39568c35608d31688e2d708e2a788e27818e23888e21918d1f988b"
    "1fa08822a8842ab07f35b77943bf7154c56866cc5d7ad1518fd744a5db36bcdf27d2e21be9e51afde725"
)
_VIRIDIS_RGB = np.array(
    [[int(_VIRIDIS[i + j : i + j + 2], 16) for j in (0, 2, 4)] for i in range(0, len(_VIRIDIS), 6)], float
)
STRIP_REPEAT = 8  # pixels per bin in a strip: the browser stretches the image, sharp at any width


def viridis(t: np.ndarray) -> np.ndarray:
    """RGBA bytes (..., 4) of Vega's viridis at ``t`` in [0, 1], as Vega-Lite colours a ``scheme: viridis``
    scale with domain [0, 1]; NaN is transparent (Vega-Lite draws nothing for a null colour)."""
    t = np.asarray(t, dtype=float)
    n = len(_VIRIDIS_RGB) - 1
    x = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0) * n
    i = np.minimum(x.astype(int), n - 1)
    f = (x - i)[..., None]
    rgb = np.floor(_VIRIDIS_RGB[i] * (1 - f) + _VIRIDIS_RGB[i + 1] * f + 0.5)  # d3 rounds half up
    alpha = np.where(np.isnan(t), 0.0, 255.0)[..., None]
    return np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)


def png_data_url(rgba: np.ndarray) -> str:
    """A ``data:image/png`` URL of an (height, width, 4) uint8 image (8-bit RGBA, no filtering)."""
    height, width, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[row].tobytes() for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def heatmap_strips(hist: pd.DataFrame) -> pd.DataFrame:
    """One row per (series, layer) of ``hist`` (its bins in consecutive rows, in order): the layer's bins
    as one image strip, each bin ``STRIP_REPEAT`` pixels of viridis(height), from its first bin's left
    edge to its last's right edge. Columns: series, layer, left, right, url, peak (its largest height,
    for the colour legend), peak_at (the middle of its tallest bin)."""
    series, layer = hist["series"].to_numpy(), hist["layer"].to_numpy()
    new_group = np.ones(len(hist), bool)
    new_group[1:] = (series[1:] != series[:-1]) | (layer[1:] != layer[:-1])
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], len(hist))
    colors = np.repeat(viridis(hist["height"].to_numpy()), STRIP_REPEAT, axis=0)  # every bin at once
    height, left, right = (hist[c].to_numpy() for c in ("height", "left", "right"))
    tallest = np.array([a + int(np.argmax(height[a:b])) for a, b in zip(starts, ends, strict=True)], int)
    return pd.DataFrame(
        {
            "series": series[starts],
            "layer": layer[starts],
            "left": left[starts],
            "right": right[ends - 1],
            "url": [
                png_data_url(colors[a * STRIP_REPEAT : b * STRIP_REPEAT][None])
                for a, b in zip(starts, ends, strict=True)
            ],
            "peak": height[tallest],
            "peak_at": (left[tallest] + right[tallest]) / 2,
        }
    )


def _heatmap_template(series: tuple[tuple[str, str], ...], activation: str, bounded: bool) -> alt.FacetChart:
    x = alt.X("left:Q", title=tr("activation a = {act}(z)", act=activation), scale=alt.Scale(nice=False))
    y = alt.Y("layer:O", title=tr("layer"), bandPosition=0, scale=alt.Scale(paddingInner=0, paddingOuter=0))
    y2 = alt.Y2("layer", bandPosition=1)  # each strip fills its layer's band
    # Each layer's bins are one image (a few hundred marks at most instead of bins x layers rects, which
    # took the browser 140 ms per redraw); a transparent rect over each strip carries the colour legend
    # and the tooltip.
    strips = (
        alt.Chart().mark_image(aspect=False, smooth=False).encode(x=x, x2="right:Q", y=y, y2=y2, url="url:N")
    )
    hover = (
        alt.Chart()
        .mark_rect(opacity=0)
        .encode(
            x=x,
            x2="right:Q",
            y=y,
            y2=y2,
            color=alt.Color(
                "peak:Q",
                title=tr("share (each layer's peak = 1)"),
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("series:N", title=tr("weights")),
                alt.Tooltip("layer:O", title=tr("layer")),
                alt.Tooltip("peak_at:Q", title=tr("most units near a ="), format=".3g"),
            ],
        )
    )
    # Two panels per row: four initializations side by side would not fit a projector's 1280 pixels.
    chart = (
        alt.layer(strips, hover, data=alt.NamedData("strips"))
        .properties(width=300, height=alt.Step(16))
        .facet(alt.Facet("series:N", title=None, sort=[s for s, _ in series]), columns=2)
    )
    if not bounded:
        chart = chart.resolve_scale(x="independent")
    return _configured(chart)


def layer_heatmap(
    hist: pd.DataFrame, series_schemes: dict[str, str], *, activation: str, bounded: bool
) -> Chart:
    """Density of the activations by layer (rows) for each initialization (columns), each layer's bins
    drawn as one image strip (:func:`heatmap_strips`).

    Args:
        hist: columns series, layer, left, right, density, height (``initcore.depth_study(...).hist``).
        series_schemes: series label -> scheme name (the column order).
        activation: its name, for the axis title.
        bounded: the activation has a fixed range (sigmoid, tanh): share one x axis; else one per column.
    """
    return Chart(
        _heatmap_template,
        (activation, bounded),
        {"strips": heatmap_strips(hist)},
        tuple(series_schemes.items()),
    )


def _mean_std_template(series: tuple[tuple[str, str], ...]) -> alt.LayerChart:
    base = alt.Chart(alt.NamedData("layers")).encode(x=_layer_axis(), color=_series_color(series))
    tooltip = [
        alt.Tooltip("series:N", title=tr("weights")),
        alt.Tooltip("layer:Q", title=tr("layer")),
        alt.Tooltip("a_mean:Q", title=tr("mean of a"), format=".4g"),
        alt.Tooltip("a_std:Q", title=tr("std of a"), format=".4g"),
    ]
    band = base.mark_area(opacity=0.12).encode(
        y=alt.Y("a_lo:Q", title=tr("activation: mean ± std")),
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


def mean_std_chart(layers: pd.DataFrame, series_schemes: dict[str, str]) -> Chart:
    """Per-layer mean ± std of the activations, one colour per initialization (Glorot & Bengio's Figure 2)."""
    return Chart(_mean_std_template, (), _mean_std_data(layers), tuple(series_schemes.items()))


def _long_template(
    series: tuple[tuple[str, str], ...], y_title: str, kinds: tuple[str, ...], log: bool, fmt: str
) -> alt.LayerChart:
    y_scale = alt.Scale(type="log") if log else alt.Scale(domain=[0, 1])
    return _configured(
        alt.Chart(alt.NamedData("long"))
        .mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=50))
        .encode(
            x=_layer_axis(),
            y=alt.Y("value:Q", title=tr(y_title), scale=y_scale, axis=alt.Axis(format=fmt)),
            color=_series_color(series),
            strokeDash=alt.StrokeDash(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=list(kinds), range=[[1, 0], [6, 4]][: len(kinds)]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title=tr("weights")),
                alt.Tooltip("kind:N", title=tr("what")),
                alt.Tooltip("layer:Q", title=tr("layer")),
                alt.Tooltip("value:Q", title=tr(y_title), format=".3~g" if log else ".1%"),
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


_ZONE_KINDS = {"saturated": N_("saturated"), "near_linear": N_("near-linear")}
_GRAD_KINDS = {"grad_rms": N_("measured"), "grad_theory": N_("mean-field prediction")}
_Q_KINDS = {"q_measured": N_("measured E[z²]"), "q_theory": N_("mean-field q")}


def layer_lines(which: str, layers: pd.DataFrame, series_schemes: dict[str, str]) -> Chart:
    """Per-layer lines, one colour per initialization, solid and dashed for the two quantities of ``which``:

    - ``zones``: the share of saturated (solid) and near-linear (dashed) units;
    - ``grads``: the RMS of dL/dz measured (solid) and predicted by mean-field theory (dashed), log axis;
    - ``q``: the measured E[z²] (solid) and the mean-field variance map q^l (dashed), log axis.

    Args:
        layers: ``initcore.depth_study(...).layers``.
    """
    kinds, title, log, fmt = {
        "zones": (_ZONE_KINDS, N_("share of units"), False, "%"),
        "grads": (_GRAD_KINDS, N_("RMS of dL/dz (log)"), True, "~e"),
        "q": (_Q_KINDS, N_("E[z²] per layer (log)"), True, "~g"),
    }[which]
    kinds = {column: tr(kind) for column, kind in kinds.items()}  # legend entries are data: translate them
    key = (title, tuple(kinds.values()), log, fmt)
    return Chart(
        _long_template, key, {"long": _long(layers, kinds, positive=log)}, tuple(series_schemes.items())
    )


BEYOND, INSIDE = N_("beyond the plot (at its edge)"), N_("in the plot")  # a point's marker


def _phase_template(series: tuple[tuple[str, str], ...], activation: str) -> alt.LayerChart:
    x = alt.X("w_lo:Q", title=tr("σ_w² = fan_in · Var(w)  (log)"), scale=alt.Scale(type="log"))
    cells = (
        alt.Chart(alt.NamedData("cells"))
        .mark_rect()
        .encode(
            x=x,
            x2="w_hi:Q",
            y=alt.Y("b_lo:Q", title=tr("σ_b² = bias²")),
            y2="b_hi:Q",
            color=alt.Color(
                "log10_chi1:Q",
                title=tr("log₁₀ χ₁"),
                scale=alt.Scale(scheme="blueorange", domain=[-2, 2], domainMid=0),
            ),
            tooltip=[
                alt.Tooltip("sigma_w2:Q", title=tr("σ_w²"), format=".3g"),
                alt.Tooltip("sigma_b2:Q", title=tr("σ_b²"), format=".2f"),
                alt.Tooltip("chi1:Q", title=tr("χ₁"), format=".3g"),
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
            tooltip=[alt.Tooltip("sigma_w2:Q", title=tr("χ₁ = 1 at σ_w²"), format=".3g")],
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
                title=tr("marker"),
                scale=alt.Scale(domain=[False, True], range=["circle", "triangle-right"]),
                legend=alt.Legend(labelExpr=either("datum.value", BEYOND, INSIDE)),
            ),
            tooltip=[
                alt.Tooltip("series:N", title=tr("weights")),
                alt.Tooltip("sigma_w2:Q", title=tr("σ_w²"), format=".4g"),
                alt.Tooltip("sigma_b2:Q", title=tr("σ_b²"), format=".3g"),
                alt.Tooltip("chi1:Q", title=tr("χ₁"), format=".3g"),
                alt.Tooltip("phase:N", title=tr("phase")),
            ],
        )
    )
    return _configured(
        alt.layer(cells, edge, points).properties(
            height=340, title=tr("{act}: χ₁ over (σ_w², σ_b²)", act=prose_name(activation))
        )
    )


def phase_chart(phase: Any, series_schemes: dict[str, str], *, activation: str) -> Chart:
    """chi1 over the (sigma_w2, sigma_b2) plane, the critical line chi1 = 1 (black), and each compared
    initialization as a point (a triangle when it lies beyond the plotted range).

    Args:
        phase: an ``initcore.PhaseDiagram`` (cells, critical, points).
    """
    points = phase.points.assign(phase=phase.points["phase"].map(tr))  # the phase in the page's language
    data = {"cells": phase.cells, "critical": phase.critical.dropna(), "points": points}
    return Chart(_phase_template, (activation,), data, tuple(series_schemes.items()))


DEPTH_CHARTS = ("heatmap", "mean_std", "zones", "grads", "q", "phase")


def depth_charts(study: Any, *, activation: str, only: tuple[str, ...] = DEPTH_CHARTS) -> dict[str, Chart]:
    """The charts of page 2 for one ``initcore.depth_study``, by name (those in ``only``, in that order):
    heatmap, mean_std, zones, grads, q, phase (its points on ``initcore.phase_diagram``). The series'
    colours come from the study's schemes."""
    series = dict(zip(study.summary["series"], study.summary["scheme"], strict=True))
    bounded = initcore.ACTIVATIONS[activation].limits is not None
    make = {
        "heatmap": lambda: layer_heatmap(study.hist, series, activation=activation, bounded=bounded),
        "mean_std": lambda: mean_std_chart(study.layers, series),
        "zones": lambda: layer_lines("zones", study.layers, series),
        "grads": lambda: layer_lines("grads", study.layers, series),
        "q": lambda: layer_lines("q", study.layers, series),
        "phase": lambda: phase_chart(
            initcore.phase_diagram(activation, study.summary), series, activation=activation
        ),
    }
    return {name: make[name]() for name in only}

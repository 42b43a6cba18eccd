"""Charts of the landing page and page 1: an activation and its zones, weight draws against their exact
densities, and what one neuron with n inputs computes."""

from __future__ import annotations

import pandas as pd

from initcore.words import N_, tr

from .base import (
    SLOPE_LABEL,
    Z_TITLE,
    Chart,
    _configured,
    _zone_shade,
    alt,
    series_scale,
    shown_zones,
)

# --- the activation and its zones (landing page) ------------------------------------------------


def _activation_template(series: tuple[tuple[str, str], ...], label: str) -> alt.LayerChart:
    lines = (
        alt.Chart(alt.NamedData("curve"))
        .mark_line(strokeWidth=3, color="#222222")
        .encode(
            x=alt.X("z:Q", title=tr("pre-activation z = w · x + b")),
            y=alt.Y("value:Q", title=tr("output / relative slope / share of z")),
            strokeDash=alt.StrokeDash(
                "curve:N",
                title=None,
                scale=alt.Scale(domain=[f"{label}(z)", tr(SLOPE_LABEL)], range=[[1, 0], [6, 4]]),
            ),
            tooltip=[
                alt.Tooltip("curve:N", title=tr("curve")),
                alt.Tooltip("z:Q", title=tr("z"), format=".2f"),
                alt.Tooltip("value:Q", title=tr("value"), format=".4f"),
                alt.Tooltip("zone:N", title=tr("zone")),
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
                    title=tr("where z lands"),
                    legend=alt.Legend(orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("series:N", title=tr("z for")),
                    alt.Tooltip("z:Q", title=tr("z"), format=".2f"),
                    alt.Tooltip("density:Q", title=tr("density of z"), format=".3f"),
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
    long["curve"] = long["curve"].map({"phi": f"{label}(z)", "slope": tr(SLOPE_LABEL)})
    data = {"spans": shown_zones(spans), "curve": shown_zones(long)}
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
) -> Chart:
    """An activation phi(z) and its relative slope, over shaded saturated and near-linear zones, and
    optionally where z lands for some initializations.

    Args:
        curve: columns z, phi, slope, zone (``initcore.activations.curve``).
        spans: columns zone, start, end (``initcore.activations.zone_spans``).
        label: the activation's name, for the legend.
        z: columns series, z, density, height (density scaled to a peak of 1), drawn as areas.
        series_schemes: series label -> scheme name, for the colours of ``z``.
    """
    series = tuple((series_schemes or {}).items()) if z is not None else ()
    return Chart(_activation_template, (label,), _activation_data(curve, spans, label, z), series)


# --- weight draws and their densities (page 1) ---------------------------------------------------


def _draws_template(series: tuple[tuple[str, str], ...]) -> alt.LayerChart:
    color = alt.Color("series:N", scale=series_scale(series), title=None)
    bars = (
        alt.Chart(alt.NamedData("hist"))
        .mark_rect(opacity=0.45)
        .encode(
            x=alt.X("left:Q", title=tr("weight w")),
            x2="right:Q",
            y=alt.Y("density:Q", title=tr("density"), stack=None),
            color=color,
            tooltip=[
                alt.Tooltip("series:N", title=tr("draws")),
                alt.Tooltip("left:Q", title=tr("from"), format=".4g"),
                alt.Tooltip("right:Q", title=tr("to"), format=".4g"),
                alt.Tooltip("count:Q", title=tr("draws in bin"), format=","),
                alt.Tooltip("density:Q", title=tr("density"), format=".4g"),
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
                alt.Tooltip("series:N", title=tr("exact density of")),
                alt.Tooltip("w:Q", title=tr("weight w"), format=".4g"),
                alt.Tooltip("density:Q", title=tr("density"), format=".4g"),
            ],
        )
    )
    return _configured(alt.layer(bars, lines).properties(height=340))


def draws_histogram(hist: pd.DataFrame, curves: pd.DataFrame, series_schemes: dict[str, str]) -> Chart:
    """Histograms of weight draws (bars) with each scheme's exact density (lines).

    Args:
        hist: columns series, left, right, count, density (``initcore.histogram_frame``).
        curves: columns series, w, density: the exact densities on a grid (may be empty).
        series_schemes: series label -> scheme name, for the colours.
    """
    return Chart(_draws_template, (), {"hist": hist, "curves": curves}, tuple(series_schemes.items()))


# --- what one neuron sees (page 1) ----------------------------------------------------------------


def _neuron_template(series: tuple[tuple[str, str], ...]) -> alt.LayerChart:
    bars = (
        alt.Chart(alt.NamedData("hist"))
        .mark_rect(opacity=0.55)
        .encode(
            x="left:Q",
            x2="right:Q",
            y=alt.Y(
                "height:Q",
                title=tr("sigmoid(z); share of z (tallest bar = 1)"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            fill=alt.Fill("series:N", scale=series_scale(series), title=None),
            tooltip=[
                alt.Tooltip("series:N", title=tr("weights")),
                alt.Tooltip("left:Q", title=tr("z from"), format=".3g"),
                alt.Tooltip("right:Q", title=tr("z to"), format=".3g"),
                alt.Tooltip("count:Q", title=tr("values of z"), format=","),
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
                alt.Tooltip("z:Q", title=tr("z"), format=".2f"),
                alt.Tooltip("phi:Q", title=tr("sigmoid(z)"), format=".3f"),
            ],
        )
    )
    shade = _zone_shade(Z_TITLE, legend_title=N_("sigmoid zone"), opacity=0.14)
    return _configured(alt.layer(shade, bars, sigmoid).properties(height=340))


def neuron_chart(
    hist: pd.DataFrame, spans: pd.DataFrame, curve: pd.DataFrame, series_schemes: dict[str, str]
) -> Chart:
    """Where z = sum w_i x_i lands: its histogram per series, over the sigmoid and its shaded zones.

    One y axis from 0 to 1 holds both the sigmoid and the histograms, each scaled to its tallest bar.

    Args:
        hist: columns series, left, right, count, height (density / the largest density).
        spans: columns zone, start, end (``initcore.activations.zone_spans``).
        curve: columns z, phi (the activation on the same z range).
        series_schemes: series label -> scheme name, for the colours.
    """
    data = {"spans": shown_zones(spans), "hist": hist, "curve": curve[["z", "phi"]]}
    return Chart(_neuron_template, (), data, tuple(series_schemes.items()))

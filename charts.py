"""Chart builders: pure functions, DataFrame in, ``alt.Chart`` out. No Streamlit here.

Colours are fixed per meaning so that every page and every chart agree, from the colour-blind-safe
palette of Okabe & Ito (2008).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# Okabe-Ito: distinguishable with every common form of colour blindness.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
ZONE_COLORS = {"saturated": "#D55E00", "nonlinear": "#009E73", "near-linear": "#0072B2"}
FONT_SIZE = 14  # readable on a projector from the back of the room


def _zone_scale() -> alt.Scale:
    return alt.Scale(domain=list(ZONE_COLORS), range=list(ZONE_COLORS.values()))


def activation_zones(curve: pd.DataFrame, spans: pd.DataFrame, *, label: str) -> alt.LayerChart:
    """An activation phi(z) and its relative slope, over shaded saturated and near-linear zones.

    Args:
        curve: columns z, phi, slope, zone (``initcore.activations.curve``).
        spans: columns zone, start, end (``initcore.activations.zone_spans``).
        label: the activation's display name, for the axis.
    """
    x = alt.X("z:Q", title="pre-activation z = w · x + b")
    shade = (
        alt.Chart(spans)
        .mark_rect(opacity=0.18)
        .encode(
            x=alt.X("start:Q", title="pre-activation z = w · x + b"),
            x2="end:Q",
            color=alt.Color("zone:N", scale=_zone_scale(), title="zone"),
            tooltip=[
                alt.Tooltip("zone:N", title="zone"),
                alt.Tooltip("start:Q", title="from z", format=".3f"),
                alt.Tooltip("end:Q", title="to z", format=".3f"),
            ],
        )
    )
    long = curve.melt(
        id_vars=["z", "zone"], value_vars=["phi", "slope"], var_name="curve", value_name="value"
    )
    long["curve"] = long["curve"].map({"phi": f"{label}(z)", "slope": "relative slope φ'(z) / max φ'"})
    lines = (
        alt.Chart(long)
        .mark_line(strokeWidth=3, color="#222222")
        .encode(
            x=x,
            y=alt.Y("value:Q", title="output / relative slope"),
            strokeDash=alt.StrokeDash(
                "curve:N",
                title=None,
                scale=alt.Scale(range=[[1, 0], [6, 4]]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("curve:N", title="curve"),
                alt.Tooltip("z:Q", format=".2f"),
                alt.Tooltip("value:Q", format=".4f"),
                alt.Tooltip("zone:N"),
            ],
        )
    )
    return (
        alt.layer(shade, lines)
        .properties(height=360)
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_legend(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
    )

"""Chart plumbing shared by every chart: colours fixed per meaning (so that every page and every chart
agree, from the colour-blind-safe palettes of Okabe & Ito (2008) and Paul Tol), the :class:`Chart` object,
cached templates and fast specs. No Streamlit here.

Altair is imported at the first use of one of its names (:data:`alt`), not with this module: a fresh
server's first runs of the landing page and pages 1, 2 and 3 find their templates in
``charts/shipped.json`` (:mod:`charts.shipped`) and send their first chart without it, 0.17-0.20 s
sooner on the landing page and 0.26-0.28 s on page 1 (its import, with jsonschema's, and the
templates' first build).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from initcore.words import N_, is_rtl, label, language, per_language, tr, whole

from . import shipped


class _Altair:
    """The ``altair`` module, imported at the first use of one of its names (``alt.Chart``)."""

    def __getattr__(self, name: str) -> Any:
        import altair  # noqa: PLC0415 (lazily: see the module docstring)

        value = getattr(altair, name)
        setattr(self, name, value)  # the next use finds it here
        return value


alt: Any = _Altair()

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
Z_TITLE = N_("z = w₁x₁ + … + wₙxₙ")
SLOPE_LABEL = N_("relative slope φ'(z) / max φ'")


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


@per_language(maxsize=128)
def _template_dict(template: Callable[..., alt.TopLevelMixin], key: tuple) -> dict[str, Any]:
    found = shipped.find(language(), template, key)
    return found if found is not None else build_template(template, key)


def build_template(template: Callable[..., alt.TopLevelMixin], key: tuple) -> dict[str, Any]:
    """The template's Vega-Lite dict, built by Altair, in the page's language."""
    return _rtl_titles(template(*key).to_dict(validate=False))


_TEXT_KEYS = ("title", "text", "subtitle")  # where a spec holds words (chart, axis and legend titles)


def _rtl_titles(node: Any) -> Any:
    """The spec with every title in a right-to-left language as one right-to-left isolate: charts are
    drawn left to right (their axes and numbers), and a Persian title keeps its word order inside them."""
    if not is_rtl():
        return node
    if isinstance(node, dict):
        return {
            k: (whole(v) if isinstance(v, str) else [whole(t) if isinstance(t, str) else t for t in v])
            if k in _TEXT_KEYS and isinstance(v, (str, list))
            else _rtl_titles(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rtl_titles(v) for v in node]
    return node


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


@per_language(maxsize=256)
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
            out["scale"] = {**out["scale"], **series_domain_range(series)}
        if "sort" in out:
            out["sort"] = [label for label, _ in series]
    return out


@dataclass(frozen=True)
class Chart:
    """One chart: its template (marks, encodings and colours, which depend only on the series and a few
    labels), the template's other arguments, and its named datasets. ``altair()`` gives the Altair chart
    with the data attached (for tests, notebooks and exports); ``spec()`` the same chart as a Vega-Lite
    dict from the cached template with the DataFrames as its datasets, ten times faster, for the pages'
    reruns (``st.vega_lite_chart`` sends them as Arrow)."""

    template: Callable[..., alt.TopLevelMixin]
    key: tuple
    data: dict[str, pd.DataFrame]
    series: tuple[tuple[str, str], ...] = ()

    def altair(self) -> alt.TopLevelMixin:
        shown = self.shown()
        return _attach(shown.template(shown.series, *shown.key), shown.data)

    def spec(self) -> dict:
        shown = self.shown()
        return _fast_spec(shown.template, shown.key, shown.data, shown.series)

    def shown(self) -> Chart:
        """This chart as the page's language shows it: on a right-to-left page each series label (in the
        series and in the data's series columns) isolated by :func:`initcore.words.label`, so that a label
        such as ``N(0, 1²)`` or a Persian scheme name reads right inside a left-to-right chart. The core's
        labels stay plain, as data."""
        if not self.series or not is_rtl():
            return self
        names = {s: label(s) for s, _ in self.series}
        data = {
            name: df.assign(**{c: df[c].map(lambda v: names.get(v, v)) for c in SERIES_FIELDS if c in df})
            for name, df in self.data.items()
        }
        return Chart(self.template, self.key, data, tuple((names[s], k) for s, k in self.series))

    def to_dict(self) -> dict:
        """The Altair chart's Vega-Lite dict (what tests and exports read)."""
        return self.altair().to_dict()


def _configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    if not isinstance(chart, alt.FacetChart):
        # Fit the width to the page and keep the height for the plot: with Streamlit's default ("fit" both
        # ways) the legends above and below come out of the chart's height, and six series' legend rows
        # squeezed a 320-pixel plot to 60.
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE).configure_legend(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, orient="top", labelLimit=400, columns=2
    )  # two entries per row: a row of four long labels is cut off in a half-width chart


def either(test: str, yes: str, no: str) -> str:
    """A Vega expression that names, in the page's language, one of two messages: ``test ? yes : no``
    (for a legend's labelExpr or a calculated field; the words are JSON strings, Persian left as is)."""
    yes_text, no_text = (json.dumps(tr(m), ensure_ascii=False) for m in (yes, no))
    return f"{test} ? {yes_text} : {no_text}"


def _zone_scale() -> alt.Scale:
    return alt.Scale(domain=[tr(z) for z in ZONE_COLORS], range=list(ZONE_COLORS.values()))


def shown_zones(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its ``zone`` column in the page's language, as the zone scale's domain has them."""
    return df.assign(zone=df["zone"].map(tr))


def series_scale(series_schemes: dict[str, str] | tuple[tuple[str, str], ...]) -> alt.Scale:
    """Colour scale for labelled series: each gets its scheme's colour; a scheme's second series is black,
    its third and later ones the next of ``REPEATS``."""
    return alt.Scale(**series_domain_range(series_schemes))


def series_domain_range(series_schemes: dict[str, str] | tuple[tuple[str, str], ...]) -> dict[str, list]:
    """:func:`series_scale` as the Vega-Lite dict it writes: ``{"domain": labels, "range": colours}``."""
    pairs = tuple(series_schemes.items()) if isinstance(series_schemes, dict) else series_schemes
    seen: dict[str, int] = {}
    colors = []
    for _, scheme in pairs:
        n = seen.get(scheme, 0)
        colors.append(SCHEME_COLORS[scheme] if n == 0 else REPEATS[(n - 1) % len(REPEATS)])
        seen[scheme] = n + 1
    return {"domain": [label for label, _ in pairs], "range": colors}


def _series_color(series: tuple[tuple[str, str], ...], channel: type | None = None) -> Any:
    channel = alt.Color if channel is None else channel
    return channel("series:N", scale=series_scale(series), title=None, sort=[s for s, _ in series])


def _layer_axis() -> alt.X:
    """Layers 1 to the deepest in the data: the depth is not written into the spec, so that a new depth
    swaps the chart's data in the browser instead of rebuilding the chart."""
    return alt.X(
        "layer:Q",
        title=tr("layer"),
        scale=alt.Scale(domainMin=1, zero=False, nice=False),
        axis=alt.Axis(tickMinStep=1, format="d"),  # whole layers, also for a one-layer net
    )


def _zone_shade(title: str, legend_title: str = "zone", opacity: float = 0.18) -> alt.Chart:
    return (
        alt.Chart(alt.NamedData("spans"))
        .mark_rect(opacity=opacity)
        .encode(
            x=alt.X("start:Q", title=tr(title)),
            x2="end:Q",
            color=alt.Color("zone:N", scale=_zone_scale(), title=tr(legend_title)),
            tooltip=[
                alt.Tooltip("zone:N", title=tr("zone")),
                alt.Tooltip("start:Q", title=tr("from z"), format=".3f"),
                alt.Tooltip("end:Q", title=tr("to z"), format=".3f"),
            ],
        )
    )

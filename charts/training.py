"""Charts of page 3: training curves, each layer during training, decision boundaries, the data."""

from __future__ import annotations

import pandas as pd

from initcore.words import N_, tr

from .base import (
    FACET_COLUMNS,
    Chart,
    _configured,
    _series_color,
    alt,
    either,
)

# --- training comparisons (page 3) ----------------------------------------------------------------


METRICS = {"loss": N_("loss"), "accuracy": N_("accuracy")}  # the history's metrics, as tooltips name them
SPLITS = {"train": N_("train"), "test": N_("test")}  # the history's splits, as the legend names them


def _split_label(field: str) -> str:
    """A Vega expression naming the split held in ``field`` ("train" or "test") in the page's language."""
    return either(f"{field} === 'train'", SPLITS["train"], SPLITS["test"])


def _curves_template(series: tuple[tuple[str, str], ...], metric: str) -> alt.Chart:
    log = metric == "loss"
    return _configured(
        alt.Chart(alt.NamedData("history"))
        .mark_line(strokeWidth=3)
        .encode(
            x=alt.X("step:Q", title=tr("training step")),
            y=alt.Y(
                f"{metric}:Q",
                title=tr("cross-entropy loss (log)") if log else tr("accuracy"),
                scale=alt.Scale(type="log") if log else alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="~g" if log else "%"),
            ),
            color=_series_color(series),
            strokeDash=alt.StrokeDash(
                "split:N",
                title=None,
                scale=alt.Scale(domain=["train", "test"], range=[[1, 0], [6, 4]]),
                legend=alt.Legend(orient="bottom", labelExpr=_split_label("datum.label")),
            ),
            tooltip=[
                alt.Tooltip("scheme:N", title=tr("weights")),
                alt.Tooltip("split_shown:N", title=tr("data")),
                alt.Tooltip("step:Q", title=tr("training step")),
                alt.Tooltip(f"{metric}:Q", title=tr(METRICS[metric]), format=".4g" if log else ".1%"),
            ],
        )
        .transform_calculate(series="datum.scheme", split_shown=_split_label("datum.split"))
        .properties(height=320)
    )


def _curves_data(history: pd.DataFrame, metric: str) -> dict[str, pd.DataFrame]:
    h = history[["scheme", "step", "split", metric]]
    return {"history": h[h[metric] > 0] if metric == "loss" else h}  # a log axis cannot show 0


def training_curves(history: pd.DataFrame, series_schemes: dict[str, str], *, metric: str) -> Chart:
    """Loss (log axis) or accuracy over training: one colour per initialization, train solid, test dashed.

    Args:
        history: ``initcore.training.train_many(...).history`` (scheme, step, split, loss, accuracy).
        metric: "loss" or "accuracy".
    """
    return Chart(_curves_template, (metric,), _curves_data(history, metric), tuple(series_schemes.items()))


LAYER_FIELDS = {
    "a_mean": (N_("activation mean ± std"), False),
    "saturated": (N_("share of saturated units"), False),
    "grad_rms": (N_("RMS of dL/dz (log)"), True),
}


def _layer_training_template(series: tuple[tuple[str, str], ...], field: str) -> alt.FacetChart:
    title, log = LAYER_FIELDS[field]
    color = alt.Color("layer:O", title=tr("layer"), scale=alt.Scale(scheme="viridis"))
    line = (
        alt.Chart()
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("step:Q", title=tr("training step")),
            y=alt.Y(f"{field}:Q", title=tr(title), scale=alt.Scale(type="log") if log else alt.Scale()),
            color=color,
            tooltip=[
                alt.Tooltip("scheme:N", title=tr("weights")),
                alt.Tooltip("layer:O", title=tr("layer")),
                alt.Tooltip("step:Q", title=tr("training step")),
                alt.Tooltip(f"{field}:Q", title=tr(title), format=".3~g"),
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


def layer_training(layers: pd.DataFrame, series_schemes: dict[str, str], *, field: str) -> Chart:
    """One small chart per initialization: a per-layer quantity over training, one colour per layer
    (Glorot & Bengio's Figure 2 for ``a_mean``, with ± one std as a band).

    Args:
        layers: ``train_many(...).layers`` (scheme, step, layer, a_mean, a_std, saturated, grad_rms).
        field: "a_mean", "saturated" or "grad_rms" (log axis).
    """
    return Chart(
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
            x=alt.X("x_lo:Q", title=tr("x₁"), axis=alt.Axis(grid=False)),
            x2="x_hi:Q",
            y=alt.Y("y_lo:Q", title=tr("x₂"), axis=alt.Axis(grid=False)),
            y2="y_hi:Q",
            color=alt.Color(
                "p:Q", title=tr("P(class 1)"), scale=alt.Scale(scheme="blueorange", domain=[0, 1])
            ),
            tooltip=[alt.Tooltip("p:Q", title=tr("P(class 1)"), format=".2f")],
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
                title=tr("test points"),
                scale=alt.Scale(
                    domain=[tr("class {c}", c=0), tr("class {c}", c=1)], range=list(CLASS_COLORS)
                ),
            ),
            tooltip=[alt.Tooltip("label:N", title=tr("true class"))],
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


def decision_boundaries(grid: pd.DataFrame, test: pd.DataFrame, series_schemes: dict[str, str]) -> Chart:
    """Each model's P(class 1) over the plane with the test points on top, one panel per initialization.

    Args:
        grid: ``initcore.training.boundary_grid`` (scheme, x_lo, x_hi, y_lo, y_hi, p).
        test: columns x, y, label ("class 0" / "class 1").
    """
    return Chart(_boundary_template, (), _boundary_data(grid, test), tuple(series_schemes.items()))


def _preview_template(series: tuple, kind: str) -> alt.TopLevelMixin:
    if kind == "points":
        chart = (
            alt.Chart(alt.NamedData("data"))
            .mark_circle(size=30, opacity=0.8)
            .encode(
                x=alt.X("x:Q", title=tr("x₁")),
                y=alt.Y("y:Q", title=tr("x₂")),
                color=alt.Color(
                    "label:N",
                    title=None,
                    scale=alt.Scale(
                        domain=[tr("class {c}", c=0), tr("class {c}", c=1)], range=list(CLASS_COLORS)
                    ),
                ),
                tooltip=[
                    alt.Tooltip("label:N", title=tr("class")),
                    alt.Tooltip("x:Q", title=tr("x₁"), format=".2f"),
                    alt.Tooltip("y:Q", title=tr("x₂"), format=".2f"),
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
            tooltip=[
                alt.Tooltip("label:N", title=tr("class")),
                alt.Tooltip("value:Q", title=tr("intensity"), format=".2f"),
            ],
        )
        .properties(width=90, height=90)
        .facet(facet=alt.Facet("image:O", header=alt.Header(title=None, labels=False)), columns=8)
    )
    return _configured(chart)


def _preview_kind(frame: pd.DataFrame) -> str:
    return "points" if "x" in frame.columns else "images"


def dataset_preview(frame: pd.DataFrame) -> Chart:
    """A 2-D set's points coloured by class, or a row of example images (``runs.preview_frame``, its class
    numbers shown as "class 0", ... in the page's language)."""
    names = {c: tr("class {c}", c=c) for c in frame["label"].unique()}
    shown = frame.assign(label=frame["label"].map(names))
    return Chart(_preview_template, (_preview_kind(frame),), {"data": shown}, ())

"""Chart builders tested as data: marks, fields, types, colours and tooltips; fast specs equal the charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import charts
import initcore
from initcore.activations import curve, zone_spans

SERIES = {"A: U[-0.1, 0.1]": "uniform", "B: N(0, 0.1²)": "normal"}


def _draws():
    schemes = {"A: U[-0.1, 0.1]": ("uniform", {"limit": 0.1}), "B: N(0, 0.1²)": ("normal", {"std": 0.1})}
    return initcore.compare_draws(schemes, fan_in=100, fan_out=100, n=5000, seed=0)


def _neuron():
    schemes = {"A: U[-0.1, 0.1]": ("uniform", {"limit": 0.1}), "B: N(0, 0.1²)": ("normal", {"std": 0.1})}
    v = initcore.compare_neuron(schemes, n=100, inputs="normal", seed=0)
    return v.hist, zone_spans("sigmoid", -v.reach, v.reach), curve("sigmoid", -v.reach, v.reach)


def _by_mark(spec: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for layer in spec["layer"]:
        out.setdefault(layer["mark"]["type"], []).append(layer)
    return out


def _data(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def test_activation_chart_shades_zones_and_draws_phi_and_slope():
    spec = charts.activation_zones(curve("sigmoid"), zone_spans("sigmoid"), label="sigmoid").to_dict()
    marks = _by_mark(spec)
    (shade,), (line,) = marks["rect"], marks["line"]
    assert shade["encoding"]["x"]["field"] == "start" and shade["encoding"]["x2"]["field"] == "end"
    assert shade["encoding"]["color"]["scale"]["domain"] == list(charts.ZONE_COLORS)
    assert shade["encoding"]["color"]["scale"]["range"] == list(charts.ZONE_COLORS.values())
    assert line["encoding"]["x"]["field"] == "z" and line["encoding"]["x"]["type"] == "quantitative"
    assert line["encoding"]["y"]["field"] == "value"
    assert {r["curve"] for r in _data(spec, line)} == {"sigmoid(z)", charts.SLOPE_LABEL}
    assert {r["zone"] for r in _data(spec, shade)} == {"saturated", "nonlinear", "near-linear"}
    for layer in (shade, line):
        assert layer["encoding"].get("tooltip"), f"{layer['mark']['type']} has no tooltip"


def test_activation_chart_overlays_where_z_lands_in_scheme_colours():
    z = initcore.normal_z_curves({"U[-0.1, 0.1]": 0.577, "N(0, 0.1²)": 1.0}, reach=8)
    spec = charts.activation_zones(
        curve("sigmoid"),
        zone_spans("sigmoid"),
        label="sigmoid",
        z=z,
        series_schemes=dict(zip(z.series.unique(), ["uniform", "normal"], strict=True)),
    ).to_dict()
    (area,) = _by_mark(spec)["area"]
    fill = area["encoding"]["fill"]
    assert fill["field"] == "series" and fill["scale"]["range"] == [
        charts.SCHEME_COLORS["uniform"],
        charts.SCHEME_COLORS["normal"],
    ]
    assert area["encoding"]["y"]["stack"] is None, "the two areas overlap, they must not stack"
    assert max(r["height"] for r in _data(spec, area)) == pytest.approx(1.0)


def test_draws_histogram_has_bars_and_exact_density_lines_in_scheme_colours():
    d = _draws()
    spec = charts.draws_histogram(d.hist, d.curves, SERIES).to_dict()
    marks = _by_mark(spec)
    (bars,), (lines,) = marks["rect"], marks["line"]
    assert bars["encoding"]["x"]["field"] == "left" and bars["encoding"]["x2"]["field"] == "right"
    assert bars["encoding"]["y"]["field"] == "density" and bars["encoding"]["y"]["type"] == "quantitative"
    assert lines["encoding"]["x"]["field"] == "w"
    scale = bars["encoding"]["color"]["scale"]
    assert scale["domain"] == list(SERIES)
    assert scale["range"] == [charts.SCHEME_COLORS["uniform"], charts.SCHEME_COLORS["normal"]]
    assert len(_data(spec, bars)) == 120 and {r["series"] for r in _data(spec, lines)} == set(SERIES)
    assert all(layer["encoding"].get("tooltip") for layer in (bars, lines))


def test_neuron_chart_puts_z_and_the_sigmoid_on_one_axis():
    hist, spans, phi = _neuron()
    spec = charts.neuron_chart(hist, spans, phi, SERIES).to_dict()
    marks = _by_mark(spec)
    shade, bars = marks["rect"]
    (sigmoid,) = marks["line"]
    assert bars["encoding"]["y"]["field"] == "height" and bars["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert bars["encoding"]["fill"]["scale"]["range"][0] == charts.SCHEME_COLORS["uniform"]
    assert max(r["height"] for r in _data(spec, bars)) == pytest.approx(1.0)
    assert sigmoid["encoding"]["y"]["field"] == "phi"
    assert shade["encoding"]["color"]["field"] == "zone"


def test_one_colour_per_scheme_all_distinct_and_a_repeat_turns_black():
    assert set(charts.SCHEME_COLORS) == set(initcore.SCHEMES), "every scheme needs its colour"
    assert len(set(charts.SCHEME_COLORS.values())) == len(charts.SCHEME_COLORS), "colours must differ"
    scale = charts.series_scale({"A: U[-0.1, 0.1]": "uniform", "B: U[-0.3, 0.3]": "uniform"}).to_dict()
    assert scale["range"] == [charts.SCHEME_COLORS["uniform"], charts.SECOND_OF_A_KIND]


@pytest.mark.parametrize("which", ["activation", "draws", "neuron"])
def test_fast_specs_equal_the_altair_charts(which):
    if which == "activation":
        args, kwargs = (curve("tanh"), zone_spans("tanh")), {"label": "tanh"}
        chart, fast = charts.activation_zones(*args, **kwargs), charts.activation_zones_spec(*args, **kwargs)
    elif which == "draws":
        d = _draws()
        chart, fast = (
            charts.draws_histogram(d.hist, d.curves, SERIES),
            charts.draws_histogram_spec(d.hist, d.curves, SERIES),
        )
    else:
        args = (*_neuron(), SERIES)
        chart, fast = charts.neuron_chart(*args), charts.neuron_chart_spec(*args)
    fast["datasets"] = {name: charts._records(df) for name, df in fast["datasets"].items()}
    assert chart.to_dict() == fast, "the cached template path must draw exactly the same chart"


def test_non_finite_values_become_null_for_vega():
    hist = pd.DataFrame(
        {"series": ["A: U[-0.1, 0.1]"], "left": [0.0], "right": [np.inf], "count": [1], "density": [np.nan]}
    )
    spec = charts.draws_histogram(hist, pd.DataFrame(columns=["series", "w", "density"]), SERIES).to_dict()
    row = spec["datasets"]["hist"][0]
    assert row["right"] is None and row["density"] is None, row
    fast = charts.draws_histogram_spec(hist, pd.DataFrame(columns=["series", "w", "density"]), SERIES)
    assert np.isnan(fast["datasets"]["hist"]["right"].iloc[0]), "Arrow path: infinities become NaN"


def test_zone_spans_are_the_activation_thresholds():
    spans = zone_spans("sigmoid", -8, 8)
    assert spans.zone.tolist() == ["saturated", "nonlinear", "near-linear", "nonlinear", "saturated"]
    assert (spans.start.iloc[1:].to_numpy() == spans.end.iloc[:-1].to_numpy()).all(), (
        "spans must tile [lo, hi]"
    )
    assert spans.start.iloc[0] == -8 and round(spans.end.iloc[0], 3) == -4.357 and spans.end.iloc[-1] == 8
    assert zone_spans("linear").zone.tolist() == ["near-linear"]
    assert zone_spans("relu", -2, 2).to_dict("list") == {
        "zone": ["saturated", "near-linear"],
        "start": [-2.0, 0.0],
        "end": [0.0, 2.0],
    }

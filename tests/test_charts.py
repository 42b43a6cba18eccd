"""Chart builders tested as data: marks, fields, types and tooltips."""

from __future__ import annotations

import charts
from initcore.activations import curve, zone_spans


def _layers(spec: dict) -> list[dict]:
    return spec["layer"]


def test_activation_chart_shades_zones_and_draws_phi_and_slope():
    chart = charts.activation_zones(curve("sigmoid"), zone_spans("sigmoid"), label="sigmoid")
    spec = chart.to_dict()
    shade, line = _layers(spec)
    assert shade["mark"]["type"] == "rect" and line["mark"]["type"] == "line"
    assert shade["encoding"]["x"]["field"] == "start" and shade["encoding"]["x2"]["field"] == "end"
    assert shade["encoding"]["color"]["scale"]["domain"] == list(charts.ZONE_COLORS)
    assert line["encoding"]["x"] == {
        "field": "z",
        "title": "pre-activation z = w · x + b",
        "type": "quantitative",
    }
    assert line["encoding"]["y"]["field"] == "value"
    for layer in (shade, line):
        assert layer["encoding"].get("tooltip"), f"{layer['mark']['type']} has no tooltip"
    datasets = spec["datasets"].values()
    curves = {row["curve"] for rows in datasets for row in rows if "curve" in row}
    assert curves == {"sigmoid(z)", "relative slope φ'(z) / max φ'"}


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

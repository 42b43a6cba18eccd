"""Chart builders tested as data: marks, fields, types, colours and tooltips; fast specs equal the charts."""

from __future__ import annotations

import base64
import json
import struct
import sys
import zlib

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
    assert {r["curve"] for r in _data(spec, line)} == {"sigmoid(z)", charts.base.SLOPE_LABEL}
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
    three = charts.series_scale({"N1": "normal", "N2": "normal", "N3": "normal"}).to_dict()
    assert three["range"] == [charts.SCHEME_COLORS["normal"], *charts.REPEATS[:2]], "three of a kind"
    assert len(set(charts.REPEATS) | set(charts.SCHEME_COLORS.values())) == len(charts.REPEATS) + len(
        charts.SCHEME_COLORS
    ), "a repeat's colour is no scheme's"


@pytest.mark.parametrize("which", ["activation", "draws", "neuron"])
def test_fast_specs_equal_the_altair_charts(which):
    if which == "activation":
        args, kwargs = (curve("tanh"), zone_spans("tanh")), {"label": "tanh"}
        chart, fast = (
            charts.activation_zones(*args, **kwargs),
            charts.activation_zones(*args, **kwargs).spec(),
        )
    elif which == "draws":
        d = _draws()
        chart, fast = (
            charts.draws_histogram(d.hist, d.curves, SERIES),
            charts.draws_histogram(d.hist, d.curves, SERIES).spec(),
        )
    else:
        args = (*_neuron(), SERIES)
        chart, fast = charts.neuron_chart(*args), charts.neuron_chart(*args).spec()
    fast["datasets"] = {name: charts.base._records(df) for name, df in fast["datasets"].items()}
    assert chart.to_dict() == fast, "the cached template path must draw exactly the same chart"


def test_non_finite_values_become_null_for_vega():
    hist = pd.DataFrame(
        {"series": ["A: U[-0.1, 0.1]"], "left": [0.0], "right": [np.inf], "count": [1], "density": [np.nan]}
    )
    spec = charts.draws_histogram(hist, pd.DataFrame(columns=["series", "w", "density"]), SERIES).to_dict()
    row = spec["datasets"]["hist"][0]
    assert row["right"] is None and row["density"] is None, row
    fast = charts.draws_histogram(hist, pd.DataFrame(columns=["series", "w", "density"]), SERIES).spec()
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


DEPTH_INITS = {"U[-0.1, 0.1]": ("uniform", {"limit": 0.1}), "N(0, 1²)": ("normal", {"std": 1.0})}
DEPTH_SERIES = {label: name for label, (name, _) in DEPTH_INITS.items()}


def _study(activation: str = "sigmoid"):
    return initcore.depth_study(
        DEPTH_INITS, depth=4, width=20, batch=50, inputs="normal", activation=activation, bias_std=0.0, seed=0
    )


def test_layer_heatmap_facets_by_series_with_layers_as_rows():
    d = _study()
    spec = charts.layer_heatmap(d.hist, DEPTH_SERIES, activation="sigmoid", bounded=True).to_dict()
    assert spec["facet"]["field"] == "series"
    assert spec["facet"]["sort"] == list(DEPTH_SERIES), "panels in the order compared"
    assert spec["columns"] == 2, "two panels per row fit a projector"
    strips, hover = spec["spec"]["layer"]
    assert strips["mark"]["type"] == "image" and strips["encoding"]["url"]["field"] == "url"
    for layer in (strips, hover):
        enc = layer["encoding"]
        assert enc["y"]["field"] == "layer" and enc["y"]["type"] == "ordinal"
        assert (enc["y"]["bandPosition"], enc["y2"]["bandPosition"]) == (0, 1), "a strip fills its layer"
        assert enc["x"]["field"] == "left" and enc["x2"]["field"] == "right"
    assert hover["mark"]["opacity"] == 0 and hover["encoding"]["color"]["scale"]["scheme"] == "viridis"
    assert hover["encoding"]["color"]["scale"]["domain"] == [0, 1], "the legend the strips are coloured by"
    assert "resolve" not in spec, "a bounded activation shares one x axis"
    relu = charts.layer_heatmap(_study("relu").hist, DEPTH_SERIES, activation="relu", bounded=False).to_dict()
    assert relu["resolve"] == {"scale": {"x": "independent"}}, "relu scales differ by orders of magnitude"


def _png_pixels(url: str) -> np.ndarray:
    """The RGBA pixels of a data-URL PNG as written by charts.depth.png_data_url (8-bit RGBA, filter 0)."""
    raw = base64.b64decode(url.removeprefix("data:image/png;base64,"))
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(raw):
        (n,) = struct.unpack(">I", raw[at : at + 4])
        kind, body = raw[at + 4 : at + 8], raw[at + 8 : at + 8 + n]
        (crc,) = struct.unpack(">I", raw[at + 8 + n : at + 12 + n])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind}"
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + n
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 6), "8-bit RGBA"
    rows = zlib.decompress(chunks[b"IDAT"])
    pixels = np.frombuffer(rows, np.uint8).reshape(height, 1 + 4 * width)
    assert (pixels[:, 0] == 0).all(), "no PNG filter"
    return pixels[:, 1:].reshape(height, width, 4)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_heatmap_strips_are_the_histogram_bins_in_vegas_viridis(activation):
    hist = _study(activation).hist
    strips = charts.depth.heatmap_strips(hist)
    assert len(strips) == hist.groupby(["series", "layer"]).ngroups
    for row in strips.itertuples():
        bins = hist[(hist.series == row.series) & (hist.layer == row.layer)]
        assert (row.left, row.right) == (bins.left.iloc[0], bins.right.iloc[-1]), "the strip spans its bins"
        assert row.peak == bins.height.max()
        tallest = bins.iloc[int(np.argmax(bins.height.to_numpy()))]
        assert row.peak_at == (tallest.left + tallest.right) / 2, "the tooltip's most common activation"
        pixels = _png_pixels(row.url)[0]
        assert pixels.shape == (len(bins) * charts.depth.STRIP_REPEAT, 4)
        per_bin = pixels.reshape(len(bins), charts.depth.STRIP_REPEAT, 4)
        assert (per_bin == per_bin[:, :1]).all(), "each bin is one colour"
        np.testing.assert_array_equal(per_bin[:, 0], charts.depth.viridis(bins.height.to_numpy()))


def test_viridis_matches_vegas_scheme_at_its_stops_and_between_them():
    # Vega's viridis: 31 stops, linear in RGB; d3 rounds each channel half up.
    stops = charts.depth._VIRIDIS_RGB
    n = len(stops) - 1
    np.testing.assert_array_equal(charts.depth.viridis(np.arange(n + 1) / n)[:, :3], stops)
    mid = charts.depth.viridis(np.array([0.5 / n]))[0]
    np.testing.assert_array_equal(mid[:3], np.floor((stops[0] + stops[1]) / 2 + 0.5))
    assert charts.depth.viridis(np.array([0.0, 1.0]))[:, :3].tolist() == [[68, 1, 84], [253, 231, 37]]
    assert charts.depth.viridis(np.array([np.nan]))[0, 3] == 0, "no value, no colour"
    assert (charts.depth.viridis(np.array([-1.0, 2.0])) == charts.depth.viridis(np.array([0.0, 1.0]))).all()


def test_mean_std_chart_draws_a_band_and_a_line_per_series():
    spec = charts.mean_std_chart(_study().layers, DEPTH_SERIES).to_dict()
    marks = _by_mark(spec)
    (band,), (line,) = marks["area"], marks["line"]
    assert band["encoding"]["y"]["field"] == "a_lo" and band["encoding"]["y2"]["field"] == "a_hi"
    assert line["encoding"]["y"]["field"] == "a_mean" and line["encoding"]["x"]["field"] == "layer"
    assert line["encoding"]["color"]["scale"]["range"] == [
        charts.SCHEME_COLORS["uniform"],
        charts.SCHEME_COLORS["normal"],
    ]
    rows = spec["datasets"][spec["data"]["name"]]  # both layers share the chart's data
    assert all(abs(r["a_hi"] - r["a_lo"] - 2 * r["a_std"]) < 1e-9 for r in rows)


@pytest.mark.parametrize(
    ("which", "kinds", "log"),
    [
        ("zones", ["saturated", "near-linear"], False),
        ("grads", ["measured", "mean-field prediction"], True),
        ("q", ["measured E[z²]", "mean-field q"], True),
    ],
)
def test_layer_lines_show_measured_solid_and_second_quantity_dashed(which, kinds, log):
    spec = charts.layer_lines(which, _study().layers, DEPTH_SERIES).to_dict()
    enc = spec["encoding"]
    assert spec["mark"]["type"] == "line" and enc["x"]["field"] == "layer" and enc["y"]["field"] == "value"
    assert enc["strokeDash"]["scale"]["domain"] == kinds
    assert enc["y"]["scale"].get("type") == ("log" if log else None)
    rows = spec["datasets"][spec["data"]["name"]]
    assert {r["kind"] for r in rows} == set(kinds)
    if log:
        assert all(r["value"] > 0 for r in rows), "a log axis gets no zeros"


def test_phase_chart_has_cells_the_critical_line_and_the_initializations():
    d = _study("tanh")
    phase = initcore.phase_diagram("tanh", d.summary)
    spec = charts.phase_chart(phase, DEPTH_SERIES, activation="tanh").to_dict()
    marks = _by_mark(spec)
    (cells,), (edge,), (points,) = marks["rect"], marks["line"], marks["point"]
    assert (
        cells["encoding"]["x"]["scale"]["type"] == "log"
        and cells["encoding"]["color"]["field"] == "log10_chi1"
    )
    assert cells["encoding"]["color"]["scale"]["domainMid"] == 0, "chi1 = 1 is the neutral colour"
    assert edge["encoding"]["x"]["field"] == "sigma_w2" and edge["mark"]["color"] == "#000000"
    assert points["encoding"]["x"]["field"] == "shown_w2"
    assert points["encoding"]["fill"]["scale"]["domain"] == list(DEPTH_SERIES)
    assert {r["series"] for r in _data(spec, points)} == set(DEPTH_SERIES)


@pytest.mark.parametrize("which", ["heatmap", "mean_std", "zones", "grads", "q", "phase"])
def test_page2_fast_specs_equal_the_altair_charts(which):
    d = _study()
    if which == "heatmap":
        args = (d.hist, DEPTH_SERIES)
        chart = charts.layer_heatmap(*args, activation="sigmoid", bounded=True)
        fast = charts.layer_heatmap(*args, activation="sigmoid", bounded=True).spec()
    elif which == "mean_std":
        chart, fast = (
            charts.mean_std_chart(d.layers, DEPTH_SERIES),
            charts.mean_std_chart(d.layers, DEPTH_SERIES).spec(),
        )
    elif which == "phase":
        phase = initcore.phase_diagram("sigmoid", d.summary)
        chart = charts.phase_chart(phase, DEPTH_SERIES, activation="sigmoid")
        fast = charts.phase_chart(phase, DEPTH_SERIES, activation="sigmoid").spec()
    else:
        chart = charts.layer_lines(which, d.layers, DEPTH_SERIES)
        fast = charts.layer_lines(which, d.layers, DEPTH_SERIES).spec()
    fast["datasets"] = {name: charts.base._records(df) for name, df in fast["datasets"].items()}
    assert chart.to_dict() == fast


def test_cached_templates_take_new_labels_without_leaking_between_calls():
    d = _study()
    one = charts.mean_std_chart(d.layers, DEPTH_SERIES).spec()
    other = {"A": "he_normal", "B": "he_normal"}
    layers = d.layers.assign(series=d.layers["series"].map(dict(zip(DEPTH_SERIES, other, strict=True))))
    two = charts.mean_std_chart(layers, other).spec()
    again = charts.mean_std_chart(d.layers, DEPTH_SERIES).spec()
    scale = lambda spec: spec["layer"][1]["encoding"]["color"]["scale"]  # noqa: E731
    assert scale(two) == {
        "domain": ["A", "B"],
        "range": [charts.SCHEME_COLORS["he_normal"], charts.SECOND_OF_A_KIND],
    }
    assert scale(again) == scale(one), "a spec built for other labels must not change the cached template"


def _fake_training():
    """History and layer tables shaped like train_many's, built by hand (no TensorFlow needed)."""
    rng = np.random.default_rng(0)
    steps = [0, 10, 20]
    history = pd.DataFrame(
        [
            (label, step, split, float(rng.uniform(0.1, 1)), float(rng.uniform(0, 1)))
            for label in DEPTH_SERIES
            for step in steps
            for split in ("train", "test")
        ],
        columns=["scheme", "step", "split", "loss", "accuracy"],
    )
    layers = pd.DataFrame(
        [
            (label, step, layer, *rng.uniform(0, 1, 4), float(rng.uniform(1e-6, 1)))
            for label in DEPTH_SERIES
            for step in steps
            for layer in (1, 2)
        ],
        columns=["scheme", "step", "layer", "a_mean", "a_std", "saturated", "near_linear", "grad_rms"],
    )
    return history, layers


@pytest.mark.parametrize(
    "which", ["loss", "accuracy", "a_mean", "saturated", "grad_rms", "boundary", "preview"]
)
def test_page3_fast_specs_equal_the_altair_charts(which):
    history, layers = _fake_training()
    if which in ("loss", "accuracy"):
        chart = charts.training_curves(history, DEPTH_SERIES, metric=which)
        fast = charts.training_curves(history, DEPTH_SERIES, metric=which).spec()
        enc = chart.to_dict()["encoding"]
        assert enc["strokeDash"]["scale"]["domain"] == ["train", "test"]
        assert enc["y"]["scale"].get("type") == ("log" if which == "loss" else None)
    elif which == "boundary":
        grid = pd.DataFrame(
            {
                "scheme": list(DEPTH_SERIES),
                "x_lo": [0.0, 0.0],
                "x_hi": [1.0, 1.0],
                "y_lo": [0.0, 0.0],
                "y_hi": [1.0, 1.0],
                "p": [0.2, 0.9],
            }
        )
        test = pd.DataFrame({"x": [0.5], "y": [0.5], "label": ["class 1"]})
        chart = charts.decision_boundaries(grid, test, DEPTH_SERIES)
        fast = charts.decision_boundaries(grid, test, DEPTH_SERIES).spec()
        rows = chart.to_dict()["datasets"]
        assert sum(r["kind"] == "test" for rows_ in rows.values() for r in rows_) == 2, (
            "test points in each panel"
        )
    elif which == "preview":
        frame = pd.DataFrame({"x": [0.0, 1.0], "y": [1.0, 0.0], "label": ["class 0", "class 1"]})
        chart, fast = charts.dataset_preview(frame), charts.dataset_preview(frame).spec()
    else:
        chart = charts.layer_training(layers, DEPTH_SERIES, field=which)
        fast = charts.layer_training(layers, DEPTH_SERIES, field=which).spec()
        spec = chart.to_dict()
        assert spec["facet"]["field"] == "scheme" and spec["columns"] == charts.base.FACET_COLUMNS, (
            "panels wrap"
        )
        assert spec["facet"]["sort"] == list(DEPTH_SERIES), "panels in the order compared"
        assert spec["spec"]["layer"][-1]["encoding"]["color"]["field"] == "layer"
    fast["datasets"] = {name: charts.base._records(df) for name, df in fast["datasets"].items()}
    assert chart.to_dict() == fast


def test_streamlit_rendering_never_changes_a_cached_template():
    """st.vega_lite_chart edits the spec it is given (top-level keys, and a null colour-legend title in a
    single-view spec); the next spec from the same template must not see those edits."""
    from streamlit.elements.vega_charts import _marshall_chart_data, _patch_null_legend_titles
    from streamlit.proto.VegaLiteChart_pb2 import VegaLiteChart

    frame = pd.DataFrame({"x": [0.0, 1.0], "y": [1.0, 0.0], "label": ["class 0", "class 1"]})
    first = charts.dataset_preview(frame).spec()
    _patch_null_legend_titles(first)
    _marshall_chart_data(VegaLiteChart(), first)
    second = charts.dataset_preview(frame).spec()
    assert second["encoding"]["color"]["title"] is None, second["encoding"]["color"]
    assert "datasets" in second


def test_page_2_specs_do_not_change_with_the_depth():
    """A new depth swaps every page-2 chart's data in the browser: no spec holds the depth (Streamlit
    re-embeds a Vega view whenever its spec changes)."""
    inits = {"A": ("uniform", {"limit": 0.1}), "B": ("glorot_uniform_x4", {})}
    net = {"width": 8, "batch": 16, "inputs": "normal", "activation": "sigmoid", "bias_std": 0.0, "seed": 1}
    specs = []
    for depth in (1, 10, 11):
        study = initcore.depth_study(inits, depth=depth, **net)
        made = charts.depth_charts(study, activation="sigmoid")
        specs.append(
            {name: {k: v for k, v in c.spec().items() if k != "datasets"} for name, c in made.items()}
        )
    assert specs[0] == specs[1] == specs[2]


# --- the shipped templates (charts/shipped.json) ----------------------------------------------------


def _writer():
    """tools/ship_chart_templates.py, which writes charts/shipped.json (and lists what it covers)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tools" / "ship_chart_templates.py"
    spec = importlib.util.spec_from_file_location("ship_chart_templates", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REWRITE = "run `python tools/ship_chart_templates.py`"
# requirements.txt pins the Altair that wrote charts/shipped.json where it installs (3.11 and later);
# Python 3.10 gets an older one, which sets the file aside and builds every template (by design)
WITH_SHIPPED_ALTAIR = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="Altair 6.3.0 needs Python 3.11: here the file is set aside"
)


@WITH_SHIPPED_ALTAIR
def test_every_shipped_template_is_what_altair_builds_now():
    """The file was written by the installed Altair from the sources as they are (else nothing in it is
    used), and its dicts are the ones charts.base.build_template writes now, entry for entry, in each
    entry's language."""
    from charts import base, shipped
    from initcore.words import languages, speaking

    writer = _writer()
    data = json.loads(shipped.PATH.read_text(encoding="utf-8"))
    assert data["altair"] == shipped.altair_version(), (
        f"charts/shipped.json was written with Altair {data['altair']}, this is {shipped.altair_version()}: "
        f"nothing in it is used; {REWRITE}"
    )
    assert data["sources"] == shipped.source_digest(), (
        f"a chart builder, the core or a catalogue changed since charts/shipped.json was written: nothing in "
        f"it is used; {REWRITE}"
    )
    templates = data["templates"]
    assert {json.loads(k)[0] for k in templates} == set(languages()), "every language has its templates"
    for k, spec in templates.items():
        code, name, key = json.loads(k)
        template, args = writer.template_of(name), writer.as_key(key)
        with speaking(code):
            built = base.build_template(template, args)
        assert built == spec, f"{k}: shipped dict differs from Altair's; {REWRITE}"
        assert shipped.entry(code, template, args) == k, f"{k}: the key reads back as written"


@WITH_SHIPPED_ALTAIR
def test_a_changed_source_sets_the_shipped_templates_aside(monkeypatch):
    """A template edited after the file was written is built by Altair, not served from the file."""
    from charts import shipped

    assert shipped.entries(), "the file is in use"
    monkeypatch.setattr(shipped, "source_digest", lambda: "0" * 64)
    shipped.entries.cache_clear()
    try:
        assert shipped.entries() == {}, "a file written from other sources is not used"
    finally:
        monkeypatch.undo()
        shipped.entries.cache_clear()


def test_the_apps_altair_is_the_one_the_templates_were_written_with():
    """requirements.txt pins Altair to the version that wrote charts/shipped.json (where that version
    installs: Python 3.11 and later): a deployment built later (Community Cloud, the image) gets that
    version, not one that sets the file aside."""
    import re
    from pathlib import Path

    from charts import shipped

    text = (Path(__file__).resolve().parents[1] / "requirements.txt").read_text()
    pins = re.findall(r'^altair==([\w.]+); python_version >= "3.11"\s*$', text, flags=re.M)
    version = json.loads(shipped.PATH.read_text(encoding="utf-8"))["altair"]
    assert pins == [version], f"requirements.txt pins altair {pins}, charts/shipped.json has {version}"


@WITH_SHIPPED_ALTAIR
def test_a_chart_is_the_same_from_the_shipped_template_and_from_altair(monkeypatch):
    """The landing page's chart from the shipped template (Altair builds nothing), and from Altair with
    the file set aside (an Altair of another version): the same spec; and the Altair chart of the same
    data is that spec."""
    from charts import base, shipped
    from initcore import compare

    z, series = compare.lesson_z_curves(100, {"uniform": {"limit": 0.1}, "normal": {"std": 0.1}})
    built = []
    real = base.build_template

    def counting(template, key):
        built.append(template.__name__)
        return real(template, key)

    def chart():
        return charts.activation_zones(
            curve("sigmoid"), zone_spans("sigmoid"), label="sigmoid", z=z, series_schemes=series
        )

    def built_spec():
        base._template_dict.cache_clear()
        base._series_template_dict.cache_clear()
        spec = chart().spec()
        return {k: v for k, v in spec.items() if k != "datasets"}, spec["datasets"]

    monkeypatch.setattr(base, "build_template", counting)
    from_file = built_spec()
    assert built == [], f"from the file, yet Altair built {built}"
    monkeypatch.setattr(shipped, "altair_version", lambda: "0.0.0")
    shipped.entries.cache_clear()
    try:
        assert shipped.entries() == {}, "another Altair's file is not used"
        from_altair = built_spec()
        assert built == ["_activation_template"], f"Altair built {built}"
    finally:
        monkeypatch.undo()
        shipped.entries.cache_clear()
        base._template_dict.cache_clear()
        base._series_template_dict.cache_clear()
    assert from_file[0] == from_altair[0], "the shipped template and Altair's build give the same spec"
    assert from_file[1].keys() == from_altair[1].keys()
    for name in from_file[1]:
        pd.testing.assert_frame_equal(from_file[1][name], from_altair[1][name], obj=name)
    full = chart().to_dict()
    assert {k: v for k, v in full.items() if k != "datasets"} == from_file[0], "and the Altair chart's own"

"""Page 2's numbers: depth_study (measurement beside mean-field theory), its verdicts, and the phase
diagram (phase_grid, critical_line, phase_background, phase_points, phase_diagram).

Tolerances come from the width of the net: a layer's E[z^2] is a mean over ``width`` units of quadratic
forms (w_i . a)^2 in that unit's weight row, each with relative variance at most 2 (a chi-square with one
degree of freedom, reached when every unit sees the same input vector, like a sigmoid's common offset
0.5 * sum_j W_ij), so it fluctuates by at most sqrt(2 / width) around the mean-field value; the
gradient's per-layer factor, a square root of such a mean, by at most sqrt(1 / (2 width)).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import initcore
from initcore import LAYER_COLUMNS
from initcore.depth import HIST_SAMPLE, PHASE_B2, PHASE_W2

SEED = 0
DEFAULTS = {  # the page's defaults
    "depth": 10,
    "width": 100,
    "batch": 1000,
    "inputs": "normal",
    "activation": "sigmoid",
    "bias_std": 0.0,
    "seed": SEED,
}
LESSON = {  # the page's default initializations ("The lesson")
    "U[-0.1, 0.1]": ("uniform", {"limit": 0.1}),
    "N(0, 0.1^2)": ("normal", {"std": 0.1}),
    "N(0, 1)": ("normal", {"std": 1.0}),
    "Glorot uniform": ("glorot_uniform", {}),
}
EXTRA_COLUMNS = ["q_measured", "q_theory", "grad_theory", "factor", "factor_theory"]
SUMMARY_COLUMNS = [
    "series",
    "scheme",
    "sigma_w2",
    "sigma_b2",
    "q_star",
    "chi1",
    "phase",
    "sqrt_chi1",
    "factor_measured",
    "factor_theory",
    "verdict",
    "detail",
]
# A small net off the defaults: relu, a bias, uniform inputs, n_in = width, a non-default bin count.
SMALL = {
    "depth": 4,
    "width": 30,
    "batch": 50,
    "inputs": "uniform01",
    "activation": "relu",
    "bias_std": 0.5,
    "seed": 3,
}
SMALL_INITS = {"He": ("he_normal", {}), "N(0, 0.5^2)": ("normal", {"std": 0.5}), "orth": ("orthogonal", {})}


@pytest.fixture(scope="module")
def lesson() -> initcore.DepthStudy:
    return initcore.depth_study(LESSON, **DEFAULTS)


@pytest.fixture(scope="module")
def small() -> initcore.DepthStudy:
    return initcore.depth_study(SMALL_INITS, **SMALL, bins=17)


@pytest.fixture(scope="module")
def tanh_preset() -> initcore.DepthStudy:
    """The page's preset "tanh: CS231n's 10 layers of 500"."""
    inits = {
        "N(0, 0.01^2)": ("normal", {"std": 0.01}),
        "Glorot normal": ("glorot_normal", {}),
        "N(0, 1)": ("normal", {"std": 1.0}),
    }
    return initcore.depth_study(inits, **{**DEFAULTS, "activation": "tanh", "width": 500})


@pytest.fixture(scope="module")
def relu_preset() -> initcore.DepthStudy:
    """The page's preset "ReLU: He vs Glorot" (depth 30)."""
    inits = {"He normal": ("he_normal", {}), "Glorot normal": ("glorot_normal", {})}
    return initcore.depth_study(inits, **{**DEFAULTS, "activation": "relu", "depth": 30})


CASES = {"lesson": (LESSON, DEFAULTS), "small": (SMALL_INITS, SMALL)}  # fixture name -> (inits, net)


def _case(which: str, request: pytest.FixtureRequest):
    """(study, inits, net) of the fixture called ``which``."""
    inits, net = CASES[which]
    return request.getfixturevalue(which), inits, net


def _series(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    return frame[frame["series"] == label].reset_index(drop=True)


def _by_hand(
    scheme: str, params: dict, *, depth, width, batch, inputs, activation, bias_std, seed, keep=False
):
    """propagate run by hand on the published weights, biases, inputs and upstream gradient."""
    weights = initcore.network_weights(width, depth=depth, width=width, scheme=scheme, seed=seed, **params)
    bias = initcore.network_biases(depth, width, std=bias_std, seed=seed) if bias_std else 0.0
    x = initcore.sample_inputs(inputs, (batch, width), seed=seed)
    grad = initcore.upstream_gradient(batch, width, seed=seed)
    stats, arrays = initcore.propagate(x, weights, activation=activation, bias=bias, grad=grad, keep=keep)
    return arrays if keep else stats


def _kept_activations(scheme: str, params: dict, **net):
    """The activations behind each layer's histogram: the first HIST_SAMPLE values of every layer."""
    arrays = _by_hand(scheme, params, **net, keep=True)
    return [a.ravel()[:HIST_SAMPLE].astype(np.float64) for a in arrays.a]


# 1. depth_study: the tables ------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["lesson", "small"])
def test_layers_has_one_row_per_series_and_layer_with_the_documented_columns(which, request):
    study, inits, net = _case(which, request)
    layers = study.layers
    want = ["series", *LAYER_COLUMNS, *EXTRA_COLUMNS]
    assert list(layers.columns) == want, f"columns {list(layers.columns)} != {want}"
    assert len(layers) == len(inits) * net["depth"], f"{len(layers)} rows for {len(inits)} x {net['depth']}"
    assert list(layers["series"].unique()) == list(inits), f"series {list(layers['series'].unique())}"
    for label in inits:
        got = _series(layers, label)["layer"].tolist()
        assert got == list(range(1, net["depth"] + 1)), f"{label}: layers {got}"


@pytest.mark.parametrize("which", ["lesson", "small"])
def test_layer_stats_columns_are_propagate_run_by_hand_with_shared_seed_and_inputs(which, request):
    study, inits, net = _case(which, request)
    for label, (scheme, params) in inits.items():
        want = _by_hand(scheme, params, **net)
        got = _series(study.layers, label)[list(LAYER_COLUMNS)]
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"{which} series {label!r}")


@pytest.mark.parametrize("which", ["lesson", "small"])
def test_theory_columns_follow_their_definitions(which, request):
    study, inits, net = _case(which, request)
    act, depth, width = net["activation"], net["depth"], net["width"]
    q0, sb2 = initcore.input_mean_square(net["inputs"]), net["bias_std"] ** 2
    for label, (scheme, params) in inits.items():
        rows = _series(study.layers, label)
        sw2 = initcore.sigma_w2(scheme, width, width, **params)
        q_measured = rows["z_mean"].to_numpy() ** 2 + rows["z_std"].to_numpy() ** 2
        g, g_theory = rows["grad_rms"].to_numpy(), initcore.predicted_grad_rms(act, sw2, sb2, q0, depth)
        want = {
            "q_measured": q_measured,
            "q_theory": initcore.variance_map(act, sw2, sb2, q0, depth),
            "grad_theory": g_theory,
            "factor": np.append(g[:-1] / g[1:], np.nan),
            "factor_theory": np.append(g_theory[:-1] / g_theory[1:], np.nan),
        }
        for col, values in want.items():
            np.testing.assert_allclose(
                rows[col].to_numpy(), values, rtol=1e-12, err_msg=f"{which} {label}: column {col}"
            )
        assert np.isnan(rows["factor"].iloc[-1]) and np.isnan(rows["factor_theory"].iloc[-1]), (
            f"{label}: the last layer has no factor, got {rows['factor'].iloc[-1]}, "
            f"{rows['factor_theory'].iloc[-1]}"
        )


def test_depth_study_is_the_combination_of_its_series(small):
    parts = [
        initcore.depth_series(label, scheme, params, **SMALL, bins=17)
        for label, (scheme, params) in SMALL_INITS.items()
    ]
    combined = initcore.combine(parts)
    for name in ("layers", "hist", "summary"):
        pd.testing.assert_frame_equal(
            getattr(small, name), getattr(combined, name), check_exact=True, obj=f"depth_study.{name}"
        )


@pytest.mark.parametrize("seed", [0, 7, 19])
def test_a_joined_study_is_its_series_studies_concatenated(seed):
    """join builds each of the study's frames once from its series' columns: the same frames, values and
    dtypes, as concatenating each series' own study (page 2's lesson, stacked on two threads; tanh with
    biases; relu, whose histograms have ranges of their own; a lone series)."""
    from dataclasses import replace

    from initcore import depth
    from initcore.claims import DEPTH_PRESETS
    from initcore.views import labelled

    lesson = DEPTH_PRESETS[0].view
    views = (
        lesson,
        replace(lesson, activation="tanh", bias_std=0.7, depth=4),
        replace(lesson, activation="relu", width=40, batch=30),
        replace(lesson, inits=lesson.inits[2:3]),
    )
    for view in views:
        series = [
            (label, i.scheme, i.kwargs) for label, i in zip(labelled(view.inits), view.inits, strict=True)
        ]
        net = {k: getattr(view, k) for k in ("depth", "width", "batch", "inputs", "activation", "bias_std")}
        parts = (
            depth.many_parts(series, **net, seed=seed)
            if len(series) > 1
            else [depth.series_part(*series[0], **net, seed=seed)]
        )
        joined, concatenated = depth.join(parts), depth.combine([p.study() for p in parts])
        for name in ("layers", "hist", "summary"):
            pd.testing.assert_frame_equal(
                getattr(joined, name), getattr(concatenated, name), check_exact=True, obj=f"{view}: {name}"
            )
        assert list(joined.summary["series"]) == [s[0] for s in series]
        assert str(joined.layers["series"].dtype) == str(concatenated.layers["series"].dtype)
    with pytest.raises(ValueError, match="at least one series"):
        depth.join([])


def test_a_verdict_reads_a_layer_table_or_its_columns_alike(lesson):
    for row in lesson.summary.itertuples():
        rows = _series(lesson.layers, row.series)
        columns = {c: rows[c].to_numpy() for c in rows.columns}
        args = ("sigmoid", row.scheme)
        extra = {"chi1": row.chi1, "sigma_w2": row.sigma_w2}
        assert initcore.verdict(*args, columns, **extra) == initcore.verdict(*args, rows, **extra)


def _check_histograms(study, inits, net, bins, limits):
    """Structure, normalisation and content of study.hist, against the activations computed by hand."""
    hist, depth = study.hist, net["depth"]
    assert list(hist.columns) == ["series", "layer", "left", "right", "density", "height"], list(hist.columns)
    assert len(hist) == len(inits) * depth * bins, f"{len(hist)} rows for {len(inits)} x {depth} x {bins}"
    for label, (scheme, params) in inits.items():
        kept = _kept_activations(scheme, params, **net)
        if limits is not None:
            lo, hi = limits
        else:  # each series' own range: up to the 99.5th percentile of |a| over its layers
            hi = float(np.quantile(np.abs(np.concatenate(kept)), 0.995))
            lo = 0.0 if min(v.min() for v in kept) >= 0 else -hi
        edges = np.linspace(lo, hi, bins + 1)
        rows = _series(hist, label)
        for l in range(1, depth + 1):
            h = rows[rows["layer"] == l]
            assert len(h) == bins, f"{label} layer {l}: {len(h)} bins, want {bins}"
            np.testing.assert_allclose(h["left"], edges[:-1], rtol=1e-6, atol=1e-12, err_msg=f"{label} {l}")
            np.testing.assert_allclose(h["right"], edges[1:], rtol=1e-6, atol=1e-12, err_msg=f"{label} {l}")
            dens, width = h["density"].to_numpy(), edges[1] - edges[0]
            integral = float(np.sum(dens * (h["right"] - h["left"]).to_numpy()))
            assert integral == pytest.approx(1.0, abs=1e-9), (
                f"{label} layer {l}: density integrates to {integral}"
            )
            # relu piles its dead units at exactly 0: rows are scaled to the tallest bin but that one
            top = dens[1:].max() if limits is None and lo == 0.0 and dens[1:].max() > 0 else dens.max()
            assert h["height"].max() == 1.0, f"{label} layer {l}: peak height {h['height'].max()}"
            want = np.minimum(dens / top, 1.0)
            np.testing.assert_allclose(h["height"], want, rtol=1e-12, err_msg=f"{label} {l}: height")
            # Counts by hand; values beyond a per-series range count in its edge bins. Float rounding may
            # move a value lying on a bin edge to the neighbouring bin: allow a few such values per layer.
            counts, _ = np.histogram(np.clip(kept[l - 1], lo, hi), edges)
            moved = np.abs(counts - dens * width * kept[l - 1].size).sum()
            assert moved <= 4, f"{label} layer {l}: {moved:.3g} values in other bins than np.histogram's"


def test_bounded_activations_share_the_fixed_histogram_range(lesson):
    _check_histograms(lesson, LESSON, DEFAULTS, bins=40, limits=(0.0, 1.0))


def test_tanh_histograms_span_minus_one_to_one():
    inits = {"a": ("glorot_normal", {}), "b": ("normal", {"std": 0.3})}
    net = {**SMALL, "activation": "tanh"}
    _check_histograms(initcore.depth_study(inits, **net, bins=9), inits, net, bins=9, limits=(-1.0, 1.0))


def test_relu_histograms_get_their_own_range_per_series(small):
    _check_histograms(small, SMALL_INITS, SMALL, bins=17, limits=None)
    tops = small.hist.groupby("series", sort=False)["right"].max()
    assert tops["N(0, 0.5^2)"] > 5 * tops["He"], (
        f"per-series ranges should differ by the scale: {tops.to_dict()}"
    )
    starts = small.hist.groupby("series", sort=False)["left"].min()
    assert (starts == 0.0).all(), f"relu outputs are >= 0, so every range starts at 0: {starts.to_dict()}"


def test_a_relu_layer_collapsed_into_the_zero_bin_reads_full_there_not_dark():
    """Each relu row is scaled to its tallest bin after the 0 bin; a row with every unit in the 0 bin (the
    ReLU preset's Glorot layers on seed 0, or a dead layer) is scaled to that bin instead: 1 at 0, 0
    elsewhere, never an all-dark row."""
    from initcore import depth

    live = np.abs(np.random.default_rng(0).standard_normal(1000))
    hist = pd.DataFrame(depth._histograms([live, np.zeros(1000), live * 1e-6], None, 10))
    for layer in (2, 3):  # every value in the first bin
        row = hist[hist.layer == layer]["height"].to_numpy()
        assert row[0] == 1.0 and not row[1:].any(), (layer, row)
    assert hist[hist.layer == 1]["height"].max() == 1.0


def test_linear_histograms_are_symmetric_around_zero():
    inits = {"lecun": ("lecun_normal", {}), "big": ("normal", {"std": 1.0})}
    net = {**SMALL, "activation": "linear", "bias_std": 0.0}
    _check_histograms(initcore.depth_study(inits, **net, bins=12), inits, net, bins=12, limits=None)


@pytest.mark.parametrize("which", ["lesson", "small"])
def test_summary_columns_and_values(which, request):
    study, inits, net = _case(which, request)
    summary, act, width = study.summary, net["activation"], net["width"]
    assert list(summary.columns) == SUMMARY_COLUMNS, f"columns {list(summary.columns)}"
    assert summary["series"].tolist() == list(inits), f"series {summary['series'].tolist()}"
    for (label, (scheme, params)), row in zip(inits.items(), summary.itertuples(), strict=True):
        sw2 = initcore.sigma_w2(scheme, width, width, **params)
        sb2 = net["bias_std"] ** 2
        chi1 = initcore.chi1(act, sw2, sb2)
        factors = _series(study.layers, label)["factor"].to_numpy()
        finite = factors[np.isfinite(factors) & (factors > 0)]
        assert row.scheme == scheme, f"{label}: scheme {row.scheme}"
        assert row.sigma_w2 == sw2, f"{label}: sigma_w2 {row.sigma_w2} != {sw2}"
        assert row.sigma_b2 == sb2, f"{label}: sigma_b2 {row.sigma_b2} != bias^2 = {sb2}"
        q_star = initcore.fixed_point(act, sw2, sb2)
        assert row.q_star == pytest.approx(q_star, rel=1e-9), f"{label}: q* {row.q_star} != {q_star}"
        assert row.chi1 == pytest.approx(chi1, rel=1e-12), f"{label}: chi1 {row.chi1} != {chi1}"
        assert row.phase == initcore.phase_of(row.chi1), f"{label}: phase {row.phase} for chi1 {row.chi1}"
        assert row.sqrt_chi1 == pytest.approx(math.sqrt(chi1), rel=1e-12), (
            f"{label}: sqrt_chi1 {row.sqrt_chi1}"
        )
        want = math.exp(np.mean(np.log(finite)))
        assert len(finite) == net["depth"] - 1, f"{label}: factors {factors}"
        assert row.factor_measured == pytest.approx(want, rel=1e-12), (
            f"{label}: {row.factor_measured} != {want}"
        )
        word, detail = initcore.verdict(
            act, scheme, _series(study.layers, label), chi1=row.chi1, sigma_w2=row.sigma_w2
        )
        assert (row.verdict, row.detail) == (word, detail), f"{label}: {row.verdict!r} != {word!r}"


def test_summary_sigma_w2_is_width_times_the_weight_variance(lesson):
    by = lesson.summary.set_index("series")["sigma_w2"]
    # U[-a, a] has variance a^2 / 3; N(0, s^2) has s^2; Glorot uniform 2 / (fan_in + fan_out).
    want = {
        "U[-0.1, 0.1]": 100 * 0.1**2 / 3,
        "N(0, 0.1^2)": 100 * 0.1**2,
        "N(0, 1)": 100.0,
        "Glorot uniform": 1.0,
    }
    for label, value in want.items():
        assert by[label] == pytest.approx(value, rel=1e-12), f"{label}: sigma_w2 {by[label]} != {value}"


def test_summary_sigma_b2_is_the_square_of_the_bias_spread_and_a_negative_spread_is_refused():
    d = initcore.depth_study({"g": ("glorot_uniform", {})}, **{**SMALL, "bias_std": 1.5})
    assert d.summary["sigma_b2"].iloc[0] == 2.25, f"sigma_b2 {d.summary['sigma_b2'].iloc[0]} for spread 1.5"
    with pytest.raises(ValueError, match=r"std must be a finite number >= 0, got -1\.5"):
        initcore.depth_study({"g": ("glorot_uniform", {})}, **{**SMALL, "bias_std": -1.5})


def test_each_unit_draws_its_own_bias_of_the_given_spread():
    """N(0, std^2) per unit: 2000 units give a sample std within 4 x std / sqrt(2 x 2000) = 6% of it."""
    b = initcore.network_biases(3, 2000, std=2.0, seed=4)
    assert [v.shape for v in b] == [(2000,)] * 3 and all(v.dtype == np.float32 for v in b)
    for l, v in enumerate(b, start=1):
        assert abs(float(v.std()) / 2.0 - 1) < 4 / math.sqrt(2 * 2000), f"layer {l}: std {v.std():.4f}"
        assert abs(float(v.mean())) < 4 * 2.0 / math.sqrt(2000), f"layer {l}: mean {v.mean():.4f}"
    assert not np.array_equal(b[0], b[1]), "each layer draws its own"
    again = initcore.network_biases(3, 2000, std=2.0, seed=4)
    assert all(np.array_equal(u, v) for u, v in zip(b, again, strict=True)), "same seed, same biases"
    assert initcore.network_biases(2, 5, std=0.0, seed=1)[0].tolist() == [0.0] * 5


@pytest.mark.parametrize(
    ("activation", "scheme", "params", "bias_std"),
    [
        ("tanh", "glorot_normal", {}, 0.5),
        ("sigmoid", "glorot_uniform_x4", {}, 1.0),
        ("relu", "he_normal", {}, 0.5),
    ],
)
def test_the_theory_predicts_a_net_whose_units_have_random_biases(activation, scheme, params, bias_std):
    """Random per-unit biases are what the mean-field map assumes: at width 500, measured E[z^2] stays within
    4 sqrt(2 / width) = 25% of q^l at every layer (a constant bias b, which the theory cannot see as
    sigma_b2 = b^2, was off by 30-50% for the sigmoid, and by 10x for ReLU with b = 0.5)."""
    d = initcore.depth_study(
        {"x": (scheme, params)}, **{**DEFAULTS, "activation": activation, "width": 500, "bias_std": bias_std}
    )
    ratio = (d.layers["q_measured"] / d.layers["q_theory"]).to_numpy()
    assert np.abs(ratio - 1).max() < 4 * math.sqrt(2 / 500), (
        f"measured / theory per layer: {np.round(ratio, 3)}"
    )


def test_q_star_is_where_the_variance_map_settles(lesson):
    # sigmoid's map contracts fast (its slope sigma_w2 M'(q) is far below 1 here), so q^10 is q*.
    for row in lesson.summary.itertuples():
        last = _series(lesson.layers, row.series)["q_theory"].iloc[-1]
        assert last == pytest.approx(row.q_star, rel=1e-6), f"{row.series}: q^10 = {last}, q* = {row.q_star}"


@pytest.mark.parametrize(("activation", "scheme"), [("relu", "he_normal"), ("linear", "lecun_uniform")])
def test_q_star_at_the_edge_of_chaos_is_the_q_the_net_keeps(activation, scheme):
    d = initcore.depth_study({"s": (scheme, {})}, **{**DEFAULTS, "activation": activation, "depth": 5})
    q_theory = d.layers["q_theory"].to_numpy()
    q_star = d.summary["q_star"].iloc[0]
    # He with normal inputs: q^l = 2 q^0 = 2 at every layer; LeCun linear: q^l = q^0 = 1.
    assert np.ptp(q_theory) < 1e-9 * q_theory[0], f"q_theory should be constant, got {q_theory}"
    assert q_star == pytest.approx(q_theory[-1], rel=1e-9), f"q* = {q_star}, the net keeps q = {q_theory[-1]}"


def test_zero_weights_give_a_symmetric_verdict_and_no_measured_factor():
    d = initcore.depth_study({"zeros": ("zeros", {})}, **{**SMALL, "activation": "sigmoid", "bias_std": 0.0})
    row = d.summary.iloc[0]
    factors = d.layers["factor"].to_numpy()
    # dL/dz is 0 below the last layer: factors are 0 / 0 = NaN and 0 / g_L = 0, none finite and positive.
    assert not (np.isfinite(factors) & (factors > 0)).any(), f"factors {factors}"
    assert math.isnan(row.factor_measured), f"factor_measured {row.factor_measured} from factors {factors}"
    assert row.verdict == "symmetric", f"verdict {row.verdict}: {row.detail}"
    assert "activation std 0" in row.detail, row.detail


def test_float32_overflow_is_reported_as_such():
    d = initcore.depth_study(
        {"huge": ("normal", {"std": 1e6})}, **{**SMALL, "activation": "linear", "bias_std": 0.0, "depth": 8}
    )
    z_std = d.layers["z_std"].to_numpy()
    assert not np.isfinite(z_std).all(), f"a linear net with sigma_w2 = 3e13 should overflow: z_std {z_std}"
    assert d.summary["verdict"].iloc[0] == "overflow", d.summary["detail"].iloc[0]


# 2. Theory beside measurement ------------------------------------------------------------------------


def test_measured_gradient_factor_matches_the_prediction_at_the_defaults(lesson):
    # Per layer the factor fluctuates by at most sqrt(1 / (2 width)) = 7%; the geometric mean of 9 layers
    # by 2.4%. The page's claim is agreement within 15%.
    for row in lesson.summary.itertuples():
        ratio = row.factor_measured / row.factor_theory
        assert abs(ratio - 1) < 0.15, (
            f"{row.series}: measured factor {row.factor_measured:.4g} vs predicted {row.factor_theory:.4g} "
            f"(ratio {ratio:.3f})"
        )


def test_measured_q_matches_the_variance_map_on_average_at_the_defaults(lesson):
    # Per layer, E[z^2] has relative variance at most (2 + 1) / width: 2 / width from the chi-square of the
    # layer's weights (the common offset 0.5 sum_j W_ij of a sigmoid's z, see the module docstring), and at
    # most 1 / width from the incoming activations' mean square, an average over `width` units of phi(z)^2
    # (Var(phi^2) / E[phi^2]^2 is 0.08, 0.23 and ~1 at these nets' q* of 0.085, 0.26 and 44). Layers draw
    # independent weights, so the average over `depth` layers and S seeds fluctuates by at most
    # sqrt(3 / (width depth S)); allow 3 of those plus 1 / width for mean-field theory's finite-width bias.
    seeds = range(8)
    ratios = {label: [] for label in LESSON}
    for seed in seeds:
        d = lesson if seed == SEED else initcore.depth_study(LESSON, **{**DEFAULTS, "seed": seed})
        for label in LESSON:
            rows = _series(d.layers, label)
            ratios[label].append(float(np.mean(rows["q_measured"] / rows["q_theory"])))
    width, depth = DEFAULTS["width"], DEFAULTS["depth"]
    tol = 3 * math.sqrt(3 / (width * depth * len(seeds))) + 1 / width  # 0.068
    for label, values in ratios.items():
        mean = float(np.mean(values))
        assert abs(mean - 1) < tol, (
            f"{label}: q_measured / q_theory averaged over {depth} layers and {len(seeds)} seeds is "
            f"{mean:.4f} (per seed {np.round(values, 3)}), tolerance {tol:.3f}"
        )


def test_measured_q_matches_the_variance_map_per_layer_for_wide_tanh(tanh_preset):
    # tanh is odd: no common offset, so a layer's E[z^2] averages width x batch nearly independent terms
    # and fluctuates by sqrt(2 (1 + width / batch)) / width = 0.35% per layer (Marchenko-Pastur). Glorot's
    # map q -> M(q) is marginal (slope -> 1), so these steps add up like a random walk: 4 sqrt(l) of them
    # at layer l, plus 1 / width per layer for the finite-width (Jensen) bias of the mean-field map.
    rows = _series(tanh_preset.layers, "Glorot normal")
    width, batch = 500, DEFAULTS["batch"]
    step = math.sqrt(2 * (1 + width / batch)) / width
    layer = rows["layer"].to_numpy()
    tol = 4 * step * np.sqrt(layer) + layer / width  # 1.6% at layer 1, 6.4% at layer 10
    ratio = (rows["q_measured"] / rows["q_theory"]).to_numpy()
    bad = np.abs(ratio - 1) > tol
    assert not bad.any(), (
        f"layers {layer[bad]}: q ratio {np.round(ratio[bad], 4)} beyond {np.round(tol[bad], 4)}"
    )
    # And the theory is not trivially right: q falls 17-fold over the 10 layers.
    q = rows["q_theory"].to_numpy()
    assert q[0] / q[-1] > 10, f"q_theory {q}"


# 3. verdict ------------------------------------------------------------------------------------------
# Thresholds (initcore.depth): gradient ratio r = layer 1 / last layer below 1e-3 vanishing, above 1e3
# exploding; last layer 20% / 80% saturated (partly / mostly); 50% near-linear; 70% dead ReLUs; the
# activations' spread below 1% of layer 1's collapsing. Each test sits on both sides of one threshold.


def _table(depth: int = 10, first: dict | None = None, last: dict | None = None) -> pd.DataFrame:
    """A healthy-looking layer table; `first` and `last` override layer 1's and the last layer's values."""
    base = {
        "z_mean": 0.0,
        "z_std": 1.0,
        "a_mean": 0.0,
        "a_std": 0.5,
        "saturated": 0.1,
        "near_linear": 0.3,
        "grad_rms": 1.0,
    }
    rows = [{"layer": l, **base} for l in range(1, depth + 1)]
    rows[0].update(first or {})
    rows[-1].update(last or {})
    return pd.DataFrame(rows, columns=list(LAYER_COLUMNS))


def _word(activation: str, **kw) -> str:
    return initcore.verdict(activation, "normal", _table(**kw))[0]


def test_synthetic_healthy_table_is_healthy_with_its_numbers():
    word, detail = initcore.verdict("tanh", "glorot_normal", _table(first={"grad_rms": 0.5}))
    assert word == "healthy", f"{word}: {detail}"
    want = "at layer 10: 10% saturated, 30% near-linear; layer 1 gets 0.5 of the gradient at layer 10"
    assert detail == want, f"{detail!r} != {want!r}"


def test_the_theory_is_quoted_with_chi1_its_phase_and_the_predicted_factor():
    table = _table(first={"grad_rms": 0.5}).assign(factor_theory=[0.5] * 9 + [np.nan])
    _, detail = initcore.verdict("tanh", "glorot_normal", table, chi1=0.25)
    assert detail.endswith("(χ₁ = 0.25, ordered; the theory predicts 0.5x a layer)"), detail
    _, detail = initcore.verdict("tanh", "glorot_normal", table, chi1=1.0)
    assert "(χ₁ = 1, near the edge of chaos; the theory predicts 0.5x a layer)" in detail, detail
    _, detail = initcore.verdict("tanh", "glorot_normal", _table(), chi1=4.0)
    assert detail.endswith("(χ₁ = 4, chaotic)"), f"no factor column, no prediction: {detail}"


@pytest.mark.parametrize(
    ("column", "value", "row"),
    [("z_mean", np.inf, 4), ("grad_rms", np.nan, 0), ("a_std", -np.inf, 9), ("saturated", np.nan, 2)],
)
def test_synthetic_overflow_anywhere_in_the_table(column, value, row):
    table = _table()
    table.loc[row, column] = value
    word, detail = initcore.verdict("sigmoid", "normal", table)
    assert word == "overflow", f"{column}={value} at row {row}: {word}: {detail}"
    assert "inf or NaN" in detail, detail


def test_symmetric_only_for_zero_weights():
    word, detail = initcore.verdict("sigmoid", "zeros", _table())
    assert word == "symmetric", f"zeros scheme: {word}: {detail}"
    flat = _table().assign(a_std=0.0)  # U[-0, 0]: every weight 0, no unit of any layer differs
    assert initcore.verdict("sigmoid", "uniform", flat, sigma_w2=0.0)[0] == "symmetric"
    assert initcore.verdict("sigmoid", "uniform", flat, sigma_w2=1e-9)[0] != "symmetric"
    # A dead ReLU layer (spread 0) behind random weights is not symmetric: its units died.
    word, detail = initcore.verdict("relu", "he_normal", _table(last={"a_std": 0.0, "saturated": 1.0}))
    assert word == "dying" and detail.startswith("100% of layer-10 units output 0"), f"{word}: {detail}"


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_saturated_from_four_fifths_of_the_last_layer(activation):
    word, detail = initcore.verdict(activation, "normal", _table(last={"saturated": 0.8}))
    assert word == "saturated", f"{word}: {detail}"
    lo = 0 if activation == "sigmoid" else -1
    assert detail.startswith(
        f"80% of layer-10 units sit in the {activation}'s flat tails, their outputs stuck near {lo} or 1; "
    ), detail
    # Below 80%, with the gradient flowing, it is only partly saturated, and the sentence says so.
    word, detail = initcore.verdict(activation, "normal", _table(last={"saturated": 0.79}))
    assert word == "partly saturated" and "yet the gradient still reaches layer 1" in detail, detail
    assert _word(activation, last={"saturated": 0.2}) == "partly saturated"
    assert _word(activation, last={"saturated": 0.19}) == "healthy"
    assert _word(activation, first={"saturated": 0.9}) == "healthy", "only the last layer counts"


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_saturated_from_a_fifth_when_the_gradient_vanishes(activation):
    deep = {"depth": 30}  # 30 layers: the total 1e-3 binds (halving at every layer would be 2e-9)
    assert _word(activation, first={"grad_rms": 9.9e-4}, last={"saturated": 0.2}, **deep) == "saturated"
    assert _word(activation, first={"grad_rms": 9.9e-4}, last={"saturated": 0.19}, **deep) == (
        "vanishing gradients"
    )
    assert _word(activation, first={"grad_rms": 1.01e-3}, last={"saturated": 0.2}, **deep) == (
        "partly saturated"
    )


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_near_linear_needs_half_the_units_and_a_vanishing_gradient_or_a_collapse(activation):
    word, detail = initcore.verdict(
        activation, "normal", _table(depth=7, first={"grad_rms": 1e-5}, last={"near_linear": 0.89})
    )
    assert word == "near-linear", f"{word}: {detail}"
    want = f"89% of layer-7 units are in the {activation}'s linear zone; layer 1 gets 1.0e-05 of the gradient"
    assert detail.startswith(want), f"{detail!r}"
    assert _word(activation, first={"grad_rms": 1e-5}, last={"near_linear": 0.5}) == "near-linear"
    assert _word(activation, first={"grad_rms": 1e-5}, last={"near_linear": 0.49}) == "vanishing gradients"
    collapse = {"first": {"a_std": 0.5}, "last": {"near_linear": 0.9, "a_std": 0.0049}}
    assert _word(activation, **collapse) == "near-linear"
    # Near-linear with the gradient flowing (Glorot with tanh) is a healthy start, and says why.
    word, detail = initcore.verdict(activation, "normal", _table(last={"near_linear": 0.9}))
    assert word == "healthy" and "most of layer 10's units are in the linear zone, yet the gradient" in detail


def test_no_gradient_at_all_is_said_so_and_counts_as_vanishing():
    """Dead ReLUs (He with a large negative bias): every gradient is exactly 0, which is no ratio of 1."""
    dead = _table(first={"grad_rms": 0.0}, last={"grad_rms": 0.0, "saturated": 1.0, "a_std": 0.0})
    word, detail = initcore.verdict("relu", "he_normal", dead, chi1=1.0)
    assert word == "dying" and detail.endswith("no gradient gets back at all (it is exactly 0 at layer 10)")
    word, detail = initcore.verdict("tanh", "normal", _table(last={"grad_rms": 0.0}))
    assert word == "vanishing gradients" and "no gradient gets back" in detail, f"{word}: {detail}"


def test_dying_relu_from_seventy_percent_zeros():
    word, detail = initcore.verdict("relu", "he_normal", _table(last={"saturated": 0.7, "near_linear": 0.3}))
    assert word == "dying", f"{word}: {detail}"
    assert detail.startswith("70% of layer-10 units output 0; layer 1 gets 1x the gradient"), detail
    word, detail = initcore.verdict("relu", "he_normal", _table(last={"saturated": 0.69, "near_linear": 0.9}))
    assert word == "healthy", f"relu: 69% zeros, and near-linear is no verdict for relu: {word}: {detail}"
    # The sigmoid/tanh thresholds do not apply to relu, nor relu's to sigmoid.
    assert _word("relu", last={"saturated": 0.5}) == "healthy"
    assert _word("sigmoid", last={"saturated": 0.7}) == "partly saturated"


def test_exploding_relu_names_both_spreads():
    word, detail = initcore.verdict("relu", "normal", _table(first={"a_std": 2.0}, last={"a_std": 101.0}))
    assert word == "exploding", f"{word}: {detail}"
    assert detail.startswith("the activations' spread grows from 2 at layer 1 to 1e+02 at layer 10"), detail
    assert _word("relu", last={"a_std": 99.0}) == "healthy"


def test_collapsing_below_one_percent_of_layer_one():
    table = _table(first={"a_std": 0.5}, last={"a_std": 0.0049})
    word, detail = initcore.verdict("relu", "glorot_normal", table)
    assert word == "collapsing", f"{word}: {detail}"
    assert detail.startswith("the activations' spread falls from 0.5 at layer 1 to 0.0049 at layer 10"), (
        detail
    )
    word, detail = initcore.verdict(
        "relu", "glorot_normal", _table(first={"a_std": 0.5}, last={"a_std": 0.0051})
    )
    assert word == "healthy", f"a_std falls to 1.02% only: {word}: {detail}"


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_vanishing_and_exploding_gradients_at_a_thousandth_and_a_thousand(activation):
    word, detail = initcore.verdict(activation, "normal", _table(depth=30, first={"grad_rms": 9.9e-4}))
    assert word == "vanishing gradients", f"{word}: {detail}"
    assert detail.startswith("layer 1 gets 9.9e-04 of the gradient at layer 30"), detail
    word, detail = initcore.verdict(activation, "normal", _table(depth=30, first={"grad_rms": 1001.0}))
    assert word == "exploding gradients", f"{word}: {detail}"
    assert detail.startswith("layer 1 gets 1.0e+03x the gradient at layer 30"), detail
    for g in (1.01e-3, 999.0):
        assert _word(activation, depth=30, first={"grad_rms": g}) == "healthy", f"gradient ratio {g}"


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_a_gradient_that_halves_or_doubles_at_every_layer_vanishes_or_explodes_even_in_a_shallow_net(
    activation,
):
    # 3 layers: two steps back. 0.49^2 = 0.24 and 2.01^2 = 4.04 stay far from 1e-3 and 1e3.
    assert _word(activation, depth=3, first={"grad_rms": 0.49**2}) == "vanishing gradients"
    assert _word(activation, depth=3, first={"grad_rms": 0.51**2}) == "healthy"
    assert _word(activation, depth=3, first={"grad_rms": 2.01**2}) == "exploding gradients"
    assert _word(activation, depth=3, first={"grad_rms": 1.99**2}) == "healthy"
    assert _word(activation, depth=1) == "healthy", "one layer: no gradient ratio to judge"


def test_a_saturated_net_whose_gradient_explodes_says_it_passes_through_the_few_units_left():
    word, detail = initcore.verdict(
        "sigmoid", "normal", _table(first={"grad_rms": 2e4}, last={"saturated": 0.95})
    )
    assert word == "saturated", f"{word}: {detail}"
    assert "; through the few units left, layer 1 gets 2.0e+04x the gradient at layer 10" in detail, detail


def test_lesson_uniform_sigmoid_is_near_linear_with_vanishing_gradients(lesson):
    rows = _series(lesson.layers, "U[-0.1, 0.1]")
    row = lesson.summary.set_index("series").loc["U[-0.1, 0.1]"]
    lin = rows["near_linear"].iloc[-1]
    ratio = rows["grad_rms"].iloc[0] / rows["grad_rms"].iloc[-1]
    assert row.verdict == "near-linear", f"{row.verdict}: {row.detail}"
    assert lin >= 0.5 and f"{lin:.0%} of layer-10 units are in the sigmoid's linear zone" in row.detail, (
        row.detail
    )
    assert ratio < 1e-3 and f"layer 1 gets {ratio:.1e} of the gradient at layer 10" in row.detail, row.detail


def test_unit_normal_sigmoid_at_width_100_is_partly_saturated_near_the_edge_of_chaos(lesson):
    rows = _series(lesson.layers, "N(0, 1)")
    row = lesson.summary.set_index("series").loc["N(0, 1)"]
    sat = rows["saturated"].iloc[-1]
    assert row.verdict == "partly saturated", f"{row.verdict}: {row.detail}"
    assert f"{sat:.0%} of layer-10 units sit in the sigmoid's flat tails, yet the gradient" in row.detail
    assert row.phase == "critical" and "near the edge of chaos" in row.detail, row.detail


def test_tanh_with_tiny_weights_collapses(tanh_preset):
    rows = _series(tanh_preset.layers, "N(0, 0.01^2)")
    row = tanh_preset.summary.set_index("series").loc["N(0, 0.01^2)"]
    first, last = rows["a_std"].iloc[0], rows["a_std"].iloc[-1]
    assert last < 1e-2 * first, f"a_std {first:.3g} -> {last:.3g}"
    spread = f"the activations' spread falls from {first:.2g} at layer 1 to {last:.2g} at layer 10"
    assert spread in row.detail, row.detail
    assert row.verdict == "near-linear", f"{row.verdict}: {row.detail}"


def test_tanh_glorot_is_healthy_although_it_starts_near_linear(tanh_preset):
    row = tanh_preset.summary.set_index("series").loc["Glorot normal"]
    rows = _series(tanh_preset.layers, "Glorot normal")
    assert rows["near_linear"].iloc[-1] >= 0.5, rows
    assert row.verdict == "healthy" and "most of layer 10's units are in the linear zone" in row.detail


def test_relu_he_is_healthy_and_glorot_collapses_at_depth_30(relu_preset):
    summary = relu_preset.summary.set_index("series")
    he, glorot = summary.loc["He normal"], summary.loc["Glorot normal"]
    assert he.verdict == "healthy", f"He: {he.verdict}: {he.detail}"
    assert he.detail.startswith("at layer 30: "), he.detail
    assert glorot.verdict == "collapsing", f"Glorot: {glorot.verdict}: {glorot.detail}"
    # Glorot gives relu sigma_w2 = 1, chi1 = 1/2: the gradient also shrinks by sqrt(1/2) per layer.
    rows = _series(relu_preset.layers, "Glorot normal")
    ratio = rows["grad_rms"].iloc[0] / rows["grad_rms"].iloc[-1]
    assert f"layer 1 gets {ratio:.1e} of the gradient at layer 30" in glorot.detail, glorot.detail
    assert glorot.phase == "ordered" and he.phase == "critical", f"phases {glorot.phase}, {he.phase}"


# 4. phase_of -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chi1", "phase"),
    [
        (0.0, "ordered"),
        (0.8999999, "ordered"),
        (0.9, "critical"),
        (1.0, "critical"),
        (1.1, "critical"),
        (1.1000001, "chaotic"),
        (1e6, "chaotic"),
        (math.nan, "undefined"),
    ],
)
def test_phase_band_edges(chi1, phase):
    assert initcore.phase_of(chi1) == phase, f"phase_of({chi1}) = {initcore.phase_of(chi1)!r}, want {phase!r}"


# 5. phase_grid and critical_line ---------------------------------------------------------------------


@pytest.mark.parametrize(("activation", "edge"), [("relu", 2.0), ("linear", 1.0)])
def test_critical_line_of_relu_and_linear_is_flat(activation, edge):
    line = initcore.critical_line(activation, PHASE_B2)
    assert list(line.columns) == ["sigma_b2", "sigma_w2"], list(line.columns)
    np.testing.assert_array_equal(line["sigma_b2"], PHASE_B2)
    # Bisection on log sigma_w2 over [1e-3, 1e5], 40 halvings: 18.4 / 2^40 = 2e-11.
    np.testing.assert_allclose(line["sigma_w2"], edge, rtol=1e-9, err_msg=f"{activation} edge of chaos")


def test_tanh_critical_line_starts_at_one_and_grows_with_the_bias():
    line = initcore.critical_line("tanh", PHASE_B2)
    w = line["sigma_w2"].to_numpy()
    assert np.isfinite(w).all(), f"tanh crosses chi1 = 1 for every bias: {w}"
    # At sigma_b2 = 0 the crossing is sigma_w2 = 1, where q* -> 0 converges slowly (like 1 / l): ~2%.
    assert w[0] == pytest.approx(1.0, rel=0.02), f"tanh edge at sigma_b2 = 0: {w[0]}"
    assert (np.diff(w) > 0).all(), f"tanh's critical sigma_w2 should grow with sigma_b2: {np.round(w, 3)}"
    assert w[-1] > 5, f"at sigma_b2 = 9 the edge is far from 1: {w[-1]}"


def test_chi1_is_one_along_the_critical_line():
    b = np.array([0.01, 0.1, 0.5, 1.0, 4.0, 9.0])
    for act in ("tanh", "sigmoid"):
        line = initcore.critical_line(act, b)
        c = np.array(
            [initcore.chi1(act, w, s) for s, w in zip(line["sigma_b2"], line["sigma_w2"], strict=True)]
        )
        # The bisection stops at 2e-11 in log sigma_w2 with q* to 1e-8: chi1 = 1 to well below 1e-6.
        np.testing.assert_allclose(c, 1.0, rtol=1e-6, err_msg=f"{act}: chi1 on the line {line['sigma_w2']}")


def test_critical_line_is_nan_without_a_crossing_in_range():
    below = initcore.critical_line("relu", [0.0, 1.0], lo=0.1, hi=0.5)  # chi1 = sigma_w2 / 2 < 1 throughout
    above = initcore.critical_line("tanh", [0.0, 1.0], lo=20.0, hi=50.0)  # chi1 > 1 throughout
    assert below["sigma_w2"].isna().all(), f"relu on [0.1, 0.5]: {below['sigma_w2'].tolist()}"
    assert above["sigma_w2"].isna().all(), f"tanh on [20, 50]: {above['sigma_w2'].tolist()}"
    inside = initcore.critical_line("relu", [0.0], lo=1.0, hi=3.0)
    assert inside["sigma_w2"].iloc[0] == pytest.approx(2.0, rel=1e-9), f"relu on [1, 3]: {inside}"


def test_phase_grid_shape_values_and_monotonicity():
    w, b = np.logspace(-1, 2, 13), np.array([0.0, 0.5, 2.0])
    grid = initcore.phase_grid("tanh", w, b)
    assert list(grid.columns) == ["sigma_w2", "sigma_b2", "chi1"], list(grid.columns)
    assert len(grid) == w.size * b.size, f"{len(grid)} rows for {w.size} x {b.size}"
    np.testing.assert_array_equal(grid["sigma_w2"], np.tile(w, b.size))
    np.testing.assert_array_equal(grid["sigma_b2"], np.repeat(b, w.size))
    chi = grid["chi1"].to_numpy().reshape(b.size, w.size)
    assert (np.diff(chi, axis=1) > 0).all(), f"chi1 should grow with sigma_w2 at fixed sigma_b2:\n{chi}"
    ref = np.array(
        [initcore.chi1("tanh", x, y) for x, y in zip(grid["sigma_w2"], grid["sigma_b2"], strict=True)]
    )
    # The grid iterates q at most 500 times; only at (sigma_w2 = 1, sigma_b2 = 0), where q* = 0 is reached
    # like 1 / l, does that differ from the converged value (by ~1 / 500).
    np.testing.assert_allclose(grid["chi1"], ref, rtol=5e-3, err_msg="phase_grid vs chi1")
    slow = (grid["sigma_w2"] == 1.0) & (grid["sigma_b2"] == 0.0)
    np.testing.assert_allclose(grid["chi1"][~slow], ref[~slow], rtol=1e-6, err_msg="phase_grid vs chi1")
    relu = initcore.phase_grid("relu", w, b)
    np.testing.assert_allclose(
        relu["chi1"], relu["sigma_w2"] / 2, rtol=1e-15, err_msg="relu chi1 = sigma_w2 / 2"
    )


# 6. phase_background, phase_points, phase_diagram ---------------------------------------------------


@pytest.fixture(scope="module")
def tanh_background():
    return initcore.phase_background("tanh")


def test_phase_cells_tile_the_grid(tanh_background):
    cells, _ = tanh_background
    for col in ("w_lo", "w_hi", "b_lo", "b_hi", "sigma_w2", "sigma_b2", "chi1", "log10_chi1"):
        assert col in cells.columns, f"{col} missing from {list(cells.columns)}"
    nw, nb = PHASE_W2.size, PHASE_B2.size
    assert len(cells) == nw * nb, f"{len(cells)} cells for {nw} x {nb}"
    w_lo, w_hi = (cells[c].to_numpy().reshape(nb, nw) for c in ("w_lo", "w_hi"))
    b_lo, b_hi = (cells[c].to_numpy().reshape(nb, nw) for c in ("b_lo", "b_hi"))
    np.testing.assert_allclose(
        w_hi[:, :-1], w_lo[:, 1:], rtol=1e-12, err_msg="w_hi of a cell != w_lo of the next"
    )
    np.testing.assert_allclose(
        b_hi[:-1, :], b_lo[1:, :], rtol=1e-12, err_msg="b_hi of a row != b_lo of the next"
    )
    centre = cells["sigma_w2"].to_numpy().reshape(nb, nw)
    np.testing.assert_allclose(
        np.sqrt(w_lo * w_hi), centre, rtol=1e-12, err_msg="cells centred in log sigma_w2"
    )
    assert (w_lo < centre).all() and (centre < w_hi).all(), "cell bounds around the centre"
    assert (b_lo[0] == 0).all() and (b_lo[1:] > 0).all(), f"sigma_b2 >= 0: first row b_lo {b_lo[0, :3]}"
    assert w_lo.min() == pytest.approx(10**-2.05, rel=1e-12), f"leftmost edge {w_lo.min()}"
    assert w_hi.max() == pytest.approx(10**4.05, rel=1e-12), f"rightmost edge {w_hi.max()}"
    assert b_hi.max() == pytest.approx(9.15, rel=1e-12), f"top edge {b_hi.max()}"
    grid = initcore.phase_grid("tanh", PHASE_W2, PHASE_B2)
    pd.testing.assert_frame_equal(cells[["sigma_w2", "sigma_b2", "chi1"]], grid, obj="cells vs phase_grid")


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_phase_cells_log10_chi1_is_clipped(activation, tanh_background):
    cells, critical = tanh_background if activation == "tanh" else initcore.phase_background(activation)
    log_c = cells["log10_chi1"].to_numpy()
    raw = np.log10(cells["chi1"].to_numpy())
    assert log_c.min() >= -2.0 and log_c.max() <= 2.0, f"log10_chi1 in [{log_c.min()}, {log_c.max()}]"
    np.testing.assert_allclose(log_c, np.clip(raw, -2.0, 2.0), rtol=1e-12, err_msg=f"{activation} log10_chi1")
    if activation == "relu":  # chi1 = sigma_w2 / 2 spans 0.005 .. 5000: both clips are reached
        assert (raw < -2).any() and (raw > 2).any(), f"relu chi1 in [{raw.min()}, {raw.max()}]"
        assert (log_c == -2.0).any() and (log_c == 2.0).any(), "both clip bounds should be reached"
    pd.testing.assert_frame_equal(critical, initcore.critical_line(activation, PHASE_B2), obj="critical line")


def test_phase_points_are_clamped_into_the_plot_and_flagged(tanh_background):
    cells, _ = tanh_background
    w_min, w_max, b_max = cells["w_lo"].min(), cells["w_hi"].max(), cells["b_hi"].max()
    summary = pd.DataFrame(
        {
            "series": ["inside", "huge", "zero", "biased", "corner", "edge"],
            "sigma_w2": [1.0, 1e7, 0.0, 1.0, 1e-9, w_max],
            "sigma_b2": [0.25, 0.0, 0.0, 100.0, 50.0, b_max],
            "chi1": [1.0, 50.0, 0.0, 0.1, 0.0, 3.0],
            "phase": ["critical", "chaotic", "ordered", "ordered", "ordered", "chaotic"],
            "verdict": ["ignored"] * 6,
        }
    )
    pts = initcore.phase_points(summary)
    want_cols = ["series", "sigma_w2", "sigma_b2", "chi1", "phase", "shown_w2", "shown_b2", "outside"]
    assert list(pts.columns) == want_cols, list(pts.columns)
    by = pts.set_index("series")
    expected = {
        "inside": (1.0, 0.25, False),
        "huge": (w_max, 0.0, True),
        "zero": (w_min, 0.0, True),
        "biased": (1.0, b_max, True),
        "corner": (w_min, b_max, True),
        "edge": (w_max, b_max, False),
    }
    for name, (w, b, out) in expected.items():
        got = (by.loc[name, "shown_w2"], by.loc[name, "shown_b2"], bool(by.loc[name, "outside"]))
        assert got[0] == pytest.approx(w, rel=1e-12) and got[1] == pytest.approx(b, rel=1e-12), (
            f"{name}: {got}"
        )
        assert got[2] is out, f"{name}: outside {got[2]}, want {out}"
    pd.testing.assert_frame_equal(pts[want_cols[:5]], summary[want_cols[:5]], obj="the original columns")
    empty = initcore.phase_points(None)
    assert list(empty.columns) == want_cols and len(empty) == 0, f"phase_points(None): {empty}"


def test_phase_diagram_puts_a_summary_on_the_background(lesson):
    diagram = initcore.phase_diagram("sigmoid", lesson.summary)
    cells, critical = initcore.phase_background("sigmoid")
    pd.testing.assert_frame_equal(diagram.cells, cells, obj="cells")
    pd.testing.assert_frame_equal(diagram.critical, critical, obj="critical")
    pd.testing.assert_frame_equal(diagram.points, initcore.phase_points(lesson.summary), obj="points")
    assert not diagram.points["outside"].any(), f"the lesson's inits lie inside the plot: {diagram.points}"
    # N(0, 1) at width 100 sits at sigma_w2 = 100, just left of the sigmoid's edge of chaos (~103).
    edge = float(critical["sigma_w2"].iloc[0])
    assert 100 < edge < 110, f"sigmoid's critical sigma_w2 at sigma_b2 = 0: {edge}"
    assert initcore.phase_diagram("sigmoid").points.empty, "no summary, no points"


# 7. propagate's on_layer hook ------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [False, True])
def test_on_layer_sees_every_layers_activations_once_in_order(keep):
    n_in, depth, width, batch, seed = 20, 5, 30, 64, 5
    kw = {"depth": depth, "width": width, "scheme": "glorot_uniform", "activation": "tanh", "seed": seed}
    x = initcore.sample_inputs("normal", (batch, n_in), seed=seed)
    weights = initcore.network_weights(n_in, depth=depth, width=width, scheme="glorot_uniform", seed=seed)
    grad = initcore.upstream_gradient(batch, width, seed=seed)
    calls = []
    stats, _ = initcore.propagate(
        x,
        weights,
        activation="tanh",
        bias=0.1,
        grad=grad,
        keep=keep,
        on_layer=lambda l, a: calls.append((l, a.copy())),
    )
    assert [l for l, _ in calls] == list(range(1, depth + 1)), f"hook layers {[l for l, _ in calls]}"
    want = initcore.layer_arrays(x, bias=0.1, **kw).a
    for l, a in calls:
        assert a.shape == (batch, width), f"layer {l}: shape {a.shape}"
        np.testing.assert_array_equal(a, want[l - 1], err_msg=f"hook's activations at layer {l}")
    pd.testing.assert_frame_equal(stats, initcore.layer_stats(x, bias=0.1, **kw), obj="stats with a hook")


# 8. Tiny gradients ----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [50, 80])
def test_gradients_far_below_float32_are_measured(depth):
    d = initcore.depth_study({"U": ("uniform", {"limit": 0.1})}, **{**DEFAULTS, "depth": depth})
    g = d.layers["grad_rms"].to_numpy()
    assert np.isfinite(g).all() and (g > 0).all(), f"grad_rms not finite and positive: min {g.min()}"
    tiny = np.finfo(np.float32).tiny  # 1.2e-38; float32 subnormals end at 1.4e-45
    assert g[0] < (tiny if depth == 50 else 1e-45), f"layer 1's gradient {g[0]:.3g} should be beyond float32"
    # Per layer the factor fluctuates by at most sqrt(1 / (2 width)) = 7%: allow 4 of those (in log), also
    # where the gradient is below float32's range; for the geometric mean over depth - 1 layers, 4 of
    # 7% / sqrt(depth - 1).
    f, f_theory = d.layers["factor"].to_numpy()[:-1], d.layers["factor_theory"].to_numpy()[:-1]
    sigma = math.sqrt(1 / (2 * DEFAULTS["width"]))
    dev = np.abs(np.log(f / f_theory))
    assert dev.max() < 4 * sigma, (
        f"layer {dev.argmax() + 1} (gradient {g[dev.argmax()]:.3g}): factor {f[dev.argmax()]:.4g} vs "
        f"{f_theory[dev.argmax()]:.4g}"
    )
    below = g[:-1] < tiny
    assert below.sum() >= 5, f"only {below.sum()} layers below float32's normal range"
    mean_dev = abs(float(np.mean(np.log(f / f_theory))))
    assert mean_dev < 4 * sigma / math.sqrt(depth - 1), (
        f"geometric mean of factor ratios off by {mean_dev:.3g}"
    )
    # and the whole chain: layer 1's gradient against theory's, compounded over depth - 1 factors
    ratio = g[0] / d.layers["grad_theory"].iloc[0]
    assert abs(math.log(ratio)) < 4 * sigma * math.sqrt(depth - 1), (
        f"grad_rms / grad_theory at layer 1: {ratio:.3g}"
    )


@pytest.mark.parametrize(
    ("activation", "scheme", "params", "bias"),
    [
        ("sigmoid", "uniform", {"limit": 0.1}, 0.5),
        ("relu", "he_normal", {}, 0.5),
        ("tanh", "normal", {"std": 0.001}, 0.0),
    ],
)
def test_a_large_pass_split_into_half_batches_gives_the_whole_batch_statistics(
    activation, scheme, params, bias
):
    """Above SPLIT_VALUES values per layer the pass runs as two half-batches in two threads; merged, their
    statistics equal one pass over the whole batch (the tanh case has vanishing gradients)."""
    from initcore import depth, network

    batch, width = 601, 512  # odd: halves of 300 and 301 rows
    assert batch * width >= network.SPLIT_VALUES
    x = network.sample_inputs("normal", (batch, width), seed=3)
    grad = network.upstream_gradient(batch, width, seed=3)
    weights = network.network_weights(width, depth=6, width=width, scheme=scheme, seed=3, **params)
    act = initcore.ACTIVATIONS[activation]
    bias = network.network_biases(6, width, std=bias, seed=3) if bias else 0.0  # each unit its own
    seen = []
    split = depth._layer_stats(x, weights, act, bias, grad, lambda _, a: seen.append(a.ravel()[:5].copy()))
    whole_seen = []
    whole = network.propagate(
        x,
        weights,
        activation=act,
        bias=bias,
        grad=grad,
        on_layer=lambda _, a: whole_seen.append(a.ravel()[:5].copy()),
    )[0]
    # The same float32 sums in another order (two halves, and SIMD lanes as wide as the CPU's: 2e-5 held
    # with AVX2, an AVX-512 machine measured 2.9e-5 on a relu std), so agreement to 5e-5, not bit for bit.
    for col in network.LAYER_COLUMNS:
        np.testing.assert_allclose(split[col], whole[col], rtol=5e-5, atol=1e-12, err_msg=col)
    assert len(seen) == 6, "the hook sees every layer once (of the first half, which starts the batch)"
    np.testing.assert_allclose(seen, whole_seen, rtol=1e-6)  # so the histograms sample the same values
    if activation == "tanh":
        assert whole["grad_rms"].iloc[0] < 1e-8 * whole["grad_rms"].iloc[-1]


# 9. Several initializations in one stacked pass -----------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "net", "split"),
    [
        ("sigmoid", {"depth": 10, "width": 250, "batch": 250, "bias_std": 0.0}, True),  # page 2's defaults
        ("sigmoid", {"depth": 10, "width": 250, "batch": 250, "bias_std": 0.0}, False),
        ("tanh", {"depth": 6, "width": 40, "batch": 30, "bias_std": 1.0}, False),
        ("relu", {"depth": 5, "width": 64, "batch": 50, "bias_std": 0.5}, True),
    ],
)
def test_a_stacked_pass_gives_every_initialization_its_own_numbers_bit_for_bit(
    monkeypatch, activation, net, split
):
    """depth_many pushes several initializations through one stacked pass (small: each elementwise step
    one call for all; from ROWS_SPLIT values, each net's layer one task, half the nets on each of two
    threads; alone, a net's steps on two row halves): each gets exactly the study depth_series gives
    it alone, including N(0, 10^2), whose saturated sigmoid units make the backward pass set denormal
    gradients to 0, and a zero initialization."""
    from initcore import network

    monkeypatch.setattr(network, "ROWS_SPLIT", 1 << 10 if split else 1 << 62)
    series = [
        ("U", "uniform", {"limit": 0.1}),
        ("N1", "normal", {"std": 1.0}),
        ("N10", "normal", {"std": 10.0}),
        ("G4", "glorot_uniform_x4", {}),
        ("He", "he_normal", {}),
        ("0", "zeros", {}),
    ]
    kw = {**net, "inputs": "normal", "activation": activation, "seed": 7}
    stacked = initcore.depth_many(series, **kw)
    assert len(stacked) == len(series)
    for (label, scheme, params), got in zip(series, stacked, strict=True):
        alone = initcore.depth_series(label, scheme, params, **kw)
        for field in ("layers", "hist", "summary"):
            pd.testing.assert_frame_equal(
                getattr(got, field), getattr(alone, field), check_exact=True, obj=f"{label} {field}"
            )


def test_page_2s_defaults_run_as_two_groups_of_nets_side_by_side(monkeypatch):
    """From ROWS_SPLIT values per layer in all, depth_many runs two stacked passes of half the series
    each, the second on another thread; below it, one pass on the calling thread."""
    import threading

    from initcore import depth
    from initcore.claims import DEPTH_PRESETS
    from initcore.words import speaking

    calls = []
    stacked = depth._stacked
    monkeypatch.setattr(
        depth,
        "_stacked",
        lambda series, *a: (
            calls.append((threading.current_thread().name, len(series))) or stacked(series, *a)
        ),
    )
    view = DEPTH_PRESETS[0].view
    with speaking("fa"):  # the second thread speaks the caller's language
        both = view.study(11)
    assert sorted(calls) == sorted([(threading.current_thread().name, 3), ("initcore-halves_0", 3)]), calls
    assert all(any("\u0600" <= c <= "\u06ff" for c in detail) for detail in both.summary["detail"]), list(
        both.summary["detail"]
    )
    calls.clear()
    from initcore import network

    monkeypatch.setattr(network, "ROWS_SPLIT", 1 << 62)
    view.study(12)
    assert calls == [(threading.current_thread().name, 6)], calls


def test_a_study_computes_only_the_initializations_it_does_not_keep(monkeypatch):
    """Page 2 keeps each initialization's series: a study whose others are known computes one net, and a
    study already known computes none; the numbers equal a fresh study's."""
    from initcore import views
    from initcore.claims import DEPTH_PRESETS
    from initcore.views import Init, Kept

    computed: list[int] = []
    many, one = views.many_parts, views.series_part
    monkeypatch.setattr(
        views, "many_parts", lambda series, **kw: computed.append(len(series)) or many(series, **kw)
    )
    monkeypatch.setattr(views, "series_part", lambda *a, **kw: computed.append(1) or one(*a, **kw))
    view, kept = DEPTH_PRESETS[0].view, Kept(maxsize=64)
    first = view.study(3, kept=kept)
    assert computed == [len(view.inits)], f"first study: {computed}"
    again = view.study(3, kept=kept)
    assert computed == [len(view.inits)], f"a known study computed {computed[1:]}"
    edited = replace_init(view, 1, Init.of("normal", std=0.2))
    changed = edited.study(3, kept=kept)
    assert computed == [len(view.inits), 1], f"one edited initialization: {computed}"
    for a, b in ((first, again), (changed, edited.study(3))):
        pd.testing.assert_frame_equal(a.layers, b.layers, check_exact=True)
        pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    assert view.stacked(), "page 2's defaults run as one stacked pass"


def replace_init(view, j, init):
    from dataclasses import replace

    return replace(view, inits=(*view.inits[:j], init, *view.inits[j + 1 :]))


def test_nets_that_one_pass_would_split_into_half_batches_are_not_stacked():
    """A pass of SPLIT_VALUES values per layer or more runs alone as two merged half-batches, which agree
    with the whole batch to float32 rounding only: such views compute one initialization at a time, so a
    series has the same numbers whether computed with the others or alone after an edit."""
    from dataclasses import replace

    from initcore.claims import DEPTH_PRESETS
    from initcore.network import SPLIT_VALUES

    view = DEPTH_PRESETS[0].view
    assert view.batch * view.width < SPLIT_VALUES and view.stacked()
    for width, batch in ((250, 2000), (500, 1000), (1000, 500)):
        big = replace(view, depth=2, width=width, batch=batch, inits=view.inits[:2])
        assert batch * width >= SPLIT_VALUES
        assert not big.stacked(), f"width {width}, batch {batch}: stacked"

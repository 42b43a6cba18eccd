"""Mean-field theory: known values, closed forms, Monte Carlo, and wide-net simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest

import initcore


def test_known_tanh_values_from_poole_et_al():
    # tanh, sigma_w2 = 2, sigma_b2 = 0: q* ~ 0.618, chi1 ~ 1.106 (chaotic side of the critical line).
    q = initcore.fixed_point("tanh", 2.0, 0.0)
    c = initcore.chi1("tanh", 2.0, 0.0)
    assert q == pytest.approx(0.618, abs=1e-3), f"q* = {q}"
    assert c == pytest.approx(1.106, abs=1e-3), f"chi1 = {c}"


@pytest.mark.parametrize("sw2", [0.5, 1.0, 2.0, 3.7])
@pytest.mark.parametrize("sb2", [0.0, 0.3])
def test_relu_chi1_is_exactly_half_sigma_w2(sw2, sb2):
    assert initcore.chi1("relu", sw2, sb2) == sw2 / 2


def test_closed_form_fixed_points_of_relu_and_linear():
    assert initcore.fixed_point("relu", 1.0, 0.5) == pytest.approx(1.0)  # 0.5 / (1 - 1/2)
    assert initcore.fixed_point("linear", 0.5, 0.5) == pytest.approx(1.0)
    assert initcore.fixed_point("relu", 3.0, 0.0) == math.inf, "chaotic relu has no finite q*"
    assert initcore.fixed_point("relu", 2.0, 0.0, q0=0.7) == 0.7, "He init: every q is fixed"
    assert initcore.chi1("linear", 0.8, 0.0) == pytest.approx(0.8)


def test_tanh_ordered_phase_collapses_to_zero():
    # sigma_w2 < 1, no bias: q* = 0 and chi1 = sigma_w2 * tanh'(0)^2 = sigma_w2.
    assert initcore.fixed_point("tanh", 0.5, 0.0) == pytest.approx(0.0, abs=1e-9)
    assert initcore.chi1("tanh", 0.5, 0.0) == pytest.approx(0.5, rel=1e-6)


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
@pytest.mark.parametrize("q", [1e-4, 0.05, 0.9, 1.0, 1.2, 7.0, 150.0, 5000.0])
def test_gaussian_moments_match_monte_carlo(act, q):
    f = initcore.ACTIVATIONS[act]
    u = np.random.default_rng(7).standard_normal(2_000_000)
    z = math.sqrt(q) * u
    for got, values, what in zip(
        initcore.moments(act, q), (f.fn(z) ** 2, f.deriv(z) ** 2), ("M", "D"), strict=False
    ):
        se = values.std() / math.sqrt(u.size)
        assert abs(float(got) - values.mean()) < 6 * se + 1e-5 * values.mean(), (
            f"{act} {what}({q}) = {float(got):.6g} vs Monte Carlo {values.mean():.6g} +- {se:.2g}"
        )


def test_moments_limits_and_vectorization():
    m, d = initcore.moments("sigmoid", np.array([0.0, 1e14, np.inf, np.nan]))
    assert m[0] == pytest.approx(0.25) and d[0] == pytest.approx(1 / 16, rel=1e-6)
    assert m[1] == pytest.approx(0.5, abs=1e-6) and 0 < d[1] < 1e-6
    assert d[2] == 0.0 and np.isnan(m[3]) and np.isnan(d[3])


def test_fixed_point_is_a_fixed_point_and_vectorizes():
    sw = np.array([0.5, 1.0, 4.0, 16.0])
    sb = np.array([0.0, 0.1, 0.05, 1.0])
    for act in ("sigmoid", "tanh"):
        q = initcore.fixed_point(act, sw, sb)
        again = sw * initcore.moments(act, q)[0] + sb
        np.testing.assert_allclose(again, q, rtol=1e-9, atol=1e-12, err_msg=f"{act}: not a fixed point")
        scalar = [initcore.fixed_point(act, a, b) for a, b in zip(sw, sb, strict=False)]
        np.testing.assert_allclose(q, scalar, rtol=1e-10, err_msg="vectorized and scalar differ")


def test_variance_map_first_layer_is_linear_in_the_input():
    q = initcore.variance_map("sigmoid", 2.0, 0.25, 0.5, 3)
    assert q[0] == pytest.approx(2.0 * 0.5 + 0.25)
    assert q[1] == pytest.approx(2.0 * float(initcore.moments("sigmoid", q[0])[0]) + 0.25)


WIDTH, BATCH, DEPTH = 1000, 1000, 10


def _simulate(act, scheme, seed=3, **params):
    x = np.random.default_rng(seed).standard_normal((BATCH, WIDTH)).astype(np.float32)
    stats = initcore.layer_stats(
        x, depth=DEPTH, width=WIDTH, scheme=scheme, activation=act, seed=seed, **params
    )
    sw2 = initcore.sigma_w2(scheme, WIDTH, WIDTH, **params)
    q0 = float(np.mean(x.astype(np.float64) ** 2))
    return stats, sw2, q0


@pytest.mark.parametrize(
    ("act", "scheme", "params"),
    [("tanh", "glorot_normal", {}), ("tanh", "normal", {"std": 0.05}), ("tanh", "uniform", {"limit": 0.1})],
)
def test_variance_map_predicts_each_layer_of_a_wide_tanh_net(act, scheme, params):
    stats, sw2, q0 = _simulate(act, scheme, **params)
    measured = (stats.z_mean**2 + stats.z_std**2).to_numpy()  # E[z^2] over (example, unit)
    q = initcore.variance_map(act, sw2, 0.0, q0, DEPTH)
    ratio = measured / q
    assert np.abs(ratio - 1).max() < 0.03, f"measured / predicted q per layer: {np.round(ratio, 3)}"


@pytest.mark.parametrize(
    ("scheme", "params"), [("uniform", {}), ("normal", {"std": 1.0}), ("glorot_uniform", {})]
)
def test_variance_map_predicts_a_wide_sigmoid_net_on_average(scheme, params):
    # Sigmoid outputs share a mean of about 1/2, so each unit's z carries a common offset
    # 0.5 * sum_j W_ij: E[z^2] averaged over WIDTH units fluctuates by about sqrt(2 / WIDTH) = 4.5% per
    # layer. Averaged over the 10 layers the noise is ~1.4%: allow 3 sd, and 4 sd per layer.
    stats, sw2, q0 = _simulate("sigmoid", scheme, **params)
    measured = (stats.z_mean**2 + stats.z_std**2).to_numpy()
    ratio = measured / initcore.variance_map("sigmoid", sw2, 0.0, q0, DEPTH)
    sd = math.sqrt(2 / WIDTH)
    assert abs(ratio.mean() - 1) < 3 * sd / math.sqrt(DEPTH), f"mean ratio {ratio.mean():.4f}"
    assert np.abs(ratio - 1).max() < 4 * sd, f"per-layer ratios {np.round(ratio, 3)}"


@pytest.mark.parametrize(
    ("act", "scheme", "params", "tol"),
    [
        ("sigmoid", "uniform", {}, 0.05),
        # Saturated: E[phi'^2] is carried by the few units with |z| < 4.36 (about 15% of them), so each
        # layer's factor is a far noisier average than in the healthy cases.
        ("sigmoid", "normal", {"std": 1.0}, 0.12),
        ("tanh", "glorot_normal", {}, 0.05),
        ("tanh", "normal", {"std": 0.05}, 0.05),
        ("relu", "he_normal", {}, 0.05),
    ],
)
def test_predicted_gradient_rms_matches_backprop(act, scheme, params, tol):
    stats, sw2, q0 = _simulate(act, scheme, **params)
    predicted = initcore.predicted_grad_rms(act, sw2, 0.0, q0, DEPTH)
    ratio = stats.grad_rms.to_numpy() / predicted
    assert np.abs(ratio - 1).max() < tol, f"measured / predicted grad_rms: {np.round(ratio, 3)}"


@pytest.mark.parametrize(
    ("act", "scheme", "params"), [("sigmoid", "uniform", {}), ("tanh", "normal", {"std": 0.06})]
)
def test_per_layer_gradient_factor_is_sqrt_chi1(act, scheme, params):
    stats, sw2, _ = _simulate(act, scheme, **params)
    g = stats.grad_rms.to_numpy()
    factors = g[2:-1] / g[3:]  # layer l over layer l + 1, once q has settled at q*
    expected = math.sqrt(initcore.chi1(act, sw2, 0.0))
    assert np.median(factors) == pytest.approx(expected, rel=0.03), (
        f"{np.round(factors, 4)} vs {expected:.4f}"
    )

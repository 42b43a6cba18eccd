"""initcore's hand-written backward pass (``propagate`` / ``layer_arrays``) against TensorFlow autodiff.

The same net is built twice from the same float32 weights (``initcore.network_weights``), inputs and
upstream gradient g (``initcore.upstream_gradient``): once by initcore, once in TensorFlow as
z_l = a_{l-1} @ W_l + bias, a_l = phi(z_l). With the loss L = sum(g * a_L), dL/da_L = g, and
``tf.GradientTape`` gives dL/dz_l for every layer, which must equal ``layer_arrays(...).dz``.

Tolerance: both sides compute in float32 (eps = 1.2e-7) but sum in different orders (numpy BLAS vs
Eigen/oneDNN) and TF's sigmoid gradient is y (1 - y) while initcore uses e^-|z| / (1 + e^-|z|)^2, so
the two agree to a few hundred ulps, not bitwise: 1e-5 relative per layer (about 80 eps), and per
element rtol 1e-5 with atol 1e-5 x the layer's RMS (for entries that are sums cancelling to ~0).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf

import initcore

pytestmark = pytest.mark.tf

N_IN, WIDTH, BATCH = 20, 32, 64  # n_in != width: W_1 is (20, 32), the others (32, 32)
SEED = 7
X_SEED = 2024
REL_TOL = 1e-5  # relative Frobenius norm per layer, and per-element rtol
ATOL_RMS = 1e-5  # per-element atol, in units of the layer's RMS

TF_ACT = {
    "sigmoid": tf.sigmoid,
    "tanh": tf.tanh,
    "relu": tf.nn.relu,
    "linear": tf.identity,
}
SCHEMES = ("glorot_uniform", "uniform", "he_normal", "orthogonal")
DEPTHS = (1, 6)

CASES = [(act, scheme, depth, 0.0) for act in TF_ACT for scheme in SCHEMES for depth in DEPTHS]
CASES += [
    ("sigmoid", "glorot_uniform", 6, 0.5),
    ("relu", "he_normal", 6, -0.1),
    ("tanh", "orthogonal", 6, 0.3),
]
CASE_IDS = [f"{act}-{scheme}-depth{depth}-bias{bias:g}" for act, scheme, depth, bias in CASES]


def _inputs() -> np.ndarray:
    return np.random.default_rng(X_SEED).standard_normal((BATCH, N_IN)).astype(np.float32)


def _tf_pass(x, weights, g, activation, bias):
    """(z, a, dL/dz) per layer from TensorFlow, each stacked to (depth, batch, width)."""
    phi = TF_ACT[activation]
    b = tf.constant(bias, dtype=tf.float32)
    zs, acts = [], []
    with tf.GradientTape() as tape:
        a = tf.constant(x)
        for w in weights:
            z = tf.matmul(a, tf.constant(w)) + b
            tape.watch(z)  # record everything downstream of z, so dL/dz is available
            a = phi(z)
            zs.append(z)
            acts.append(a)
        loss = tf.reduce_sum(tf.constant(g) * a)  # dL/da_L = g
    dzs = tape.gradient(loss, zs)
    return tuple(np.stack([t.numpy() for t in ts]) for ts in (zs, acts, dzs))


def _rms(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(v, dtype=np.float64))))


def _compare(what: str, ours: np.ndarray, ref: np.ndarray) -> None:
    """Layer by layer: relative Frobenius error <= REL_TOL, and allclose with an RMS-scaled atol."""
    assert ours.shape == ref.shape, f"{what}: initcore shape {ours.shape} vs TF {ref.shape}"
    for l in range(ref.shape[0]):
        o, r = ours[l].astype(np.float64), ref[l].astype(np.float64)
        norm = float(np.linalg.norm(r))
        assert norm > 0, f"{what} layer {l + 1}: TF array is all zeros, nothing to compare"
        rel = float(np.linalg.norm(o - r)) / norm
        assert rel <= REL_TOL, f"{what} layer {l + 1}: ||initcore - TF|| / ||TF|| = {rel:.3g} > {REL_TOL:g}"
        np.testing.assert_allclose(
            o,
            r,
            rtol=REL_TOL,
            atol=ATOL_RMS * _rms(r),
            err_msg=f"{what} layer {l + 1} (TF RMS {_rms(r):.3g})",
        )


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return _inputs()


def _case(x, activation, scheme, depth, bias):
    weights = initcore.network_weights(N_IN, depth=depth, width=WIDTH, scheme=scheme, seed=SEED)
    g = initcore.upstream_gradient(BATCH, WIDTH, seed=SEED)
    ref = _tf_pass(x, weights, g, activation, bias)
    arrays = initcore.layer_arrays(
        x, depth=depth, width=WIDTH, scheme=scheme, activation=activation, seed=SEED, bias=bias
    )
    return weights, g, ref, arrays


@pytest.mark.parametrize(("activation", "scheme", "depth", "bias"), CASES, ids=CASE_IDS)
def test_backward_pass_matches_tf_autodiff(x, activation, scheme, depth, bias):
    _, _, (_, _, dz_tf), arrays = _case(x, activation, scheme, depth, bias)
    assert arrays.dz.shape == (depth, BATCH, WIDTH), f"dz shape {arrays.dz.shape}"
    _compare("dL/dz", arrays.dz, dz_tf)


@pytest.mark.parametrize(("activation", "scheme", "depth", "bias"), CASES, ids=CASE_IDS)
def test_forward_pass_matches_tf(x, activation, scheme, depth, bias):
    _, _, (z_tf, a_tf, _), arrays = _case(x, activation, scheme, depth, bias)
    _compare("z", arrays.z, z_tf)
    _compare("a", arrays.a, a_tf)


@pytest.mark.parametrize(("activation", "scheme", "depth", "bias"), CASES, ids=CASE_IDS)
def test_propagate_with_explicit_weights_equals_layer_arrays(x, activation, scheme, depth, bias):
    """layer_arrays draws its weights and g from the seed; propagate given those same arrays is the same
    pass, bit for bit (so the TF comparison above really checks propagate too)."""
    weights, g, _, arrays = _case(x, activation, scheme, depth, bias)
    _, kept = initcore.propagate(x, weights, activation=activation, bias=bias, grad=g, keep=True)
    for what in ("z", "a", "dz"):
        ours, theirs = getattr(kept, what), getattr(arrays, what)
        assert np.array_equal(ours, theirs), (
            f"{what}: propagate vs layer_arrays max |diff| {np.max(np.abs(ours - theirs)):.3g}"
        )


@pytest.mark.parametrize(("activation", "scheme", "depth", "bias"), CASES, ids=CASE_IDS)
def test_layer_stats_grad_rms_is_rms_of_tf_gradients(x, activation, scheme, depth, bias):
    _, _, (_, _, dz_tf), _ = _case(x, activation, scheme, depth, bias)
    stats = initcore.layer_stats(
        x, depth=depth, width=WIDTH, scheme=scheme, activation=activation, seed=SEED, bias=bias
    )
    assert list(stats["layer"]) == list(range(1, depth + 1)), f"layers {list(stats['layer'])}"
    for l in range(depth):
        tf_rms = _rms(dz_tf[l])
        ours = float(stats["grad_rms"].iloc[l])
        assert ours == pytest.approx(tf_rms, rel=REL_TOL), (
            f"layer {l + 1}: grad_rms {ours:.7g} vs RMS of TF dL/dz {tf_rms:.7g}"
        )


def test_gradient_check_would_catch_a_missing_transpose(x):
    """Power of the comparison: with W instead of W^T in the backward pass (possible only for square
    layers, so depth 2 and the (32, 32) W_2), the first layer's gradient is far outside the tolerance."""
    weights = initcore.network_weights(N_IN, depth=2, width=WIDTH, scheme="glorot_uniform", seed=SEED)
    g = initcore.upstream_gradient(BATCH, WIDTH, seed=SEED)
    _, _, dz_tf = _tf_pass(x, weights, g, "tanh", 0.0)
    z1 = x @ weights[0]
    z2 = np.tanh(z1) @ weights[1]
    dz2 = g * (1.0 - np.tanh(z2) ** 2)
    wrong = (dz2 @ weights[1]) * (1.0 - np.tanh(z1) ** 2)
    rel = float(np.linalg.norm(wrong - dz_tf[0]) / np.linalg.norm(dz_tf[0]))
    assert rel > 100 * REL_TOL, f"untransposed W_2 gives relative error {rel:.3g}, not detectable"

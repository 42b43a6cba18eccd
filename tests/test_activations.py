"""Activations: values, slopes, stability at extreme inputs, and the zone thresholds."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import initcore
from initcore.activations import SIGMOID_LINEAR_Z, SIGMOID_SATURATION_Z, TANH_SATURATION_Z

NAMES = list(initcore.ACTIVATIONS)
EXTREME = np.array([-1e6, -1e4, -745.0, -40.0, -1.0, -0.0, 0.0, 1e-30, 1.0, 40.0, 745.0, 1e4, 1e6])


def test_required_activations():
    assert {"sigmoid", "tanh", "relu", "linear"} <= set(NAMES), NAMES


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_and_finite_for_huge_inputs(name, dtype):
    act = initcore.ACTIVATIONS[name]
    z = EXTREME.astype(dtype)
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"),
    ):
        warnings.simplefilter("error")
        a, d = act.fn(z), act.deriv(z)
    assert np.isfinite(a).all() and np.isfinite(d).all(), f"{name}: {a}, {d}"
    assert a.dtype == dtype and d.dtype == dtype, f"{name} changed dtype to {a.dtype}, {d.dtype}"
    assert (d >= 0).all() and (d <= act.max_deriv).all(), f"{name}: slope outside [0, max]"


def test_known_values():
    sig = initcore.ACTIVATIONS["sigmoid"]
    assert sig.fn(np.array([0.0]))[0] == 0.5
    assert sig.fn(np.array([-1e6]))[0] == 0.0 and sig.fn(np.array([1e6]))[0] == 1.0
    assert sig.fn(np.array([-30.0]))[0] == pytest.approx(math.exp(-30), rel=1e-12), "tiny tail lost"
    assert initcore.ACTIVATIONS["relu"].fn(np.array([-2.0, 3.0])).tolist() == [0.0, 3.0]
    assert initcore.ACTIVATIONS["linear"].deriv(np.array([5.0])).tolist() == [1.0]


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences_and_its_maximum(name):
    act = initcore.ACTIVATIONS[name]
    z = np.linspace(-8, 8, 1601)
    z = z[np.abs(z) > 1e-3]  # away from relu's kink
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    np.testing.assert_allclose(act.deriv(z), numeric, atol=1e-7, err_msg=f"{name}' disagrees with phi")
    assert act.deriv(np.linspace(-8, 8, 16001)).max() == pytest.approx(act.max_deriv, rel=1e-6)


def test_zone_thresholds_follow_from_the_relative_slope():
    sig, tanh = initcore.ACTIVATIONS["sigmoid"], initcore.ACTIVATIONS["tanh"]
    assert pytest.approx(4.3565, abs=1e-4) == SIGMOID_SATURATION_Z
    assert pytest.approx(0.4549, abs=1e-4) == SIGMOID_LINEAR_Z
    assert sig.relative_slope(np.array([SIGMOID_SATURATION_Z]))[0] == pytest.approx(0.05, rel=1e-9)
    assert sig.relative_slope(np.array([SIGMOID_LINEAR_Z]))[0] == pytest.approx(0.95, rel=1e-9)
    # tanh saturates where |a| > sqrt(0.95) = 0.975.
    assert np.tanh(TANH_SATURATION_Z) == pytest.approx(math.sqrt(0.95), rel=1e-12)
    assert tanh.relative_slope(np.array([TANH_SATURATION_Z]))[0] == pytest.approx(0.05, rel=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_zone_intervals_agree_with_the_slope_definition(name):
    act = initcore.ACTIVATIONS[name]
    z = np.linspace(-10, 10, 20001)
    r = act.relative_slope(z)

    def inside(intervals):
        return np.any([(z > lo) & (z < hi) for lo, hi in intervals], axis=0) if intervals else z < -np.inf

    # Exact boundary points may go either way; compare away from them.
    edges = [e for iv in act.saturated + act.near_linear for e in iv if math.isfinite(e)]
    away = np.all([np.abs(z - e) > 1e-3 for e in edges], axis=0) if edges else np.ones_like(z, bool)
    np.testing.assert_array_equal(inside(act.saturated)[away], (r < 0.05)[away], err_msg=f"{name} saturated")
    np.testing.assert_array_equal(inside(act.near_linear)[away], (r >= 0.95)[away], err_msg=f"{name} linear")


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match=r"activation must be one of .* got 'softmax'"):
        initcore.get_activation("softmax")

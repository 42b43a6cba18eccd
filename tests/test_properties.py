"""Property-based tests: any valid shape and parameter gives finite numbers of the right shape."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import initcore
from initcore.checks import check_int, check_real

SCHEMES = st.sampled_from(list(initcore.SCHEMES))
ACTIVATIONS = st.sampled_from(list(initcore.ACTIVATIONS))
DIM = st.integers(min_value=1, max_value=64)


def _params(scheme: str, draw_float) -> dict[str, float]:
    return {p.name: draw_float for p in initcore.SCHEMES[scheme].params}


@given(scheme=SCHEMES, shape=st.tuples(DIM, DIM), seed=st.integers(0, 2**32 - 1), value=st.floats(0.0, 1e3))
@settings(max_examples=150, deadline=None)
def test_sample_is_finite_float32_of_the_asked_shape_within_the_bound(scheme, shape, seed, value):
    params = _params(scheme, value)
    w = initcore.sample(scheme, shape, seed=seed, **params)
    assert w.shape == shape and w.dtype == np.float32
    assert np.isfinite(w).all()
    bound = initcore.SCHEMES[scheme].bound(*shape, **params)
    assert float(np.abs(w).max()) <= bound * (1 + 1e-6) + 1e-30


@given(scheme=SCHEMES, fan_in=DIM, fan_out=DIM, value=st.floats(0.0, 1e6))
def test_std_and_sigma_w2_are_finite_and_non_negative(scheme, fan_in, fan_out, value):
    params = _params(scheme, value)
    s = initcore.SCHEMES[scheme].std(fan_in, fan_out, **params)
    assert math.isfinite(s) and s >= 0
    assert initcore.sigma_w2(scheme, fan_in, fan_out, **params) == pytest.approx(fan_in * s * s, rel=1e-12)


@given(
    scheme=SCHEMES,
    activation=st.sampled_from(["sigmoid", "tanh"]),
    batch=st.integers(1, 32),
    n_in=DIM,
    depth=st.integers(1, 8),
    width=DIM,
    seed=st.integers(0, 10_000),
    bias=st.floats(-5, 5),
    value=st.floats(0.0, 10.0),
)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_bounded_nets_give_finite_stats_of_the_right_shape(
    scheme, activation, batch, n_in, depth, width, seed, bias, value
):
    x = np.random.default_rng(seed).standard_normal((batch, n_in)).astype(np.float32)
    stats = initcore.layer_stats(
        x,
        depth=depth,
        width=width,
        scheme=scheme,
        activation=activation,
        seed=seed,
        bias=bias,
        **_params(scheme, value),
    )
    assert stats.shape == (depth, 8)
    assert np.isfinite(stats.to_numpy()).all(), stats
    shares = stats[["saturated", "near_linear"]].to_numpy()
    assert ((shares >= 0) & (shares <= 1)).all()


@given(
    activation=ACTIVATIONS,
    sw2=st.floats(0.0, 50.0),
    sb2=st.floats(0.0, 5.0),
    q0=st.floats(0.0, 10.0),
    depth=st.integers(1, 30),
)
@settings(max_examples=100, deadline=None)
def test_theory_is_non_negative_and_shaped(activation, sw2, sb2, q0, depth):
    q = initcore.variance_map(activation, sw2, sb2, q0, depth)
    assert q.shape == (depth,) and (q >= 0).all() and not np.isnan(q).any()
    c = initcore.chi1(activation, sw2, sb2)
    assert c >= 0 and math.isfinite(c)
    g = initcore.predicted_grad_rms(activation, sw2, sb2, q0, depth)
    assert g.shape == (depth,) and (g >= 0).all()


ANYTHING = st.one_of(
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.integers(-100, 100).map(np.int64),
    st.floats(-100, 100).map(np.float32),
)


@given(value=ANYTHING, low=st.integers(-5, 5))
def test_check_int_takes_exactly_the_integers_from_low_and_echoes_the_rest(value, low):
    wanted = isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= low
    if wanted:
        assert check_int("width", value, low) == value and type(check_int("width", value, low)) is int
    else:
        with pytest.raises(ValueError) as err:
            check_int("width", value, low)
        assert str(err.value) == f"width must be an integer >= {low}, got {value!r}", str(err.value)


@given(value=ANYTHING, low=st.floats(-10, 10), span=st.floats(0, 10))
def test_check_real_takes_exactly_the_finite_numbers_in_range_and_echoes_the_rest(value, low, span):
    high = low + span
    real = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    try:
        as_float = float(value) if real else math.nan
    except OverflowError:  # an int past float's range
        as_float = math.inf
    wanted = math.isfinite(as_float) and low <= as_float <= high
    if wanted:
        assert check_real("noise", value, low, high) == float(value)
    else:
        with pytest.raises(ValueError) as err:
            check_real("noise", value, low, high)
        assert str(err.value) == f"noise must be a number in [{low:g}, {high:g}], got {value!r}", str(
            err.value
        )

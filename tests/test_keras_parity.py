"""Every initcore scheme against its real Keras 3 twin: same std, same bound, same distribution.

For each scheme (and a few non-default parameters) a (fan_in, fan_out) kernel is drawn twice, once by
the real ``keras.initializers`` object that ``Scheme.keras`` builds and once by ``initcore.sample``,
and both draws are compared with the closed forms ``Scheme.std`` / ``Scheme.bound`` and with each other
(two-sample Kolmogorov-Smirnov). The shapes are non-square, so that using fan_in where fan_out or
fan_avg is meant changes the std by 9.5-22 %, far beyond the sampling tolerance (1.1-1.7 %).
"""

from __future__ import annotations

import ast
import functools
import math
import os

import numpy as np
import pytest
from scipy import stats

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras

import initcore

pytestmark = pytest.mark.tf

SHAPE = (300, 200)  # fan_in != fan_out != fan_avg: a wrong fan moves the std by >= 9.5 %
KERAS_SEED = 1234
INITCORE_SEED = 4321
N_SIGMA = 6.0  # sampling tolerance, in standard errors of the sample std
KS_ALPHA = 1e-3  # a correct twin fails the KS test with probability 1e-3 (per fixed seed: never or always)
EDGE_COUNT = 30.0  # draws expected beyond the "close to the bound" quantile: P(none) = exp(-30)
EPS32 = float(np.finfo(np.float32).eps)

# Excess kurtosis of one weight, per family: the std of the sample std of n i.i.d. draws is
# std * sqrt((kurtosis_excess + 2) / (4 n)).
KURTOSIS_EXCESS = {
    "uniform": -1.2,
    "normal": 0.0,
    "truncnormal": float(stats.truncnorm(-initcore.schemes.TRUNC_AT, initcore.schemes.TRUNC_AT).stats("k")),
}

NON_DEFAULT = [
    ("uniform", {"limit": 0.3}, SHAPE),
    ("normal", {"std": 0.5}, SHAPE),
    ("truncated_normal", {"std": 0.2}, SHAPE),
    ("orthogonal", {"gain": 2.0}, SHAPE),  # rows > cols: orthonormal columns
    ("orthogonal", {"gain": 2.0}, SHAPE[::-1]),  # rows < cols: orthonormal rows
    ("orthogonal", {}, SHAPE[::-1]),
]
CASES = [(name, {}, SHAPE) for name in initcore.SCHEMES] + NON_DEFAULT


def _case_id(name: str, params: dict, shape: tuple[int, int]) -> str:
    values = ",".join(f"{k}={v:g}" for k, v in params.items()) or "default"
    return f"{name}-{values}-{shape[0]}x{shape[1]}"


def _cases(keep=lambda name: True) -> list:
    """The (name, params, shape) cases whose scheme passes ``keep``, as pytest params with readable ids."""
    return [pytest.param(n, p, s, id=_case_id(n, p, s)) for n, p, s in CASES if keep(n)]


def _family(name: str) -> str:
    return initcore.SCHEMES[name].family


@functools.cache
def _draws_cached(name: str, params_items: tuple, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    params = dict(params_items)
    scheme = initcore.SCHEMES[name]
    init = scheme.keras(seed=KERAS_SEED, **params)
    w_keras = np.asarray(keras.ops.convert_to_numpy(init(shape, dtype="float32")), dtype=np.float32)
    w_ic = initcore.sample(name, shape, seed=INITCORE_SEED, **params)
    for w in (w_keras, w_ic):
        w.setflags(write=False)
    return w_keras, w_ic


def _draws(name: str, params: dict, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(Keras draw, initcore draw) of ``shape``, cached: the std, bound and KS tests share them."""
    return _draws_cached(name, tuple(sorted(params.items())), tuple(shape))


def _std_tolerance(family: str, std: float, n: int) -> float:
    """N_SIGMA standard errors of the sample std of n i.i.d. draws with this std."""
    return N_SIGMA * std * math.sqrt((KURTOSIS_EXCESS[family] + 2.0) / (4.0 * n))


@pytest.mark.parametrize(("name", "params", "shape"), _cases())
def test_draws_have_the_shape_and_dtype_asked_for(name, params, shape):
    w_keras, w_ic = _draws(name, params, shape)
    assert w_keras.shape == w_ic.shape == shape, (
        f"keras {w_keras.shape}, initcore {w_ic.shape}, asked {shape}"
    )
    assert w_ic.dtype == np.float32, f"initcore dtype {w_ic.dtype}, expected float32 like Keras"
    assert np.isfinite(w_keras).all() and np.isfinite(w_ic).all(), "non-finite weights drawn"


@pytest.mark.parametrize(("name", "params", "shape"), _cases())
def test_sample_std_matches_formula(name, params, shape):
    scheme = initcore.SCHEMES[name]
    fan_in, fan_out = shape
    std = scheme.std(fan_in, fan_out, **params)
    w_keras, w_ic = _draws(name, params, shape)
    if scheme.family == "zeros":
        assert std == 0.0, f"zeros scheme std {std}"
        assert not w_keras.any(), f"keras Zeros drew {np.count_nonzero(w_keras)} nonzero values"
        assert not w_ic.any(), f"initcore zeros drew {np.count_nonzero(w_ic)} nonzero values"
        return
    if scheme.family == "orthogonal":
        # sum(Q**2) = min(m, n) exactly, so the RMS (not a statistic) is gain / sqrt(max(m, n)).
        for who, w in (("keras", w_keras), ("initcore", w_ic)):
            rms = float(np.sqrt(np.mean(np.square(w, dtype=np.float64))))
            assert rms == pytest.approx(std, rel=1e-5), f"{who} RMS {rms:.7g} vs formula {std:.7g}"
        return
    n = w_ic.size
    tol = _std_tolerance(scheme.family, std, n)
    for who, w in (("keras", w_keras), ("initcore", w_ic)):
        s = float(np.std(w, dtype=np.float64))
        assert abs(s - std) <= tol, (
            f"{who} sample std {s:.5g} vs formula {std:.5g} (|diff| {abs(s - std):.2g} > tol {tol:.2g}, "
            f"n={n})"
        )


@pytest.mark.parametrize(
    "name", [n for n, s in initcore.SCHEMES.items() if s.fan_based and s.std(*SHAPE) != s.std(*SHAPE[::-1])]
)
def test_std_check_would_catch_swapped_fans(name):
    """Power of the std test: the Keras draw at (300, 200) is rejected against std(200, 300)."""
    scheme = initcore.SCHEMES[name]
    wrong = scheme.std(*SHAPE[::-1])
    w_keras, _ = _draws(name, {}, SHAPE)
    s = float(np.std(w_keras, dtype=np.float64))
    tol = _std_tolerance(scheme.family, wrong, w_keras.size)
    assert abs(s - wrong) > tol, (
        f"keras sample std {s:.5g} is within tol {tol:.2g} of the swapped-fan std {wrong:.5g}: "
        "the std test could not tell fan_in from fan_out"
    )


@pytest.mark.parametrize(("name", "params", "shape"), _cases())
def test_draws_respect_the_bound(name, params, shape):
    scheme = initcore.SCHEMES[name]
    bound = scheme.bound(*shape, **params)
    w_keras, w_ic = _draws(name, params, shape)
    for who, w in (("keras", w_keras), ("initcore", w_ic)):
        top = float(np.max(np.abs(w)))
        assert top <= bound * (1.0 + 2.0 * EPS32), f"{who} max |w| {top!r} exceeds the bound {bound!r}"
        if scheme.family == "normal":
            # The untruncated normal has no bound; it must really draw beyond a truncated normal's
            # 2 std (P(|w| > 3 std) = 0.27 %, about 160 of 60000 draws).
            std = scheme.std(*shape, **params)
            assert top > 3.0 * std, f"{who} max |w| {top:.4g} <= 3 std = {3 * std:.4g}: looks truncated"


@pytest.mark.parametrize(
    ("name", "params", "shape"), _cases(lambda n: _family(n) in ("uniform", "truncnormal"))
)
def test_bounded_draws_reach_close_to_the_bound(name, params, shape):
    """max |w| must pass the quantile q with P(|w| > q) = 30 / n, so a too-small bound shows.

    (The orthogonal bound ``gain`` is a true but loose bound, never approached by a Haar matrix of this
    size: its orthogonality is checked exactly instead.)
    """
    scheme = initcore.SCHEMES[name]
    bound = scheme.bound(*shape, **params)
    w_keras, w_ic = _draws(name, params, shape)
    tail = EDGE_COUNT / w_ic.size
    if scheme.family == "uniform":
        q = bound * (1.0 - tail)
    else:  # |w| / s is a standard normal truncated to [0, 2]
        t = initcore.schemes.TRUNC_AT
        q = bound / t * float(stats.truncnorm(0.0, t).ppf(1.0 - tail))
    for who, w in (("keras", w_keras), ("initcore", w_ic)):
        top = float(np.max(np.abs(w)))
        assert top > q, f"{who} max |w| {top:.6g} <= {q:.6g} (bound {bound:.6g}): the bound is not reached"


@pytest.mark.parametrize(("name", "params", "shape"), _cases(lambda n: n != "zeros"))
def test_keras_and_initcore_draw_the_same_distribution(name, params, shape):
    w_keras, w_ic = _draws(name, params, shape)
    res = stats.ks_2samp(w_keras.ravel(), w_ic.ravel())
    assert res.pvalue > KS_ALPHA, (
        f"two-sample KS rejects keras vs initcore: D={res.statistic:.4g}, p={res.pvalue:.3g} (n={w_ic.size})"
    )


def test_ks_check_would_catch_a_wrong_fan():
    """Power of the KS test: He uniform (fan_in) vs Glorot uniform (fan_avg) at (300, 200) is rejected."""
    w_keras, _ = _draws("he_uniform", {}, SHAPE)
    _, w_ic = _draws("glorot_uniform", {}, SHAPE)
    res = stats.ks_2samp(w_keras.ravel(), w_ic.ravel())
    assert res.pvalue < KS_ALPHA, f"KS cannot tell limits differing by 9.5 %: D={res.statistic:.4g}"


@pytest.mark.parametrize(("name", "params", "shape"), _cases(lambda n: n == "orthogonal"))
def test_orthogonal_draws_are_orthogonal(name, params, shape):
    """All singular values equal gain: W^T W = gain^2 I (rows >= cols) or W W^T = gain^2 I."""
    gain = initcore.SCHEMES[name].scale(*shape, **params)
    w_keras, w_ic = _draws(name, params, shape)
    k = min(shape)
    for who, w in (("keras", w_keras), ("initcore", w_ic)):
        w64 = w.astype(np.float64)
        gram = w64.T @ w64 if shape[0] >= shape[1] else w64 @ w64.T
        err = float(np.max(np.abs(gram - gain**2 * np.eye(k))))
        assert err < 1e-5 * gain**2, f"{who}: max |gram - gain^2 I| = {err:.3g} (gain {gain})"


@pytest.mark.parametrize(
    ("name", "params"),
    [pytest.param(n, {}, id=n) for n in initcore.SCHEMES]
    + [pytest.param(n, p, id=_case_id(n, p, s)) for n, p, s in NON_DEFAULT if s == SHAPE],
)
def test_keras_spec_config_and_code_agree(name, params):
    scheme = initcore.SCHEMES[name]
    cls, kwargs = scheme.keras_spec(seed=1, **params)
    obj = scheme.keras(seed=1, **params)
    # Compare classes, not names: a Keras class may be exported under several aliases.
    assert type(obj) is getattr(keras.initializers, cls), (
        f"keras() built {type(obj).__name__}, keras_spec names keras.initializers.{cls}"
    )
    config = obj.get_config()
    for key, value in kwargs.items():
        assert key in config, f"{cls}: spec kwarg {key!r} missing from get_config() {config}"
        assert config[key] == value, f"{cls}: config[{key!r}] = {config[key]!r}, spec says {value!r}"
    # keras_code parses (no eval) to keras.initializers.<cls>(**kwargs) with the same literal values.
    code = scheme.keras_code(seed=1, **params)
    assert code.startswith("keras.initializers."), f"keras_code {code!r}"
    call = ast.parse(code, mode="eval").body
    assert isinstance(call, ast.Call) and not call.args, f"keras_code {code!r} is not a keyword-only call"
    assert ast.unparse(call.func) == f"keras.initializers.{cls}", f"keras_code {code!r} calls another class"
    parsed = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    assert parsed == kwargs, f"keras_code kwargs {parsed} vs keras_spec kwargs {kwargs}"


@pytest.mark.parametrize("name", list(initcore.SCHEMES))
def test_keras_config_round_trip_draws_the_same_values(name):
    obj = initcore.SCHEMES[name].keras(seed=3)
    clone = type(obj).from_config(obj.get_config())
    a = keras.ops.convert_to_numpy(obj((30, 20)))
    b = keras.ops.convert_to_numpy(clone((30, 20)))
    assert np.array_equal(a, b), (
        f"{name}: from_config(get_config()) draws differ, max |diff| {np.abs(a - b).max()}"
    )


@pytest.mark.parametrize("name", [n for n in initcore.SCHEMES if n != "zeros"])
def test_seeded_keras_initializer_repeats_itself(name):
    """Keras 3 behaviour the app relies on: an initializer built with an int seed returns the same values
    on every call (it does not advance a generator), and a different seed gives different values."""
    scheme = initcore.SCHEMES[name]
    init = scheme.keras(seed=5)
    first = keras.ops.convert_to_numpy(init((30, 20)))
    second = keras.ops.convert_to_numpy(init((30, 20)))
    assert np.array_equal(first, second), (
        f"{name}: two calls of one seeded initializer differ, max |diff| {np.abs(first - second).max():.3g}"
    )
    other = keras.ops.convert_to_numpy(scheme.keras(seed=6)((30, 20)))
    assert not np.array_equal(first, other), f"{name}: seeds 5 and 6 drew identical weights"


def test_initcore_sample_is_seeded():
    """The initcore side of the same promise: the same seed gives the same array, another seed another."""
    a = initcore.sample("glorot_uniform", SHAPE, seed=9)
    b = initcore.sample("glorot_uniform", SHAPE, seed=9)
    c = initcore.sample("glorot_uniform", SHAPE, seed=10)
    assert np.array_equal(a, b), f"same seed, max |diff| {np.abs(a - b).max():.3g}"
    assert not np.array_equal(a, c), "seeds 9 and 10 drew identical weights"

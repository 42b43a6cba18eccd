"""Every scheme draws what its formula says: std, mean, bounds, density, seeds, shapes and errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import initcore
from initcore.schemes import TRUNC_MASS_2SIGMA, TRUNC_STD_2SIGMA, check_seed, check_shape, compute_fans

FAN_IN, FAN_OUT = 400, 300  # non-square, so fan_in / fan_out / fan_avg mix-ups show
N = FAN_IN * FAN_OUT
REQUIRED = [
    "uniform",
    "normal",
    "truncated_normal",
    "standard",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    "zeros",
]
# Var(W) of each fan-based scheme at (FAN_IN, FAN_OUT), written out from the papers / Keras docs.
EXPECTED_VAR = {
    "standard": 1 / (3 * FAN_IN),
    "glorot_uniform": 2 / (FAN_IN + FAN_OUT),
    "glorot_normal": 2 / (FAN_IN + FAN_OUT),
    "glorot_uniform_x4": 32 / (FAN_IN + FAN_OUT),
    "he_uniform": 2 / FAN_IN,
    "he_normal": 2 / FAN_IN,
    "lecun_uniform": 1 / FAN_IN,
    "lecun_normal": 1 / FAN_IN,
    "uniform": 0.1**2 / 3,
    "normal": 0.1**2,
    "truncated_normal": (0.1 * TRUNC_STD_2SIGMA) ** 2,
    "orthogonal": 1 / max(FAN_IN, FAN_OUT),
    "zeros": 0.0,
}


def test_registry_has_the_required_schemes_in_order():
    names = list(initcore.SCHEMES)
    assert names[: len(REQUIRED)] != [], "registry is empty"
    missing = [n for n in REQUIRED if n not in names]
    assert not missing, f"missing schemes: {missing}"
    assert names[:2] == ["uniform", "normal"], f"the lesson's two schemes come first, got {names[:2]}"


@pytest.mark.parametrize("name", list(initcore.SCHEMES))
def test_every_scheme_documents_itself(name):
    s = initcore.SCHEMES[name]
    for attr in ("label", "formula", "preserves", "reference"):
        assert getattr(s, attr).strip(), f"{name}.{attr} is empty"
    assert s.formula in s.doc and s.reference in s.doc, f"{name}.doc does not carry formula and reference"
    assert s.family in initcore.schemes.FAMILIES, f"{name} has unknown family {s.family!r}"


def test_truncation_constants_match_their_derivation():
    # std of N(0,1) on [-2, 2]: Var = 1 - 2 a phi(a) / (2 Phi(a) - 1) at a = 2.
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert pytest.approx(mass, rel=1e-15) == TRUNC_MASS_2SIGMA
    var = 1 - 2 * 2 * phi2 / mass
    assert math.sqrt(var) == pytest.approx(TRUNC_STD_2SIGMA, rel=1e-12), (
        f"derived {math.sqrt(var)} vs constant {TRUNC_STD_2SIGMA}"
    )


@pytest.mark.parametrize("name", list(initcore.SCHEMES))
def test_std_formula_matches_the_papers(name):
    s = initcore.SCHEMES[name]
    expected = math.sqrt(EXPECTED_VAR[name])
    assert s.std(FAN_IN, FAN_OUT) == pytest.approx(expected, rel=1e-12), (
        f"{name}: std() {s.std(FAN_IN, FAN_OUT)} vs formula {expected}"
    )
    assert initcore.sigma_w2(name, FAN_IN, FAN_OUT) == pytest.approx(FAN_IN * expected**2, rel=1e-12)


@pytest.mark.parametrize("name", list(initcore.SCHEMES))
def test_sample_std_and_mean_agree_with_std(name):
    s = initcore.SCHEMES[name]
    w = initcore.sample(name, (FAN_IN, FAN_OUT), seed=11)
    assert w.shape == (FAN_IN, FAN_OUT) and w.dtype == np.float32
    std = s.std(FAN_IN, FAN_OUT)
    sample_std = float(np.sqrt(np.mean(w.astype(np.float64) ** 2)))
    if s.family in ("orthogonal", "zeros"):
        # Not statistical: sum(Q^2) = min(m, n) exactly for orthonormal columns or rows.
        assert sample_std == pytest.approx(std, rel=1e-5, abs=1e-12), f"{name}: rms {sample_std} vs {std}"
        return
    # All these families have excess kurtosis <= 0, so sd(sample std) <= std / sqrt(2 N); allow 6 sd.
    tol = 6 * std / math.sqrt(2 * N)
    assert abs(sample_std - std) < tol, (
        f"{name}: sample std {sample_std:.5f} vs formula {std:.5f} (tol {tol:.5f})"
    )
    mean_tol = 6 * std / math.sqrt(N)
    assert abs(float(w.mean(dtype=np.float64))) < mean_tol, f"{name}: sample mean {w.mean():.2e} not ~0"


@pytest.mark.parametrize("name", list(initcore.SCHEMES))
def test_draws_stay_within_the_bound_and_reach_it(name):
    s = initcore.SCHEMES[name]
    w = initcore.sample(name, (FAN_IN, FAN_OUT), seed=5)
    bound = s.bound(FAN_IN, FAN_OUT)
    top = float(np.abs(w).max())
    assert top <= bound * (1 + 1e-6), f"{name}: max |w| {top} beyond bound {bound}"
    if s.family in ("uniform", "truncnormal"):
        assert top > 0.99 * bound, f"{name}: max |w| {top} never approaches bound {bound}"
    if s.family == "normal":
        # Beyond 2 std: 4.55% of an untruncated normal, about 5460 of 120000 draws.
        share = float(np.mean(np.abs(w) > 2 * s.std(FAN_IN, FAN_OUT)))
        assert abs(share - (1 - TRUNC_MASS_2SIGMA)) < 6 * math.sqrt(0.0455 / N), f"share beyond 2 std {share}"


@pytest.mark.parametrize("name", ["truncated_normal", "glorot_normal", "he_normal", "lecun_normal"])
def test_truncated_schemes_never_exceed_two_std_of_the_untruncated_normal(name):
    s = initcore.SCHEMES[name]
    w = initcore.sample(name, (FAN_IN, FAN_OUT), seed=2)
    cut = 2 * s.std(FAN_IN, FAN_OUT) / TRUNC_STD_2SIGMA
    assert float(np.abs(w).max()) <= cut * (1 + 1e-6), f"{name}: {np.abs(w).max()} beyond {cut}"


@pytest.mark.parametrize("name", [n for n in initcore.SCHEMES if n != "zeros"])
def test_density_is_a_probability_density_with_the_right_variance(name):
    s = initcore.SCHEMES[name]
    bound = s.bound(FAN_IN, FAN_OUT)
    reach = bound if math.isfinite(bound) else 10 * s.std(FAN_IN, FAN_OUT)
    grid = np.linspace(-reach, reach, 400_001)
    pdf = s.density(grid, FAN_IN, FAN_OUT)
    assert pdf is not None, f"{name} has a density"
    mass = np.trapezoid(pdf, grid)
    var = np.trapezoid(pdf * grid**2, grid)
    assert mass == pytest.approx(1.0, abs=2e-3), f"{name}: density integrates to {mass}"
    assert var == pytest.approx(s.std(FAN_IN, FAN_OUT) ** 2, rel=5e-3), f"{name}: density variance {var}"


def test_density_matches_a_histogram_of_draws():
    s = initcore.SCHEMES["truncated_normal"]
    w = initcore.sample("truncated_normal", (FAN_IN, FAN_OUT), seed=9).astype(np.float64)
    counts, edges = np.histogram(w, bins=40, range=(-0.2, 0.2))
    centres = (edges[1:] + edges[:-1]) / 2
    expected = s.density(centres, FAN_IN, FAN_OUT) * N * (edges[1] - edges[0])
    # Poisson noise: each bin within 6 sd of its expected count (edge bins straddle the cut: skip them).
    inner = slice(1, -1)
    z = (counts[inner] - expected[inner]) / np.sqrt(expected[inner])
    assert np.abs(z).max() < 6, f"histogram departs from density: worst z = {np.abs(z).max():.1f}"


def test_zeros_is_all_zeros_without_a_density():
    w = initcore.sample("zeros", (7, 3), seed=0)
    assert not w.any(), "zeros drew a nonzero"
    assert initcore.SCHEMES["zeros"].density(np.zeros(3), 7, 3) is None


def test_parameters_change_the_draws_as_stated():
    w = initcore.sample("uniform", (200, 200), seed=0, limit=0.3)
    assert float(np.abs(w).max()) <= 0.3 and float(np.abs(w).max()) > 0.299
    w = initcore.sample("normal", (200, 200), seed=0, std=2.0)
    assert float(w.std()) == pytest.approx(2.0, rel=6 / math.sqrt(2 * 40_000))
    w = initcore.sample("orthogonal", (50, 80), seed=0, gain=3.0)
    np.testing.assert_allclose(
        w @ w.T, 9.0 * np.eye(50), atol=1e-4, err_msg="rows not orthogonal with gain 3"
    )
    w = initcore.sample("orthogonal", (80, 50), seed=0)
    np.testing.assert_allclose(w.T @ w, np.eye(50), atol=1e-5, err_msg="columns not orthonormal")


def test_same_seed_same_numbers_other_seed_other_numbers():
    for name in initcore.SCHEMES:
        a = initcore.sample(name, (30, 20), seed=42)
        b = initcore.sample(name, (30, 20), seed=42)
        np.testing.assert_array_equal(a, b, err_msg=f"{name} not reproducible")
        if name != "zeros":
            c = initcore.sample(name, (30, 20), seed=43)
            assert not np.array_equal(a, c), f"{name}: seeds 42 and 43 drew the same weights"


def test_fans_follow_keras_rules():
    assert compute_fans(()) == (1, 1)
    assert compute_fans((5,)) == (5, 5)
    assert compute_fans((5, 7)) == (5, 7)
    assert compute_fans((3, 3, 4, 8)) == (36, 72), "conv kernel fans multiply by the receptive field"
    # A 3-D draw uses conv fans, exactly Keras's behaviour (and the trap the guide warns about).
    w = initcore.sample("glorot_uniform", (4, 30, 20), seed=0)
    limit = math.sqrt(6 / (4 * 30 + 4 * 20))
    assert w.shape == (4, 30, 20) and float(np.abs(w).max()) <= limit


def test_shapes_of_every_rank():
    assert initcore.sample("normal", 5, seed=0).shape == (5,)
    assert initcore.sample("normal", (), seed=0).shape == ()
    assert initcore.sample("uniform", (0, 4), seed=0).shape == (0, 4)
    assert initcore.sample("he_normal", (2, 3, 4), seed=0).shape == (2, 3, 4)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: initcore.sample("xavier", (2, 2), seed=0), "scheme must be one of"),
        (lambda: initcore.sample("uniform", (2, 2), seed=0, std=1.0), "unknown parameter 'std'"),
        (lambda: initcore.sample("uniform", (2, 2), seed=0, limit=-1), "limit must be in [0, 1e+06], got -1"),
        (lambda: initcore.sample("normal", (2, 2), seed=0, std=float("nan")), "std must be in"),
        (lambda: initcore.sample("normal", (2, 2), seed=0, std="0.1"), "std must be a number, got '0.1'"),
        (lambda: initcore.sample("normal", (2, 2), seed=-1), "seed must be a non-negative integer, got -1"),
        (lambda: initcore.sample("normal", (2, 2), seed=1.5), "seed must be a non-negative integer"),
        (lambda: initcore.sample("normal", (2, -2), seed=0), "shape must be a tuple"),
        (lambda: initcore.sample("orthogonal", (4,), seed=0), "at least 2 dimensions"),
        (lambda: initcore.SCHEMES["glorot_uniform"].std(0, 3), "fan_in must be a positive integer, got 0"),
        (lambda: initcore.sample("glorot_uniform", (2, 2), seed=0, gain=1), "allowed: none"),
    ],
)
def test_bad_arguments_raise_value_errors_that_name_them(call, fragment):
    with pytest.raises(ValueError) as err:
        call()
    assert fragment in str(err.value), f"message {str(err.value)!r} lacks {fragment!r}"


def test_keras_code_is_ready_to_copy():
    code = initcore.SCHEMES["uniform"].keras_code(seed=3)
    assert code == "keras.initializers.RandomUniform(minval=-0.1, maxval=0.1, seed=3)", code
    code = initcore.SCHEMES["normal"].keras_code(seed=0, std=0.5)
    assert code == "keras.initializers.RandomNormal(mean=0.0, stddev=0.5, seed=0)", code
    assert initcore.SCHEMES["zeros"].keras_code(seed=1) == "keras.initializers.Zeros()"


def test_short_labels_show_parameters():
    assert initcore.SCHEMES["uniform"].short_label() == "U[-0.1, 0.1]"
    assert initcore.SCHEMES["normal"].short_label(std=1) == "N(0, 1²)"
    assert initcore.SCHEMES["glorot_uniform"].short_label() == "Glorot (Xavier) uniform"


FAN_BASED = [
    "standard",
    "glorot_uniform",
    "glorot_normal",
    "glorot_uniform_x4",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
]
FORMULA = re.compile(
    r"W ~ (?:(?P<uniform>U\[-limit, limit\])|N\(0, s\^2\)(?: truncated at (?P<cut>[\d.]+) s)?), "
    r"(?:limit|s) = (?P<scale>[^,]+), Var\(W\) = (?P<var>.+)"
)
# The formulas print TRUNC_STD_2SIGMA to 4 decimals, which moves what they say by at most this, relatively.
ROUNDED_TRUNC = 0.5e-4 / 0.8796


def _evaluate(expr: str, fan_in: int, fan_out: int) -> float:
    """A formula's expression as written (``sqrt(6 / (fan_in + fan_out))``, ``4 sqrt(...)``,
    ``1 / (3 fan_in)``), evaluated: a number followed by a name or "(" multiplies it."""
    python = re.sub(r"(\d)\s+(?=[a-z(])", r"\1 * ", expr)
    assert re.fullmatch(r"[\d.\s()+*/a-z_]+", python), f"unexpected text in {expr!r}"
    return float(
        eval(python, {"__builtins__": {}}, {"sqrt": math.sqrt, "fan_in": fan_in, "fan_out": fan_out})
    )


def test_the_fan_based_schemes_are_the_table():
    names = [n for n, s in initcore.SCHEMES.items() if s.fan_based]
    assert names == FAN_BASED, names
    assert not [n for n, s in initcore.SCHEMES.items() if s.fan_based and s.params], "presets take no params"
    assert check_seed is initcore.checks.check_seed and check_shape is initcore.checks.check_shape


@pytest.mark.parametrize("name", FAN_BASED)
@pytest.mark.parametrize(("fan_in", "fan_out"), [(1, 1), (3, 5), (400, 300), (784, 10)])
def test_generated_formula_says_what_std_and_bound_compute(name, fan_in, fan_out):
    s = initcore.SCHEMES[name]
    m = FORMULA.fullmatch(s.formula)
    assert m, f"{name}: formula {s.formula!r} has an unknown form"
    std, bound = s.std(fan_in, fan_out), s.bound(fan_in, fan_out)
    var = _evaluate(m["var"], fan_in, fan_out)
    assert var == pytest.approx(std**2, rel=1e-12), f"{name}: formula Var(W) {var} vs std()^2 {std**2}"
    scale = _evaluate(m["scale"], fan_in, fan_out)
    if m["uniform"]:
        assert scale == pytest.approx(bound, rel=1e-12), f"{name}: formula limit {scale} vs bound() {bound}"
        assert scale**2 / 3 == pytest.approx(var, rel=1e-12), f"{name}: Var(U[-limit, limit]) != Var(W)"
    elif m["cut"]:
        cut = float(m["cut"]) * scale
        assert cut == pytest.approx(bound, rel=ROUNDED_TRUNC), f"{name}: formula cut {cut} vs bound() {bound}"
        assert scale * TRUNC_STD_2SIGMA == pytest.approx(std, rel=ROUNDED_TRUNC), (
            f"{name}: std after truncation {scale * TRUNC_STD_2SIGMA} vs std() {std}"
        )
    else:
        assert scale == pytest.approx(std, rel=1e-12) and bound == math.inf, f"{name}: {scale} vs {std}"

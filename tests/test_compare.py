"""Side-by-side comparisons (page 1's data): exact moments against large samples, sample summaries against
hand computation, matched parameters, the comparison frames, inputs, zone shares and the plotting helpers.

Statistical checks allow K standard errors, each derived from the sample size (and, where the sample's
own spread is needed, from the sample: the standard error of a moment is the std of its influence
function over sqrt(n)). With K = 5 a single correct check fails with probability below 1e-6, and every
seed is fixed, so the outcome is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import initcore
from initcore.activations import gaussian_zone_shares, zone_of
from initcore.compare import NEURON_BATCH, NEURON_UNITS
from initcore.schemes import TRUNC_MASS_2SIGMA
from initcore.stats import SUMMARY_KEYS

K = 5.0  # standard errors allowed by every statistical check
FAN_IN, FAN_OUT = 300, 200  # non-square, so fan_in / fan_out / max-fan mix-ups show
N_MC = 4 * FAN_IN * FAN_OUT  # 240,000 draws: four whole (300, 200) orthogonal frames
SCHEME_NAMES = list(initcore.SCHEMES)
NONZERO = [n for n, s in initcore.SCHEMES.items() if s.family != "zeros"]
WITH_PARAM = [n for n, s in initcore.SCHEMES.items() if s.params]
INPUT_MEAN = {"normal": 0.0, "uniform01": 0.5, "sigmoid": 0.5}  # E[x]; sigmoid(u) is symmetric about 1/2


def _same(a: float, b: float) -> bool:
    """Equal, or both NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def _moment_ses(v: np.ndarray) -> tuple[float, float]:
    """Standard errors of the sample variance and of the sample excess kurtosis m4 / m2^2 - 3 (delta method:
    std of the influence function over sqrt(n); the mean's influence vanishes for symmetric laws)."""
    d = v - v.mean()
    d2 = d * d
    m2, m4 = d2.mean(), (d2 * d2).mean()
    se_var = float((d2 - m2).std() / math.sqrt(v.size))
    infl = (d2 * d2 - m4) / m2**2 - 2.0 * m4 * (d2 - m2) / m2**3
    return se_var, float(infl.std() / math.sqrt(v.size))


def _trapezoid_moments(x: np.ndarray, pdf: np.ndarray) -> tuple[float, float, float]:
    """(mass, E[x^2], E[x^4]) of an unnormalized density on a grid, by the trapezoid rule."""
    mass = np.trapezoid(pdf, x)
    return float(mass), float(np.trapezoid(x**2 * pdf, x) / mass), float(np.trapezoid(x**4 * pdf, x) / mass)


# --- 1. Scheme.theory against Monte Carlo and against closed forms computed here ---------------------


@pytest.mark.parametrize("name", NONZERO)
def test_theory_matches_a_large_sample(name):
    th = initcore.SCHEMES[name].theory(FAN_IN, FAN_OUT)
    assert set(th) == set(SUMMARY_KEYS), f"{name}: theory keys {sorted(th)}"
    v = initcore.sample_values(name, N_MC, fan_in=FAN_IN, fan_out=FAN_OUT, seed=11).astype(np.float64)
    n, sd = v.size, th["std"]
    se_var, se_kurt = _moment_ses(v)

    assert th["mean"] == 0.0, f"{name}: theory mean {th['mean']}"
    assert abs(v.mean()) <= K * sd / math.sqrt(n), f"{name}: sample mean {v.mean():.3g}, std {sd:.4g}"
    assert th["var"] == pytest.approx(sd**2, rel=1e-14), f"{name}: var {th['var']} != std^2 {sd**2}"
    assert abs(v.var() - th["var"]) <= K * se_var, (
        f"{name}: sample var {v.var():.6g} vs theory {th['var']:.6g}, SE {se_var:.3g}"
    )
    se_std = se_var / (2 * sd)
    assert abs(v.std() - sd) <= K * se_std, f"{name}: sample std {v.std():.6g} vs {sd:.6g}, SE {se_std:.3g}"

    g2 = float(np.mean((v - v.mean()) ** 4) / v.var() ** 2 - 3)
    assert abs(g2 - th["excess_kurtosis"]) <= K * se_kurt, (
        f"{name}: sample excess kurtosis {g2:.4f} vs theory {th['excess_kurtosis']:.4f}, SE {se_kurt:.4f}"
    )

    # P(|w| > 2 std) at the exact std: a plain proportion, SE sqrt(p (1 - p) / n) (+ one count).
    p = th["beyond_2std"]
    p_hat = float(np.mean(np.abs(v) > 2 * sd))
    tol = K * math.sqrt(p * (1 - p) / n) + 1 / n
    assert abs(p_hat - p) <= tol, f"{name}: share beyond 2 std {p_hat:.5f} vs theory {p:.5f} (tol {tol:.2g})"

    # Bounds: nothing beyond them (float32 rounding of the scale allowed), and min = -max.
    assert th["min"] == -th["max"], f"{name}: min {th['min']} max {th['max']}"
    slack = 1 + 1e-6
    assert v.max() <= th["max"] * slack and v.min() >= th["min"] * slack, (
        f"{name}: sample range [{v.min():.6g}, {v.max():.6g}] outside [{th['min']:.6g}, {th['max']:.6g}]"
    )


@pytest.mark.parametrize("name", [n for n in NONZERO if initcore.SCHEMES[n].family != "orthogonal"])
def test_theory_bound_is_reached_by_a_large_sample(name):
    """A finite bound is tight: with density at least f (per unit of the bound) next to it, no draw within
    delta of it has probability (1 - f delta)^n <= exp(-30) for delta = 30 / (f n). A normal has tails:
    no draw above 3.5 std has probability (1 - p)^n <= exp(-56), p = erfc(3.5 / sqrt 2) / 2 = 2.3e-4."""
    scheme = initcore.SCHEMES[name]
    th = scheme.theory(FAN_IN, FAN_OUT)
    v = initcore.sample_values(name, N_MC, fan_in=FAN_IN, fan_out=FAN_OUT, seed=12).astype(np.float64)
    edge_density = {  # density of w / bound at the bound, one side
        "uniform": 0.5,
        "truncnormal": 2 * math.exp(-2.0) / math.sqrt(2 * math.pi) / TRUNC_MASS_2SIGMA,
    }
    if scheme.family == "normal":
        assert th["max"] == math.inf and th["min"] == -math.inf, f"{name}: {th['min']}, {th['max']}"
        assert v.max() > 3.5 * th["std"] and v.min() < -3.5 * th["std"], (
            f"{name}: range [{v.min():.4g}, {v.max():.4g}] has no tails beyond 3.5 std {3.5 * th['std']:.4g}"
        )
        return
    delta = 30 / (edge_density[scheme.family] * v.size)
    assert v.max() >= th["max"] * (1 - delta) and v.min() <= th["min"] * (1 - delta), (
        f"{name}: range [{v.min():.6g}, {v.max():.6g}] misses the bound {th['max']:.6g} (delta {delta:.2g})"
    )


def test_uniform_family_excess_kurtosis_is_minus_six_fifths():
    x = np.linspace(-1, 1, 200_001)
    _, m2, m4 = _trapezoid_moments(x, np.ones_like(x))
    assert m4 / m2**2 - 3 == pytest.approx(-6 / 5, abs=1e-8), f"integrated uniform kurtosis {m4 / m2**2 - 3}"
    for name, s in initcore.SCHEMES.items():
        if s.family == "uniform":
            th = s.theory(FAN_IN, FAN_OUT)
            assert th["excess_kurtosis"] == pytest.approx(-6 / 5, abs=1e-15), f"{name}: {th}"
            # 2 std = 2 limit / sqrt(3) > limit: nothing is beyond.
            assert th["beyond_2std"] == 0.0, f"{name}: {th}"
            assert th["max"] == pytest.approx(math.sqrt(3) * th["std"], rel=1e-14), f"{name}: {th}"


def test_truncated_normal_moments_by_numerical_integration():
    x = np.linspace(-2, 2, 400_001)  # N(0, 1) truncated at 2 (its std before truncation)
    pdf = np.exp(-0.5 * x**2)
    mass, m2, m4 = _trapezoid_moments(x, pdf)
    kurt = m4 / m2**2 - 3
    t = 2 * math.sqrt(m2)  # 2 std after truncation
    beyond = float(np.trapezoid(np.where(np.abs(x) > t, pdf, 0.0), x) / mass)
    assert mass / math.sqrt(2 * math.pi) == pytest.approx(math.erf(math.sqrt(2)), rel=1e-9), "grid too coarse"
    names = [n for n, s in initcore.SCHEMES.items() if s.family == "truncnormal"]
    assert len(names) >= 4, f"truncated-normal schemes: {names}"
    for name in names:
        scheme = initcore.SCHEMES[name]
        th = scheme.theory(FAN_IN, FAN_OUT)
        s = scheme.scale(FAN_IN, FAN_OUT)
        assert th["excess_kurtosis"] == pytest.approx(kurt, abs=1e-8), f"{name}: {th} vs integrated {kurt}"
        assert th["std"] == pytest.approx(s * math.sqrt(m2), rel=1e-8), f"{name}: std {th['std']} vs {m2}"
        assert th["max"] == pytest.approx(2 * s, rel=1e-14), f"{name}: max {th['max']} vs 2 s = {2 * s}"
        # the step at |x| = t makes the trapezoid rule accurate to about one grid step of density
        assert th["beyond_2std"] == pytest.approx(beyond, abs=2e-5), f"{name}: {th} vs integrated {beyond}"


@pytest.mark.parametrize("fans", [(300, 200), (200, 300), (7, 50), (3, 3), (5, 2)])
def test_orthogonal_kurtosis_and_tail_from_the_sphere_marginal(fans):
    """One entry of a uniform unit vector in R^m has density proportional to (1 - x^2)^((m - 3) / 2)."""
    m = max(fans)
    th = initcore.SCHEMES["orthogonal"].theory(*fans, gain=1.5)
    assert th["excess_kurtosis"] == pytest.approx(-6 / (m + 2), rel=1e-14), f"fans {fans}: {th}"
    assert th["std"] == pytest.approx(1.5 / math.sqrt(m), rel=1e-14), f"fans {fans}: {th}"
    assert (th["min"], th["max"]) == (-1.5, 1.5), f"fans {fans}: {th}"
    x = np.linspace(-1, 1, 400_001)
    pdf = (1 - x**2) ** ((m - 3) / 2)
    mass, m2, m4 = _trapezoid_moments(x, pdf)
    assert m2 == pytest.approx(1 / m, rel=1e-6), f"fans {fans}: integrated E[x^2] {m2} vs 1/m"
    assert m4 / m2**2 - 3 == pytest.approx(-6 / (m + 2), abs=1e-6), f"fans {fans}: integrated kurtosis"
    t = 2 / math.sqrt(m)
    beyond = float(np.trapezoid(np.where(np.abs(x) > t, pdf, 0.0), x) / mass)
    assert th["beyond_2std"] == pytest.approx(beyond, abs=1e-5), f"fans {fans}: {th} vs integrated {beyond}"


def test_orthogonal_one_by_one_is_plus_or_minus_gain():
    th = initcore.SCHEMES["orthogonal"].theory(1, 1, gain=2.0)
    v = initcore.sample_values("orthogonal", 50, fan_in=1, fan_out=1, seed=3, gain=2.0)
    assert set(np.abs(v).tolist()) == {2.0}, f"1x1 orthogonal draws {np.unique(v)}"
    assert th["excess_kurtosis"] == pytest.approx(-2.0, rel=1e-14), f"{th}: +-g has kurtosis 1 - 3 = -2"
    assert th["beyond_2std"] == 0.0 and th["std"] == 2.0, f"{th}"


def test_normal_closed_forms():
    th = initcore.SCHEMES["normal"].theory(FAN_IN, FAN_OUT, std=0.3)
    expected = {"mean": 0.0, "std": 0.3, "min": -math.inf, "max": math.inf, "excess_kurtosis": 0.0}
    assert {k: th[k] for k in expected} == expected, f"{th}"
    assert th["var"] == pytest.approx(0.09, rel=1e-14), f"{th}"
    assert th["beyond_2std"] == pytest.approx(math.erfc(math.sqrt(2)), rel=1e-14), f"{th}"
    assert th["beyond_2std"] == pytest.approx(0.0455, abs=5e-5), f"{th}"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("zeros", {}),
        ("uniform", {"limit": 0.0}),
        ("truncated_normal", {"std": 0.0}),
        ("orthogonal", {"gain": 0.0}),
        ("normal", {"std": 0.0}),
    ],
)
def test_degenerate_theory_has_nan_kurtosis_and_nothing_beyond(name, params):
    th = initcore.SCHEMES[name].theory(FAN_IN, FAN_OUT, **params)
    assert math.isnan(th["excess_kurtosis"]), f"{name} {params}: {th}"
    assert {k: th[k] for k in ("mean", "std", "var", "min", "max", "beyond_2std")} == dict.fromkeys(
        ("mean", "std", "var", "min", "max", "beyond_2std"), 0.0
    ), f"{name} {params}: {th}"
    v = initcore.sample_values(name, 1000, fan_in=FAN_IN, fan_out=FAN_OUT, seed=0, **params)
    assert not np.any(v), f"{name} {params} drew non-zero values {v[v != 0][:5]}"


# --- 2. sample_values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEME_NAMES)
def test_sample_values_shape_dtype_and_seed(name):
    a = initcore.sample_values(name, 1001, fan_in=FAN_IN, fan_out=FAN_OUT, seed=7)
    b = initcore.sample_values(name, 1001, fan_in=FAN_IN, fan_out=FAN_OUT, seed=7)
    c = initcore.sample_values(name, 1001, fan_in=FAN_IN, fan_out=FAN_OUT, seed=8)
    assert a.shape == (1001,) and a.dtype == np.float32, f"{name}: {a.shape} {a.dtype}"
    np.testing.assert_array_equal(a, b, err_msg=f"{name}: same seed, different values")
    if name != "zeros":
        assert not np.array_equal(a, c), f"{name}: seeds 7 and 8 drew the same values"
    empty = initcore.sample_values(name, 0, fan_in=FAN_IN, fan_out=FAN_OUT, seed=7)
    assert empty.shape == (0,) and empty.dtype == np.float32, f"{name}: n=0 gave {empty.shape} {empty.dtype}"


@pytest.mark.parametrize("name", NONZERO)
def test_sample_values_scale_follows_the_fans_like_sample(name):
    """Same fans, same scale: std of n = fan_in * fan_out values vs std of a (fan_in, fan_out) matrix from
    another seed; the difference of two independent sample stds has SE sqrt(2) * SE(std)."""
    n = FAN_IN * FAN_OUT
    v = initcore.sample_values(name, n, fan_in=FAN_IN, fan_out=FAN_OUT, seed=21).astype(np.float64)
    w = initcore.sample(name, (FAN_IN, FAN_OUT), seed=22).astype(np.float64).ravel()
    sd = initcore.SCHEMES[name].std(FAN_IN, FAN_OUT)
    se_std = _moment_ses(w)[0] / (2 * sd)
    assert abs(v.std() - w.std()) <= K * math.sqrt(2) * se_std, (
        f"{name}: std {v.std():.6g} (sample_values) vs {w.std():.6g} (sample), SE {se_std:.3g}"
    )
    assert abs(v.std() - sd) <= K * se_std, f"{name}: std {v.std():.6g} vs exact {sd:.6g}"


def test_sample_values_scale_comes_from_the_fans_not_from_n():
    n = 100_000
    for fans, expected in (((50, 7), math.sqrt(2 / 50)), ((7, 50), math.sqrt(2 / 7))):
        v = initcore.sample_values("he_uniform", n, fan_in=fans[0], fan_out=fans[1], seed=4).astype(
            np.float64
        )
        se_std = _moment_ses(v)[0] / (2 * expected)
        assert abs(v.std() - expected) <= K * se_std, f"fans {fans}: std {v.std():.5g} vs {expected:.5g}"


@pytest.mark.parametrize(("fans", "gain"), [((300, 200), 1.0), ((200, 300), 2.0), ((40, 40), 0.5)])
def test_orthogonal_values_come_from_whole_orthonormal_frames(fans, gain):
    """Enough values for whole layers come as (m, min fan) frames, m = max fan, with orthonormal columns
    (a layer or its transpose), frame after frame, each frame drawn afresh."""
    m, k = max(fans), min(fans)
    per = m * k
    v = initcore.sample_values("orthogonal", 2 * per + 7, fan_in=fans[0], fan_out=fans[1], seed=5, gain=gain)
    assert v.shape == (2 * per + 7,) and v.dtype == np.float32, f"{v.shape} {v.dtype}"
    frames = [v[:per].reshape(m, k).astype(np.float64), v[per : 2 * per].reshape(m, k).astype(np.float64)]
    for i, q in enumerate(frames):
        err = float(np.abs(q.T @ q - gain**2 * np.eye(k)).max())
        assert err < 1e-5 * gain**2, (
            f"fans {fans}: frame {i} is not gain * orthonormal, max |G - g^2 I| = {err:.3g}"
        )
    assert not np.allclose(frames[0], frames[1]), f"fans {fans}: the two frames are the same"
    one = initcore.sample_values("orthogonal", per, fan_in=fans[0], fan_out=fans[1], seed=6, gain=gain)
    q = one.reshape(m, k).astype(np.float64)
    err = float(np.abs(q.T @ q - gain**2 * np.eye(k)).max())
    assert err < 1e-5 * gain**2, f"fans {fans}: n = fan_in * fan_out is not one orthonormal frame ({err:.3g})"


# --- 3. sample_summary -----------------------------------------------------------------------------------


def test_sample_summary_by_hand():
    # [1, 2, 3, 4]: mean 2.5; deviations +-1.5, +-0.5; m2 = (2 * 2.25 + 2 * 0.25) / 4 = 1.25;
    # m4 = (2 * 5.0625 + 2 * 0.0625) / 4 = 2.5625; kurtosis 2.5625 / 1.5625 - 3 = -1.36;
    # |w| > 2 sqrt(1.25) = 2.236: the values 3 and 4, so 1/2.
    got = initcore.sample_summary(np.array([1, 2, 3, 4], dtype=np.float32))
    expected = {
        "mean": 2.5,
        "std": math.sqrt(1.25),
        "var": 1.25,
        "min": 1.0,
        "max": 4.0,
        "excess_kurtosis": -1.36,
        "beyond_2std": 0.5,
    }
    assert list(got) == list(SUMMARY_KEYS), f"keys {list(got)}"
    for k, e in expected.items():
        assert got[k] == pytest.approx(e, rel=1e-14, abs=1e-15), f"{k}: {got[k]} vs hand-computed {e}"
        assert type(got[k]) is float, f"{k} is {type(got[k])}"
    # [[-2, 0], [0, 2]] (2-D is flattened): mean 0, m2 = 2, m4 = 8, kurtosis 8 / 4 - 3 = -1, none beyond 2.83
    got = initcore.sample_summary(np.array([[-2.0, 0.0], [0.0, 2.0]]))
    assert (got["mean"], got["var"], got["excess_kurtosis"], got["beyond_2std"]) == pytest.approx(
        (0.0, 2.0, -1.0, 0.0), abs=1e-15
    ), f"{got}"


def test_sample_summary_matches_direct_numpy_formulas():
    rng = np.random.default_rng(9)
    v = (rng.standard_t(5, 10_001) * 0.3 + 0.05).astype(np.float32)
    got = initcore.sample_summary(v)
    x = v.astype(np.float64)
    d = x - x.mean()
    expected = {
        "mean": x.mean(),
        "std": x.std(),
        "var": x.var(),
        "min": x.min(),
        "max": x.max(),
        "excess_kurtosis": np.mean(d**4) / np.mean(d**2) ** 2 - 3,
        "beyond_2std": np.mean(np.abs(x) > 2 * x.std()),
    }
    for k, e in expected.items():
        assert got[k] == pytest.approx(float(e), rel=1e-10), f"{k}: {got[k]} vs numpy {e}"


def test_sample_summary_empty_and_constant():
    empty = initcore.sample_summary(np.array([]))
    assert all(math.isnan(empty[k]) for k in SUMMARY_KEYS), f"empty sample: {empty}"
    const = initcore.sample_summary(np.full(5, 3.0))
    assert math.isnan(const["excess_kurtosis"]), f"constant sample: {const}"
    assert (const["mean"], const["std"], const["var"], const["min"], const["max"], const["beyond_2std"]) == (
        3.0,
        0.0,
        0.0,
        3.0,
        3.0,
        0.0,
    ), f"constant sample: {const}"
    zeros = initcore.sample_summary(np.zeros(100, np.float32))
    assert math.isnan(zeros["excess_kurtosis"]) and zeros["beyond_2std"] == 0.0, f"zeros: {zeros}"


def test_sample_summary_constant_that_is_not_a_binary_fraction():
    got = initcore.sample_summary(np.full(3, 0.1))
    assert math.isnan(got["excess_kurtosis"]) and got["std"] == 0.0 and got["beyond_2std"] == 0.0, f"{got}"


# --- 4. matched_params -----------------------------------------------------------------------------------


@pytest.mark.parametrize("s", [0.01, 0.1, 0.5, 2.0])
def test_bound_mode_is_the_lessons_comparison(s):
    """'Same number s': U[-s, s] against N(0, s^2), so Var(U) / Var(N) = 1/3."""
    got = initcore.matched_params("bound", "uniform", {"limit": 0.7}, "normal", {"std": s}, FAN_IN, FAN_OUT)
    assert got == {"limit": pytest.approx(s, rel=1e-15)}, f"s={s}: {got}"
    ratio = initcore.SCHEMES["uniform"].std(FAN_IN, FAN_OUT, **got) ** 2 / s**2
    assert ratio == pytest.approx(1 / 3, rel=1e-12), f"s={s}: Var(U) / Var(N) = {ratio}"
    back = initcore.matched_params("bound", "normal", {}, "uniform", {"limit": s}, FAN_IN, FAN_OUT)
    assert back == {"std": pytest.approx(s, rel=1e-15)}, f"s={s}: normal matched to U[-s, s]: {back}"


@pytest.mark.parametrize("a", WITH_PARAM)
@pytest.mark.parametrize("b", SCHEME_NAMES)
def test_variance_mode_equalizes_the_std(a, b):
    b_params = {p.name: 0.37 for p in initcore.SCHEMES[b].params}
    got = initcore.matched_params("variance", a, {}, b, b_params, FAN_IN, FAN_OUT)
    std_a = initcore.SCHEMES[a].std(FAN_IN, FAN_OUT, **got)
    std_b = initcore.SCHEMES[b].std(FAN_IN, FAN_OUT, **b_params)
    assert std_a == pytest.approx(std_b, rel=1e-12, abs=1e-300), (
        f"{a} {got} std {std_a} vs {b} {b_params} {std_b}"
    )


def test_variance_mode_uniform_against_normal_is_sqrt3_s():
    got = initcore.matched_params("variance", "uniform", {}, "normal", {"std": 0.1}, FAN_IN, FAN_OUT)
    assert got["limit"] == pytest.approx(math.sqrt(3) * 0.1, rel=1e-14), f"{got}"


@pytest.mark.parametrize("mode", initcore.COMPARE_MODES)
def test_free_mode_and_fan_based_schemes_keep_their_params(mode):
    fan_based = [n for n, s in initcore.SCHEMES.items() if not s.params]
    assert "he_normal" in fan_based and "zeros" in fan_based, f"{fan_based}"
    for a in fan_based:
        got = initcore.matched_params(mode, a, {}, "normal", {"std": 0.3}, FAN_IN, FAN_OUT)
        assert got == {}, f"{mode}: fan-based {a} got parameters {got}"
    got = initcore.matched_params(mode, "normal", {"std": 0.25}, "normal", {"std": 0.3}, FAN_IN, FAN_OUT)
    assert got == {"std": 0.25 if mode == "free" else 0.3}, f"{mode}: {got}"
    if mode == "free":
        got = initcore.matched_params(mode, "orthogonal", {}, "normal", {"std": 0.3}, FAN_IN, FAN_OUT)
        assert got == {"gain": 1.0}, f"free mode should fill in the default gain: {got}"


def test_matched_value_is_clipped_to_the_parameter_range():
    high = initcore.SCHEMES["truncated_normal"].params[0].high
    b = ("normal", {"std": high})
    got = initcore.matched_params("variance", "truncated_normal", {}, *b, FAN_IN, FAN_OUT)
    assert got == {"std": high}, f"std / 0.8796 = {high / 0.8796:.4g} exceeds {high:g}, should clip: {got}"
    got = initcore.matched_params("variance", "uniform", {}, *b, FAN_IN, FAN_OUT)
    assert got == {"limit": initcore.SCHEMES["uniform"].params[0].high}, (
        f"sqrt(3) * {high:g} not clipped: {got}"
    )
    got = initcore.matched_params("bound", "uniform", {}, "zeros", {}, FAN_IN, FAN_OUT)
    assert got == {"limit": 0.0}, f"zeros has scale 0: {got}"


def test_bad_mode_is_named():
    with pytest.raises(ValueError, match=r"mode must be one of .*got 'same'"):
        initcore.matched_params("same", "uniform", {}, "normal", {}, FAN_IN, FAN_OUT)


# --- 5. compare_draws and compare_neuron -----------------------------------------------------------------

DRAW_SCHEMES = {
    "A": ("uniform", {"limit": 0.1}),
    "B": ("normal", {"std": 0.1}),
    "B again": ("normal", {"std": 0.1}),
    "He": ("he_normal", {}),
    "Q": ("orthogonal", {"gain": 1.0}),
    "Z": ("zeros", {}),
}


@pytest.fixture(scope="module")
def draws():
    return initcore.compare_draws(DRAW_SCHEMES, fan_in=FAN_IN, fan_out=FAN_OUT, n=20_000, seed=40)


def test_compare_draws_samples_are_series_seeded(draws):
    assert list(draws.samples) == list(DRAW_SCHEMES), f"{list(draws.samples)}"
    for i, (label, (name, params)) in enumerate(DRAW_SCHEMES.items()):
        own = initcore.sample_values(name, 20_000, fan_in=FAN_IN, fan_out=FAN_OUT, seed=40 + i, **params)
        np.testing.assert_array_equal(
            draws.samples[label], own, err_msg=f"{label}: not drawn with seed 40 + {i}"
        )
    assert not np.array_equal(draws.samples["B"], draws.samples["B again"]), (
        "identical schemes, identical draws"
    )


def test_compare_draws_summary_rows(draws):
    s = draws.summary
    assert list(s.columns) == ["draws", "of", *SUMMARY_KEYS], f"{list(s.columns)}"
    assert len(s) == 2 * len(DRAW_SCHEMES), f"{len(s)} rows"
    for label, (name, params) in DRAW_SCHEMES.items():
        rows = s[s["draws"] == label].set_index("of")
        theory = initcore.SCHEMES[name].theory(FAN_IN, FAN_OUT, **params)
        sample = initcore.sample_summary(draws.samples[label])
        for k in SUMMARY_KEYS:
            assert _same(rows.loc["theory", k], theory[k]), (
                f"{label} theory {k}: {rows.loc['theory', k]} {theory[k]}"
            )
            assert _same(rows.loc["sample", k], sample[k]), (
                f"{label} sample {k}: {rows.loc['sample', k]} {sample[k]}"
            )


def test_compare_draws_histograms_are_densities(draws):
    h = draws.hist
    reach = max(float(np.abs(v).max()) for v in draws.samples.values())
    assert h["left"].min() == -reach and h["right"].max() == reach, (
        f"range {h['left'].min()}..{h['right'].max()}"
    )
    for label in DRAW_SCHEMES:
        part = h[h["series"] == label]
        assert len(part) == 60, f"{label}: {len(part)} bins"
        assert part["count"].sum() == 20_000, f"{label}: {part['count'].sum()} of 20,000 values in the bins"
        area = float((part["density"] * (part["right"] - part["left"])).sum())
        assert area == pytest.approx(1.0, abs=1e-9), f"{label}: density integrates to {area}"


def test_compare_draws_curves_are_the_exact_densities(draws):
    c = draws.curves
    assert set(c["series"]) == set(DRAW_SCHEMES) - {"Z"}, f"curves for {set(c['series'])} (zeros has atoms)"
    reach = max(float(np.abs(v).max()) for v in draws.samples.values())
    grid = np.linspace(-reach, reach, 400)
    for label, (name, params) in DRAW_SCHEMES.items():
        if label == "Z":
            continue
        part = c[c["series"] == label]
        np.testing.assert_array_equal(part["w"], grid, err_msg=f"{label}: grid")
        expected = initcore.SCHEMES[name].density(grid, FAN_IN, FAN_OUT, **params)
        np.testing.assert_array_equal(part["density"], expected, err_msg=f"{label}: density")


def _z_rel_se(n: int, name: str, inputs: str) -> float:
    """Relative SE of the sample std of z = x @ W over U units x B inputs (W: n x U, x: B x n).

    With zero-mean Gaussian x, S = ||x W||^2 / (U B) has relative variance 2 / (U B) + 2 / (n B) (the
    quadratic forms given W) + (2 + kappa_w) / (U n) (the column norms of W). With E[x] = m != 0 each unit
    also has its own offset m sum_i w_i, whose square averages over only U units: + 2 f^2 / U, with
    f = m^2 / E[x^2] the share of E[z^2] it carries. The std's relative SE is half that of S."""
    u, b = NEURON_UNITS, NEURON_BATCH
    kappa = initcore.SCHEMES[name].theory(n, n)["excess_kurtosis"]
    f = INPUT_MEAN[inputs] ** 2 / initcore.input_mean_square(inputs)
    return 0.5 * math.sqrt(2 / (u * b) + 2 / (n * b) + (2 + kappa) / (u * n) + 2 * f**2 / u)


NEURON_SCHEMES = {
    "U[-0.1, 0.1]": ("uniform", {"limit": 0.1}),
    "N(0, 0.1²)": ("normal", {"std": 0.1}),
    "N again": ("normal", {"std": 0.1}),
    "TN": ("truncated_normal", {"std": 0.05}),
    "Glorot": ("glorot_uniform", {}),
    "Q": ("orthogonal", {}),
}


@pytest.mark.parametrize(
    ("n", "inputs"), [(100, "normal"), (1000, "normal"), (100, "uniform01"), (300, "sigmoid")]
)
def test_compare_neuron_table(n, inputs):
    v = initcore.compare_neuron(NEURON_SCHEMES, n=n, inputs=inputs, seed=60)
    t = v.table.set_index("weights")
    assert list(t.index) == list(NEURON_SCHEMES), f"{list(t.index)}"
    for i, (label, (name, params)) in enumerate(NEURON_SCHEMES.items()):
        row = t.loc[label]
        std_z = math.sqrt(n * initcore.input_mean_square(inputs)) * initcore.SCHEMES[name].std(n, n, **params)
        assert row["std of z (theory)"] == pytest.approx(std_z, rel=1e-14), f"{label}: {row.to_dict()}"
        tol = K * _z_rel_se(n, name, inputs) * std_z
        assert abs(row["std of z (sample)"] - std_z) <= tol, (
            f"{label}, n={n}, {inputs}: std of z {row['std of z (sample)']:.4f} vs {std_z:.4f}, tol {tol:.3g}"
        )
        # the measured columns are those of this series' own z (seed 60 + i)
        z = initcore.neuron_z(
            name, n, inputs=inputs, units=NEURON_UNITS, batch=NEURON_BATCH, seed=60 + i, **params
        )
        zones = zone_of("sigmoid", z)
        for col in ("near-linear", "saturated"):
            assert row[col] == float(np.mean(zones == col)), (
                f"{label}: {col} {row[col]} not from seed {60 + i}"
            )
        assert row["std of z (sample)"] == pytest.approx(float(np.std(z, dtype=np.float64)), rel=1e-12), label
        theory = gaussian_zone_shares("sigmoid", std_z)
        for col in ("near-linear", "saturated"):
            assert row[f"{col} (theory)"] == theory[col], f"{label}: {col} (theory) {row[f'{col} (theory)']}"
        for pre in ("", " (theory)"):
            lin, sat = row[f"near-linear{pre}"], row[f"saturated{pre}"]
            assert 0 <= lin <= 1 and 0 <= sat <= 1 and lin + sat <= 1 + 1e-12, f"{label}{pre}: {lin}, {sat}"
    assert t.loc["N(0, 0.1²)", "std of z (sample)"] != t.loc["N again", "std of z (sample)"], (
        "same seed twice"
    )


def test_compare_neuron_histogram():
    v = initcore.compare_neuron(NEURON_SCHEMES, n=100, inputs="normal", seed=61)
    h = v.hist
    assert v.reach >= 6.0, f"reach {v.reach} below its floor of 6"
    assert h["left"].min() == -v.reach and h["right"].max() == v.reach, f"{h['left'].min()} {v.reach}"
    assert h["height"].max() == 1.0, f"largest height {h['height'].max()}"
    np.testing.assert_allclose(h["height"], h["density"] / h["density"].max(), rtol=1e-15)
    for label in NEURON_SCHEMES:
        part = h[h["series"] == label]
        total = NEURON_UNITS * NEURON_BATCH
        assert part["count"].sum() == total, f"{label}: {part['count'].sum()} of {total} z values in the bins"
        area = float((part["density"] * (part["right"] - part["left"])).sum())
        assert area == pytest.approx(1.0, abs=1e-9), f"{label}: density integrates to {area}"


def test_the_lessons_saturation_facts():
    lesson = {"U": ("uniform", {"limit": 0.1}), "N": ("normal", {"std": 0.1})}
    t = initcore.compare_neuron(lesson, n=100, inputs="normal", seed=0).table.set_index("weights")
    for label in lesson:
        for col in ("saturated", "saturated (theory)"):
            assert t.loc[label, col] < 0.01, f"n=100, {label}: {col} = {t.loc[label, col]:.4f}, expected < 1%"
    t = initcore.compare_neuron(lesson, n=1000, inputs="normal", seed=0).table.set_index("weights")
    for col in ("saturated", "saturated (theory)"):
        assert t.loc["N", col] > 0.10, f"n=1000, N(0, 0.1²): {col} = {t.loc['N', col]:.4f}, expected > 10%"


@pytest.mark.parametrize("n", [10, 50])
def test_compare_neuron_orthogonal_below_the_unit_count(n):
    t = initcore.compare_neuron({"Q": ("orthogonal", {})}, n=n, inputs="normal", seed=0).table
    theory, sample = t.loc[0, "std of z (theory)"], t.loc[0, "std of z (sample)"]
    tol = K * _z_rel_se(n, "orthogonal", "normal") * theory
    assert abs(sample - theory) <= tol, f"n={n}: std of z {sample:.4f} vs theory {theory:.4f} (tol {tol:.3g})"


# --- 6. inputs ---------------------------------------------------------------------------------------------


def test_sigmoid_input_mean_square_by_integration():
    u = np.linspace(-40, 40, 800_001)
    value = float(np.trapezoid((1 / (1 + np.exp(-u))) ** 2 * np.exp(-0.5 * u**2), u) / math.sqrt(2 * math.pi))
    got = initcore.input_mean_square("sigmoid")
    assert got == pytest.approx(value, rel=1e-4), (
        f"E[sigmoid(u)^2] {got} vs integrated {value}"
    )  # table: 1e-4
    assert initcore.input_mean_square("normal") == 1.0
    assert initcore.input_mean_square("uniform01") == pytest.approx(1 / 3, rel=1e-15)


@pytest.mark.parametrize("kind", list(initcore.INPUTS))
def test_sample_inputs_mean_square_and_range(kind):
    x = initcore.sample_inputs(kind, (400, 500), seed=3)
    assert x.shape == (400, 500) and x.dtype == np.float32, f"{kind}: {x.shape} {x.dtype}"
    np.testing.assert_array_equal(
        x, initcore.sample_inputs(kind, (400, 500), seed=3), err_msg=f"{kind}: seed"
    )
    assert not np.array_equal(x, initcore.sample_inputs(kind, (400, 500), seed=4)), (
        f"{kind}: seeds 3, 4 agree"
    )
    x2 = x.astype(np.float64) ** 2
    se = float(x2.std() / math.sqrt(x2.size))
    expected = initcore.input_mean_square(kind)
    assert abs(x2.mean() - expected) <= K * se, (
        f"{kind}: mean of x^2 {x2.mean():.5f} vs {expected:.5f}, SE {se:.2g}"
    )
    se_mean = float(x.std(dtype=np.float64) / math.sqrt(x.size))
    assert abs(x.mean(dtype=np.float64) - INPUT_MEAN[kind]) <= K * se_mean, f"{kind}: mean {x.mean()}"
    if kind == "uniform01":
        assert x.min() >= 0.0 and x.max() < 1.0, f"uniform01 range [{x.min()}, {x.max()}]"
    if kind == "sigmoid":
        assert x.min() > 0.0 and x.max() < 1.0, f"sigmoid range [{x.min()}, {x.max()}]"
        u = np.log(x.astype(np.float64) / (1 - x))  # the logit recovers u ~ N(0, 1)
        se_std = 1 / math.sqrt(2 * u.size)
        assert abs(u.std() - 1) <= K * se_std, f"std of logit(x) {u.std():.5f}, expected 1"


def test_unknown_input_kind_is_named():
    with pytest.raises(ValueError, match=r"inputs must be one of .*got 'pixels'"):
        initcore.sample_inputs("pixels", (2, 2), seed=0)
    with pytest.raises(ValueError, match=r"inputs must be one of .*got 'pixels'"):
        initcore.input_mean_square("pixels")


# --- 7. gaussian_zone_shares ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize(("std", "mean"), [(0.1, 0.0), (1.0, 0.0), (5.0, 0.0), (1.0, 2.0)])
def test_gaussian_zone_shares_match_monte_carlo(activation, std, mean):
    shares = gaussian_zone_shares(activation, std, mean)
    assert set(shares) == {"saturated", "nonlinear", "near-linear"}, f"{shares}"
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12), f"{shares}"
    n = 200_000
    z = mean + std * np.random.default_rng(70).standard_normal(n)
    zones = zone_of(activation, z)
    for zone, p in shares.items():
        assert 0.0 <= p <= 1.0, f"{zone}: {p}"
        p_hat = float(np.mean(zones == zone))
        tol = K * math.sqrt(p * (1 - p) / n) + 1 / n
        assert abs(p_hat - p) <= tol, f"{activation} N({mean}, {std}²) {zone}: MC {p_hat:.5f} vs {p:.5f}"


def test_gaussian_zone_shares_at_zero_std():
    for name in ("sigmoid", "tanh"):
        shares = gaussian_zone_shares(name, 0.0)
        assert shares == {"saturated": 0.0, "nonlinear": 0.0, "near-linear": 1.0}, f"{name}: {shares}"
        assert zone_of(name, np.array([0.0]))[0] == "near-linear", name
    shares = gaussian_zone_shares("sigmoid", 0.0, mean=10.0)
    assert shares["saturated"] == 1.0, f"z = 10 is saturated for sigmoid: {shares}"


def test_gaussian_zone_shares_relu_at_zero_std_agrees_with_zone_of():
    shares = gaussian_zone_shares("relu", 0.0)
    zone = str(zone_of("relu", np.array([0.0]))[0])
    assert shares[zone] == 1.0, f"zone_of(relu, 0) = {zone}, shares {shares}"


@pytest.mark.parametrize(("std", "mean"), [(-1.0, 0.0), (math.nan, 0.0), (math.inf, 0.0), (1.0, math.inf)])
def test_gaussian_zone_shares_rejects_bad_input(std, mean):
    with pytest.raises(ValueError, match="std must be finite"):
        gaussian_zone_shares("sigmoid", std, mean)


# --- 8. normal_z_curves ----------------------------------------------------------------------------------


def test_normal_z_curves():
    stds = {"narrow": 0.5, "wide": 2.0, "none": 0.0}
    c = initcore.normal_z_curves(stds, reach=20.0, points=2001)
    assert list(c.columns) == ["series", "z", "density", "height"], f"{list(c.columns)}"
    assert list(dict.fromkeys(c["series"])) == ["narrow", "wide"], "a zero std must be skipped"
    for label in ("narrow", "wide"):
        part = c[c["series"] == label]
        std = stds[label]
        z = part["z"].to_numpy()
        np.testing.assert_array_equal(z, np.linspace(-20, 20, 2001), err_msg=label)
        assert part["height"].max() == pytest.approx(1.0, abs=1e-12), f"{label}: peak {part['height'].max()}"
        np.testing.assert_allclose(
            part["height"], np.exp(-0.5 * (z / std) ** 2), rtol=1e-12, atol=1e-300, err_msg=label
        )
        area = float(np.trapezoid(part["density"], z))
        assert area == pytest.approx(1.0, abs=1e-6), f"{label}: density integrates to {area}"
    empty = initcore.normal_z_curves({"none": 0.0}, reach=5.0)
    assert empty.empty and list(empty.columns) == ["series", "z", "density", "height"], f"{empty}"


# --- 9. histogram_frame and symmetric_range ------------------------------------------------------------


def test_histogram_frame_by_hand():
    values = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 3.0])  # 3.0 is outside [-1, 1]
    h = initcore.histogram_frame({"a": values, "b": np.array([0.2])}, bins=4, lo=-1.0, hi=1.0)
    assert list(h.columns) == ["series", "left", "right", "count", "density"], f"{list(h.columns)}"
    a = h[h["series"] == "a"]
    assert a["left"].tolist() == [-1.0, -0.5, 0.0, 0.5] and a["right"].tolist() == [-0.5, 0.0, 0.5, 1.0]
    # half-open bins [left, right), the last one closed: -1 | -0.5 | 0 | 0.5, 1
    assert a["count"].tolist() == [1, 1, 1, 2], f"{a['count'].tolist()}"
    # density = count / (all 6 values * width 0.5): the value outside takes its share of the area
    np.testing.assert_allclose(a["density"], np.array([1, 1, 1, 2]) / 3.0, rtol=1e-15)
    assert float((a["density"] * 0.5).sum()) == pytest.approx(5 / 6, rel=1e-15)
    b = h[h["series"] == "b"]
    assert b["count"].tolist() == [0, 0, 1, 0] and b["density"].tolist() == [0, 0, 2.0, 0], f"{b}"
    empty = initcore.histogram_frame({"e": np.array([])}, bins=3, lo=0.0, hi=1.0)
    assert empty["count"].tolist() == [0, 0, 0] and empty["density"].tolist() == [0, 0, 0], f"{empty}"


def test_symmetric_range():
    sr = initcore.symmetric_range
    assert sr({"a": np.array([-3.0, 1.0]), "b": np.array([2.0])}) == 3.0
    assert sr({"a": np.array([-3.0, 1.0])}, floor=5.0) == 5.0
    assert sr({"a": np.array([]), "b": np.array([0.5])}) == 0.5, "an empty series is skipped"
    assert sr({"a": np.array([])}) == 1.0, "no values and no floor: 1"
    assert sr({"a": np.zeros(4)}) == 1.0, "all zeros and no floor: 1, never an empty range"
    assert sr({"a": np.array([1.0, np.inf])}, floor=6.0) == 6.0, "non-finite values are ignored"
    assert sr({"a": np.array([np.nan, 9.0])}, floor=6.0) == 9.0, "NaN is ignored, the finite values count"
    assert sr({"a": np.array([2.0, -np.inf])}) == 2.0, "inf is ignored"
    assert sr({"a": np.array([-7.0, 2.0])}, floor=6.0) == 7.0, "a larger |value| beats the floor"

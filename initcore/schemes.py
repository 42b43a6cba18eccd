"""Weight initialization schemes: one registry, exact moments, Keras 3 twins.

Shape convention (everywhere in initcore): a weight matrix has shape (fan_in, fan_out), like a Keras
Dense kernel, and a layer computes ``z = x @ W + b`` with ``x`` of shape (batch, fan_in).

Every scheme reduces to one of five *families* with a single scale parameter:

============  ===================================  =======================  =============
family        distribution of each weight          std of what is drawn     largest |w|
============  ===================================  =======================  =============
uniform       U[-limit, limit]                      limit / sqrt(3)          limit
normal        N(0, s^2)                             s                        unbounded
truncnormal   N(0, s^2), |w| > 2 s re-drawn         0.8796 s                 2 s
orthogonal    gain x a Haar-random orthogonal Q     gain / sqrt(max(m, n))   gain
zeros         0                                     0                        0
============  ===================================  =======================  =============

The fan-based schemes are presets of one general function, :func:`variance_scaling`, exactly as in
Keras 3 (``keras.initializers.VarianceScaling``): the target variance is ``scale / n`` with n the
fan_in, the fan_out or their mean, and the ``*_normal`` presets draw from a normal truncated at
2 std whose std before truncation is divided by 0.8796 so that the variance after truncation is
exactly ``scale / n``. They are one table, one row per scheme (scale, mode, distribution, Keras class,
what it preserves, the paper); each one's :class:`Scheme` and its formula text are generated from its row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from . import tf_loader
from .checks import check_fans, check_real, check_seed, check_shape, is_real
from .words import N_, tr

# std of N(0, 1) truncated to [-2, 2]: sqrt(1 - 2 * 2 * phi(2) / (2 * Phi(2) - 1)), with phi and Phi
# the standard normal density and distribution function. Keras uses the same constant.
TRUNC_STD_2SIGMA = 0.87962566103423978
# probability mass of N(0, 1) inside [-2, 2]: 2 * Phi(2) - 1 = erf(2 / sqrt(2)).
TRUNC_MASS_2SIGMA = math.erf(2.0 / math.sqrt(2.0))
# The truncation point of truncated normals, in units of their std before truncation.
TRUNC_AT = 2.0

FAN_MODES = ("fan_in", "fan_out", "fan_avg")
VS_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape, with Keras 3's rules (``compute_fans``).

    Args:
        shape: () gives (1, 1); (n,) gives (n, n); (fan_in, fan_out) gives itself; a longer shape is
            a convolution kernel (..., in_channels, out_channels) whose fans are multiplied by the
            receptive field size prod(shape[:-2]).
    """
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = math.prod(shape[:-2])
    return int(shape[-2] * receptive), int(shape[-1] * receptive)


def variance_scaling(
    fan_in: int, fan_out: int, *, scale: float, mode: str, distribution: str
) -> tuple[str, float]:
    """The general variance-scaling rule of Keras 3, as (family, scale parameter of that family).

    Var(W) = scale / n with n = fan_in, fan_out or (fan_in + fan_out) / 2 (each at least 1):
    ``uniform`` gives U[-limit, limit] with limit = sqrt(3 scale / n); ``untruncated_normal`` gives
    N(0, scale / n); ``truncated_normal`` gives a normal with std sqrt(scale / n) / 0.8796 truncated
    at 2 of those std, whose std after truncation is exactly sqrt(scale / n).
    """
    if mode not in FAN_MODES:
        raise ValueError(f"mode must be one of {FAN_MODES}, got {mode!r}")
    if distribution not in VS_DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {VS_DISTRIBUTIONS}, got {distribution!r}")
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    var = scale / max(1.0, float(n))
    if distribution == "uniform":
        return "uniform", math.sqrt(3.0 * var)
    if distribution == "untruncated_normal":
        return "normal", math.sqrt(var)
    return "truncnormal", math.sqrt(var) / TRUNC_STD_2SIGMA


# --- the five families: moments, bounds, densities and draws -------------------------------------
#
# Each family is one distribution, written in terms of its scale parameter s (the limit, the std before
# truncation, or the gain). Only orthogonal depends on the fans too: an entry of a bigger matrix is smaller.


class Family:
    """One of :data:`FAMILIES`: what a scheme with scale parameter ``s`` draws, and its exact moments."""

    name = ""

    def std(self, s: float, fan_in: int, fan_out: int) -> float:
        """Exact standard deviation of one weight."""
        raise NotImplementedError

    def bound(self, s: float) -> float:
        """The largest |w| (math.inf if unbounded)."""
        raise NotImplementedError

    def density(self, s: float, w: np.ndarray, fan_in: int, fan_out: int) -> np.ndarray | None:
        """Exact density of one weight at the points ``w`` (float64); None if it has atoms, or no closed
        form (orthogonal with max fan < 3)."""
        return None

    def excess_kurtosis(self, fan_in: int, fan_out: int) -> float:
        """E[w^4] / E[w^2]^2 - 3 of one weight (it does not depend on s)."""
        raise NotImplementedError

    def beyond(self, s: float, t: float, fan_in: int, fan_out: int) -> float:
        """P(|w| > t) for one weight, for s > 0."""
        raise NotImplementedError

    def draw(self, s: float, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Weights of ``shape``, float32: ``scaled(s, unit(rng, shape))`` where the family has a unit draw."""
        return self.scaled(s, self.unit(rng, shape))

    def unit(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray | None:
        """The draw that every scale of this family turns into its weights (the same random directions
        for N(0, 0.1^2) and N(0, 1)), float32; None for families that draw otherwise."""
        return None

    def scaled(self, s: float, unit: np.ndarray) -> np.ndarray:
        """Weights of scale parameter ``s`` from a :meth:`unit` draw (a new array)."""
        raise NotImplementedError


class _Uniform(Family):
    """U[-s, s]."""

    name = "uniform"

    def std(self, s: float, fan_in: int, fan_out: int) -> float:
        return s / math.sqrt(3.0)

    def bound(self, s: float) -> float:
        return s

    def density(self, s: float, w: np.ndarray, fan_in: int, fan_out: int) -> np.ndarray | None:
        return None if s == 0 else np.where(np.abs(w) <= s, 1.0 / (2.0 * s), 0.0)

    def excess_kurtosis(self, fan_in: int, fan_out: int) -> float:
        return -1.2  # E[w^4] / E[w^2]^2 = (s^4 / 5) / (s^2 / 3)^2 = 9 / 5

    def beyond(self, s: float, t: float, fan_in: int, fan_out: int) -> float:
        return max(0.0, 1.0 - t / s)

    def unit(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)  # U[0, 1)

    def scaled(self, s: float, unit: np.ndarray) -> np.ndarray:
        return (unit * np.float32(2.0 * s) - np.float32(s)).astype(np.float32, copy=False)


class _Normal(Family):
    """N(0, s^2), untruncated."""

    name = "normal"

    def std(self, s: float, fan_in: int, fan_out: int) -> float:
        return s

    def bound(self, s: float) -> float:
        return math.inf if s > 0 else 0.0

    def density(self, s: float, w: np.ndarray, fan_in: int, fan_out: int) -> np.ndarray | None:
        return None if s == 0 else np.exp(-0.5 * (w / s) ** 2) / (s * math.sqrt(2.0 * math.pi))

    def excess_kurtosis(self, fan_in: int, fan_out: int) -> float:
        return 0.0

    def beyond(self, s: float, t: float, fan_in: int, fan_out: int) -> float:
        return math.erfc(t / (s * math.sqrt(2)))

    def unit(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32)

    def scaled(self, s: float, unit: np.ndarray) -> np.ndarray:
        return unit * np.float32(s)


class _TruncNormal(Family):
    """N(0, s^2) with every value beyond TRUNC_AT s re-drawn."""

    name = "truncnormal"

    def std(self, s: float, fan_in: int, fan_out: int) -> float:
        return s * TRUNC_STD_2SIGMA

    def bound(self, s: float) -> float:
        return TRUNC_AT * s

    def density(self, s: float, w: np.ndarray, fan_in: int, fan_out: int) -> np.ndarray | None:
        if s == 0:
            return None
        pdf = _NORMAL.density(s, w, fan_in, fan_out)
        return np.where(np.abs(w) <= TRUNC_AT * s, pdf / TRUNC_MASS_2SIGMA, 0.0)

    def excess_kurtosis(self, fan_in: int, fan_out: int) -> float:
        # N(0, 1) on [-a, a], Z = 2 Phi(a) - 1:
        # E[x^2] = 1 - 2 a phi(a) / Z, E[x^4] = 3 - 2 (a^3 + 3 a) phi(a) / Z
        a = TRUNC_AT
        phi_a = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
        m2 = 1 - 2 * a * phi_a / TRUNC_MASS_2SIGMA
        m4 = 3 - 2 * (a**3 + 3 * a) * phi_a / TRUNC_MASS_2SIGMA
        return m4 / m2**2 - 3

    def beyond(self, s: float, t: float, fan_in: int, fan_out: int) -> float:
        if t >= TRUNC_AT * s:
            return 0.0
        return (math.erfc(t / (s * math.sqrt(2))) - (1 - TRUNC_MASS_2SIGMA)) / TRUNC_MASS_2SIGMA

    def unit(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Rejection: 95.4% of the draws are kept in each round."""
        out = rng.standard_normal(shape, dtype=np.float32)
        bad = np.abs(out) > TRUNC_AT
        while bad.any():
            out[bad] = rng.standard_normal(int(bad.sum()), dtype=np.float32)
            bad = np.abs(out) > TRUNC_AT
        return out

    def scaled(self, s: float, unit: np.ndarray) -> np.ndarray:
        return unit * np.float32(s)


class _Orthogonal(Family):
    """s times a Haar-random matrix with orthonormal columns (or rows, if it has more columns than rows)."""

    name = "orthogonal"

    def std(self, s: float, fan_in: int, fan_out: int) -> float:
        # Q has orthonormal columns (or rows), so sum(Q**2) = min(m, n) over m * n entries.
        return s / math.sqrt(max(fan_in, fan_out, 1))

    def bound(self, s: float) -> float:
        return s

    def density(self, s: float, w: np.ndarray, fan_in: int, fan_out: int) -> np.ndarray | None:
        # Each column of Q (in R^m, m = max fan) is uniform on the unit sphere, so one entry x has
        # density Gamma(m/2) / (sqrt(pi) Gamma((m-1)/2)) (1 - x^2)^((m-3)/2) on [-1, 1].
        m = max(fan_in, fan_out)
        if m < 3 or s == 0:
            return None
        x = w / s
        log_c = math.lgamma(m / 2.0) - math.lgamma((m - 1) / 2.0) - 0.5 * math.log(math.pi)
        inside = np.abs(x) < 1.0
        pdf = np.zeros_like(x)
        pdf[inside] = np.exp(log_c + (m - 3) / 2.0 * np.log1p(-(x[inside] ** 2)))
        return pdf / s

    def excess_kurtosis(self, fan_in: int, fan_out: int) -> float:
        # One coordinate of a uniform unit vector in R^m: E[x^2] = 1/m, E[x^4] = 3 / (m (m + 2)).
        m = max(fan_in, fan_out)
        return -6.0 / (m + 2)

    def beyond(self, s: float, t: float, fan_in: int, fan_out: int) -> float:
        # integrate the exact marginal density numerically
        if t >= s:
            return 0.0
        grid = np.linspace(t, s, 20001)
        pdf = self.density(s, grid, fan_in, fan_out)
        if pdf is None:  # m < 3: entries are +-gain (m = 1) or arcsine-distributed (m = 2)
            return 1.0 if max(fan_in, fan_out) == 1 else 1 - 2 / math.pi * math.asin(t / s)
        return float(2 * np.trapezoid(pdf, grid))

    def draw(self, s: float, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Keras 3's algorithm: QR of a normal (max, min) matrix, signs fixed by diag(R)."""
        if len(shape) < 2:
            raise ValueError(f"shape must have at least 2 dimensions for orthogonal, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (s * q).reshape(shape).astype(np.float32)


class _Zeros(Family):
    """Every weight 0."""

    name = "zeros"

    def std(self, s: float, fan_in: int, fan_out: int) -> float:
        return 0.0

    def bound(self, s: float) -> float:
        return 0.0

    def excess_kurtosis(self, fan_in: int, fan_out: int) -> float:
        return math.nan

    def beyond(self, s: float, t: float, fan_in: int, fan_out: int) -> float:
        return 0.0

    def draw(self, s: float, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=np.float32)


_NORMAL = _Normal()
FAMILY: dict[str, Family] = {
    f.name: f for f in (_Uniform(), _NORMAL, _TruncNormal(), _Orthogonal(), _Zeros())
}
"""Each family by name, in the order of :data:`FAMILIES`."""
FAMILIES = tuple(FAMILY)


# --- parameters and schemes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A numeric parameter of a scheme, with its default and its allowed closed range."""

    name: str
    default: float
    low: float
    high: float
    help: str

    def check(self, value: Any) -> float:
        """The value as a float, or ValueError naming the parameter and echoing the value."""
        if not is_real(value):
            raise ValueError(f"{self.name} must be a number, got {value!r}")
        return check_real(self.name, value, self.low, self.high, must=f"in [{self.low:g}, {self.high:g}]")


@dataclass(frozen=True)
class Scheme:
    """One weight initialization scheme. Build instances only through the registry :data:`SCHEMES`.

    Attributes:
        name: registry key, also the Keras 3 string alias where Keras has one with the same meaning.
        label: display name.
        family: one of :data:`FAMILIES`.
        formula: the distribution and its scale, as text.
        preserves: what the scheme keeps constant from layer to layer, in plain words.
        reference: the paper (or source) the scheme comes from.
        params: the scheme's own numeric parameters (the fan-based schemes have none).
    """

    name: str
    label: str
    family: str
    formula: str
    preserves: str
    reference: str
    _scale: Callable[..., float] = field(repr=False)
    _keras: Callable[..., tuple[str, dict[str, Any]]] = field(repr=False)
    params: tuple[Param, ...] = ()
    fan_based: bool = False

    @property
    def doc(self) -> str:
        """The teaching text shown on the pages: formula, what it preserves (translated), and the paper."""
        return f"{self._formula()}. {tr(self.preserves)} {tr(self.reference)}."

    def _formula(self) -> str:
        """The formula translated: a hand-written one is a message; a generated one (the fan-based
        schemes, :func:`_vs_formula`) is notation but for its one phrase in words."""
        if self.fan_based:
            return self.formula.replace(_TRUNCATED_AT, tr(_TRUNCATED_AT))
        return tr(self.formula)

    def resolve(self, params: Mapping[str, Any]) -> dict[str, float]:
        """Validated parameters with defaults filled in; ValueError on unknown or bad ones."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ValueError(
                f"unknown parameter {unknown[0]!r} for scheme {self.name!r} (allowed: {allowed})"
            )
        return {n: p.check(params.get(n, p.default)) for n, p in known.items()}

    def scale(self, fan_in: int, fan_out: int, **params: Any) -> float:
        """The family's scale parameter: limit (uniform), std before truncation (normals), gain."""
        return float(self._scale(fan_in, fan_out, **self.resolve(params)))

    def std(self, fan_in: int, fan_out: int, **params: Any) -> float:
        """Exact standard deviation of the values this scheme draws (after any truncation)."""
        check_fans(fan_in, fan_out)
        return FAMILY[self.family].std(self.scale(fan_in, fan_out, **params), fan_in, fan_out)

    def bound(self, fan_in: int, fan_out: int, **params: Any) -> float:
        """The largest |w| the scheme can draw (math.inf for the untruncated normal)."""
        check_fans(fan_in, fan_out)
        return FAMILY[self.family].bound(self.scale(fan_in, fan_out, **params))

    def density(self, w: np.ndarray, fan_in: int, fan_out: int, **params: Any) -> np.ndarray | None:
        """Exact probability density of one weight at the points ``w``; None if it has atoms."""
        check_fans(fan_in, fan_out)
        s = self.scale(fan_in, fan_out, **params)
        return FAMILY[self.family].density(s, np.asarray(w, dtype=np.float64), fan_in, fan_out)

    def theory(self, fan_in: int, fan_out: int, **params: Any) -> dict[str, float]:
        """Exact moments of one weight: mean, std, var, min, max, excess_kurtosis, beyond_2std
        (the probability that |w| > 2 std). NaN where undefined (the kurtosis of zeros)."""
        std = self.std(fan_in, fan_out, **params)
        bound = self.bound(fan_in, fan_out, **params)
        s = self.scale(fan_in, fan_out, **params)
        family = FAMILY[self.family]
        return {
            "mean": 0.0,
            "std": std,
            "var": std * std,
            "min": -bound if bound else 0.0,
            "max": bound,
            "excess_kurtosis": family.excess_kurtosis(fan_in, fan_out) if std > 0 else math.nan,
            "beyond_2std": family.beyond(s, 2 * std, fan_in, fan_out) if std > 0 else 0.0,
        }

    def draw(
        self,
        rng: np.random.Generator,
        shape: tuple[int, ...],
        *,
        fans: tuple[int, int] | None = None,
        **params: Any,
    ) -> np.ndarray:
        """Weights of ``shape`` (float32) drawn with ``rng``.

        The scale comes from ``fans`` = (fan_in, fan_out) when given (to draw part of a larger layer),
        else from the shape with Keras's rules. Orthogonal always orthogonalizes ``shape`` itself: the
        first k columns of an (n, n) draw are distributed exactly like an (n, k) draw.
        """
        fan_in, fan_out = fans if fans is not None else compute_fans(shape)
        check_fans(max(fan_in, 1), max(fan_out, 1))
        return FAMILY[self.family].draw(self.scale(fan_in, fan_out, **params), rng, shape)

    @property
    def draws_units(self) -> bool:
        """Whether this scheme's weights are a scaled unit draw of its family (:meth:`from_unit`)."""
        return type(FAMILY[self.family]).unit is not Family.unit

    def from_unit(self, unit: np.ndarray, **params: Any) -> np.ndarray:
        """The weights :meth:`draw` gives for an (fan_in, fan_out) ``unit`` array that
        ``FAMILY[family].unit(rng, shape)`` drew with the same ``rng``: the same numbers, bit for bit."""
        fan_in, fan_out = compute_fans(unit.shape)
        check_fans(max(fan_in, 1), max(fan_out, 1))
        return FAMILY[self.family].scaled(self.scale(fan_in, fan_out, **params), unit)

    def short_label(self, **params: Any) -> str:
        """A compact legend label that shows the parameters, e.g. ``U[-0.1, 0.1]``, in the page's language.
        It names a series in the core's results; where it is shown, charts and tables isolate it for a
        right-to-left page (:func:`initcore.words.label`)."""
        return self._short_label(self.resolve(params))

    def _short_label(self, p: dict[str, float]) -> str:
        if self.name == "uniform":
            return f"U[-{p['limit']:.4g}, {p['limit']:.4g}]"
        if self.name == "normal":
            return f"N(0, {p['std']:.4g}²)"
        if self.name == "truncated_normal":
            return f"TN(0, {p['std']:.4g}²)"
        if self.name == "orthogonal" and p["gain"] != 1.0:
            return tr("Orthogonal (gain {gain})", gain=f"{p['gain']:.4g}")
        return tr(self.label)

    def keras_spec(self, seed: int | None = None, **params: Any) -> tuple[str, dict[str, Any]]:
        """(class name in ``keras.initializers``, keyword arguments) of the equivalent initializer."""
        cls, kwargs = self._keras(**self.resolve(params))
        if cls != "Zeros" and seed is not None:
            kwargs = {**kwargs, "seed": seed}
        return cls, kwargs

    def keras_code(self, seed: int | None = None, **params: Any) -> str:
        """Python source that builds the equivalent Keras initializer, ready to copy."""
        cls, kwargs = self.keras_spec(seed, **params)
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        return f"keras.initializers.{cls}({args})"

    def keras(self, seed: int | None = None, **params: Any) -> Any:
        """The equivalent ``keras.initializers`` object (imports Keras, and so TensorFlow, lazily).

        Call it on one 2-D shape (fan_in, fan_out) at a time: Keras reads a 3-D shape as a
        convolution kernel. An instance built with a seed returns the same values on every call.
        """
        keras = tf_loader.tensorflow()[1]  # TensorFlow only when asked for
        cls, kwargs = self.keras_spec(seed, **params)
        return getattr(keras.initializers, cls)(**kwargs)


_LIMIT = Param("limit", 0.1, 0.0, 1e6, N_("half-width of the interval: W ~ U[-limit, limit]"))
_STD = Param("std", 0.1, 0.0, 1e6, N_("standard deviation of the normal"))
_TSTD = Param("std", 0.1, 0.0, 1e6, N_("std of the normal before values beyond 2 std are re-drawn"))
_GAIN = Param("gain", 1.0, 0.0, 1e6, N_("multiplies the orthogonal matrix"))


def _vs_formula(scale: float, mode: str, distribution: str) -> str:
    """The text of a variance-scaling rule, e.g. ``W ~ U[-limit, limit], limit = sqrt(6 / (fan_in + fan_out)),
    Var(W) = 2 / (fan_in + fan_out)`` for scale 1, fan_avg, uniform: Var(W) = scale / n, written with the
    smallest whole numbers, and the family's scale parameter derived from it."""
    # Var(W) = scale / n = c / fans with fans = fan_in, fan_out or fan_in + fan_out, c = scale or 2 scale
    fans = {"fan_in": "fan_in", "fan_out": "fan_out", "fan_avg": "(fan_in + fan_out)"}[mode]
    c = Fraction(scale * (2 if mode == "fan_avg" else 1)).limit_denominator(1000)
    if abs(float(c) - scale * (2 if mode == "fan_avg" else 1)) > 1e-12:
        raise ValueError(f"scale must be a simple fraction for a formula, got {scale!r}")

    def over(num: Fraction) -> str:  # num / fans, e.g. "2 / (fan_in + fan_out)", "1 / (3 fan_in)"
        if num.denominator == 1:
            return f"{num.numerator} / {fans}"
        return f"{num.numerator} / ({num.denominator} {fans})"

    def root(num: Fraction) -> str:  # sqrt(num / fans), a square factor of num's numerator taken out
        k = max(k for k in range(1, math.isqrt(num.numerator) + 1) if num.numerator % (k * k) == 0)
        inner = f"sqrt({over(Fraction(num.numerator // (k * k), num.denominator))})"
        return inner if k == 1 else f"{k} {inner}"

    var = f"Var(W) = {over(c)}"
    if distribution == "uniform":  # Var(U[-limit, limit]) = limit^2 / 3
        return f"W ~ U[-limit, limit], limit = {root(3 * c)}, {var}"
    if distribution == "untruncated_normal":
        return f"W ~ N(0, s^2), s = {root(c)}, {var}"
    return f"W ~ N(0, s^2) {_TRUNCATED_AT} {TRUNC_AT:g} s, s = {root(c)} / {TRUNC_STD_2SIGMA:.4f}, {var}"


_TRUNCATED_AT = N_("truncated at")  # the words in a truncated normal's formula ("... truncated at 2 s")


class _Preset(NamedTuple):
    """One row of :data:`_VARIANCE_SCALING`: a fan-based scheme, all of it data."""

    name: str
    label: str
    scale: float  # Var(W) = scale / n
    mode: str  # n: one of FAN_MODES
    distribution: str  # one of VS_DISTRIBUTIONS
    keras: str | None  # the keras.initializers preset; None: VarianceScaling(scale=, mode=, distribution=)
    preserves: str
    reference: str


_GLOROT = N_("Glorot & Bengio (2010), Understanding the difficulty of training deep feedforward nets")
_HE = N_("He et al. (2015), Delving deep into rectifiers")
_LECUN = N_("LeCun et al. (1998), Efficient BackProp")
_BENGIO = N_("Bengio (2012), Practical recommendations for gradient-based training of deep architectures")
_HEURISTIC = N_(
    "The 'commonly used heuristic' of Glorot & Bengio (2010), Understanding the difficulty of training deep "
    "feedforward nets"
)
_THIRD = N_("Var(z) = E[x^2] / 3: through a linear layer the signal's E[z^2] shrinks to a third.")
_TANH_LIKE = N_(
    "Derived for units that are linear with slope 1 near 0 (tanh, softsign): there it keeps the variance of "
    "activations going forward and of gradients going back about the same from layer to layer (fan_in and "
    "fan_out differ: their mean is the compromise). tanh's curvature still shrinks the signal slowly over "
    "many layers; the sigmoid (slope 1/4) needs 4x the scale."
)
_SIGMOID = N_(
    "The old rule of thumb for sigmoid units: sigmoid'(0) = 1/4 is compensated by 4x larger weights."
)
_RELU = N_(
    "For ReLU units, which zero half their input, keeps E[z^2] the same from layer to layer on average; a "
    "finite layer drifts around it, more so over many layers."
)
_LINEAR = N_(
    "For linear-like units, keeps E[z^2] equal to the inputs' E[x^2] (Var(z) = fan_in Var(W) E[x^2])."
)

_U, _TN = "uniform", "truncated_normal"
_ROWS = (  # name, label, scale, mode, distribution, keras, preserves, reference: the fields of _Preset
    ("standard", N_("Standard (1/sqrt(fan_in))"), 1 / 3, "fan_in", _U, None, _THIRD, _HEURISTIC),
    (
        "glorot_uniform",
        N_("Glorot (Xavier) uniform"),
        1.0,
        "fan_avg",
        _U,
        "GlorotUniform",
        _TANH_LIKE,
        _GLOROT,
    ),
    ("glorot_normal", N_("Glorot (Xavier) normal"), 1.0, "fan_avg", _TN, "GlorotNormal", _TANH_LIKE, _GLOROT),
    ("glorot_uniform_x4", N_("4x Glorot uniform (sigmoid)"), 16.0, "fan_avg", _U, None, _SIGMOID, _BENGIO),
    ("he_uniform", N_("He uniform"), 2.0, "fan_in", _U, "HeUniform", _RELU, _HE),
    ("he_normal", N_("He normal"), 2.0, "fan_in", _TN, "HeNormal", _RELU, _HE),
    ("lecun_uniform", N_("LeCun uniform"), 1.0, "fan_in", _U, "LecunUniform", _LINEAR, _LECUN),
    ("lecun_normal", N_("LeCun normal"), 1.0, "fan_in", _TN, "LecunNormal", _LINEAR, _LECUN),
)
_VARIANCE_SCALING = tuple(_Preset(*row) for row in _ROWS)
"""The fan-based schemes, one row each: each is :func:`variance_scaling` with the row's scale, mode and
distribution, and its formula text is generated from those three numbers (:func:`_vs_formula`)."""


def _from_preset(row: _Preset) -> Scheme:
    def scale(fan_in: int, fan_out: int) -> float:
        return variance_scaling(
            fan_in, fan_out, scale=row.scale, mode=row.mode, distribution=row.distribution
        )[1]

    vs = {"scale": row.scale, "mode": row.mode, "distribution": row.distribution}
    cls, kwargs = (row.keras, {}) if row.keras else ("VarianceScaling", vs)
    return Scheme(
        name=row.name,
        label=row.label,
        family=variance_scaling(1, 1, **vs)[0],
        formula=_vs_formula(**vs),
        preserves=row.preserves,
        reference=row.reference,
        _scale=scale,
        _keras=lambda: (cls, dict(kwargs)),
        fan_based=True,
    )


_ALL = (
    Scheme(
        name="uniform",
        label=N_("Uniform"),
        family="uniform",
        formula=N_("W ~ U[-limit, limit], Var(W) = limit^2 / 3 (default limit 0.1)"),
        preserves=N_("Ignores the layer's size: Var(z) = fan_in * limit^2 / 3 * E[x^2] grows with fan_in."),
        reference=N_("The common default before 2010 (Keras RandomUniform)"),
        _scale=lambda fan_in, fan_out, limit: limit,
        _keras=lambda limit: ("RandomUniform", {"minval": -limit, "maxval": limit}),
        params=(_LIMIT,),
    ),
    Scheme(
        name="normal",
        label=N_("Normal"),
        family="normal",
        formula=N_("W ~ N(0, std^2), untruncated (default std 0.1)"),
        preserves=N_("Ignores the layer's size: Var(z) = fan_in * std^2 * E[x^2] grows with fan_in."),
        reference=N_("The common default before 2010 (Keras RandomNormal)"),
        _scale=lambda fan_in, fan_out, std: std,
        _keras=lambda std: ("RandomNormal", {"mean": 0.0, "stddev": std}),
        params=(_STD,),
    ),
    Scheme(
        name="truncated_normal",
        label=N_("Truncated normal"),
        family="truncnormal",
        formula=N_("W ~ N(0, std^2) with values beyond 2 std re-drawn; its std is 0.8796 std"),
        preserves=N_("Ignores the layer's size, like the plain normal, but no weight exceeds 2 std."),
        reference=N_("Keras TruncatedNormal"),
        _scale=lambda fan_in, fan_out, std: std,
        _keras=lambda std: ("TruncatedNormal", {"mean": 0.0, "stddev": std}),
        params=(_TSTD,),
    ),
    *(_from_preset(row) for row in _VARIANCE_SCALING),
    Scheme(
        name="orthogonal",
        label=N_("Orthogonal"),
        family="orthogonal",
        formula=N_(
            "W = gain * Q, Q a random orthogonal matrix (orthonormal columns, or rows if fan_in < fan_out); "
            "Var(W) = gain^2 / max(fan_in, fan_out)"
        ),
        preserves=N_(
            "With fan_in <= fan_out (orthonormal rows), a linear layer multiplies the norm of every "
            "input vector by exactly gain; with more inputs than units it projects, and the norm shrinks."
        ),
        reference=N_(
            "Saxe, McClelland & Ganguli (2014), Exact solutions to the nonlinear dynamics of learning"
        ),
        _scale=lambda fan_in, fan_out, gain: gain,
        _keras=lambda gain: ("Orthogonal", {"gain": gain}),
        params=(_GAIN,),
    ),
    Scheme(
        name="zeros",
        label=N_("Zeros"),
        family="zeros",
        formula="W = 0",
        preserves=N_(
            "Every unit of a layer computes the same thing and gets the same gradient: the symmetry is "
            "never broken, so each layer acts as a single unit (with ReLU, no gradient flows at all)."
        ),
        reference=N_("The classic counter-example (Keras Zeros)"),
        _scale=lambda fan_in, fan_out: 0.0,
        _keras=lambda: ("Zeros", {}),
    ),
)


SCHEMES: dict[str, Scheme] = {s.name: s for s in _ALL}
"""All schemes, in display order: name -> :class:`Scheme`."""


def get_scheme(name: str) -> Scheme:
    """The scheme called ``name``, or ValueError listing the known names."""
    try:
        return SCHEMES[name]
    except (KeyError, TypeError):
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, got {name!r}") from None


def sample(name: str, shape: Any, *, seed: int, **params: Any) -> np.ndarray:
    """Weights of ``shape`` drawn from scheme ``name``: float32, the same for the same seed.

    Args:
        name: a key of :data:`SCHEMES`.
        shape: (fan_in, fan_out) for a dense kernel; other ranks get Keras's fan rules.
        seed: non-negative int; ``np.random.default_rng(seed)`` draws the values.
        **params: the scheme's parameters (e.g. ``limit=0.1`` for ``uniform``).

    Raises:
        ValueError: unknown scheme or parameter, or a bad value (the message names it).
    """
    scheme = get_scheme(name)
    shape = check_shape(shape)
    rng = np.random.default_rng(check_seed(seed))
    return scheme.draw(rng, shape, **params)


def sample_values(name: str, n: int, *, fan_in: int, fan_out: int, seed: int, **params: Any) -> np.ndarray:
    """``n`` draws (float32, shape (n,)) of single weights of a (fan_in, fan_out) layer of scheme ``name``.

    The fans set the scale, as for ``sample(name, (fan_in, fan_out))``; the number of draws is free. For
    every family but orthogonal the weights of a layer are i.i.d., so the n values are drawn directly;
    orthogonal entries come from independent orthonormal frames with max(fan_in, fan_out) rows, each
    entry distributed exactly as in a full (fan_in, fan_out) draw.
    """
    scheme = get_scheme(name)
    n = check_shape((n,))[0]
    check_fans(fan_in, fan_out)
    rng = np.random.default_rng(check_seed(seed))
    if scheme.family != "orthogonal":
        return scheme.draw(rng, (n,), fans=(fan_in, fan_out), **params)
    # Every column of a Haar-random orthogonal (m, m) matrix, m = max fan, is uniform on the unit sphere,
    # and the first k columns are distributed exactly like an (m, k) draw: drawing (m, k) frames with
    # k = min(min fan, ceil(n / m)) gives the same values per entry without the O(m^3) QR of a huge layer.
    m, k = max(fan_in, fan_out), min(fan_in, fan_out, max(1, -(-n // max(fan_in, fan_out))))
    # All frames in one batched QR (the same values as drawing them one by one with _orthogonal): a loop
    # of tiny QRs took minutes for 1,000,000 draws at fans 1 x 1.
    q, r = np.linalg.qr(rng.standard_normal((-(-n // (m * k)), m, k)))  # (frames, m, k)
    q *= np.sign(np.diagonal(r, axis1=-2, axis2=-1))[:, None, :]
    return (scheme.scale(fan_in, fan_out, **params) * q).astype(np.float32).ravel()[:n]


def sigma_w2(scheme: str, fan_in: int, fan_out: int, **params: Any) -> float:
    """The mean-field weight variance sigma_w^2 = fan_in * Var(W) of a scheme at these fans."""
    return fan_in * get_scheme(scheme).std(fan_in, fan_out, **params) ** 2

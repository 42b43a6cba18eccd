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
exactly ``scale / n``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# std of N(0, 1) truncated to [-2, 2]: sqrt(1 - 2 * 2 * phi(2) / (2 * Phi(2) - 1)), with phi and Phi
# the standard normal density and distribution function. Keras uses the same constant.
TRUNC_STD_2SIGMA = 0.87962566103423978
# probability mass of N(0, 1) inside [-2, 2]: 2 * Phi(2) - 1 = erf(2 / sqrt(2)).
TRUNC_MASS_2SIGMA = math.erf(2.0 / math.sqrt(2.0))
# The truncation point of truncated normals, in units of their std before truncation.
TRUNC_AT = 2.0

FAMILIES = ("uniform", "normal", "truncnormal", "orthogonal", "zeros")
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


def _family_std(family: str, s: float, fan_in: int, fan_out: int) -> float:
    if family == "uniform":
        return s / math.sqrt(3.0)
    if family == "normal":
        return s
    if family == "truncnormal":
        return s * TRUNC_STD_2SIGMA
    if family == "orthogonal":
        # Q has orthonormal columns (or rows), so sum(Q**2) = min(m, n) over m * n entries.
        return s / math.sqrt(max(fan_in, fan_out, 1))
    return 0.0


def _family_bound(family: str, s: float) -> float:
    return {
        "uniform": s,
        "normal": math.inf if s > 0 else 0.0,
        "truncnormal": TRUNC_AT * s,
        "orthogonal": s,
        "zeros": 0.0,
    }[family]


def _family_density(family: str, s: float, w: np.ndarray, fan_in: int, fan_out: int) -> np.ndarray | None:
    w = np.asarray(w, dtype=np.float64)
    if family == "uniform":
        if s == 0:
            return None
        return np.where(np.abs(w) <= s, 1.0 / (2.0 * s), 0.0)
    if family in ("normal", "truncnormal"):
        if s == 0:
            return None
        pdf = np.exp(-0.5 * (w / s) ** 2) / (s * math.sqrt(2.0 * math.pi))
        if family == "normal":
            return pdf
        return np.where(np.abs(w) <= TRUNC_AT * s, pdf / TRUNC_MASS_2SIGMA, 0.0)
    if family == "orthogonal":
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
    return None


def _family_excess_kurtosis(family: str, fan_in: int, fan_out: int) -> float:
    if family == "uniform":
        return -1.2
    if family == "normal":
        return 0.0
    if family == "truncnormal":
        # N(0, 1) on [-a, a], Z = 2 Phi(a) - 1:
        # E[x^2] = 1 - 2 a phi(a) / Z, E[x^4] = 3 - 2 (a^3 + 3 a) phi(a) / Z
        a = TRUNC_AT
        phi_a = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
        m2 = 1 - 2 * a * phi_a / TRUNC_MASS_2SIGMA
        m4 = 3 - 2 * (a**3 + 3 * a) * phi_a / TRUNC_MASS_2SIGMA
        return m4 / m2**2 - 3
    if family == "orthogonal":
        # One coordinate of a uniform unit vector in R^m: E[x^2] = 1/m, E[x^4] = 3 / (m (m + 2)).
        m = max(fan_in, fan_out)
        return -6.0 / (m + 2)
    return math.nan


def _family_beyond(family: str, s: float, t: float, fan_in: int, fan_out: int) -> float:
    """P(|w| > t) for one weight of the family with scale s."""
    if family == "zeros" or s == 0:
        return 0.0
    if family == "uniform":
        return max(0.0, 1.0 - t / s)
    if family == "normal":
        return math.erfc(t / (s * math.sqrt(2)))
    if family == "truncnormal":
        if t >= TRUNC_AT * s:
            return 0.0
        return (math.erfc(t / (s * math.sqrt(2))) - (1 - TRUNC_MASS_2SIGMA)) / TRUNC_MASS_2SIGMA
    # orthogonal: integrate the exact marginal density numerically
    if t >= s:
        return 0.0
    grid = np.linspace(t, s, 20001)
    pdf = _family_density(family, s, grid, fan_in, fan_out)
    if pdf is None:  # m < 3: entries are +-gain (m = 1) or arcsine-distributed (m = 2)
        return 1.0 if max(fan_in, fan_out) == 1 else 1 - 2 / math.pi * math.asin(t / s)
    return float(2 * np.trapezoid(pdf, grid))


def _truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], s: float) -> np.ndarray:
    """N(0, s^2) with every value beyond 2 s re-drawn (rejection; 95.4% accepted per round)."""
    out = rng.standard_normal(shape, dtype=np.float32)
    bad = np.abs(out) > TRUNC_AT
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()), dtype=np.float32)
        bad = np.abs(out) > TRUNC_AT
    return out * np.float32(s)


def _orthogonal(rng: np.random.Generator, shape: tuple[int, ...], gain: float) -> np.ndarray:
    """Keras 3's algorithm: QR of a normal (max, min) matrix, signs fixed by diag(R)."""
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 dimensions for orthogonal, got {shape}")
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(np.float32)


def _family_draw(family: str, s: float, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    if family == "uniform":
        return (rng.random(shape, dtype=np.float32) * np.float32(2.0 * s) - np.float32(s)).astype(
            np.float32, copy=False
        )
    if family == "normal":
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(s)
    if family == "truncnormal":
        return _truncated_normal(rng, shape, s)
    if family == "orthogonal":
        return _orthogonal(rng, shape, s)
    return np.zeros(shape, dtype=np.float32)


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
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{self.name} must be a number, got {value!r}")
        v = float(value)
        if not math.isfinite(v) or not self.low <= v <= self.high:
            raise ValueError(f"{self.name} must be in [{self.low:g}, {self.high:g}], got {value!r}")
        return v


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
        """The teaching text shown on the pages: formula, what it preserves, and the paper."""
        return f"{self.formula}. {self.preserves} {self.reference}."

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
        _check_fans(fan_in, fan_out)
        return _family_std(self.family, self.scale(fan_in, fan_out, **params), fan_in, fan_out)

    def bound(self, fan_in: int, fan_out: int, **params: Any) -> float:
        """The largest |w| the scheme can draw (math.inf for the untruncated normal)."""
        _check_fans(fan_in, fan_out)
        return _family_bound(self.family, self.scale(fan_in, fan_out, **params))

    def density(self, w: np.ndarray, fan_in: int, fan_out: int, **params: Any) -> np.ndarray | None:
        """Exact probability density of one weight at the points ``w``; None if it has atoms."""
        _check_fans(fan_in, fan_out)
        s = self.scale(fan_in, fan_out, **params)
        return _family_density(self.family, s, w, fan_in, fan_out)

    def theory(self, fan_in: int, fan_out: int, **params: Any) -> dict[str, float]:
        """Exact moments of one weight: mean, std, var, min, max, excess_kurtosis, beyond_2std
        (the probability that |w| > 2 std). NaN where undefined (the kurtosis of zeros)."""
        std = self.std(fan_in, fan_out, **params)
        bound = self.bound(fan_in, fan_out, **params)
        s = self.scale(fan_in, fan_out, **params)
        return {
            "mean": 0.0,
            "std": std,
            "var": std * std,
            "min": -bound if bound else 0.0,
            "max": bound,
            "excess_kurtosis": _family_excess_kurtosis(self.family, fan_in, fan_out) if std > 0 else math.nan,
            "beyond_2std": _family_beyond(self.family, s, 2 * std, fan_in, fan_out) if std > 0 else 0.0,
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
        _check_fans(max(fan_in, 1), max(fan_out, 1))
        return _family_draw(self.family, self.scale(fan_in, fan_out, **params), rng, shape)

    def short_label(self, **params: Any) -> str:
        """A compact legend label that shows the parameters, e.g. ``U[-0.1, 0.1]``."""
        p = self.resolve(params)
        if self.name == "uniform":
            return f"U[-{p['limit']:.4g}, {p['limit']:.4g}]"
        if self.name == "normal":
            return f"N(0, {p['std']:.4g}²)"
        if self.name == "truncated_normal":
            return f"TN(0, {p['std']:.4g}²)"
        if self.name == "orthogonal" and p["gain"] != 1.0:
            return f"Orthogonal (gain {p['gain']:.4g})"
        return self.label

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
        from .training import tensorflow  # noqa: PLC0415 -- TensorFlow only when asked for

        keras = tensorflow()[1]
        cls, kwargs = self.keras_spec(seed, **params)
        return getattr(keras.initializers, cls)(**kwargs)


def _check_fans(fan_in: int, fan_out: int) -> None:
    for name, v in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")


def _vs(scale: float, mode: str, distribution: str) -> Callable[..., float]:
    def scale_fn(fan_in: int, fan_out: int) -> float:
        return variance_scaling(fan_in, fan_out, scale=scale, mode=mode, distribution=distribution)[1]

    return scale_fn


def _vs_keras(cls: str, **fixed: Any) -> Callable[..., tuple[str, dict[str, Any]]]:
    return lambda: (cls, dict(fixed))


_LIMIT = Param("limit", 0.1, 0.0, 1e6, "half-width of the interval: W ~ U[-limit, limit]")
_STD = Param("std", 0.1, 0.0, 1e6, "standard deviation of the normal")
_TSTD = Param("std", 0.1, 0.0, 1e6, "std of the normal before values beyond 2 std are re-drawn")
_GAIN = Param("gain", 1.0, 0.0, 1e6, "multiplies the orthogonal matrix")

_GLOROT = "Glorot & Bengio (2010), Understanding the difficulty of training deep feedforward nets"
_HE = "He et al. (2015), Delving deep into rectifiers"
_LECUN = "LeCun et al. (1998), Efficient BackProp"

_ALL = (
    Scheme(
        "uniform",
        "Uniform",
        "uniform",
        "W ~ U[-limit, limit], Var(W) = limit^2 / 3 (default limit 0.1)",
        "Ignores the layer's size: Var(z) = fan_in * limit^2 / 3 * E[x^2] grows with fan_in.",
        "The common default before 2010 (Keras RandomUniform)",
        lambda fan_in, fan_out, limit: limit,
        lambda limit: ("RandomUniform", {"minval": -limit, "maxval": limit}),
        (_LIMIT,),
    ),
    Scheme(
        "normal",
        "Normal",
        "normal",
        "W ~ N(0, std^2), untruncated (default std 0.1)",
        "Ignores the layer's size: Var(z) = fan_in * std^2 * E[x^2] grows with fan_in.",
        "The common default before 2010 (Keras RandomNormal)",
        lambda fan_in, fan_out, std: std,
        lambda std: ("RandomNormal", {"mean": 0.0, "stddev": std}),
        (_STD,),
    ),
    Scheme(
        "truncated_normal",
        "Truncated normal",
        "truncnormal",
        "W ~ N(0, std^2) with values beyond 2 std re-drawn; its std is 0.8796 std",
        "Ignores the layer's size, like the plain normal, but no weight exceeds 2 std.",
        "Keras TruncatedNormal",
        lambda fan_in, fan_out, std: std,
        lambda std: ("TruncatedNormal", {"mean": 0.0, "stddev": std}),
        (_TSTD,),
    ),
    Scheme(
        "standard",
        "Standard (1/sqrt(fan_in))",
        "uniform",
        "W ~ U[-1/sqrt(fan_in), 1/sqrt(fan_in)], Var(W) = 1 / (3 fan_in)",
        "Var(z) = E[x^2] / 3: through a linear layer the signal's E[z^2] shrinks to a third.",
        f"The 'commonly used heuristic' of {_GLOROT}",
        _vs(1.0 / 3.0, "fan_in", "uniform"),
        _vs_keras("VarianceScaling", scale=1.0 / 3.0, mode="fan_in", distribution="uniform"),
        fan_based=True,
    ),
    Scheme(
        "glorot_uniform",
        "Glorot (Xavier) uniform",
        "uniform",
        "W ~ U[-limit, limit], limit = sqrt(6 / (fan_in + fan_out)), Var(W) = 2 / (fan_in + fan_out)",
        "Derived for units that are linear with slope 1 near 0 (tanh, softsign): there it keeps the "
        "variance of activations going forward and of gradients going back about the same from layer to "
        "layer (fan_in and fan_out differ: their mean is the compromise). tanh's curvature still shrinks "
        "the signal slowly over many layers; the sigmoid (slope 1/4) needs 4x the scale.",
        _GLOROT,
        _vs(1.0, "fan_avg", "uniform"),
        _vs_keras("GlorotUniform"),
        fan_based=True,
    ),
    Scheme(
        "glorot_normal",
        "Glorot (Xavier) normal",
        "truncnormal",
        "W ~ N(0, s^2) truncated at 2 s, s = sqrt(2 / (fan_in + fan_out)) / 0.8796, "
        "Var(W) = 2 / (fan_in + fan_out)",
        "Derived for units that are linear with slope 1 near 0 (tanh, softsign): there it keeps the "
        "variance of activations going forward and of gradients going back about the same from layer to "
        "layer (fan_in and fan_out differ: their mean is the compromise). tanh's curvature still shrinks "
        "the signal slowly over many layers; the sigmoid (slope 1/4) needs 4x the scale.",
        _GLOROT,
        _vs(1.0, "fan_avg", "truncated_normal"),
        _vs_keras("GlorotNormal"),
        fan_based=True,
    ),
    Scheme(
        "glorot_uniform_x4",
        "4x Glorot uniform (sigmoid)",
        "uniform",
        "W ~ U[-limit, limit], limit = 4 sqrt(6 / (fan_in + fan_out)), Var(W) = 32 / (fan_in + fan_out)",
        "The old rule of thumb for sigmoid units: sigmoid'(0) = 1/4 is compensated by 4x larger weights.",
        "Bengio (2012), Practical recommendations for gradient-based training of deep architectures",
        _vs(16.0, "fan_avg", "uniform"),
        _vs_keras("VarianceScaling", scale=16.0, mode="fan_avg", distribution="uniform"),
        fan_based=True,
    ),
    Scheme(
        "he_uniform",
        "He uniform",
        "uniform",
        "W ~ U[-limit, limit], limit = sqrt(6 / fan_in), Var(W) = 2 / fan_in",
        "For ReLU units, which zero half their input, keeps E[z^2] the same from layer to layer on "
        "average; a finite layer drifts around it, more so over many layers.",
        _HE,
        _vs(2.0, "fan_in", "uniform"),
        _vs_keras("HeUniform"),
        fan_based=True,
    ),
    Scheme(
        "he_normal",
        "He normal",
        "truncnormal",
        "W ~ N(0, s^2) truncated at 2 s, s = sqrt(2 / fan_in) / 0.8796, Var(W) = 2 / fan_in",
        "For ReLU units, which zero half their input, keeps E[z^2] the same from layer to layer on "
        "average; a finite layer drifts around it, more so over many layers.",
        _HE,
        _vs(2.0, "fan_in", "truncated_normal"),
        _vs_keras("HeNormal"),
        fan_based=True,
    ),
    Scheme(
        "lecun_uniform",
        "LeCun uniform",
        "uniform",
        "W ~ U[-limit, limit], limit = sqrt(3 / fan_in), Var(W) = 1 / fan_in",
        "For linear-like units, keeps E[z^2] equal to the inputs' E[x^2] (Var(z) = fan_in Var(W) E[x^2]).",
        _LECUN,
        _vs(1.0, "fan_in", "uniform"),
        _vs_keras("LecunUniform"),
        fan_based=True,
    ),
    Scheme(
        "lecun_normal",
        "LeCun normal",
        "truncnormal",
        "W ~ N(0, s^2) truncated at 2 s, s = sqrt(1 / fan_in) / 0.8796, Var(W) = 1 / fan_in",
        "For linear-like units, keeps E[z^2] equal to the inputs' E[x^2] (Var(z) = fan_in Var(W) E[x^2]).",
        _LECUN,
        _vs(1.0, "fan_in", "truncated_normal"),
        _vs_keras("LecunNormal"),
        fan_based=True,
    ),
    Scheme(
        "orthogonal",
        "Orthogonal",
        "orthogonal",
        "W = gain * Q, Q a random orthogonal matrix (orthonormal columns, or rows if fan_in < fan_out); "
        "Var(W) = gain^2 / max(fan_in, fan_out)",
        "With fan_in <= fan_out (orthonormal rows), a linear layer multiplies the norm of every input "
        "vector by exactly gain; with more inputs than units it projects, and the norm shrinks.",
        "Saxe, McClelland & Ganguli (2014), Exact solutions to the nonlinear dynamics of learning",
        lambda fan_in, fan_out, gain: gain,
        lambda gain: ("Orthogonal", {"gain": gain}),
        (_GAIN,),
    ),
    Scheme(
        "zeros",
        "Zeros",
        "zeros",
        "W = 0",
        "Every unit of a layer computes the same thing and gets the same gradient: the symmetry is "
        "never broken, so each layer acts as a single unit (with ReLU, no gradient flows at all).",
        "The classic counter-example (Keras Zeros)",
        lambda fan_in, fan_out: 0.0,
        lambda: ("Zeros", {}),
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


def check_seed(seed: Any) -> int:
    """A seed as a non-negative int, or ValueError echoing the value."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_shape(shape: Any) -> tuple[int, ...]:
    """A shape as a tuple of non-negative ints (an int n means (n,)), or ValueError."""
    dims = (shape,) if isinstance(shape, numbers.Integral) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise ValueError(f"shape must be a tuple of non-negative integers, got {shape!r}") from None
    if any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0 for d in dims):
        raise ValueError(f"shape must be a tuple of non-negative integers, got {shape!r}")
    return tuple(int(d) for d in dims)


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
    _check_fans(fan_in, fan_out)
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

"""Activation functions, their slopes, and the zones where a unit is saturated or near-linear.

The *relative slope* of an activation phi at a pre-activation z is r(z) = phi'(z) / max phi'. A unit is

- **saturated** where r(z) < 0.05: its output barely moves and almost no gradient passes
  (sigmoid: |z| > 2 acosh(sqrt(20)) = 4.357; tanh: |z| > 2.178, i.e. |a| > sqrt(0.95) = 0.975;
  relu: z <= 0, a dead unit);
- **near-linear** where r(z) >= 0.95: the unit behaves like a linear map, no nonlinearity
  (sigmoid: |z| <= 2 acosh(1 / sqrt(0.95)) = 0.455; tanh: |z| <= 0.227; relu: z > 0).

All functions are numerically stable: no overflow warning and no NaN for |z| up to 1e6 and beyond.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .words import N_, tr

SATURATED_SLOPE = 0.05  # r(z) below this: saturated
LINEAR_SLOPE = 0.95  # r(z) at or above this: near-linear


# The forward pass's hot path writes phi(z) into `a` and phi'(z) into `d` with no temporary arrays
# (fresh multi-megabyte temporaries cost more in page faults than the arithmetic) and may overwrite z.


# exp(-87) = 1.65e-38 is a normal float32 number; log(tiny) = -87.3365 itself is not safe: rounded to
# float32 it lies below the true value, and its exponential is a denormal 1.1754942e-38 < tiny.
_EXP_FLOOR = {np.dtype(np.float32): -87.0}
TINY_SLOPE = 2.0**-60  # a slope this small times a gradient can fall below float32's normal range (1.2e-38)
_TINY_EXPONENT = math.log(TINY_SLOPE)  # -41.6: sigmoid'(z) <= exp(-|z|) is below TINY_SLOPE past it


def _sigmoid_into(z: np.ndarray, a: np.ndarray, d: np.ndarray) -> bool:
    # With e = exp(-|z|) <= 1 nothing overflows: sigmoid(z) = f / (1 + e) with f = exp(min(z, 0)), which
    # is e for z < 0 and 1 for z >= 0, i.e. f = max(e, [z >= 0]): one exponential, no branch. It equals
    # 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, and sigmoid'(z) = e / (1 + e)^2 keeps full
    # relative precision in both tails. In float32, when some |z| is beyond 87 the exponent is floored at
    # -87 (just above the smallest normal number's), so deeply saturated units never produce denormal
    # numbers, which the next layer's matrix product reads ~150x slower (31 ms against 0.2 ms for a
    # (250, 250) product with a fifth of its entries denormal): their slope and output are 1.6e-38
    # instead of smaller.
    np.greater_equal(z, 0.0, out=a)  # [z >= 0] as 1.0 / 0.0 (NaN: 0, and then NaN below)
    np.abs(z, out=d)  # abs then negative: 49 us for 256,000 float32 values, where numpy's copysign, not
    np.negative(d, out=d)  # vectorised, takes 128 us in its one pass: -|z|
    floor = _EXP_FLOOR.get(z.dtype)
    lowest = np.fmin.reduce(d, axis=None) if d.size else 0.0  # fmin skips NaN, silently
    if floor is not None and lowest < floor:
        np.maximum(d, floor, out=d)
    np.exp(d, out=d)  # e
    np.maximum(d, a, out=a)  # f = exp(min(z, 0))
    np.add(d, 1.0, out=z)
    np.reciprocal(z, out=z)  # r = 1 / (1 + e)
    np.multiply(a, z, out=a)  # sigmoid = f r
    np.multiply(d, z, out=d)
    np.multiply(d, z, out=d)  # sigmoid' = e r^2
    return bool(lowest < _TINY_EXPONENT)  # sigmoid' <= e


def _tanh_into(z: np.ndarray, a: np.ndarray, d: np.ndarray) -> bool:
    np.tanh(z, out=a)
    np.multiply(a, a, out=d)
    np.subtract(1.0, d, out=d)  # tanh' = 1 - tanh^2: exactly 0 or at least 6e-8 in float32
    return False


def _relu_into(z: np.ndarray, a: np.ndarray, d: np.ndarray) -> bool:
    np.greater(z, 0.0, out=d)  # relu' = 1 for z > 0, else 0 (TensorFlow's choice at 0)
    np.multiply(z, d, out=a)  # relu = z * relu' (np.maximum with a scalar is 4x slower)
    return False


def _linear_into(z: np.ndarray, a: np.ndarray, d: np.ndarray) -> bool:
    np.copyto(a, z)
    d.fill(1.0)
    return False


def _float_copy(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z)
    return np.array(z, dtype=z.dtype if z.dtype.kind == "f" else np.float64)


Interval = tuple[float, float]


@dataclass(frozen=True)
class Activation:
    """An activation function phi with its derivative and its saturated / near-linear zones.

    Attributes:
        name: registry key (the Keras activation name).
        label: display name.
        formula: phi(z) as text.
        into: ``into(z, a, d)`` writes phi(z) into ``a`` and phi'(z) into ``d`` (arrays of z's shape and
            dtype) without temporaries, and may overwrite ``z``: the forward pass's hot path. It returns
            whether some nonzero slope may be below ``TINY_SLOPE`` (only sigmoid's can), so that the
            backward pass knows when its products can turn denormal.
        max_deriv: max over z of phi'(z).
        saturated: the z-intervals where r(z) < 0.05.
        near_linear: the z-intervals where r(z) >= 0.95.
        limits: (phi(-inf), phi(+inf)) for bounded activations, None otherwise.
        mean_sq: closed form of E[phi(sqrt(q) u)^2], u ~ N(0, 1), when there is one (else None:
            the theory module integrates numerically).
        mean_deriv_sq: closed form of E[phi'(sqrt(q) u)^2], when there is one.
    """

    name: str
    label: str
    formula: str
    into: Callable[[np.ndarray, np.ndarray, np.ndarray], bool] = field(repr=False)
    max_deriv: float
    saturated: tuple[Interval, ...]
    near_linear: tuple[Interval, ...]
    limits: tuple[float, float] | None = None
    mean_sq: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    mean_deriv_sq: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)

    def value_and_slope(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(phi(z), phi'(z)), elementwise; a float input keeps its dtype (others become float64)."""
        z = _float_copy(z)  # a copy: `into` may overwrite it
        a, d = np.empty_like(z), np.empty_like(z)
        self.into(z, a, d)
        return a, d

    def fn(self, z: np.ndarray) -> np.ndarray:
        """phi(z), elementwise."""
        return self.value_and_slope(z)[0]

    def deriv(self, z: np.ndarray) -> np.ndarray:
        """phi'(z), elementwise."""
        return self.value_and_slope(z)[1]

    def relative_slope(self, z: np.ndarray) -> np.ndarray:
        """r(z) = phi'(z) / max phi', in [0, 1]."""
        return self.deriv(z) / self.max_deriv


def _symmetric(threshold: float, outside: bool) -> tuple[Interval, ...]:
    if outside:
        return ((-math.inf, -threshold), (threshold, math.inf))
    return ((-threshold, threshold),)


# tanh'(z) = 1 / cosh(z)^2, so r(z) = r0 <=> |z| = acosh(1 / sqrt(r0)); sigmoid(z) = (1 + tanh(z/2)) / 2,
# so the sigmoid's thresholds are twice the tanh ones.
TANH_SATURATION_Z = math.acosh(1.0 / math.sqrt(SATURATED_SLOPE))  # 2.178
TANH_LINEAR_Z = math.acosh(1.0 / math.sqrt(LINEAR_SLOPE))  # 0.2274
SIGMOID_SATURATION_Z = 2.0 * TANH_SATURATION_Z  # 4.357
SIGMOID_LINEAR_Z = 2.0 * TANH_LINEAR_Z  # 0.4549

_ALL = (
    Activation(
        "sigmoid",
        N_("Sigmoid"),
        "sigmoid(z) = 1 / (1 + exp(-z)); sigmoid'(z) = sigmoid(z) (1 - sigmoid(z)) <= 1/4",
        _sigmoid_into,
        0.25,
        _symmetric(SIGMOID_SATURATION_Z, outside=True),
        _symmetric(SIGMOID_LINEAR_Z, outside=False),
        limits=(0.0, 1.0),
    ),
    Activation(
        "tanh",
        N_("Tanh"),
        "tanh(z) = (e^z - e^-z) / (e^z + e^-z); tanh'(z) = 1 - tanh(z)^2 <= 1",
        _tanh_into,
        1.0,
        _symmetric(TANH_SATURATION_Z, outside=True),
        _symmetric(TANH_LINEAR_Z, outside=False),
        limits=(-1.0, 1.0),
    ),
    Activation(
        "relu",
        N_("ReLU"),
        "relu(z) = max(z, 0); relu'(z) = 1 for z > 0, else 0",
        _relu_into,
        1.0,
        ((-math.inf, 0.0),),
        ((0.0, math.inf),),
        mean_sq=lambda q: np.asarray(q, dtype=np.float64) / 2.0,
        mean_deriv_sq=lambda q: np.full_like(np.asarray(q, dtype=np.float64), 0.5),
    ),
    Activation(
        "linear",
        N_("Linear (none)"),
        "linear(z) = z; linear'(z) = 1",
        _linear_into,
        1.0,
        (),
        ((-math.inf, math.inf),),
        mean_sq=lambda q: np.asarray(q, dtype=np.float64),
        mean_deriv_sq=lambda q: np.ones_like(np.asarray(q, dtype=np.float64)),
    ),
)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in _ALL}
# An activation as a sentence names it ("a sigmoid unit", "the tanh's flat tails"), where formulas keep
# its code name (sigmoid(z)): a language may write the word in its own letters.
PROSE_NAMES = {"sigmoid": N_("sigmoid"), "tanh": N_("tanh"), "relu": N_("relu"), "linear": N_("linear")}


def prose_name(name: str) -> str:
    """The activation ``name`` as a sentence in the page's language names it (English: its code name)."""
    return tr(PROSE_NAMES[name])


"""All activations, in display order: name -> :class:`Activation`."""


def get_activation(name: str) -> Activation:
    """The activation called ``name``, or ValueError listing the known names."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {name!r}") from None


ZONE_NAMES = (N_("saturated"), N_("nonlinear"), N_("near-linear"))  # messages: the charts show them


def zone_of(name: str, z: np.ndarray) -> np.ndarray:
    """The zone of each pre-activation: 'saturated' (r < 0.05), 'near-linear' (r >= 0.95) or
    'nonlinear' (in between: the useful, curved part of phi)."""
    r = get_activation(name).relative_slope(np.asarray(z, dtype=np.float64))
    return np.where(r < SATURATED_SLOPE, "saturated", np.where(r >= LINEAR_SLOPE, "near-linear", "nonlinear"))


def curve(name: str, lo: float = -8.0, hi: float = 8.0, n: int = 401) -> pd.DataFrame:
    """phi and its relative slope on a grid, for plotting: columns z, phi, slope, zone."""
    act = get_activation(name)
    z = np.linspace(lo, hi, n)
    return pd.DataFrame({"z": z, "phi": act.fn(z), "slope": act.relative_slope(z), "zone": zone_of(name, z)})


def zone_spans(name: str, lo: float = -8.0, hi: float = 8.0) -> pd.DataFrame:
    """The saturated, nonlinear and near-linear z-intervals clipped to [lo, hi], in order along z:
    columns zone, start, end."""
    act = get_activation(name)
    cuts = sorted({lo, hi, *(e for iv in act.saturated + act.near_linear for e in iv if lo < e < hi)})
    rows = []
    for start, end in itertools.pairwise(cuts):
        zone = str(zone_of(name, np.array([(start + end) / 2]))[0])
        if rows and rows[-1][0] == zone:
            rows[-1] = (zone, rows[-1][1], end)
        else:
            rows.append((zone, start, end))
    return pd.DataFrame(rows, columns=["zone", "start", "end"])


def gaussian_zone_shares(name: str, std: float, mean: float = 0.0) -> dict[str, float]:
    """Share of z ~ N(mean, std^2) in each zone of activation ``name`` (exact, via erf).

    By the central limit theorem z = sum_i w_i x_i over many inputs is close to normal, so this is
    what a unit fed by n inputs sees: std = sqrt(n Var(w) E[x^2]).
    """
    act = get_activation(name)
    if not (math.isfinite(std) and std >= 0 and math.isfinite(mean)):
        raise ValueError(f"std must be finite and >= 0 and mean finite, got std={std!r}, mean={mean!r}")

    if std == 0:  # every z equals the mean: one zone holds it all
        zone = str(zone_of(name, np.array([mean]))[0])
        return {z: float(z == zone) for z in ("saturated", "nonlinear", "near-linear")}

    def mass(intervals: tuple[Interval, ...]) -> float:
        total = 0.0
        for lo, hi in intervals:
            cdf = [0.5 * (1 + math.erf((e - mean) / (std * math.sqrt(2)))) for e in (lo, hi)]
            total += cdf[1] - cdf[0]
        return total

    sat, lin = mass(act.saturated), mass(act.near_linear)
    return {"saturated": sat, "nonlinear": max(0.0, 1.0 - sat - lin), "near-linear": lin}

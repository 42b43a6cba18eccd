"""Summaries of samples, side by side with a scheme's exact moments, and matched comparisons."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .schemes import get_scheme

SUMMARY_KEYS = ("mean", "std", "var", "min", "max", "excess_kurtosis", "beyond_2std")
COMPARE_MODES = ("bound", "variance", "free")


def sample_summary(values: np.ndarray) -> dict[str, float]:
    """The sample's mean, std, var, min, max, excess kurtosis (m4 / m2^2 - 3) and share of |w| > 2 std.

    Computed in float64. An empty sample gives NaN everywhere; a constant one has NaN kurtosis.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        return dict.fromkeys(SUMMARY_KEYS, math.nan)
    lo, hi = float(v.min()), float(v.max())
    if (
        lo == hi
    ):  # a constant (zeros, a zero-width uniform): no spread, even if the float mean is off by 1 ulp
        return {
            **dict.fromkeys(SUMMARY_KEYS, 0.0),
            "mean": lo,
            "min": lo,
            "max": hi,
            "excess_kurtosis": math.nan,
        }
    mean = float(v.mean())
    dev = v - mean
    sq = np.square(dev, out=dev)  # (w - mean)^2, in place
    m2 = float(sq.mean())
    std = math.sqrt(m2)
    kurt = float(np.dot(sq, sq)) / sq.size / m2**2 - 3.0 if m2 > 0 else math.nan
    return {
        "mean": mean,
        "std": std,
        "var": m2,
        "min": lo,
        "max": hi,
        "excess_kurtosis": kurt,
        "beyond_2std": float(np.count_nonzero(np.abs(v) > 2 * std)) / v.size if std > 0 else 0.0,
    }


def matched_params(
    mode: str,
    a: str,
    a_params: dict[str, Any],
    b: str,
    b_params: dict[str, Any],
    fan_in: int,
    fan_out: int,
) -> dict[str, float]:
    """A's parameters under a comparison ``mode`` against B (B is never changed).

    - ``bound``: the lesson's comparison, A's scale number equals B's: U[-s, s] against N(0, s^2).
    - ``variance``: A's scale is set so that Var(A) = Var(B): U[-sqrt(3) s, sqrt(3) s] against N(0, s^2).
    - ``free``: A's parameters as given.
    A scheme without a free parameter (the fan-based ones, zeros) keeps its parameters in every mode.
    The matched value is clipped to the parameter's allowed range.
    """
    if mode not in COMPARE_MODES:
        raise ValueError(f"mode must be one of {COMPARE_MODES}, got {mode!r}")
    sa, sb = get_scheme(a), get_scheme(b)
    resolved = sa.resolve(a_params)
    if mode == "free" or not sa.params:
        return resolved
    param = sa.params[0]
    if mode == "bound":
        target = sb.scale(fan_in, fan_out, **b_params)
    else:
        unit = sa.std(fan_in, fan_out, **{param.name: 1.0})
        target = sb.std(fan_in, fan_out, **b_params) / unit if unit > 0 else param.default
    resolved[param.name] = min(max(target, param.low), param.high)
    return resolved


def histogram_frame(samples: dict[str, np.ndarray], *, bins: int, lo: float, hi: float) -> pd.DataFrame:
    """Histograms of several samples on shared bins, as densities (area 1 over all values):
    columns series, left, right, count, density. Values outside [lo, hi] are counted in no bin."""
    edges = np.linspace(lo, hi, bins + 1)
    frames = []
    for series, values in samples.items():
        values = np.asarray(values).ravel()
        counts, _ = np.histogram(values, bins=edges)
        width = edges[1] - edges[0]
        density = counts / (max(values.size, 1) * width) if width > 0 else np.zeros(bins)
        frames.append(
            pd.DataFrame(
                {
                    "series": series,
                    "left": edges[:-1],
                    "right": edges[1:],
                    "count": counts,
                    "density": density,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def symmetric_range(samples: dict[str, np.ndarray], *, floor: float = 0.0) -> float:
    """A half-width that shows every sample (its largest finite |value|, at least ``floor``; 1 when there
    is nothing to show), for shared axes."""
    finite = [np.abs(v[np.isfinite(v)]) for v in map(np.asarray, samples.values())]
    top = max((float(f.max()) for f in finite if f.size), default=0.0)
    return max(top, floor) or 1.0

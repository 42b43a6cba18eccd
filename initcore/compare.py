"""Side-by-side comparisons of two (or more) initializations: the data behind page 1, as DataFrames.

``schemes`` arguments map a display label to (scheme name, parameters), e.g.
``{"A: U[-0.1, 0.1]": ("uniform", {"limit": 0.1}), "B: N(0, 0.1²)": ("normal", {"std": 0.1})}``.
Series i is drawn with seed ``seed + i``, so two identical schemes still get different draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .activations import gaussian_zone_shares, zone_of
from .network import input_mean_square, neuron_z
from .schemes import get_scheme, sample_values
from .stats import histogram_frame, sample_summary, symmetric_range
from .words import N_

Schemes = dict[str, tuple[str, dict[str, Any]]]
NEURON_UNITS, NEURON_BATCH = 100, 200  # 20,000 values of z per series


@dataclass(frozen=True)
class Draws:
    samples: dict[str, np.ndarray]  # label -> (n,) float32 draws
    hist: pd.DataFrame  # series, left, right, count, density
    curves: pd.DataFrame  # series, w, density (exact; schemes with atoms have none)
    summary: (
        pd.DataFrame
    )  # draws, of ("theory" / "sample"), mean, std, var, min, max, excess_kurtosis, beyond_2std


def compare_draws(schemes: Schemes, *, fan_in: int, fan_out: int, n: int, seed: int, bins: int = 60) -> Draws:
    """Draw n single weights of a (fan_in, fan_out) layer per scheme; histograms, densities, summaries."""
    samples = {
        label: sample_values(name, n, fan_in=fan_in, fan_out=fan_out, seed=seed + i, **params)
        for i, (label, (name, params)) in enumerate(schemes.items())
    }
    reach = symmetric_range(samples)
    grid = np.linspace(-reach, reach, 400)
    curves, rows = [], []
    for label, (name, params) in schemes.items():
        scheme = get_scheme(name)
        density = scheme.density(grid, fan_in, fan_out, **params)
        if density is not None:
            curves.append(pd.DataFrame({"series": label, "w": grid, "density": density}))
        rows.append({"draws": label, "of": "theory", **scheme.theory(fan_in, fan_out, **params)})
        rows.append({"draws": label, "of": "sample", **sample_summary(samples[label])})
    return Draws(
        samples=samples,
        hist=histogram_frame(samples, bins=bins, lo=-reach, hi=reach),
        curves=pd.concat(curves, ignore_index=True)
        if curves
        else pd.DataFrame(columns=["series", "w", "density"]),
        summary=pd.DataFrame(rows),
    )


@dataclass(frozen=True)
class Neuron:
    hist: pd.DataFrame  # series, left, right, count, density, height (density / the largest density)
    table: pd.DataFrame  # one row per series: std of z and zone shares, sample and theory
    reach: float  # the half-width of the z axis


def compare_neuron(
    schemes: Schemes, *, n: int, inputs: str, seed: int, activation: str = "sigmoid", bins: int = 60
) -> Neuron:
    """What one neuron sees: z = sum_i w_i x_i with fan-in n, for each scheme; its zones, measured and
    predicted (z is nearly normal with std sqrt(n Var(w) E[x^2]) by the central limit theorem)."""
    zs = {
        label: neuron_z(
            name, n, inputs=inputs, units=NEURON_UNITS, batch=NEURON_BATCH, seed=seed + i, **params
        )
        for i, (label, (name, params)) in enumerate(schemes.items())
    }
    rows = []
    for label, (name, params) in schemes.items():
        std_z = math.sqrt(n * input_mean_square(inputs)) * get_scheme(name).std(n, n, **params)
        theory = gaussian_zone_shares(activation, std_z)
        zones = pd.Series(zone_of(activation, zs[label])).value_counts(normalize=True)
        rows.append(
            {
                "weights": label,
                "std of z (theory)": std_z,
                "std of z (sample)": float(np.std(zs[label], dtype=np.float64)),
                "near-linear": float(zones.get("near-linear", 0.0)),
                "saturated": float(zones.get("saturated", 0.0)),
                "near-linear (theory)": theory["near-linear"],
                "saturated (theory)": theory["saturated"],
            }
        )
    reach = symmetric_range(zs, floor=6.0)
    hist = histogram_frame(zs, bins=bins, lo=-reach, hi=reach)
    top = hist["density"].max()
    hist["height"] = hist["density"] / top if top > 0 else 0.0
    return Neuron(hist=hist, table=pd.DataFrame(rows), reach=reach)


def normal_z_curves(stds: dict[str, float], *, reach: float, points: int = 301) -> pd.DataFrame:
    """Normal densities of z with the given stds on [-reach, reach] (the central-limit picture of
    z = sum w_i x_i): columns series, z, density, height (density / its peak, so 1 at z = 0)."""
    z = np.linspace(-reach, reach, points)
    frames = []
    for series, std in stds.items():
        if std > 0:
            density = np.exp(-0.5 * (z / std) ** 2) / (std * math.sqrt(2 * math.pi))
            frames.append(
                pd.DataFrame(
                    {
                        "series": series,
                        "z": z,
                        "density": density,
                        "height": density * std * math.sqrt(2 * math.pi),
                    }
                )
            )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["series", "z", "density", "height"])
    )


ZONE_COLUMNS = (N_("n"), N_("weights"), N_("std of z"), N_("near-linear"), N_("saturated"))  # zone_table's
# columns, the headers of the landing page's table


def zone_table(
    activation: str,
    *,
    ns: tuple[int, ...] = (100, 1000),
    schemes: tuple[str, ...] = ("uniform", "normal", "glorot_uniform"),
) -> pd.DataFrame:
    """Where one unit's z lands, exactly: for a unit with n inputs x ~ N(0, 1) in an (n, n) layer, z is
    close to N(0, n Var(w)); per n and scheme (at its default parameters) the std of z and the shares of
    z in the activation's near-linear and saturated zones (``gaussian_zone_shares``). Columns n, weights,
    std of z, near-linear, saturated."""
    rows = []
    for n in ns:
        for name in schemes:
            scheme = get_scheme(name)
            std_z = math.sqrt(n) * scheme.std(n, n)
            shares = gaussian_zone_shares(activation, std_z)
            rows.append(
                {
                    "n": n,
                    "weights": scheme.short_label(),
                    "std of z": std_z,
                    "near-linear": shares["near-linear"],
                    "saturated": shares["saturated"],
                }
            )
    return pd.DataFrame(rows)


def lesson_z_curves(n: int, schemes: dict[str, dict[str, float]]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The normal curves of z for a unit with n inputs x ~ N(0, 1) for each scheme (name -> parameters),
    labelled with the scheme's short label: (curves as :func:`normal_z_curves`, label -> scheme name)."""
    stds = {
        get_scheme(k).short_label(**p): math.sqrt(n) * get_scheme(k).std(n, n, **p)
        for k, p in schemes.items()
    }
    return normal_z_curves(stds, reach=8.0), dict(zip(stds, schemes, strict=True))

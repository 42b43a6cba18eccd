"""What a deep net does to the signal, layer by layer, for several initializations side by side, with
the mean-field theory's prediction beside every measurement: the data behind page 2.

All initializations see the same inputs and use the same seed, so two schemes of one family (say
N(0, 0.1^2) and N(0, 1)) get the same random directions and differ only in scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .activations import get_activation
from .network import (
    LAYER_COLUMNS,
    input_mean_square,
    network_weights,
    propagate,
    sample_inputs,
    upstream_gradient,
)
from .schemes import get_scheme, sigma_w2
from .theory import chi1, fixed_point, predicted_grad_rms, variance_map

Inits = dict[str, tuple[str, dict[str, Any]]]
HIST_SAMPLE = 20_000  # activations per layer behind each histogram
ORDERED_BELOW, CHAOTIC_ABOVE = 0.9, 1.1  # chi1 bands for the phase verdict


@dataclass(frozen=True)
class DepthStudy:
    layers: pd.DataFrame  # one row per (series, layer): layer_stats columns + theory (see depth_study)
    hist: pd.DataFrame  # series, layer, left, right, density, height (density / the layer's largest)
    summary: pd.DataFrame  # one row per series: sigma_w2, sigma_b2, q_star, chi1, phase, factors, verdict


def phase_of(c: float) -> str:
    """'ordered' (chi1 < 0.9: gradients vanish), 'critical' (0.9 to 1.1) or 'chaotic' (> 1.1: they grow)."""
    if not math.isfinite(c):
        return "undefined"
    return "ordered" if c < ORDERED_BELOW else "chaotic" if c > CHAOTIC_ABOVE else "critical"


def verdict(activation: str, scheme: str, layers: pd.DataFrame) -> tuple[str, str]:
    """A one-word verdict and the sentence with the numbers behind it, from one series' layer table."""
    act = get_activation(activation)
    first, last = layers.iloc[0], layers.iloc[-1]
    depth = int(last["layer"])
    if not np.isfinite(layers[list(LAYER_COLUMNS)].to_numpy(dtype=float)).all():
        return "overflow", "the numbers outgrow float32 (inf or NaN): the weights are far too large"
    if get_scheme(scheme).family == "zeros" or last["a_std"] == 0:
        return "symmetric", (
            f"every unit of a layer computes the same value (activation std {last['a_std']:.2g}): "
            "nothing breaks the symmetry, so the units can never learn different features"
        )
    found = []
    if act.name in ("sigmoid", "tanh"):
        if last["saturated"] >= 0.2:
            found.append(
                (
                    "saturated",
                    f"{last['saturated']:.0%} of layer-{depth} units sit in the {act.name}'s flat tails",
                )
            )
        if last["near_linear"] >= 0.5:
            found.append(
                (
                    "near-linear",
                    f"{last['near_linear']:.0%} of layer-{depth} units are in the {act.name}'s linear zone",
                )
            )
    if act.name == "relu" and last["saturated"] >= 0.7:
        found.append(("dying", f"{last['saturated']:.0%} of layer-{depth} units output 0"))
    if first["a_std"] > 0 and last["a_std"] < 1e-2 * first["a_std"]:
        spread = f"from {first['a_std']:.2g} at layer 1 to {last['a_std']:.2g} at layer {depth}"
        found.append(("collapsing", f"the activations' spread falls {spread}"))
    if depth > 1 and last["grad_rms"] > 0:
        ratio = first["grad_rms"] / last["grad_rms"]
        if ratio < 1e-2:
            found.append(
                ("vanishing gradients", f"layer 1 gets {ratio:.1e} of the gradient at layer {depth}")
            )
        elif ratio > 1e2:
            found.append(("exploding gradients", f"layer 1 gets {ratio:.1e}x the gradient at layer {depth}"))
    if not found:
        ratio = first["grad_rms"] / last["grad_rms"] if last["grad_rms"] > 0 else 1.0
        return "healthy", (
            f"at layer {depth}: {last['saturated']:.0%} saturated, {last['near_linear']:.0%} near-linear; "
            f"layer 1 gets {ratio:.2g}x the gradient at layer {depth}"
        )
    return found[0][0], "; ".join(text for _, text in found)


def depth_study(
    inits: Inits,
    *,
    depth: int,
    width: int,
    batch: int,
    inputs: str,
    activation: str,
    bias: float,
    seed: int,
    bins: int = 40,
) -> DepthStudy:
    """Push ``batch`` inputs through ``depth`` layers of ``width`` units for each initialization.

    Returns per layer and series: the ``layer_stats`` columns, plus ``q_measured`` = z_mean^2 + z_std^2
    (E[z^2]), ``q_theory`` (the variance map), ``grad_theory`` (predicted RMS of dL/dz), ``factor`` =
    grad_rms(l) / grad_rms(l + 1) (NaN at the last layer) and ``factor_theory`` (its prediction). The
    summary gives, per series, sigma_w2 = width Var(W), sigma_b2 = bias^2, q*, chi1, the phase, sqrt(chi1),
    the geometric means of the measured and predicted per-layer factors, and a verdict in words.
    """
    act = get_activation(activation)
    x = sample_inputs(inputs, (batch, width), seed=seed)  # the net's input width is its width
    grad = upstream_gradient(batch, width, seed=seed)
    q0, sb2 = input_mean_square(inputs), float(bias) ** 2
    frames, kept, rows = [], {}, []
    for label, (name, params) in inits.items():
        weights = network_weights(width, depth=depth, width=width, scheme=name, seed=seed, **params)
        samples: list[np.ndarray] = []
        stats, _ = propagate(
            x,
            weights,
            activation=act,
            bias=bias,
            grad=grad,
            on_layer=lambda _, a, keep=samples: keep.append(a.ravel()[:HIST_SAMPLE].copy()),
        )
        del weights
        kept[label] = samples
        sw2 = sigma_w2(name, width, width, **params)
        stats["q_measured"] = stats["z_mean"] ** 2 + stats["z_std"] ** 2
        stats["q_theory"] = variance_map(act.name, sw2, sb2, q0, depth)
        stats["grad_theory"] = predicted_grad_rms(act.name, sw2, sb2, q0, depth)
        with np.errstate(divide="ignore", invalid="ignore"):
            stats["factor"] = stats["grad_rms"] / stats["grad_rms"].shift(-1)
            stats["factor_theory"] = stats["grad_theory"] / stats["grad_theory"].shift(-1)
        stats.insert(0, "series", label)
        frames.append(stats)
        c = chi1(act.name, sw2, sb2)
        word, detail = verdict(act.name, name, stats)
        rows.append(
            {
                "series": label,
                "scheme": name,
                "sigma_w2": sw2,
                "sigma_b2": sb2,
                "q_star": fixed_point(act.name, sw2, sb2),
                "chi1": c,
                "phase": phase_of(c),
                "sqrt_chi1": math.sqrt(c) if c >= 0 else math.nan,
                "factor_measured": _geometric_mean(stats["factor"]),
                "factor_theory": _geometric_mean(stats["factor_theory"]),
                "verdict": word,
                "detail": detail,
            }
        )
    return DepthStudy(
        pd.concat(frames, ignore_index=True), _histograms(kept, act.limits, bins), pd.DataFrame(rows)
    )


def _geometric_mean(values: pd.Series) -> float:
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.mean(np.log(v)))) if v.size else math.nan


def _histograms(
    kept: dict[str, list[np.ndarray]], limits: tuple[float, float] | None, bins: int
) -> pd.DataFrame:
    """Per series and layer, the activations' histogram on bins shared by every layer and series."""
    if limits is not None:
        lo, hi = limits
    else:  # relu, linear: cover the 99.5th percentile of |a| over all layers and series
        finite = [np.abs(s[np.isfinite(s)]) for layers in kept.values() for s in layers]
        top = max((float(np.quantile(f, 0.995)) for f in finite if f.size), default=1.0) or 1.0
        lo, hi = (0.0 if all((s >= 0).all() for layers in kept.values() for s in layers) else -top), top
    edges = np.linspace(lo, hi, bins + 1)
    frames = []
    for label, layers in kept.items():
        for layer, values in enumerate(layers, start=1):
            counts, _ = np.histogram(np.clip(values, lo, hi), bins=edges)
            density = counts / max(values.size, 1) / (edges[1] - edges[0])
            top = density.max()
            frames.append(
                pd.DataFrame(
                    {
                        "series": label,
                        "layer": layer,
                        "left": edges[:-1],
                        "right": edges[1:],
                        "density": density,
                        "height": density / top if top > 0 else density,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)

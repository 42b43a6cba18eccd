"""What a deep net does to the signal, layer by layer, for several initializations side by side, with
the mean-field theory's prediction beside every measurement: the data behind page 2.

All initializations see the same inputs and use the same seed, so two schemes of one family (say
N(0, 0.1^2) and N(0, 1)) get the same random directions and differ only in scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .activations import get_activation, prose_name
from .network import (
    _HALVES,
    LAYER_COLUMNS,
    _as_here,
    _layer_stats,
    _propagate_rows,
    _side_by_side,
    draw_units,
    input_mean_square,
    network_biases,
    network_weights,
    sample_inputs,
    upstream_gradient,
)
from .schemes import get_scheme, sigma_w2
from .theory import critical_line, fixed_point, moments, phase_grid, predicted_grad_rms, variance_map
from .words import N_, carry, clauses, tr

Inits = dict[str, tuple[str, dict[str, Any]]]
HIST_SAMPLE = 20_000  # activations per layer behind each histogram
ORDERED_BELOW, CHAOTIC_ABOVE = 0.9, 1.1  # chi1 bands for the phase verdict
# The verdict's thresholds. The gradient ratio r = grad_rms(layer 1) / grad_rms(last layer) says whether the
# first layers can learn; 1e-3 leaves room for the ~1e-2 that 4x Glorot shows through 10 sigmoid layers
# (chi1 = 0.40: sqrt(chi1)^9 = 0.016), so a recommended initialization is not healthy by one seed's luck.
VANISHING_BELOW, EXPLODING_ABOVE = 1e-3, 1e3
# ... or per layer, (r)^(1 / (depth - 1)): a gradient that halves (doubles) at every layer vanishes
# (explodes) with depth, even where a shallow net's total stays above 1e-3. 4x Glorot's 0.61 and tanh
# Glorot's 0.87 per layer flow; U[-0.1, 0.1]'s 0.21 through 5 sigmoid layers of 250 does not.
HALVING, DOUBLING = 0.5, 2.0
PARTLY_SATURATED_AT, SATURATED_AT = 0.2, 0.8  # share of the last layer's units in the flat tails
NEAR_LINEAR_AT = 0.5  # share of the last layer's units in the linear zone
DYING_AT = 0.7  # share of the last layer's ReLUs that output 0
COLLAPSE_BELOW = 1e-2  # the activations' spread at the last layer, relative to layer 1's
EXPLODING_STD = 100.0  # unbounded activations (relu, linear) spread wider than this: exploding


@dataclass(frozen=True)
class DepthStudy:
    layers: pd.DataFrame  # one row per (series, layer): layer_stats columns + theory (see depth_study)
    hist: pd.DataFrame  # series, layer, left, right, density, height (density / the layer's largest, <= 1)
    summary: pd.DataFrame  # one row per series: sigma_w2, sigma_b2, q_star, chi1, phase, factors, verdict


@dataclass(frozen=True)
class SeriesPart:
    """One series' share of a :class:`DepthStudy` as plain columns. :func:`join` makes the study's three
    frames from all the series' parts at once; building three frames per series and concatenating them
    cost page 2's lesson 21 frames and 3 concatenations in pandas, which held the GIL while the other half
    of the nets computed. Read-only: parts are kept and shared."""

    label: str
    layers: dict[str, np.ndarray]  # depth rows: layer, the layer_stats columns, then the theory's
    hist: dict[str, np.ndarray]  # depth * bins rows: layer, left, right, density, height
    summary: dict[str, Any]  # one value per column of DepthStudy.summary but ``series``

    def study(self) -> DepthStudy:
        """This series alone as a study."""
        return join([self])


VERDICTS = (  # what verdict() can say, each a message (the pages show it translated)
    N_("near-linear"),
    N_("saturated"),
    N_("partly saturated"),
    N_("healthy"),
    N_("collapsing"),
    N_("vanishing gradients"),
    N_("exploding"),
    N_("exploding gradients"),
    N_("dying"),
    N_("overflow"),
    N_("symmetric"),
)
PHASES = (N_("ordered"), N_("critical"), N_("chaotic"), N_("undefined"))  # what phase_of() can say


def phase_of(c: float) -> str:
    """'ordered' (chi1 < 0.9: gradients shrink layer by layer), 'critical' (0.9 to 1.1) or 'chaotic'
    (> 1.1: they grow)."""
    if not math.isfinite(c):
        return N_("undefined")
    return N_("ordered") if c < ORDERED_BELOW else N_("chaotic") if c > CHAOTIC_ABOVE else N_("critical")


def _gradient_text(r: float, depth: int) -> str:
    """'layer 1 gets 2.2e-08 of the gradient at layer 10', '... 0.68 of ...', '... 4.6e+04x ...'."""
    amount = f"{r:.1e}" if r < 1e-2 or r >= 1e2 else f"{r:.2g}"
    if r >= 1:
        return tr("layer 1 gets {amount}x the gradient at layer {depth}", amount=amount, depth=depth)
    return tr("layer 1 gets {amount} of the gradient at layer {depth}", amount=amount, depth=depth)


def _phase_text(chi1: float | None, factor: float) -> str:
    """What the mean-field theory says of the gradient, as a bracket for a verdict: chi1, its phase and the
    predicted factor per layer (the geometric mean of the predicted layer-to-layer ratios, which is
    sqrt(chi1) once the signal has settled at q*). Empty without chi1."""
    if chi1 is None or not math.isfinite(chi1) or chi1 <= 0:
        return ""
    phase = tr("near the edge of chaos") if phase_of(chi1) == "critical" else tr(phase_of(chi1))
    predicted = tr("; the theory predicts {f}x a layer", f=f"{factor:.2g}") if math.isfinite(factor) else ""
    return tr(" (χ₁ = {chi1}, {phase}{predicted})", chi1=f"{chi1:.3g}", phase=phase, predicted=predicted)


def verdict(
    activation: str,
    scheme: str,
    layers: pd.DataFrame | Mapping[str, np.ndarray],
    chi1: float | None = None,
    sigma_w2: float | None = None,
) -> tuple[str, str]:
    """A verdict in a word or two and the sentence with the numbers behind it, from one series' layer
    table, a frame or its columns as arrays (and, when given, the mean-field chi1 of its fixed point,
    which the sentence then quotes, and sigma_w2 = fan_in Var(W): 0 means every weight is 0, so nothing
    breaks the symmetry).

    It reads the last layer's shares of saturated and near-linear units, the spread of its activations
    against layer 1's, and the gradient ratio r = grad_rms(layer 1) / grad_rms(last layer). The gradient
    decides whether the first layers can learn: it vanishes when r < 1e-3 or when it halves at every
    layer (r^(1/(depth-1)) < 1/2), and explodes when r > 1e3 or it doubles at every layer; the zones say
    why, and in which regime the net starts. Sigmoid and tanh, first match wins:

    - *near-linear*: at least half the units in the linear zone, and the gradient vanishes (or the
      signal's spread collapses): weights too small;
    - *saturated*: at least 80% of the units in the flat tails, or at least 20% with the gradient
      vanishing: weights too large (or biases of a large spread);
    - *vanishing gradients*, *exploding gradients*, *collapsing*: the gradient or the signal fails
      with no zone to blame;
    - *partly saturated*: 20-80% saturated, yet the gradient still reaches layer 1: a net near the
      edge of chaos (chi1 ~ 1) is like this, and can still train;
    - *healthy*: the rest, including a net that starts near-linear with its gradient flowing (tanh with
      Glorot, as Glorot & Bengio's derivation intends).

    ReLU and linear: *dying* (70% of the last layer's units output 0), *exploding* (activations spread
    beyond 100), *collapsing*, *vanishing gradients*, *exploding gradients*, *healthy*.
    """
    act = get_activation(activation)
    cols = {c: np.asarray(layers[c], dtype=float) for c in LAYER_COLUMNS}
    first, last = {c: v[0] for c, v in cols.items()}, {c: v[-1] for c, v in cols.items()}
    depth = int(last["layer"])
    if not all(np.isfinite(v).all() for v in cols.values()):
        return N_("overflow"), tr("the numbers outgrow float32 (inf or NaN): the weights are far too large")
    if get_scheme(scheme).family == "zeros" or sigma_w2 == 0:  # every weight 0 (U[-0, 0] too)
        return N_("symmetric"), tr(
            "every unit of a layer computes the same value (activation std {std}): nothing breaks the "
            "symmetry, so the units can never learn different features",
            std=f"{last['a_std']:.2g}",
        )
    sat, lin = last["saturated"], last["near_linear"]
    silent = depth > 1 and last["grad_rms"] == 0  # dead units: no gradient gets past the last layer
    r = first["grad_rms"] / last["grad_rms"] if depth > 1 and not silent else 1.0
    per_layer = r ** (1.0 / (depth - 1)) if depth > 1 else 1.0
    vanishing = silent or r < VANISHING_BELOW or per_layer < HALVING
    exploding = not silent and (r > EXPLODING_ABOVE or per_layer > DOUBLING)
    collapsing = first["a_std"] > 0 and last["a_std"] < COLLAPSE_BELOW * first["a_std"]
    factor = _geometric_mean(layers["factor_theory"]) if "factor_theory" in layers else math.nan
    n = {"depth": depth, "sat": f"{sat:.0%}", "lin": f"{lin:.0%}", "act": prose_name(act.name)}
    gradient = (
        tr("no gradient gets back at all (it is exactly 0 at layer {depth})", **n)
        if silent
        else _gradient_text(r, depth) + _phase_text(chi1, factor)
    )
    spread = {"a": f"{first['a_std']:.2g}", "b": f"{last['a_std']:.2g}", "depth": depth}
    fall = tr("the activations' spread falls from {a} at layer 1 to {b} at layer {depth}", **spread)
    shares = tr("at layer {depth}: {sat} saturated, {lin} near-linear", **n)
    if act.limits is not None:  # sigmoid, tanh
        tails = tr("{sat} of layer-{depth} units sit in the {act}'s flat tails", **n)
        if lin >= NEAR_LINEAR_AT and (vanishing or collapsing):
            linear = tr("{lin} of layer-{depth} units are in the {act}'s linear zone", **n)
            return "near-linear", clauses([linear, *([fall] if collapsing else []), gradient])
        if sat >= SATURATED_AT or (sat >= PARTLY_SATURATED_AT and vanishing):
            lo, hi = act.limits
            stuck = tr(
                "{tails}, their outputs stuck near {lo} or {hi}", tails=tails, lo=f"{lo:g}", hi=f"{hi:g}"
            )
            through = tr("through the few units left, ") if exploding else ""
            return "saturated", clauses([stuck, through + gradient])
        if vanishing:
            return N_("vanishing gradients"), clauses([gradient, shares])
        if exploding:
            return "exploding gradients", clauses([gradient, shares])
        if collapsing:
            return N_("collapsing"), clauses([fall, gradient])
        if sat >= PARTLY_SATURATED_AT:
            return N_("partly saturated"), tr(
                "{tails}, yet the gradient still reaches layer 1: {gradient}", tails=tails, gradient=gradient
            )
        start = tr(
            "; most of layer {depth}'s units are in the linear zone, yet the gradient still reaches layer 1",
            **n,
        )
        return N_("healthy"), clauses([shares, gradient]) + (start if lin >= NEAR_LINEAR_AT else "")
    if act.name == "relu" and sat >= DYING_AT:
        return "dying", tr("{sat} of layer-{depth} units output 0; {gradient}", gradient=gradient, **n)
    if last["a_std"] > EXPLODING_STD:
        grows = tr("the activations' spread grows from {a} at layer 1 to {b} at layer {depth}", **spread)
        return N_("exploding"), clauses([grows, gradient])
    if collapsing:
        return N_("collapsing"), clauses([fall, gradient])
    if vanishing:
        return N_("vanishing gradients"), gradient
    if exploding:
        return "exploding gradients", gradient
    zeros = tr("at layer {depth}: {sat} of the units output 0; ", **n) if act.name == "relu" else ""
    return N_("healthy"), f"{zeros}{gradient}"


def depth_study(
    inits: Inits,
    *,
    depth: int,
    width: int,
    batch: int,
    inputs: str,
    activation: str,
    bias_std: float,
    seed: int,
    bins: int = 40,
) -> DepthStudy:
    """Push ``batch`` inputs through ``depth`` layers of ``width`` units for each initialization; every
    unit has its own bias, drawn from N(0, bias_std^2) (the same for every initialization), as the
    mean-field theory beside the measurements assumes (sigma_b2 = bias_std^2).

    Returns per layer and series: the ``layer_stats`` columns, plus ``q_measured`` = z_mean^2 + z_std^2
    (E[z^2]), ``q_theory`` (the variance map), ``grad_theory`` (predicted RMS of dL/dz), ``factor`` =
    grad_rms(l) / grad_rms(l + 1) (NaN at the last layer) and ``factor_theory`` (its prediction). The
    summary gives, per series, sigma_w2 = width Var(W), sigma_b2 = bias_std^2, q*, chi1, the phase,
    sqrt(chi1), the geometric means of the measured and predicted per-layer factors, and a verdict in words.
    Each series is independent of the others (:func:`depth_series`), so callers may cache them one by one.
    """
    net = {"depth": depth, "width": width, "batch": batch, "inputs": inputs, "activation": activation}
    parts = [
        series_part(label, name, params, **net, bias_std=bias_std, seed=seed, bins=bins)
        for label, (name, params) in inits.items()
    ]
    return join(parts)


def combine(parts: list[DepthStudy]) -> DepthStudy:
    """One study from several (one per series)."""
    return DepthStudy(
        pd.concat([p.layers for p in parts], ignore_index=True),
        pd.concat([p.hist for p in parts], ignore_index=True),
        pd.concat([p.summary for p in parts], ignore_index=True),
    )


def join(parts: Sequence[SeriesPart]) -> DepthStudy:
    """One study from the parts of its series, in their order: the same frames as :func:`combine` of each
    part's own study, built once (each column one concatenation, each frame one construction)."""
    if not parts:
        raise ValueError("a study needs at least one series")
    labels = np.array([p.label for p in parts], dtype=object)

    def frame(tables: list[dict[str, np.ndarray]]) -> pd.DataFrame:
        rows = [len(t["layer"]) for t in tables]
        columns = {"series": np.repeat(labels, rows)}
        columns.update({name: np.concatenate([t[name] for t in tables]) for name in tables[0]})
        return pd.DataFrame(columns)

    summary = {"series": list(labels), **{k: [p.summary[k] for p in parts] for k in parts[0].summary}}
    return DepthStudy(frame([p.layers for p in parts]), frame([p.hist for p in parts]), pd.DataFrame(summary))


def depth_series(
    label: str,
    scheme: str,
    params: dict[str, Any],
    *,
    depth: int,
    width: int,
    batch: int,
    inputs: str,
    activation: str,
    bias_std: float,
    seed: int,
    bins: int = 40,
) -> DepthStudy:
    """:func:`depth_study` for one initialization, labelled ``label``."""
    net = {"depth": depth, "width": width, "batch": batch, "inputs": inputs, "activation": activation}
    return series_part(label, scheme, params, **net, bias_std=bias_std, seed=seed, bins=bins).study()


def series_part(
    label: str, scheme: str, params: dict[str, Any], *, bias_std: float, seed: int, bins: int = 40, **net: Any
) -> SeriesPart:
    """:func:`depth_series` (``net``: its depth, width, batch, inputs and activation) as the part that
    :func:`join` makes a study of."""
    depth, width, batch = net["depth"], net["width"], net["batch"]
    inputs, activation = net["inputs"], net["activation"]
    x, grad, bias = _shared(batch, width, depth, inputs, bias_std, seed)
    act = get_activation(activation)
    weights = network_weights(width, depth=depth, width=width, scheme=scheme, seed=seed, **params)
    samples: list[np.ndarray] = []
    stats = _layer_stats(
        x, weights, act, bias, grad, lambda _, a: samples.append(a.ravel()[:HIST_SAMPLE].copy())
    )
    del weights
    hist = _histograms(samples, act.limits, bins)
    return _series(label, scheme, params, stats.to_numpy(dtype=float), hist, **net, bias_std=bias_std)


def depth_many(
    series: Sequence[tuple[str, str, dict[str, Any]]],
    *,
    depth: int,
    width: int,
    batch: int,
    inputs: str,
    activation: str,
    bias_std: float,
    seed: int,
    bins: int = 40,
) -> list[DepthStudy]:
    """:func:`depth_series` for several (label, scheme, params) at once (:func:`many_parts`)."""
    net = {"depth": depth, "width": width, "batch": batch, "inputs": inputs, "activation": activation}
    return [p.study() for p in many_parts(series, **net, bias_std=bias_std, seed=seed, bins=bins)]


def many_parts(
    series: Sequence[tuple[str, str, dict[str, Any]]],
    *,
    bias_std: float,
    seed: int,
    bins: int = 40,
    **net: Any,
) -> list[SeriesPart]:
    """:func:`series_part` for several (label, scheme, params) at once, in one stacked pass
    (``initcore.propagate_many``; from ``ROWS_SPLIT`` values per layer in all, two passes of half the
    series each, side by side), for the memory of all their passes: the same numbers, bit for bit, for
    nets of fewer than ``SPLIT_VALUES`` values per layer (above it, depth_series runs two half-batches
    and merges their statistics, which agree with the whole batch's to float32 rounding)."""
    depth, width, batch = net["depth"], net["width"], net["batch"]
    x, grad, bias = _shared(batch, width, depth, net["inputs"], bias_std, seed)
    draw_units(width, depth=depth, width=width, schemes=[s for _, s, _ in series], seed=seed)
    run = (x, grad, bias, net, bias_std, seed, bins)
    if not _side_by_side(len(series), batch * width):
        return _stacked(series, *run)
    # Two groups of nets, each its own stacked pass, side by side on two threads: one wait per study where
    # one pass with half the nets on each thread waited twice at every layer (page 2's default study
    # 54 -> 49 ms alone, its AppTest rerun median 86-90 -> 76 ms, p95 95-107 -> 80 ms: fewer hand-offs
    # of the GIL); each net's numbers are its own pass's either way.
    half = len(series) // 2
    second = _HALVES.submit(carry(_as_here(_stacked)), series[half:], *run)  # in the caller's language
    return _stacked(series[:half], *run) + second.result()


def _stacked(series, x, grad, bias, net, bias_std, seed, bins) -> list[SeriesPart]:
    """:func:`many_parts`'s series after the unit draws, in one stacked pass."""
    depth, width, batch, activation = net["depth"], net["width"], net["batch"], net["activation"]
    nets = [network_weights(width, depth=depth, width=width, scheme=s, seed=seed, **p) for _, s, p in series]
    act = get_activation(activation)
    samples: list[list[np.ndarray]] = [[] for _ in series]
    counts: list[np.ndarray] = []  # bounded activations: per layer, (K, bins), binned as the pass goes
    lo, hi = act.limits if act.limits is not None else (0.0, 1.0)
    edges, n = np.linspace(lo, hi, bins + 1), min(HIST_SAMPLE, batch * width)

    def sample(_: int, a: np.ndarray) -> None:  # a: (K, batch, width)
        if act.limits is not None:  # every series' first n values at once, no copies
            counts.append(_bin_counts(a.reshape(len(series), -1)[:, :n], lo, edges[1] - edges[0], bins))
            return
        for kept, v in zip(samples, a, strict=True):
            kept.append(v.ravel()[:HIST_SAMPLE].copy())

    stats = _propagate_rows(x, nets, act, bias, grad, on_layer=sample)[0]
    del nets
    if act.limits is not None:
        sizes = np.full(depth, n, dtype=np.int64)
        per_series = np.stack(counts, axis=1)  # (K, depth, bins)
        hists = [_hist_columns(c, sizes, edges, piled=False) for c in per_series]
    else:
        hists = [_histograms(kept, None, bins) for kept in samples]
    return [
        _series(label, scheme, params, st, hist, **net, bias_std=bias_std)
        for (label, scheme, params), st, hist in zip(series, stats, hists, strict=True)
    ]


def _shared(
    batch: int, width: int, depth: int, inputs: str, bias_std: float, seed: int
) -> tuple[np.ndarray, np.ndarray, float | list[np.ndarray]]:
    """(x, g, bias) that every initialization of a study shares."""
    x, grad = _shared_inputs(inputs, batch, width, seed)
    bias = network_biases(depth, width, std=bias_std, seed=seed) if bias_std else 0.0
    return x, grad, bias


def _series(
    label: str,
    scheme: str,
    params: dict[str, Any],
    table: np.ndarray,
    hist: dict[str, np.ndarray],
    *,
    depth: int,
    width: int,
    batch: int,
    inputs: str,
    activation: str,
    bias_std: float,
) -> SeriesPart:
    """One series' part from its pass's statistics (``table``: one row per layer, the columns
    ``LAYER_COLUMNS``, float64) and histograms: the theory and the verdict."""
    act = get_activation(activation)
    q0, sb2 = input_mean_square(inputs), float(bias_std) ** 2
    sw2 = sigma_w2(scheme, width, width, **params)
    q_theory, g_theory, q_star, c = _theory(act.name, sw2, sb2, q0, depth)
    columns = {"layer": table[:, 0].astype(np.int64)}  # an exact integer
    columns.update({name: table[:, j] for j, name in enumerate(LAYER_COLUMNS) if name != "layer"})
    g = columns["grad_rms"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        extra = {
            "q_measured": columns["z_mean"] ** 2 + columns["z_std"] ** 2,
            "q_theory": q_theory,
            "grad_theory": g_theory,
            "factor": np.append(g[:-1] / g[1:], np.nan),
            "factor_theory": np.append(g_theory[:-1] / g_theory[1:], np.nan),
        }
    layers = {**columns, **extra}
    word, detail = verdict(act.name, scheme, layers, chi1=c, sigma_w2=sw2)
    summary = {
        "scheme": scheme,
        "sigma_w2": sw2,
        "sigma_b2": sb2,
        "q_star": q_star,
        "chi1": c,
        "phase": phase_of(c),
        "sqrt_chi1": math.sqrt(c) if c >= 0 else math.nan,
        "factor_measured": _geometric_mean(layers["factor"]),
        "factor_theory": _geometric_mean(layers["factor_theory"]),
        "verdict": word,
        "detail": detail,
    }
    return SeriesPart(label, layers, hist, summary)


@lru_cache(maxsize=256)
def _theory(activation: str, sw2: float, sb2: float, q0: float, depth: int) -> tuple:
    """The mean-field side of one series, which does not depend on the seed (so a new seed reuses it):
    (q^l per layer, predicted RMS of dL/dz per layer, q*, chi1 at q*), arrays read-only."""
    q = variance_map(activation, sw2, sb2, q0, depth)
    g = predicted_grad_rms(activation, sw2, sb2, q0, depth)
    q.flags.writeable = g.flags.writeable = False
    q_star = fixed_point(activation, sw2, sb2, q0=float(q[0]))  # reached from layer 1
    return q, g, q_star, float(sw2 * moments(activation, q_star)[1])  # chi1 at q*, as initcore.chi1 has it


@lru_cache(maxsize=8)
def _shared_inputs(inputs: str, batch: int, width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The inputs x (batch, width) and the upstream gradient every series of one study shares
    (read-only, drawn once)."""
    x = sample_inputs(inputs, (batch, width), seed=seed)  # the net's input width is its width
    grad = upstream_gradient(batch, width, seed=seed)
    x.flags.writeable = grad.flags.writeable = False
    return x, grad


def _geometric_mean(values: pd.Series | np.ndarray) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.mean(np.log(v)))) if v.size else math.nan


def _histograms(
    layers: list[np.ndarray], limits: tuple[float, float] | None, bins: int
) -> dict[str, np.ndarray]:
    """One series' histogram of the activations, layer by layer. Bounded activations share their range
    (sigmoid [0, 1], tanh [-1, 1]); relu and linear ones get each series' own range (up to the 99.5th
    percentile of |a| over its layers), since their scales differ by orders of magnitude."""
    if limits is not None:
        lo, hi = limits
    else:
        finite = np.concatenate([v[np.isfinite(v)] for v in layers]) if layers else np.zeros(0)
        top = float(np.quantile(np.abs(finite), 0.995)) if finite.size else 0.0
        top = top if top > 0 else 1.0
        lo, hi = (0.0 if (finite >= 0).all() else -top), top
    edges = np.linspace(lo, hi, bins + 1)
    counts = np.zeros((len(layers), bins), dtype=np.int64)
    for i, v in enumerate(layers):  # one bincount per layer: 5x quicker than one over all of them
        counts[i] = _bin_counts(v[None], lo, edges[1] - edges[0], bins)[0]
    sizes = np.array([values.size for values in layers], dtype=np.int64)
    return _hist_columns(counts, sizes, edges, piled=lo == 0.0 and limits is None)


def _bin_counts(values: np.ndarray, lo: float, width: float, bins: int) -> np.ndarray:
    """Counts of each row of ``values`` (rows, n) in ``bins`` uniform bins of ``width`` from ``lo`` (the
    last bin takes the values above, the first those below; NaN and inf are left out): (rows, bins)."""
    rows = values.shape[0]
    if not np.isfinite(values).all():
        return np.stack([_bin_counts(v[np.isfinite(v)][None], lo, width, bins)[0] for v in values])
    idx = ((values - lo) / width).astype(np.int64)  # uniform bins: no sorting
    np.clip(idx, 0, bins - 1, out=idx)
    idx += (np.arange(rows, dtype=np.int64) * bins)[
        :, None
    ]  # row r's bins are r * bins ... r * bins + bins - 1
    return np.bincount(idx.ravel(), minlength=rows * bins).reshape(rows, bins)


def _hist_columns(
    counts: np.ndarray, sizes: np.ndarray, edges: np.ndarray, piled: bool
) -> dict[str, np.ndarray]:
    """One series' histogram rows from its per-layer ``counts`` (layers, bins) of ``sizes`` values each."""
    layers, bins = counts.shape
    width = edges[1] - edges[0]
    density = counts / np.maximum(sizes, 1)[:, None] / width
    # A relu layer piles half its units at exactly 0: scale each row to its tallest *other* bin so the
    # spread of the live units stays visible (the 0 bin then reads as full, capped at 1). A row with every
    # unit in the 0 bin (a dead layer) is scaled to that bin: full at 0, dark elsewhere.
    piled = piled and bins > 1
    top_row = (density[:, 1:] if piled else density).max(axis=1, keepdims=True)
    if piled:
        top_row = np.where(top_row > 0, top_row, density[:, :1])
    return {
        "layer": np.repeat(np.arange(1, layers + 1, dtype=np.int64), bins),
        "left": np.tile(edges[:-1], layers),
        "right": np.tile(edges[1:], layers),
        "density": density.ravel(),
        "height": np.minimum(
            np.divide(density, top_row, out=np.zeros_like(density), where=top_row > 0), 1.0
        ).ravel(),
    }


PHASE_W2 = np.logspace(-2, 4, 61)  # sigma_w2 from 0.01 to 10^4 (N(0, 1) weights at width 1024 sit at 1024)
PHASE_B2 = np.linspace(0.0, 9.0, 31)  # sigma_b2 = bias_std^2 for bias spreads up to 3


@dataclass(frozen=True)
class PhaseDiagram:
    cells: pd.DataFrame  # w_lo, w_hi, b_lo, b_hi, sigma_w2, sigma_b2, chi1, log10_chi1 (clipped to [-2, 2])
    critical: pd.DataFrame  # sigma_b2, sigma_w2 where chi1 = 1
    points: pd.DataFrame  # series, sigma_w2, sigma_b2, chi1, phase, shown_w2, shown_b2, outside


@lru_cache(maxsize=8)
def phase_background(activation: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The expensive part of :func:`phase_diagram`, the same for every initialization: (cells, critical);
    cached per activation (read-only: callers must not change the frames)."""
    grid = phase_grid(activation, PHASE_W2, PHASE_B2)
    half = (np.log10(PHASE_W2[1]) - np.log10(PHASE_W2[0])) / 2
    db = (PHASE_B2[1] - PHASE_B2[0]) / 2
    cells = grid.assign(
        w_lo=10 ** (np.log10(grid.sigma_w2) - half),
        w_hi=10 ** (np.log10(grid.sigma_w2) + half),
        b_lo=np.maximum(grid.sigma_b2 - db, 0.0),
        b_hi=grid.sigma_b2 + db,
        log10_chi1=np.clip(np.log10(np.maximum(grid.chi1, 1e-12)), -2.0, 2.0),
    )
    return cells, critical_line(activation, PHASE_B2)


def phase_points(summary: pd.DataFrame | None) -> pd.DataFrame:
    """Initializations as points of the phase diagram (from a depth_study summary), clamped into the
    plotted range, with ``outside`` marking those that lie beyond it."""
    cols = ["series", "sigma_w2", "sigma_b2", "chi1", "phase"]
    pts = pd.DataFrame(columns=cols) if summary is None else summary[cols].copy()
    half = (np.log10(PHASE_W2[1]) - np.log10(PHASE_W2[0])) / 2
    db = (PHASE_B2[1] - PHASE_B2[0]) / 2
    pts["shown_w2"] = pts["sigma_w2"].astype(float).clip(PHASE_W2[0] / 10**half, PHASE_W2[-1] * 10**half)
    pts["shown_b2"] = pts["sigma_b2"].astype(float).clip(0.0, PHASE_B2[-1] + db)
    pts["outside"] = (pts["shown_w2"] != pts["sigma_w2"]) | (pts["shown_b2"] != pts["sigma_b2"])
    return pts


def phase_diagram(activation: str, summary: pd.DataFrame | None = None) -> PhaseDiagram:
    """chi1 over the (sigma_w2, sigma_b2) plane (log sigma_w2, up to 10^4 and bias^2 = 9), the critical
    line chi1 = 1, and the initializations of a depth_study summary as points."""
    cells, critical = phase_background(activation)
    return PhaseDiagram(cells, critical, phase_points(summary))

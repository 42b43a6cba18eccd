"""What a training run's numbers say: who learned, who stalled and why, who diverged or died; numpy only.

:func:`initcore.training.train_many` (TensorFlow) returns a :class:`TrainResult`; everything here reads one,
so the page's table, its sentences and the lab's claims about training all come from the same numbers.

Outcomes, first match wins (``target`` is the test accuracy that counts as learned, 90% by default):

- **diverged**: the loss became NaN or infinite (the engine froze the model at that step);
- **exploded, then dead** / **dead**: at the last measurement some hidden layer gets a gradient of exactly
  0, so it and every layer below it can no longer change (a ReLU layer whose units all output 0 for every
  example does this); *exploded* when the loss at step 0 was over ``EXPLODED_LOSS`` times that of a
  guess from the class frequencies;
- **learned**: the test accuracy reached ``target``;
- **symmetric**: zero weights, and it did not learn: every unit of a layer stays identical to the others,
  so each layer acts as one unit;
- **stalled**: it never did, and ended within ``STALL_MARGIN`` of chance (the most common class's share);
- **partly learned**: in between.

A stalled or partly learned model is given the reasons its step-0 statistics show: a gradient at layer 1
below ``VANISHED_BELOW`` of the top hidden layer's, at least ``SATURATED_SHARE`` of its units saturated,
or (sigmoid) a top hidden layer whose mean activation sank below ``SUNK_BELOW``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

EXPLODED_LOSS = 10.0  # step-0 loss, in units of the loss of a guess from the class frequencies
STALL_MARGIN = 0.1  # a final test accuracy at most this far above chance is "stalled"
VANISHED_BELOW = 1e-2  # step-0 gradient at layer 1 / at the top hidden layer, named as a reason
SATURATED_SHARE = 0.5  # step-0 share of saturated units (mean over the layers), named as a reason
SUNK_BELOW = 0.15  # a sigmoid layer's mean activation below this has sunk toward 0 (Glorot & Bengio, Fig. 2)
OUTCOMES = ("learned", "partly learned", "stalled", "symmetric", "dead", "exploded, then dead", "diverged")


@dataclass(frozen=True)
class TrainResult:
    """What :func:`initcore.training.train_many` returns.

    Attributes:
        history: one row per (scheme, step, split): scheme, step, split ("train" / "test"), loss, accuracy.
        layers: one row per (scheme, step, layer): a_mean, a_std, saturated (share with relative slope
            below 0.05), near_linear (at least 0.95) on the probe set, and grad_rms (RMS of dL/dz there).
        diverged: label -> the step at which its loss first became NaN or infinite, or None.
        weights: label -> [W_1, b_1, ..., W_out, b_out] after training (numpy, W of shape (fan_in, fan_out)).
        initial: label -> the same before training.
        schemes: label -> scheme name.
        activation: the hidden layers' activation.
        chance_accuracy: the test set's most common class's share (what always guessing it scores).
        chance_loss: the cross-entropy of guessing the training set's class frequencies.
    """

    history: pd.DataFrame
    layers: pd.DataFrame
    diverged: dict[str, int | None]
    weights: dict[str, list[np.ndarray]]
    initial: dict[str, list[np.ndarray]]
    schemes: dict[str, str] = field(default_factory=dict)
    activation: str = ""
    chance_accuracy: float = math.nan
    chance_loss: float = math.nan


@dataclass(frozen=True)
class Outcome:
    """One model's fate: ``kind`` (one of :data:`OUTCOMES`), the step it refers to (reached the target,
    or diverged; else None) and the sentence with the numbers behind it."""

    label: str
    kind: str
    step: int | None
    detail: str


def chance_levels(y_train: np.ndarray, y_test: np.ndarray, n_classes: int) -> tuple[float, float]:
    """(accuracy of always guessing the test set's most common class, cross-entropy of guessing the training
    set's class frequencies: -sum p log p)."""
    test = np.bincount(np.asarray(y_test), minlength=n_classes) / max(len(y_test), 1)
    train = np.bincount(np.asarray(y_train), minlength=n_classes) / max(len(y_train), 1)
    p = train[train > 0]
    return float(test.max()), float(-(p * np.log(p)).sum())


def outcomes(result: TrainResult, *, target: float = 0.9) -> list[Outcome]:
    """Every model's :class:`Outcome`, in the order of ``result.diverged``."""
    return [_outcome(result, label, target) for label in result.diverged]


def _outcome(result: TrainResult, label: str, target: float) -> Outcome:
    h = result.history[result.history["scheme"] == label]
    test = h[h["split"] == "test"]
    train = h[h["split"] == "train"]
    final = float(test["accuracy"].iloc[-1]) if len(test) else math.nan
    last_step = int(h["step"].max()) if len(h) else 0
    loss0 = float(train["loss"].iloc[0]) if len(train) else math.nan
    layers = result.layers[result.layers["scheme"] == label] if len(result.layers) else result.layers
    exploded = (
        math.isfinite(result.chance_loss)
        and result.chance_loss > 0
        and (not math.isfinite(loss0) or loss0 > EXPLODED_LOSS * result.chance_loss)
    )
    explosion = (
        f"its loss started at {loss0:.2g}, against {result.chance_loss:.2g} for a guess from the class "
        "frequencies, so its first updates were huge"
    )
    step = result.diverged.get(label)
    if step is not None:
        why = f"; {explosion}" if exploded else ""
        return Outcome(label, "diverged", step, f"the loss became NaN or infinite at step {step}{why}")
    dead = _dead_layers(layers)
    if dead:
        top = max(dead)
        below = "layer 1" if top == 1 else f"layers 1-{top}"
        silent = _all_zero(layers, top)
        cause = f"every unit of layer {top} outputs 0 for every example, so " if silent else ""
        if exploded:
            frozen = f"the gradient in {below} is exactly 0 and they can no longer change"
            return Outcome(label, "exploded, then dead", None, f"{explosion}; then {cause}{frozen}")
        start = " from the start" if _dead_at_start(layers, top) else ""
        frozen = f"the gradient in {below} is exactly 0{start}, and they can no longer change"
        return Outcome(label, "dead", None, f"{cause}{frozen}")
    reached = test.loc[test["accuracy"] >= target, "step"]
    if len(reached):
        first = int(reached.iloc[0])
        return Outcome(
            label,
            "learned",
            first,
            f"{target:.0%} test accuracy at step {first:,}; {final:.0%} after {last_step:,} steps",
        )
    if result.schemes.get(label) == "zeros":
        return Outcome(
            label,
            "symmetric",
            None,
            "every weight starts at 0, so the units of a layer stay identical and each layer acts as one "
            f"unit; {final:.0%} test accuracy after {last_step:,} steps",
        )
    chance = result.chance_accuracy
    reasons = _reasons(layers, result.activation)
    why = f": {'; '.join(reasons)}" if reasons else ""
    if math.isfinite(chance) and final <= chance + STALL_MARGIN:
        return Outcome(
            label,
            "stalled",
            None,
            f"{final:.0%} test accuracy after {last_step:,} steps, near the {chance:.0%} of always "
            f"guessing the most common class{why}",
        )
    return Outcome(
        label,
        "partly learned",
        None,
        f"{final:.0%} test accuracy after {last_step:,} steps, short of {target:.0%}{why}",
    )


def _at(layers: pd.DataFrame, step: str) -> pd.DataFrame:
    """The rows of the first ("first") or last ("last") recorded step, by layer."""
    if not len(layers):
        return layers
    s = layers["step"].min() if step == "first" else layers["step"].max()
    return layers[layers["step"] == s].sort_values("layer")


def _dead_layers(layers: pd.DataFrame) -> list[int]:
    """Hidden layers whose gradient is exactly 0 at the last measurement."""
    last = _at(layers, "last")
    return [int(r.layer) for r in last.itertuples() if r.grad_rms == 0.0]


def _dead_at_start(layers: pd.DataFrame, layer: int) -> bool:
    first = _at(layers, "first")
    return bool(len(first)) and float(first.loc[first["layer"] == layer, "grad_rms"].iloc[0]) == 0.0


def _all_zero(layers: pd.DataFrame, layer: int) -> bool:
    """Every unit of ``layer`` outputs 0 on every probe example at the end (mean and spread exactly 0)."""
    last = _at(layers, "last")
    row = last[last["layer"] == layer]
    return bool(len(row)) and float(row["a_mean"].iloc[0]) == 0.0 and float(row["a_std"].iloc[0]) == 0.0


def _reasons(layers: pd.DataFrame, activation: str) -> list[str]:
    """What the step-0 statistics (and, for a sigmoid, the top layer's course) show of why a model did not
    learn: vanishing gradients, saturated units, a top layer that sank toward 0."""
    first = _at(layers, "first")
    if not len(first):
        return []
    out = []
    g = first["grad_rms"].to_numpy(dtype=float)
    depth = len(g)
    if depth > 1 and g[-1] > 0 and g[0] / g[-1] < VANISHED_BELOW:
        out.append(f"at the start, layer 1 got {g[0] / g[-1]:.1e} of the gradient of layer {depth}")
    sat = float(first["saturated"].mean())
    if activation in ("sigmoid", "tanh") and sat >= SATURATED_SHARE:
        out.append(f"{sat:.0%} of its units started saturated")
    if activation == "sigmoid":
        sink = sinking(layers).iloc[0] if len(layers) else None
        if sink is not None and sink["sank_at"] is not None:
            out.append(
                f"its top layer's mean activation sank below {SUNK_BELOW:g} by step {sink['sank_at']:,} "
                f"(lowest {sink['top_min']:.2f})"
            )
    return out


def sinking(layers: pd.DataFrame, *, below: float = SUNK_BELOW) -> pd.DataFrame:
    """Glorot & Bengio's Figure 2 in numbers, per model (sigmoid nets): the first recorded step at which the
    top hidden layer's mean activation fell below ``below`` (None if never), its lowest value, the first
    later step at which it was back at ``below`` or above (None if never), its value at the end, and the
    lowest and highest mean activation of the layers under it over the whole run.

    Columns: scheme, sank_at, top_min, recovered_at, top_end, lower_min, lower_max."""
    rows = []
    for label, mine in layers.groupby("scheme", sort=False):
        means = mine.pivot(index="step", columns="layer", values="a_mean").sort_index()
        steps, top = means.index.to_numpy(), means[means.columns.max()].to_numpy(dtype=float)
        lower = means[[c for c in means.columns if c < means.columns.max()]].to_numpy(dtype=float)
        under = np.flatnonzero(top < below)
        sank = int(steps[under[0]]) if under.size else None
        back = np.flatnonzero((top >= below) & (np.arange(len(top)) > under[0])) if under.size else []
        rows.append(
            {
                "scheme": label,
                "sank_at": sank,
                "top_min": float(np.nanmin(top)),
                "recovered_at": int(steps[back[0]]) if len(back) else None,
                "top_end": float(top[-1]),
                "lower_min": float(np.nanmin(lower)) if lower.size else math.nan,
                "lower_max": float(np.nanmax(lower)) if lower.size else math.nan,
            }
        )
    out = pd.DataFrame(
        rows, columns=["scheme", "sank_at", "top_min", "recovered_at", "top_end", "lower_min", "lower_max"]
    )
    for col in ("sank_at", "recovered_at"):  # keep None, not NaN, for "never"
        out[col] = pd.Series([r[col] for r in rows], dtype=object)
    return out


def summarize(result: TrainResult, *, target: float = 0.9) -> pd.DataFrame:
    """One row per model: its outcome (see the module), final train and test loss and accuracy, the first
    recorded step at which the test accuracy reached ``target``, and the step at which it diverged (None if
    it did not)."""
    h = result.history
    fates = {o.label: o for o in outcomes(result, target=target)}
    rows = []
    for label, diverged in result.diverged.items():
        mine = h[h["scheme"] == label]
        last = mine[mine["step"] == mine["step"].max()].set_index("split")
        test = mine[mine["split"] == "test"]
        reached = test.loc[test["accuracy"] >= target, "step"]
        rows.append(
            {
                "scheme": label,
                "outcome": fates[label].kind,
                "train loss": float(last.loc["train", "loss"]),
                "test loss": float(last.loc["test", "loss"]),
                "train accuracy": float(last.loc["train", "accuracy"]),
                "test accuracy": float(last.loc["test", "accuracy"]),
                f"step to {target:.0%} test accuracy": int(reached.iloc[0]) if len(reached) else None,
                "diverged at step": diverged,
            }
        )
    out = pd.DataFrame(rows)
    for col in (f"step to {target:.0%} test accuracy", "diverged at step"):  # keep None, not NaN, for "never"
        out[col] = pd.Series([r[col] for r in rows], dtype=object)
    return out

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

Also here, for the page: each model's decision boundary on a 2-D set (:func:`boundary_grid`, from the final
weights), what a data set looks like (:func:`preview_frame`), and the trained weights as an .npz file
(:func:`weights_npz`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .datasets import Dataset
from .network import predict
from .words import N_, clauses, plain, tr

EXPLODED_LOSS = 10.0  # step-0 loss, in units of the loss of a guess from the class frequencies
STALL_MARGIN = 0.1  # a final test accuracy at most this far above chance is "stalled"
VANISHED_BELOW = 1e-2  # step-0 gradient at layer 1 / at the top hidden layer, named as a reason
SATURATED_SHARE = 0.5  # step-0 share of saturated units (mean over the layers), named as a reason
SUNK_BELOW = 0.15  # a sigmoid layer's mean activation below this has sunk toward 0 (Glorot & Bengio, Fig. 2)
OUTCOMES = (  # each a message: the pages show it translated
    N_("learned"),
    N_("partly learned"),
    N_("stalled"),
    N_("symmetric"),
    N_("dead"),
    N_("exploded, then dead"),
    N_("diverged"),
)


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

    def relabelled(self, labels: Sequence[str]) -> TrainResult:
        """The same result with its models named ``labels``, in the order of ``schemes``: a run trained
        while the page spoke one language, shown after a switch to another (the labels are words)."""
        old = list(self.schemes)
        if len(old) != len(labels):
            raise ValueError(f"labels must name the {len(old)} models {old}, got {list(labels)}")
        if old == list(labels):
            return self
        names = dict(zip(old, labels, strict=True))

        def frame(df: pd.DataFrame) -> pd.DataFrame:
            return df.assign(scheme=df["scheme"].map(names)) if "scheme" in df else df

        def keyed(d: dict[str, Any]) -> dict[str, Any]:
            return {names[k]: v for k, v in d.items()}

        return replace(
            self,
            history=frame(self.history),
            layers=frame(self.layers),
            diverged=keyed(self.diverged),
            weights=keyed(self.weights),
            initial=keyed(self.initial),
            schemes=keyed(self.schemes),
        )


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
    explosion = tr(
        "its loss started at {loss}, against {guess} for a guess from the class frequencies, so its first "
        "updates were huge",
        loss=f"{loss0:.2g}",
        guess=f"{result.chance_loss:.2g}",
    )
    run = {"final": f"{final:.0%}", "steps": f"{last_step:,}", "target": f"{target:.0%}"}
    step = result.diverged.get(label)
    if step is not None:
        why = f"; {explosion}" if exploded else ""
        return Outcome(
            label, "diverged", step, tr("the loss became NaN or infinite at step {step}", step=step) + why
        )
    dead = _dead_layers(layers)
    if dead:
        top = max(dead)
        below = tr("layer 1") if top == 1 else tr("layers 1-{top}", top=top)
        silent = _all_zero(layers, top)
        cause = tr("every unit of layer {top} outputs 0 for every example, so ", top=top) if silent else ""
        if exploded:
            frozen = tr("the gradient in {below} is exactly 0 and they can no longer change", below=below)
            return Outcome(
                label,
                "exploded, then dead",
                None,
                tr("{explosion}; then ", explosion=explosion) + cause + frozen,
            )
        start = tr(" from the start") if _dead_at_start(layers, top) else ""
        frozen = tr(
            "the gradient in {below} is exactly 0{start}, and they can no longer change",
            below=below,
            start=start,
        )
        return Outcome(label, "dead", None, cause + frozen)
    reached = test.loc[test["accuracy"] >= target, "step"]
    if len(reached):
        first = int(reached.iloc[0])
        detail = tr(
            "{target} test accuracy at step {first}; {final} after {steps} steps", first=f"{first:,}", **run
        )
        return Outcome(label, "learned", first, detail)
    if result.schemes.get(label) == "zeros":
        detail = tr(
            "every weight starts at 0, so the units of a layer stay identical and each layer acts as one "
            "unit; {final} test accuracy after {steps} steps",
            **run,
        )
        return Outcome(label, "symmetric", None, detail)
    chance = result.chance_accuracy
    reasons = _reasons(layers, result.activation)
    why = ": " + clauses(reasons) if reasons else ""
    if math.isfinite(chance) and final <= chance + STALL_MARGIN:
        detail = tr(
            "{final} test accuracy after {steps} steps, near the {chance} of always guessing the most "
            "common class",
            chance=f"{chance:.0%}",
            **run,
        )
        return Outcome(label, "stalled", None, detail + why)
    detail = tr("{final} test accuracy after {steps} steps, short of {target}", **run)
    return Outcome(label, "partly learned", None, detail + why)


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
        out.append(
            tr(
                "at the start, layer 1 got {r} of the gradient of layer {depth}",
                r=f"{g[0] / g[-1]:.1e}",
                depth=depth,
            )
        )
    sat = float(first["saturated"].mean())
    if activation in ("sigmoid", "tanh") and sat >= SATURATED_SHARE:
        out.append(tr("{sat} of its units started saturated", sat=f"{sat:.0%}"))
    if activation == "sigmoid":
        sink = sinking(layers).iloc[0] if len(layers) else None
        if sink is not None and sink["sank_at"] is not None:
            out.append(
                tr(
                    "its top layer's mean activation sank below {below} by step {step} (lowest {low})",
                    below=f"{SUNK_BELOW:g}",
                    step=f"{sink['sank_at']:,}",
                    low=f"{sink['top_min']:.2f}",
                )
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


# --- for the page: decision boundaries, a data set's picture, the weights as a file ----------------------


def boundary_grid(result: TrainResult, data: Dataset, *, activation: str, points: int = 60) -> pd.DataFrame:
    """For a 2-D data set: every model's P(class 1) on a points x points grid covering the data, as
    rectangles (columns scheme, x_lo, x_hi, y_lo, y_hi, p). Computed in numpy from the final weights."""
    if data.features != 2 or data.n_classes != 2:
        raise ValueError(f"data must be a 2-D two-class set for a decision boundary, got {data.name!r}")
    both = np.concatenate([data.x_train, data.x_test])
    lo, hi = both.min(axis=0) - 0.25, both.max(axis=0) + 0.25
    gx, gy = np.linspace(lo[0], hi[0], points + 1), np.linspace(lo[1], hi[1], points + 1)
    cx, cy = np.meshgrid((gx[:-1] + gx[1:]) / 2, (gy[:-1] + gy[1:]) / 2)
    grid = np.stack([cx.ravel(), cy.ravel()], axis=1).astype(np.float32)
    ix, iy = np.meshgrid(np.arange(points), np.arange(points))
    frames = []
    for label, weights in result.weights.items():
        p = predict(weights, grid, activation=activation)
        frames.append(
            pd.DataFrame(
                {
                    "scheme": label,
                    "x_lo": gx[ix.ravel()],
                    "x_hi": gx[ix.ravel() + 1],
                    "y_lo": gy[iy.ravel()],
                    "y_hi": gy[iy.ravel() + 1],
                    "p": np.where(np.isfinite(p), p, np.nan),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def preview_frame(data: Dataset, images: int = 8) -> pd.DataFrame:
    """What the data look like, for a chart: a 2-D set's training points (columns x, y, label), or the
    first ``images`` training images as pixels (columns image, label, row, col, value); ``label`` is the
    class number (``charts.dataset_preview`` names it in the page's language)."""
    if data.features == 2:
        return pd.DataFrame({"x": data.x_train[:, 0], "y": data.x_train[:, 1], "label": data.y_train})
    side = round(math.sqrt(data.features))
    pix = data.x_train[:images].reshape(-1, side, side)
    n = len(pix)
    rows, cols = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    return pd.DataFrame(
        {
            "image": np.repeat(np.arange(n), side * side),
            "label": np.repeat(data.y_train[:n], side * side),
            "row": np.tile(rows.ravel(), n),
            "col": np.tile(cols.ravel(), n),
            "value": pix.ravel(),
        }
    )


def weights_npz(result: TrainResult) -> bytes:
    """The trained weights as an .npz file: arrays named '<scheme>/W1', '<scheme>/b1', ... ('out' last),
    the labels plain (:func:`initcore.words.plain`)."""
    arrays = {}
    for shown, tensors in result.weights.items():
        label = plain(shown)
        n = len(tensors) // 2
        for i in range(n):
            name = "out" if i == n - 1 else str(i + 1)
            arrays[f"{label}/W{name}"] = tensors[2 * i]
            arrays[f"{label}/b{name}"] = tensors[2 * i + 1]
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()

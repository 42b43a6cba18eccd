"""initcore.runs: a training run's outcome per model, read from its numbers (no TensorFlow: synthetic runs
whose every number is chosen, one threshold at a time). The real engine's runs are checked against the
same rules by the training claims (tests/test_claims.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from initcore import runs
from initcore.runs import TrainResult, chance_levels, outcomes, sinking, summarize

STEPS = (0, 10, 20, 30)
LN10 = math.log(10)  # a guess from ten equally frequent classes


def _history(label: str, test_acc: tuple[float, ...], loss0: float = 0.7) -> list[tuple]:
    rows = []
    for i, (step, acc) in enumerate(zip(STEPS, test_acc, strict=True)):
        loss = loss0 if i == 0 else 0.6
        rows += [(label, step, "train", loss, acc), (label, step, "test", loss, acc)]
    return rows


def _layers(label: str, *, grads=(1e-3, 1e-2, 1e-1), sat=0.1, top=(0.5, 0.5, 0.5, 0.5), dead_at=None):
    """Per step and layer (3 layers): a_mean 0.5 below the top layer, ``top`` for it; grad_rms ``grads``
    (all exactly 0 from step ``dead_at`` on, and the top layer silent then)."""
    rows = []
    for i, step in enumerate(STEPS):
        for layer in (1, 2, 3):
            dead = dead_at is not None and step >= dead_at
            mean = top[i] if layer == 3 else 0.5
            rows.append(
                {
                    "scheme": label,
                    "step": step,
                    "layer": layer,
                    "a_mean": 0.0 if dead and layer == 3 else mean,
                    "a_std": 0.0 if dead and layer == 3 else 0.2,
                    "saturated": 1.0 if dead and layer == 3 else sat,
                    "near_linear": 0.1,
                    "grad_rms": 0.0 if dead else grads[layer - 1],
                }
            )
    return rows


def _result(models: dict, *, activation="sigmoid", chance=0.1, chance_loss=LN10) -> TrainResult:
    """models: label -> dict(acc=(4 test accuracies), loss0=..., layers=kwargs for _layers, diverged=...,
    scheme=...)."""
    history, layers = [], []
    for label, m in models.items():
        history += _history(label, m.get("acc", (0.1, 0.1, 0.1, 0.1)), m.get("loss0", 2.3))
        layers += _layers(label, **m.get("layers", {}))
    return TrainResult(
        history=pd.DataFrame(history, columns=["scheme", "step", "split", "loss", "accuracy"]),
        layers=pd.DataFrame(layers),
        diverged={label: m.get("diverged") for label, m in models.items()},
        weights={},
        initial={},
        schemes={label: m.get("scheme", "normal") for label, m in models.items()},
        activation=activation,
        chance_accuracy=chance,
        chance_loss=chance_loss,
    )


def _one(activation="sigmoid", **model) -> runs.Outcome:
    return outcomes(_result({"m": model}, activation=activation))[0]


def test_learned_at_the_first_step_that_reaches_the_target():
    o = _one(acc=(0.1, 0.5, 0.9, 0.85))
    assert (o.kind, o.step) == ("learned", 20), o
    assert o.detail == "90% test accuracy at step 20; 85% after 30 steps", o.detail
    assert _one(acc=(0.1, 0.5, 0.899, 0.89)).kind == "partly learned"


def test_stalled_within_a_tenth_of_chance_else_partly_learned():
    o = _one(acc=(0.1, 0.1, 0.15, 0.2))
    assert o.kind == "stalled", o
    assert o.detail.startswith("20% test accuracy after 30 steps, near the 10% of always guessing"), o.detail
    o = _one(acc=(0.1, 0.1, 0.15, 0.21))
    assert o.kind == "partly learned" and "short of 90%" in o.detail, o


def test_a_stall_names_the_reasons_its_first_measurement_shows():
    o = _one(layers={"grads": (9.9e-4, 1e-2, 1e-1)})
    assert "at the start, layer 1 got 9.9e-03 of the gradient of layer 3" in o.detail, o.detail
    o = _one(layers={"grads": (1.01e-3, 1e-2, 1e-1)})
    assert "at the start" not in o.detail, f"a ratio of 1.01e-2 is no reason: {o.detail}"
    o = _one(layers={"sat": 0.5})
    assert "50% of its units started saturated" in o.detail, o.detail
    assert "saturated" not in _one(layers={"sat": 0.49}).detail
    assert "saturated" not in _one(activation="relu", layers={"sat": 0.9}).detail, (
        "a ReLU at 0 is not saturated"
    )
    o = _one(layers={"top": (0.5, 0.3, 0.149, 0.1)})
    assert "its top layer's mean activation sank below 0.15 by step 20 (lowest 0.10)" in o.detail, o.detail
    assert "sank" not in _one(activation="tanh", layers={"top": (0.5, 0.3, 0.1, 0.1)}).detail


def test_diverged_wins_and_says_when():
    o = _one(diverged=7, acc=(0.1, 0.9, 0.9, 0.9))
    assert (o.kind, o.step) == ("diverged", 7), o
    assert o.detail == "the loss became NaN or infinite at step 7", o.detail
    o = _one(diverged=3, loss0=1e4)
    assert "its loss started at 1e+04, against 2.3 for a guess from the class frequencies" in o.detail, o


def test_dead_when_a_layer_gets_exactly_no_gradient_exploded_when_the_first_loss_was_huge():
    o = _one(layers={"dead_at": 10}, loss0=23.1)
    assert o.kind == "exploded, then dead", o
    assert "then every unit of layer 3 outputs 0 for every example, so the gradient in layers 1-3" in o.detail
    o = _one(layers={"dead_at": 10}, loss0=23.0)  # 10 x ln 10 = 23.03
    assert o.kind == "dead" and "from the start" not in o.detail, o
    o = _one(layers={"dead_at": 0})
    assert o.kind == "dead" and o.detail.endswith(
        "exactly 0 from the start, and they can no longer change"
    ), o


def test_symmetric_for_zero_weights_unless_dead():
    o = _one(scheme="zeros", acc=(0.1, 0.3, 0.5, 0.5))
    assert o.kind == "symmetric" and "each layer acts as one unit; 50% test accuracy" in o.detail, o
    assert _one(scheme="zeros", layers={"dead_at": 0}).kind == "dead"


def test_sinking_finds_the_dip_its_recovery_and_the_lower_layers_range():
    result = _result({"a": {"layers": {"top": (0.5, 0.1, 0.05, 0.2)}}, "b": {}})
    s = sinking(result.layers).set_index("scheme")
    assert (s.loc["a", "sank_at"], s.loc["a", "recovered_at"]) == (10, 30), s
    assert s.loc["a", "top_min"] == 0.05 and s.loc["a", "top_end"] == 0.2
    assert s.loc["a", "lower_min"] == s.loc["a", "lower_max"] == 0.5
    assert s.loc["b", "sank_at"] is None and s.loc["b", "recovered_at"] is None, s


def test_chance_levels_are_the_majority_share_and_the_prior_entropy():
    acc, loss = chance_levels(np.array([0, 0, 0, 1]), np.array([1, 1, 0]), 2)
    assert acc == pytest.approx(2 / 3) and loss == pytest.approx(
        -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    )


def test_summarize_puts_the_outcome_beside_the_numbers():
    result = _result({"a": {"acc": (0.1, 0.5, 0.95, 0.95)}, "b": {"diverged": 5}})
    s = summarize(result).set_index("scheme")
    assert s["outcome"].tolist() == ["learned", "diverged"], s
    assert s.loc["a", "step to 90% test accuracy"] == 20 and s.loc["b", "diverged at step"] == 5

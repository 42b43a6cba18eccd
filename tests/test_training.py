"""The stacked TensorFlow training engine (``initcore.training``) against plain Keras, and its tables.

The key oracle is parity with Keras. For each case, every scheme's net is also built as a plain
``keras.Sequential`` (Dense hidden layers with the activation, a Dense output without one), given the
engine's own initial weights (``initial_weights``), and trained alone with ``keras.optimizers.SGD`` /
``Adam`` (defaults) on the same batches (``batch_indices``) by a manual ``GradientTape`` step, recording
each step's batch loss BEFORE the update. The engine is checked twice against that run:

* per step: the engine's compiled ``train_chunk`` (``_compiled(...)``, the function ``train_many`` runs)
  is called directly on all the steps at once; it returns exactly the per-step batch losses the engine
  logs (computed before each update), so they are compared step by step with Keras's, and its final
  weights with Keras's. This is the clean per-step comparison: the public history only holds losses
  on an evaluation subset at checkpoints, never the batch losses.
* through the public API: ``train_many`` (with ``record_every=7``, so 60 steps run as 8 full chunks and
  a partial one, and Adam's step counter crosses chunk boundaries) must return the same final weights,
  and its recorded train loss and accuracy at every checkpoint must equal Keras's model evaluated on
  the whole training set. That works because every case has at most ``EVAL_EXAMPLES`` training
  examples, so the engine's train evaluation subset is the whole training set (asserted).

Tolerance: both sides compute in float32 (eps = 1.2e-7) with different summation orders (a batched
einsum over K stacked models vs one Dense matmul), so they agree to a few eps per step; over 60 steps of
a well-conditioned descent the drift stays near 1e-6 (measured: at most 4e-7 in these cases, 1.2e-6 in
others tried). REL_TOL = 1e-4 (~800 eps) leaves room for that drift to grow, yet a real difference (a
learning rate off by 1 %, Adam's bias correction off by one step, a loss summed instead of averaged)
moves the losses by far more.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from initcore import training
from initcore.activations import ACTIVATIONS
from initcore.datasets import load_dataset
from initcore.network import predict, propagate

pytestmark = pytest.mark.tf

TF, KERAS = training.tensorflow()

REL_TOL = 1e-4  # relative, per step loss and per weight tensor (see the module docstring)
EPS32 = float(np.finfo(np.float32).eps)
PROB_ATOL = 64 * EPS32  # probabilities in [0, 1] after a few float32 layers, summed in another order
STEPS, BATCH = 60, 32


@dataclass(frozen=True)
class Case:
    dataset: str
    test_fraction: float
    activation: str
    optimizer: str
    learning_rate: float
    depth: int
    width: int
    schemes: tuple[tuple[str, str, tuple[tuple[str, float], ...]], ...]  # (label, name, params)
    seed: int = 3

    @property
    def scheme_dict(self) -> dict:
        return {label: (name, dict(params)) for label, name, params in self.schemes}


THREE_SCHEMES = (
    ("glorot_uniform", "glorot_uniform", ()),
    ("he_normal", "he_normal", ()),
    ("uniform 0.1", "uniform", (("limit", 0.1),)),
)
CASES = {
    "circles-tanh-sgd": Case("circles", 0.25, "tanh", "sgd", 0.5, 3, 16, THREE_SCHEMES),
    "circles-relu-adam": Case("circles", 0.25, "relu", "adam", 0.01, 3, 16, THREE_SCHEMES),
    # 1797 digits with 45 % held out: 988 training examples <= EVAL_EXAMPLES; softmax over 10 classes
    "digits-relu-sgd": Case(
        "digits",
        0.45,
        "relu",
        "sgd",
        0.1,
        2,
        32,
        (("he_normal", "he_normal", ()), ("glorot_uniform", "glorot_uniform", ())),
    ),
}
CASE_LABELS = [
    pytest.param(case_id, label, id=f"{case_id}-{label}")
    for case_id, case in CASES.items()
    for label, _, _ in case.schemes
]


@functools.cache
def _data(name: str, test_fraction: float, seed: int):
    return load_dataset(name, seed=seed, test_fraction=test_fraction)


def _sizes(case: Case, data) -> list[int]:
    return [data.features] + [case.width] * case.depth + [1 if data.n_classes == 2 else data.n_classes]


@functools.cache
def _engine(case_id: str):
    """(data, train_many's result, per-step losses (STEPS, K) and final weights from train_chunk)."""
    case = CASES[case_id]
    data = _data(case.dataset, case.test_fraction, case.seed)
    result = training.train_many(
        data,
        case.scheme_dict,
        depth=case.depth,
        width=case.width,
        activation=case.activation,
        optimizer=case.optimizer,
        learning_rate=case.learning_rate,
        steps=STEPS,
        batch_size=BATCH,
        seed=case.seed,
        record_every=7,
    )
    labels = list(case.scheme_dict)
    init = training.initial_weights(case.scheme_dict, _sizes(case, data), seed=case.seed)
    idx = training.batch_indices(len(data.x_train), BATCH, STEPS, seed=case.seed)
    train_chunk, _ = training._compiled(case.activation, case.depth, data.n_classes == 2, case.optimizer)
    params = [TF.constant(np.stack([init[k][i] for k in labels])) for i in range(len(init[labels[0]]))]
    state = [TF.zeros_like(p) for p in params for _ in range(2)] if case.optimizer == "adam" else []
    params, _, losses = train_chunk(
        params,
        state,
        TF.constant(0),
        TF.constant(data.x_train[idx]),
        TF.constant(data.y_train[idx]),
        TF.constant(case.learning_rate, TF.float32),
        TF.ones(len(labels), dtype=TF.bool),
    )
    chunk_weights = {label: [p.numpy()[k] for p in params] for k, label in enumerate(labels)}
    return data, result, init, losses.numpy(), chunk_weights


def _keras_model(weights: list[np.ndarray], activation: str, n_in: int):
    hidden = [KERAS.layers.Dense(w.shape[1], activation=activation) for w in weights[:-2:2]]
    model = KERAS.Sequential([KERAS.Input((n_in,)), *hidden, KERAS.layers.Dense(weights[-2].shape[1])])
    model.set_weights(weights)
    return model


@functools.cache
def _keras(case_id: str, label: str):
    """Keras trained alone: (batch loss of each step before its update (STEPS,), {step: (loss, accuracy)
    on the whole training set at every train_many checkpoint}, final weights)."""
    case = CASES[case_id]
    data, result, _, _, _ = _engine(case_id)
    binary = data.n_classes == 2
    model = _keras_model(result.initial[label], case.activation, data.features)
    if binary:
        loss_fn = KERAS.losses.BinaryCrossentropy(from_logits=True)
        target = lambda y: y.astype(np.float32)[:, None]  # noqa: E731
        predicted = lambda logits: (logits[:, 0] > 0).astype(np.int64)  # noqa: E731
    else:
        loss_fn = KERAS.losses.SparseCategoricalCrossentropy(from_logits=True)
        target = lambda y: y  # noqa: E731
        predicted = lambda logits: logits.argmax(axis=1)  # noqa: E731
    make = KERAS.optimizers.SGD if case.optimizer == "sgd" else KERAS.optimizers.Adam
    optimizer = make(learning_rate=case.learning_rate)
    idx = training.batch_indices(len(data.x_train), BATCH, STEPS, seed=case.seed)
    checkpoints = set(result.history["step"])
    step_losses, evaluated = [], {}
    for step in range(STEPS + 1):
        if step in checkpoints:
            logits = model(data.x_train)
            loss = float(loss_fn(target(data.y_train), logits))
            evaluated[step] = (loss, float(np.mean(predicted(np.asarray(logits)) == data.y_train)))
        if step == STEPS:
            break
        xb, yb = data.x_train[idx[step]], data.y_train[idx[step]]
        with TF.GradientTape() as tape:
            loss = loss_fn(target(yb), model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        step_losses.append(float(loss))
    return np.array(step_losses), evaluated, [np.asarray(w) for w in model.get_weights()]


def _max_rel_weight_diff(got: list[np.ndarray], want: list[np.ndarray]) -> float:
    return max(
        float(np.linalg.norm(g - w) / max(np.linalg.norm(w), 1e-30)) for g, w in zip(got, want, strict=True)
    )


# --- 1. parity with Keras ----------------------------------------------------------------------------


@pytest.mark.parametrize(("case_id", "label"), CASE_LABELS)
def test_per_step_loss_equals_keras_trained_alone(case_id, label):
    _, _, _, losses, _ = _engine(case_id)
    k = list(CASES[case_id].scheme_dict).index(label)
    mine = losses[:, k].astype(np.float64)
    ref, _, _ = _keras(case_id, label)
    assert mine.shape == ref.shape == (STEPS,), (mine.shape, ref.shape)
    rel = np.abs(mine - ref) / np.abs(ref)
    worst = int(rel.argmax())
    assert rel.max() <= REL_TOL, (
        f"step {worst + 1}: engine loss {mine[worst]:.7g}, Keras {ref[worst]:.7g}, rel diff {rel.max():.2e} "
        f"> {REL_TOL:g}"
    )
    # the comparison is not vacuous: the loss moves by far more than the tolerance
    assert abs(ref[-1] - ref[0]) > 100 * REL_TOL * ref[0], (ref[0], ref[-1])


@pytest.mark.parametrize(("case_id", "label"), CASE_LABELS)
def test_final_weights_equal_keras_trained_alone(case_id, label):
    _, result, _, _, chunk_weights = _engine(case_id)
    _, _, ref = _keras(case_id, label)
    assert [w.shape for w in result.weights[label]] == [w.shape for w in ref]
    for name, got in (("train_many", result.weights[label]), ("train_chunk", chunk_weights[label])):
        diff = _max_rel_weight_diff(got, ref)
        assert diff <= REL_TOL, (
            f"{name}: final weights differ from Keras's by {diff:.2e} relative > {REL_TOL:g}"
        )
    moved = _max_rel_weight_diff(result.initial[label], ref)
    assert moved > 100 * REL_TOL, f"training moved the weights by only {moved:.2e}: nothing was compared"


@pytest.mark.parametrize(("case_id", "label"), CASE_LABELS)
def test_recorded_train_loss_and_accuracy_equal_keras_on_the_whole_train_set(case_id, label):
    data, result, _, _, _ = _engine(case_id)
    assert len(data.x_train) <= training.EVAL_EXAMPLES, "the train evaluation subset is not the whole set"
    _, evaluated, _ = _keras(case_id, label)
    h = result.history
    mine = h[(h["scheme"] == label) & (h["split"] == "train")].set_index("step")
    assert sorted(mine.index) == sorted(evaluated) == [*range(0, STEPS, 7), STEPS], sorted(mine.index)
    one_example = 1.0 / len(data.x_train)  # an example sitting on the boundary may flip
    for step, (loss, acc) in evaluated.items():
        got_loss, got_acc = mine.loc[step, "loss"], mine.loc[step, "accuracy"]
        assert abs(got_loss - loss) <= REL_TOL * loss, f"step {step}: loss {got_loss:.7g} vs Keras {loss:.7g}"
        assert abs(got_acc - acc) <= one_example, f"step {step}: accuracy {got_acc} vs Keras {acc}"


@pytest.mark.parametrize("case_id", list(CASES))
def test_train_many_starts_from_initial_weights_with_zero_biases(case_id):
    case = CASES[case_id]
    data, result, init, _, _ = _engine(case_id)
    assert list(result.initial) == list(case.scheme_dict)
    sizes = _sizes(case, data)
    for label, tensors in result.initial.items():
        shapes = [t.shape for t in tensors]
        want = [s for fan_in, fan_out in itertools.pairwise(sizes) for s in ((fan_in, fan_out), (fan_out,))]
        assert shapes == want, (label, shapes, want)
        for got, ref in zip(tensors, init[label], strict=True):
            np.testing.assert_array_equal(got, ref, err_msg=f"{label}: initial weights != initial_weights()")
        assert all(not b.any() for b in tensors[1::2]), f"{label}: a bias does not start at zero"


def test_predict_equals_keras_outputs_through_sigmoid_and_softmax():
    """The numpy forward pass of ``predict`` on trained weights equals the Keras model built from the same
    weights, read through a sigmoid (one output) or a softmax (ten)."""
    for case_id in ("circles-tanh-sgd", "digits-relu-sgd"):
        case = CASES[case_id]
        data, result, _, _, _ = _engine(case_id)
        x = data.x_test[:16]
        spreads = {}
        for label, weights in result.weights.items():
            logits = np.asarray(_keras_model(weights, case.activation, data.features)(x), dtype=np.float64)
            got = predict(weights, x, activation=case.activation)
            if data.n_classes == 2:
                want = 1.0 / (1.0 + np.exp(-logits[:, 0]))
                assert got.shape == (16,), got.shape
            else:
                e = np.exp(logits - logits.max(axis=1, keepdims=True))
                want = e / e.sum(axis=1, keepdims=True)
                assert got.shape == (16, 10), got.shape
                np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=PROB_ATOL)
            spreads[label] = float(np.ptp(want))
            err = float(np.abs(got - want).max())
            assert err <= PROB_ATOL, (
                f"{case_id} {label}: predict differs from Keras by {err:.2e} > {PROB_ATOL:.2e}"
            )
        # the outputs vary across the points (a constant net would make the comparison weak)
        assert max(spreads.values()) > 0.5, f"{case_id}: outputs barely vary: {spreads}"


def test_initial_weights_share_random_directions_within_a_family():
    """Layer l uses the same Keras seed for every scheme, so glorot_uniform and uniform(limit) draw the same
    uniform numbers scaled to their limits, and he_normal / lecun_normal the same truncated normals."""
    sizes = [5, 12, 7, 1]
    w = training.initial_weights(
        {
            "g": ("glorot_uniform", {}),
            "u": ("uniform", {"limit": 0.1}),
            "he": ("he_normal", {}),
            "lecun": ("lecun_normal", {}),
        },
        sizes,
        seed=11,
    )
    other = training.initial_weights({"g": ("glorot_uniform", {})}, sizes, seed=12)
    for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        g, u = w["g"][2 * layer], w["u"][2 * layer]
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        np.testing.assert_allclose(
            g / limit, u / 0.1, rtol=8 * EPS32, atol=8 * EPS32, err_msg=f"layer {layer + 1}"
        )
        np.testing.assert_allclose(w["he"][2 * layer], math.sqrt(2.0) * w["lecun"][2 * layer], rtol=8 * EPS32)
        assert np.abs(g).max() <= limit, (np.abs(g).max(), limit)
        assert not np.array_equal(g, other["g"][2 * layer]), "another seed gave the same weights"
        # different layers get different seeds: their first entries are not the same draws rescaled
    assert w["u"][0][0, 0] / 0.1 != w["u"][2][0, 0] / 0.1


def test_batch_indices_are_seeded_epochs_of_permutations():
    idx = training.batch_indices(50, 8, 20, seed=4)  # 160 indices: three full epochs and a partial one
    assert idx.shape == (20, 8), idx.shape
    flat = idx.ravel()
    for epoch in range(3):
        chunk = np.sort(flat[50 * epoch : 50 * (epoch + 1)])
        np.testing.assert_array_equal(chunk, np.arange(50), err_msg=f"epoch {epoch} is not a permutation")
    assert len(set(flat[150:].tolist())) == 10, "the partial epoch repeats an index"
    np.testing.assert_array_equal(idx, training.batch_indices(50, 8, 20, seed=4))
    assert not np.array_equal(idx, training.batch_indices(50, 8, 20, seed=5)), "another seed, same batches"
    # a longer run starts with the same batches (so a run cut short trains on a prefix)
    np.testing.assert_array_equal(training.batch_indices(50, 8, 33, seed=4)[:20], idx)


# --- 2. determinism ------------------------------------------------------------------------------------

SMALL = {
    "schemes": {
        "glorot": ("glorot_uniform", {}),
        "normal 2": ("normal", {"std": 2.0}),  # saturates sigmoid units: non-trivial layer statistics
        "lecun": ("lecun_normal", {}),
    },
    "depth": 2,
    "width": 8,
    "activation": "sigmoid",
    "learning_rate": 0.5,
    "steps": 25,  # not a multiple of record_every: a last, shorter chunk
    "batch_size": 16,
    "record_every": 10,
}


@functools.cache
def _circles(seed: int = 0):
    return load_dataset("circles", seed=seed)


@functools.cache
def _small(seed: int = 0):
    calls = []
    result = training.train_many(
        _circles(), **SMALL, seed=seed, progress=lambda step, steps, h: calls.append((step, steps, h))
    )
    return result, calls


def test_same_seed_same_run_another_seed_another_run():
    a, _ = _small(0)
    b = training.train_many(_circles(), **SMALL, seed=0)
    c = training.train_many(_circles(), **SMALL, seed=1)
    pd.testing.assert_frame_equal(a.history, b.history)
    pd.testing.assert_frame_equal(a.layers, b.layers)
    for label in a.weights:
        for i, (x, y) in enumerate(zip(a.weights[label], b.weights[label], strict=True)):
            np.testing.assert_array_equal(x, y, err_msg=f"{label} tensor {i}: same seed, other weights")
        diff = _max_rel_weight_diff(c.initial[label], a.initial[label])
        assert diff > 0.1, f"{label}: seed 1 starts {diff:.2e} away from seed 0"
        diff = _max_rel_weight_diff(c.weights[label], a.weights[label])
        assert diff > 0.1, f"{label}: seed 1 ends {diff:.2e} away from seed 0"
    moved = (a.history["loss"] - c.history["loss"]).abs().max()
    assert moved > 1e-3, f"seed 1's history is within {moved:.2e} of seed 0's"


# --- 3. divergence -------------------------------------------------------------------------------------

DIVERGE = {
    "depth": 3,
    "width": 16,
    "activation": "relu",
    "learning_rate": 1.0,
    "steps": 60,
    "batch_size": 32,
    "record_every": 10,
    "seed": 0,
}
DIVERGE_SCHEMES = {
    "glorot": ("glorot_uniform", {}),
    "normal 1e3": ("normal", {"std": 1e3}),
    "normal 1e6": ("normal", {"std": 1e6}),
}


@functools.cache
def _diverge():
    return training.train_many(_circles(), DIVERGE_SCHEMES, **DIVERGE)


def test_huge_initializations_diverge_and_stay_frozen():
    """With ReLU and SGD at rate 1, weights of std 1e3 or 1e6 overflow float32 within a few steps: the
    engine records the step whose batch loss was first non-finite (an int), evaluates the model as
    non-finite from then on, and freezes its weights at the values that produced that loss, which are
    the weights after step - 1 updates: a run of step - 1 steps on the same batches ends with them."""
    result = _diverge()
    h = result.history[result.history["split"] == "train"]
    for label in ("normal 1e3", "normal 1e6"):
        step = result.diverged[label]
        assert type(step) is int and 1 <= step <= DIVERGE["steps"], f"{label}: diverged at {step!r}"
        later = h[(h["scheme"] == label) & (h["step"] >= step)]
        assert len(later) >= 5 and not np.isfinite(later["loss"]).any(), later.to_string()
        if step == 1:
            frozen_at = result.initial[label]
        else:
            short = training.train_many(_circles(), DIVERGE_SCHEMES, **{**DIVERGE, "steps": step - 1})
            assert short.diverged[label] is None, f"{label}: the short run diverged too"
            frozen_at = short.weights[label]
        for i, (got, want) in enumerate(zip(result.weights[label], frozen_at, strict=True)):
            np.testing.assert_array_equal(got, want, err_msg=f"{label} tensor {i} moved after divergence")
    summary = training.summarize(result)
    reported = {
        k: _step_or_none(v) for k, v in zip(summary["scheme"], summary["diverged at step"], strict=True)
    }
    assert reported == result.diverged, (reported, result.diverged)


def test_a_diverging_neighbour_does_not_disturb_the_others():
    result = _diverge()
    assert result.diverged["glorot"] is None, result.diverged
    h = result.history[(result.history["scheme"] == "glorot") & (result.history["split"] == "train")]
    assert np.isfinite(h["loss"]).all(), h.to_string()
    first, last = h.iloc[0], h.iloc[-1]
    # a straight boundary cannot enclose circles' inner disk: 85 % needs working hidden layers
    assert last["accuracy"] >= 0.85 and last["loss"] <= 0.5 * first["loss"], (first.to_dict(), last.to_dict())
    alone = training.train_many(_circles(), {"glorot": DIVERGE_SCHEMES["glorot"]}, **DIVERGE)
    diff = _max_rel_weight_diff(result.weights["glorot"], alone.weights["glorot"])
    assert diff <= REL_TOL, f"glorot next to diverging models ends {diff:.2e} away from glorot alone"


@pytest.mark.parametrize("case_id", ["circles-tanh-sgd", "circles-relu-adam"])
def test_a_model_marked_dead_stays_frozen_and_the_others_train_as_alone(case_id):
    """``train_chunk``'s ``alive`` mask: 5 steps with every model alive, then 5 more with the first one
    marked diverged. It keeps its weights exactly, although its loss is finite and, under Adam, its moments
    are not zero (they alone would move it); the live models follow the very same trajectory as when
    every model stays alive."""
    case = CASES[case_id]
    data, _, init, _, _ = _engine(case_id)
    labels = list(case.scheme_dict)
    idx = training.batch_indices(len(data.x_train), BATCH, 10, seed=case.seed)
    train_chunk, _ = training._compiled(case.activation, case.depth, True, case.optimizer)
    lr = TF.constant(case.learning_rate, TF.float32)

    def chunk(params, state, start, alive):
        xb, yb = (
            TF.constant(data.x_train[idx[start : start + 5]]),
            TF.constant(data.y_train[idx[start : start + 5]]),
        )
        return train_chunk(params, state, TF.constant(start), xb, yb, lr, TF.constant(alive))

    params = [TF.constant(np.stack([init[k][i] for k in labels])) for i in range(len(init[labels[0]]))]
    state = [TF.zeros_like(p) for p in params for _ in range(2)] if case.optimizer == "adam" else []
    params, state, _ = chunk(params, state, 0, [True] * len(labels))
    at_death = [p.numpy() for p in params]
    got, _, losses = chunk(params, state, 5, [False] + [True] * (len(labels) - 1))
    ref, _, _ = chunk(params, state, 5, [True] * len(labels))
    assert np.isfinite(losses.numpy()).all(), losses
    for i, (p, r) in enumerate(zip(got, ref, strict=True)):
        np.testing.assert_array_equal(p[0], at_death[i][0], err_msg=f"tensor {i} of the dead model moved")
        np.testing.assert_array_equal(p[1:], r[1:], err_msg=f"tensor {i} of a live model changed")
    moved = _max_rel_weight_diff([r[0] for r in ref], [a[0] for a in at_death])
    assert moved > 1e-3, f"alive, the first model would have moved by only {moved:.2e}: a weak check"


# --- 4. zeros: the symmetry is never broken -----------------------------------------------------------


def test_zero_initialization_keeps_every_hidden_unit_identical():
    """With all weights zero, every hidden unit of a layer computes the same value and receives the same
    gradient, so after training the columns of each W (a unit's incoming weights) are still equal, and so
    are the output weights of those units, although training did move them (sigmoid: a = 1/2 != 0). A
    Glorot start, trained alongside, ends with distinct columns."""
    schemes = {"zeros": ("zeros", {}), "glorot": ("glorot_uniform", {})}
    result = training.train_many(
        _circles(), schemes, depth=2, width=8, activation="sigmoid", learning_rate=5.0, steps=40, seed=0
    )
    for label in schemes:
        w = result.weights[label]
        for layer in range(2):
            kernel, bias = w[2 * layer], w[2 * layer + 1]
            col_spread = float(np.abs(kernel - kernel[:, :1]).max())
            bias_spread = float(np.ptp(bias))
            scale = float(np.abs(kernel).max())
            if label == "zeros":
                assert scale > 1e-3, (
                    f"layer {layer + 1}: the zero weights never moved (max |W| = {scale:.2e})"
                )
                assert col_spread <= 16 * EPS32 * scale, (
                    f"layer {layer + 1}: columns differ by {col_spread:.2e}"
                )
                assert bias_spread <= 16 * EPS32 * max(float(np.abs(bias).max()), 1e-30), bias_spread
            else:
                assert col_spread > 0.1 * scale, f"glorot layer {layer + 1}: columns within {col_spread:.2e}"
        out = w[-2][:, 0]
        if label == "zeros":
            assert np.ptp(out) <= 16 * EPS32 * np.abs(out).max() and np.abs(out).max() > 1e-3, out


# --- 5. tables -----------------------------------------------------------------------------------------


def test_history_rows_columns_and_recorded_steps():
    result, calls = _small()
    h = result.history
    labels = list(SMALL["schemes"])
    recorded = [0, 10, 20, 25]
    assert list(h.columns) == ["scheme", "step", "split", "loss", "accuracy"], list(h.columns)
    assert len(h) == len(labels) * len(recorded) * 2, len(h)
    for label in labels:
        for split in ("train", "test"):
            mine = h[(h["scheme"] == label) & (h["split"] == split)]
            assert mine["step"].tolist() == recorded, (label, split, mine["step"].tolist())
    assert np.isfinite(h["loss"]).all() and (h["loss"] > 0).all(), h.describe()
    assert h["accuracy"].between(0, 1).all(), h["accuracy"].describe()
    n_test = len(_circles().x_test)
    test_acc = h.loc[h["split"] == "test", "accuracy"] * n_test
    assert np.allclose(test_acc, np.round(test_acc), atol=1e-3), (
        "test accuracy is not a share of the test set"
    )
    assert [(s, t) for s, t, _ in calls] == [(10, 25), (20, 25), (25, 25)], [c[:2] for c in calls]
    pd.testing.assert_frame_equal(calls[-1][2], h)
    assert len(calls[0][2]) == len(labels) * 2 * 2, "the first progress call should see steps 0 and 10"


def test_layers_rows_and_columns():
    result, _ = _small()
    lay = result.layers
    labels, depth = list(SMALL["schemes"]), SMALL["depth"]
    cols = ["scheme", "step", "layer", "a_mean", "a_std", "saturated", "near_linear", "grad_rms"]
    assert list(lay.columns) == cols, list(lay.columns)
    assert len(lay) == len(labels) * 4 * depth, len(lay)
    for (label, step), g in lay.groupby(["scheme", "step"], sort=False):
        assert g["layer"].tolist() == list(range(1, depth + 1)), (label, step, g["layer"].tolist())
    assert sorted(set(lay["step"])) == [0, 10, 20, 25]
    assert set(lay["scheme"]) == set(labels)
    for col in ("saturated", "near_linear"):
        assert lay[col].between(0, 1).all(), lay[col].describe()
    assert (lay["a_mean"].between(0, 1) & (lay["a_std"] >= 0) & (lay["grad_rms"] > 0)).all(), lay.to_string()
    big = lay[(lay["scheme"] == "normal 2") & (lay["step"] == 0)]
    assert (big["saturated"] > 0.05).all(), f"std 2 should saturate sigmoid units:\n{big.to_string()}"


def test_layer_statistics_at_step_0_equal_the_numpy_pass():
    """At step 0 the biases are zero, so ``initcore.propagate`` runs the same net in numpy on the probe set
    (the whole test set, as it has fewer than PROBE_EXAMPLES points), started from the gradient the
    engine's loss puts on the last hidden layer: dL/da_L = (sigmoid(logit) - y) / n @ W_out^T."""
    data = _circles()
    assert len(data.x_test) <= training.PROBE_EXAMPLES
    result, _ = _small()
    lay = result.layers
    n = len(data.x_test)
    size = n * SMALL["width"]
    for label, w in result.initial.items():
        hidden = w[0:-2:2]
        a = data.x_test
        for kernel in hidden:
            a = ACTIVATIONS["sigmoid"].fn(a @ kernel)
        p = 1.0 / (1.0 + np.exp(-(a @ w[-2])[:, 0]))
        grad = ((p - data.y_test) / n)[:, None] * w[-2][:, 0][None, :]
        want, _ = propagate(data.x_test, hidden, activation="sigmoid", grad=grad.astype(np.float32))
        got = lay[(lay["scheme"] == label) & (lay["step"] == 0)].reset_index(drop=True)
        for col in ("a_mean", "a_std", "grad_rms"):
            np.testing.assert_allclose(got[col], want[col], rtol=1e-5, err_msg=f"{label}: {col}")
        for col in ("saturated", "near_linear"):  # shares of n * width pairs; one pair on the cut may flip
            np.testing.assert_allclose(got[col], want[col], atol=1.5 / size, err_msg=f"{label}: {col}")


def test_weights_have_fan_in_by_fan_out_shapes():
    result, _ = _small()
    want = [(2, 8), (8,), (8, 8), (8,), (8, 1), (1,)]
    for label, tensors in result.weights.items():
        assert [t.shape for t in tensors] == want, (label, [t.shape for t in tensors])
        assert all(t.dtype == np.float32 for t in tensors), [t.dtype for t in tensors]
        assert _max_rel_weight_diff(tensors, result.initial[label]) > 1e-3, f"{label}: did not train"


def test_multiclass_digits_trains_a_softmax_of_ten():
    data, result, _, _, _ = _engine("digits-relu-sgd")
    case = CASES["digits-relu-sgd"]
    for label, tensors in result.weights.items():
        assert [t.shape for t in tensors] == [(64, 32), (32,), (32, 32), (32,), (32, 10), (10,)], label
        p = predict(tensors, data.x_test, activation=case.activation)
        assert p.shape == (len(data.x_test), 10), p.shape
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=PROB_ATOL)
        acc = float(np.mean(p.argmax(axis=1) == data.y_test))
        h = result.history
        last = h[(h["scheme"] == label) & (h["split"] == "test") & (h["step"] == STEPS)]
        # the engine's test split is the whole test set when it has at most EVAL_EXAMPLES points
        assert len(data.x_test) <= training.EVAL_EXAMPLES
        assert abs(float(last["accuracy"].iloc[0]) - acc) <= 1.0 / len(data.x_test), (label, last, acc)
        assert acc > 0.5, f"{label}: {acc:.3f} test accuracy after {STEPS} steps (chance is 0.1)"


def _fake_result(history_rows, diverged) -> training.TrainResult:
    history = pd.DataFrame(history_rows, columns=["scheme", "step", "split", "loss", "accuracy"])
    return training.TrainResult(history, pd.DataFrame(), diverged, {}, {})


def _step_or_none(value):
    """A summary cell meaning "a step, or None": None and NaN read as None, an integral float as an int."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    assert float(value).is_integer(), f"a step should be whole, got {value!r}"
    return int(value)


def _ab_result() -> training.TrainResult:
    rows = []
    for step, acc in [(0, 0.5), (10, 0.8), (20, 0.95), (30, 0.85)]:
        # train accuracy leads test accuracy: it reaches 90 % at step 10, the test set at step 20
        rows += [("a", step, "train", 1.0 - acc, acc + 0.1), ("a", step, "test", 1.1 - acc, acc)]
    for step in (0, 10, 20, 30):
        rows += [("b", step, "train", math.nan, 0.5), ("b", step, "test", math.nan, 0.4)]
    return _fake_result(rows, {"a": None, "b": 7})


def test_summarize_reports_final_metrics_target_step_and_divergence():
    s = training.summarize(_ab_result()).set_index("scheme")
    assert list(s.index) == ["a", "b"]
    assert s.loc["a", "train loss"] == pytest.approx(0.15) and s.loc["a", "test loss"] == pytest.approx(0.25)
    assert s.loc["a", "train accuracy"] == pytest.approx(0.95) and s.loc["a", "test accuracy"] == 0.85
    assert np.isnan(s.loc["b", "train loss"]), s.to_string()
    target = {k: _step_or_none(v) for k, v in s["step to 90% test accuracy"].items()}
    assert target == {"a": 20, "b": None}, s.to_string()  # a: first reached at 20, though lost later
    diverged = {k: _step_or_none(v) for k, v in s["diverged at step"].items()}
    assert diverged == {"a": None, "b": 7}, s.to_string()
    s80 = training.summarize(_ab_result(), target=0.8).set_index("scheme")
    assert _step_or_none(s80.loc["a", "step to 80% test accuracy"]) == 10, s80.to_string()


def test_summarize_keeps_none_and_int_steps_as_documented():
    """The docstring promises None for "never reached" / "did not diverge"; pandas turns a column that mixes
    None with ints into float64 with NaN (20.0, nan), unless the column is kept as objects."""
    s = training.summarize(_ab_result()).set_index("scheme")
    cells = {c: s[c].tolist() for c in ("step to 90% test accuracy", "diverged at step")}
    assert (
        cells["step to 90% test accuracy"][1] is None and type(cells["step to 90% test accuracy"][0]) is int
    ), cells
    assert cells["diverged at step"][0] is None and type(cells["diverged at step"][1]) is int, cells


def test_summarize_on_a_real_run():
    result, _ = _small()
    s = training.summarize(result)
    assert list(s["scheme"]) == list(SMALL["schemes"]), s.to_string()
    h = result.history
    for _, row in s.iterrows():
        last = h[(h["scheme"] == row["scheme"]) & (h["step"] == SMALL["steps"])].set_index("split")
        assert row["test accuracy"] == last.loc["test", "accuracy"], (row.to_dict(), last)
        assert row["train loss"] == last.loc["train", "loss"], (row.to_dict(), last)
        assert row["diverged at step"] is None


def test_boundary_grid_covers_the_data_and_equals_predict():
    result, _ = _small()
    data, points = _circles(), 20
    grid = training.boundary_grid(result, data, activation="sigmoid", points=points)
    assert list(grid.columns) == ["scheme", "x_lo", "x_hi", "y_lo", "y_hi", "p"], list(grid.columns)
    assert len(grid) == len(result.weights) * points**2, len(grid)
    both = np.concatenate([data.x_train, data.x_test])
    lo, hi = both.min(axis=0) - 0.25, both.max(axis=0) + 0.25
    np.testing.assert_allclose([grid["x_lo"].min(), grid["y_lo"].min()], lo, rtol=1e-6)
    np.testing.assert_allclose([grid["x_hi"].max(), grid["y_hi"].max()], hi, rtol=1e-6)
    for axis, (a, b) in enumerate([("x_lo", "x_hi"), ("y_lo", "y_hi")]):
        np.testing.assert_allclose(grid[b] - grid[a], (hi[axis] - lo[axis]) / points, rtol=1e-5, err_msg=a)
    assert grid["p"].between(0, 1).all(), grid["p"].describe()
    for label, weights in result.weights.items():
        mine = grid[grid["scheme"] == label]
        centres = np.stack([(mine["x_lo"] + mine["x_hi"]) / 2, (mine["y_lo"] + mine["y_hi"]) / 2], axis=1)
        want = predict(weights, centres.astype(np.float32), activation="sigmoid")
        np.testing.assert_allclose(mine["p"], want, atol=PROB_ATOL, err_msg=label)
        assert np.ptp(mine["p"]) > 0.05 or label == "normal 2", f"{label}: a flat boundary"


def test_boundary_grid_of_a_known_model():
    """P(class 1) = sigmoid(x): above 1/2 exactly in the cells whose centre has x > 0."""
    weights = [np.array([[1.0], [0.0]], np.float32), np.zeros(1, np.float32)]
    weights += [np.ones((1, 1), np.float32), np.zeros(1, np.float32)]
    result = training.TrainResult(pd.DataFrame(), pd.DataFrame(), {"x": None}, {"x": weights}, {})
    grid = training.boundary_grid(result, _circles(), activation="linear", points=9)
    centre = (grid["x_lo"] + grid["x_hi"]) / 2
    np.testing.assert_allclose(grid["p"], 1.0 / (1.0 + np.exp(-centre)), atol=PROB_ATOL)
    assert ((grid["p"] > 0.5) == (centre > 0)).all()


def test_boundary_grid_refuses_images():
    data, result, _, _, _ = _engine("digits-relu-sgd")
    with pytest.raises(ValueError, match="2-D two-class") as err:
        training.boundary_grid(result, data, activation="relu")
    assert "digits" in str(err.value), str(err.value)


def test_weights_npz_round_trip():
    result, _ = _small()
    with np.load(io.BytesIO(training.weights_npz(result))) as f:
        stored = {name: f[name] for name in f.files}
    want = {}
    for label, tensors in result.weights.items():
        for i, name in enumerate(["1", "2", "out"]):
            want[f"{label}/W{name}"], want[f"{label}/b{name}"] = tensors[2 * i], tensors[2 * i + 1]
    assert sorted(stored) == sorted(want), sorted(stored)
    for name, array in want.items():
        np.testing.assert_array_equal(stored[name], array, err_msg=name)
        assert stored[name].dtype == np.float32, (name, stored[name].dtype)


def test_preview_frame_of_points_and_of_images():
    data = _circles()
    frame = training.preview_frame(data)
    assert list(frame.columns) == ["x", "y", "label"] and len(frame) == len(data.x_train)
    np.testing.assert_array_equal(frame[["x", "y"]].to_numpy(), data.x_train)
    assert frame["label"].tolist() == data.y_train.tolist()  # class numbers: the chart names them

    digits, _, _, _, _ = _engine("digits-relu-sgd")
    frame = training.preview_frame(digits, images=5)
    assert list(frame.columns) == ["image", "label", "row", "col", "value"], list(frame.columns)
    assert len(frame) == 5 * 64, len(frame)
    for (image, row, col), value in frame.set_index(["image", "row", "col"])["value"].items():
        assert value == digits.x_train[image, 8 * row + col], (image, row, col, value)
    labels = frame.groupby("image")["label"].agg(set)
    assert labels.tolist() == [{c} for c in digits.y_train[:5]], labels.tolist()


# --- bad arguments ---------------------------------------------------------------------------------------

ONE = {"g": ("glorot_uniform", {})}
TWO = {"g": ("glorot_uniform", {}), "he": ("he_normal", {})}
BAD = [  # (override, the argument the message must name, what it must echo)
    ({"optimizer": "rmsprop"}, "optimizer", "'rmsprop'"),
    ({"depth": 0}, "depth", "got 0"),
    ({"depth": True}, "depth", "got True"),
    ({"depth": 2.0}, "depth", "got 2.0"),
    ({"width": 0}, "width", "got 0"),
    ({"steps": 0}, "steps", "got 0"),
    ({"batch_size": 0}, "batch_size", "got 0"),
    ({"record_every": 0}, "record_every", "got 0"),
    ({"learning_rate": 0.0}, "learning_rate", "got 0.0"),
    ({"learning_rate": -0.1}, "learning_rate", "got -0.1"),
    ({"learning_rate": math.nan}, "learning_rate", "got nan"),
    ({"learning_rate": math.inf}, "learning_rate", "got inf"),
    ({"learning_rate": "0.1"}, "learning_rate", "got '0.1'"),
    ({"schemes": {}}, "schemes", "got 0"),
    ({"schemes": {str(i): ("glorot_uniform", {}) for i in range(9)}}, "schemes", "got 9"),
    ({"schemes": {"g": ("xavier", {})}}, "scheme", "got 'xavier'"),
    ({"activation": "swish"}, "activation", "got 'swish'"),
    ({"seed": -1}, "seed", "got -1"),
]


@pytest.mark.parametrize(("override", "name", "echo"), BAD, ids=[f"{n}-{e}" for _, n, e in BAD])
def test_bad_arguments_raise_value_error_naming_them(override, name, echo):
    kwargs = {"schemes": TWO, "depth": 1, "width": 4, "activation": "tanh", "steps": 2, **override}
    schemes = kwargs.pop("schemes")
    with pytest.raises(ValueError, match=name) as err:
        training.train_many(_circles(), schemes, **kwargs)
    assert str(err.value).startswith(name) and echo in str(err.value), (name, echo, str(err.value))


def test_a_bool_learning_rate_is_refused():
    try:
        training.train_many(_circles(), TWO, depth=1, width=4, activation="tanh", steps=1, learning_rate=True)
    except ValueError as err:
        assert str(err).startswith("learning_rate"), str(err)
    else:
        raise AssertionError("learning_rate=True was accepted (as 1.0); depth=True is refused")


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_single_scheme_trains_on_a_freshly_compiled_engine(monkeypatch, optimizer):
    """The page allows one initialization alone. ``_compiled`` is cached per process, so a fresh cache makes
    this test independent of which architectures other tests traced before: with K = 1 the first trace
    of ``train_chunk`` must work (it fails with "'params' has shape (1, 2, 4) before the loop, but shape
    (None, 2, 4) after one iteration": ``alive``'s relaxed shape (None,) broadcasts the masks to None)."""
    monkeypatch.setattr(
        training, "_compiled", functools.lru_cache(maxsize=16)(training._compiled.__wrapped__)
    )
    result = training.train_many(
        _circles(), ONE, depth=1, width=4, activation="linear", optimizer=optimizer, steps=12, seed=0
    )
    assert result.history["step"].unique().tolist() == [0, 10, 12], result.history
    assert result.diverged == {"g": None}

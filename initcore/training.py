"""Training several initializations at once, in TensorFlow, loaded through :mod:`initcore.tf_loader` only
when :func:`train_many` is called (``import initcore`` stays TensorFlow-free and fast).

What a run's numbers say (outcomes, summaries, decision boundaries, the weights as a file) is numpy only and
lives in :mod:`initcore.runs`; the names are re-exported here, where the app has always found them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .activations import LINEAR_SLOPE, SATURATED_SLOPE, get_activation
from .checks import check_int, check_real, check_seed
from .datasets import Dataset
from .runs import (
    TrainResult,
    boundary_grid,
    chance_levels,
    outcomes,
    preview_frame,
    sinking,
    summarize,
    weights_npz,
)
from .schemes import get_scheme
from .tf_loader import tensorflow

__all__ = [
    "OPTIMIZERS",
    "TrainResult",
    "boundary_grid",
    "outcomes",
    "preview_frame",
    "sinking",
    "summarize",
    "tensorflow",
    "train_many",
    "weights_npz",
]

# ---------------------------------------------------------------------------------------------------
# The stacked engine: K models of one architecture trained side by side, each on its own slice of
# stacked weights (K, fan_in, fan_out), by batched matrix products inside one compiled function.
# ---------------------------------------------------------------------------------------------------

OPTIMIZERS = ("sgd", "adam")
ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # Keras 3's defaults
EVAL_EXAMPLES = 1000  # train and test metrics are measured on at most this many examples each
PROBE_EXAMPLES = 500  # held-out examples behind the per-layer statistics (as in Glorot & Bengio)


def initial_weights(
    schemes: dict[str, tuple[str, dict[str, Any]]], sizes: list[int], *, seed: int
) -> dict[str, list[np.ndarray]]:
    """Each model's initial [W_1, b_1, ..., W_out, b_out], every W drawn by the real Keras initializer on
    its own 2-D shape (fan_in, fan_out) (Keras reads a 3-D shape as a conv kernel), biases zero.
    Layer l uses Keras seed ``seed * 1000 + l`` for every model, so two schemes of one family share
    their random directions."""
    out = {}
    for label, (name, params) in schemes.items():
        scheme = get_scheme(name)
        tensors = []
        for l, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
            init = scheme.keras(seed=(seed * 1000 + l) % 2**31, **params)
            tensors.append(np.asarray(init((fan_in, fan_out), dtype="float32"), dtype=np.float32))
            tensors.append(np.zeros(fan_out, dtype=np.float32))
        out[label] = tensors
    return out


def batch_indices(n: int, batch_size: int, steps: int, *, seed: int) -> np.ndarray:
    """(steps, batch_size) example indices: epochs of seeded permutations, shared by every model."""
    rng = np.random.default_rng([seed, 5])
    need = steps * batch_size
    order = np.concatenate([rng.permutation(n) for _ in range(-(-need // n))])
    return order[:need].reshape(steps, batch_size)


def _tf_activation(tf: Any, name: str) -> Callable[[Any], Any]:
    return {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu, "linear": tf.identity}[name]


def _tf_slope(tf: Any, name: str, z: Any) -> Any:
    """The relative slope phi'(z) / max phi' (initcore's definition), in TensorFlow."""
    if name == "sigmoid":
        s = tf.sigmoid(z)
        return 4.0 * s * (1.0 - s)
    if name == "tanh":
        t = tf.tanh(z)
        return 1.0 - t * t
    if name == "relu":
        return tf.cast(z > 0, z.dtype)
    return tf.ones_like(z)


@lru_cache(maxsize=16)
def _compiled(activation: str, depth: int, binary: bool, optimizer: str) -> tuple[Any, Any]:
    """(train_chunk, evaluate) for one architecture, compiled once per process and shared by every
    session: they take the weights and optimizer state as arguments and return new ones (stateless)."""
    tf, _ = tensorflow()
    phi = _tf_activation(tf, activation)

    def forward(params: list[Any], x: Any) -> tuple[Any, list[Any]]:
        zs = []
        a = x  # (B, d), shared by every model
        for l in range(depth + 1):
            w, b = params[2 * l], params[2 * l + 1]  # (K, fan_in, fan_out), (K, fan_out)
            z = (tf.einsum("bd,kdh->kbh", a, w) if l == 0 else tf.matmul(a, w)) + b[:, None, :]  # (K, B, h)
            if l < depth:
                zs.append(z)
                a = phi(z)
            else:
                return z, zs  # logits (K, B, out)
        raise AssertionError("unreachable")

    def losses(logits: Any, y: Any) -> tuple[Any, Any]:
        """Per-model mean cross-entropy and accuracy, each (K,)."""
        if binary:
            labels = tf.cast(y, logits.dtype)[None, :, None]  # (1, B, 1)
            ce = tf.nn.sigmoid_cross_entropy_with_logits(
                labels=tf.broadcast_to(labels, tf.shape(logits)), logits=logits
            )
            correct = tf.cast(tf.cast(logits[..., 0] > 0, y.dtype) == y[None, :], logits.dtype)
        else:
            labels = tf.broadcast_to(y[None, :], tf.shape(logits)[:2])
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            correct = tf.cast(tf.argmax(logits, axis=-1, output_type=y.dtype) == y[None, :], logits.dtype)
        return tf.reduce_mean(tf.reshape(ce, (tf.shape(logits)[0], -1)), axis=1), tf.reduce_mean(
            correct, axis=1
        )

    @tf.function(reduce_retracing=True)
    def train_chunk(params, state, t0, xb, yb, lr, alive):
        """S optimizer steps on batches xb (S, B, d), yb (S, B); returns params, state, losses (S, K)."""
        n_steps = tf.shape(xb)[0]
        loss_log = tf.TensorArray(tf.float32, size=n_steps)
        for s in tf.range(n_steps):
            tf.autograph.experimental.set_loop_options(shape_invariants=[(alive, tf.TensorShape([None]))])
            with tf.GradientTape() as tape:
                tape.watch(params)
                logits, _ = forward(params, xb[s])
                loss_k, _ = losses(logits, yb[s])
                # ensure_shape keeps the static model count (the loop declares alive's length unknown)
                ok = tf.ensure_shape(tf.logical_and(alive, tf.math.is_finite(loss_k)), loss_k.shape)
                total = tf.reduce_sum(
                    tf.where(ok, loss_k, tf.zeros_like(loss_k))
                )  # per-model gradients stay apart
            grads = tape.gradient(total, params)
            t = tf.cast(t0 + s + 1, tf.float32)
            new_params, new_state = [], []
            for i, (p, g) in enumerate(zip(params, grads, strict=True)):
                mask = tf.reshape(ok, [-1] + [1] * (len(p.shape) - 1))  # a diverged model stays frozen
                g = tf.where(mask, g, tf.zeros_like(g))
                if optimizer == "adam":
                    m, v = state[2 * i], state[2 * i + 1]
                    m = m + (g - m) * (1.0 - ADAM_BETA_1)
                    v = v + (g * g - v) * (1.0 - ADAM_BETA_2)
                    alpha = lr * tf.sqrt(1.0 - ADAM_BETA_2**t) / (1.0 - ADAM_BETA_1**t)
                    step = m * alpha / (tf.sqrt(v) + ADAM_EPSILON)
                    new_state += [m, v]
                else:
                    step = lr * g
                new_params.append(tf.where(mask, p - step, p))
            params, state = new_params, new_state if optimizer == "adam" else state
            alive = ok
            loss_log = loss_log.write(s, loss_k)
        return params, state, loss_log.stack()

    @tf.function(reduce_retracing=True)
    def evaluate(params, x, y):
        """loss (K,), accuracy (K,), and per hidden layer (K, depth): a_mean, a_std, saturated, grad_rms."""
        with tf.GradientTape() as tape:
            tape.watch(params)  # constants are not recorded unless watched; then every z is
            logits, zs = forward(params, x)
            loss_k, acc_k = losses(logits, y)
            total = tf.reduce_sum(tf.where(tf.math.is_finite(loss_k), loss_k, tf.zeros_like(loss_k)))
        dzs = tape.gradient(total, zs)
        stats = []
        for z, dz in zip(zs, dzs, strict=True):
            a = phi(z)
            slope = _tf_slope(tf, activation, z)
            stats.append(
                tf.stack(
                    [
                        tf.reduce_mean(a, axis=[1, 2]),
                        tf.math.reduce_std(a, axis=[1, 2]),
                        tf.reduce_mean(tf.cast(slope < SATURATED_SLOPE, a.dtype), axis=[1, 2]),
                        tf.reduce_mean(tf.cast(slope >= LINEAR_SLOPE, a.dtype), axis=[1, 2]),
                        tf.sqrt(tf.reduce_mean(dz * dz, axis=[1, 2])),
                    ],
                    axis=-1,
                )
            )
        return loss_k, acc_k, tf.stack(stats, axis=1)  # (K,), (K,), (K, depth, 5)

    @tf.function(reduce_retracing=True)
    def measure(params, x_train, y_train, x_test, y_test, x_probe, y_probe):
        """Everything recorded at one step, in one call: (train loss, train accuracy, test loss, test
        accuracy), each (K,), and the probe set's per-layer statistics (K, depth, 5)."""
        train = losses(forward(params, x_train)[0], y_train)
        test = losses(forward(params, x_test)[0], y_test)
        return (*train, *test, evaluate(params, x_probe, y_probe)[2])

    return train_chunk, measure


def train_many(
    data: Dataset,
    schemes: dict[str, tuple[str, dict[str, Any]]],
    *,
    depth: int,
    width: int,
    activation: str,
    optimizer: str = "sgd",
    learning_rate: float = 0.1,
    steps: int = 300,
    batch_size: int = 64,
    seed: int = 0,
    record_every: int = 10,
    progress: Callable[[int, int, pd.DataFrame], None] | None = None,
) -> TrainResult:
    """Train one dense net per scheme, all at once, on the same batches.

    The net has ``depth`` hidden layers of ``width`` units with ``activation`` and a linear output layer
    read through a sigmoid (two classes) or a softmax (more), trained on the mean cross-entropy with
    plain SGD or Adam (Keras 3's update and defaults). The models' weights are stacked and trained by one
    compiled TensorFlow function; their losses are summed, so each model's gradient is its own, exactly as
    if it were trained alone. A model whose loss turns NaN or infinite is marked diverged at that step and
    frozen; the others go on.

    Args:
        data: from ``initcore.load_dataset``.
        schemes: label -> (scheme name, parameters), up to eight.
        record_every: steps between measurements (also the number of steps per compiled call).
        progress: called after every measurement as ``progress(step, steps, history_so_far)``.
    """
    tf, _ = tensorflow()
    act = get_activation(activation)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    for name, value in (
        ("depth", depth),
        ("width", width),
        ("steps", steps),
        ("batch_size", batch_size),
        ("record_every", record_every),
    ):
        check_int(name, value, 1)
    check_real("learning_rate", learning_rate, 0.0, open_low=True, must="a positive number")
    if not 1 <= len(schemes) <= 8:
        raise ValueError(f"schemes must hold 1 to 8 initializations, got {len(schemes)}")
    seed = check_seed(seed)
    binary = data.n_classes == 2
    sizes = [data.features] + [width] * depth + [1 if binary else data.n_classes]
    labels = list(schemes)
    init = initial_weights(schemes, sizes, seed=seed)
    params = [tf.constant(np.stack([init[k][i] for k in labels])) for i in range(len(sizes) * 2 - 2)]
    state = [tf.zeros_like(p) for p in params for _ in range(2)] if optimizer == "adam" else []
    train_chunk, measure_all = _compiled(act.name, depth, binary, optimizer)

    rng = np.random.default_rng([seed, 6])
    pick = lambda n, k: np.sort(rng.permutation(n)[: min(n, k)])  # noqa: E731
    x_tr, y_tr = data.x_train, data.y_train
    ev_tr, ev_te = pick(len(x_tr), EVAL_EXAMPLES), pick(len(data.x_test), EVAL_EXAMPLES)
    sets = {
        "train": (tf.constant(x_tr[ev_tr]), tf.constant(y_tr[ev_tr])),
        "test": (tf.constant(data.x_test[ev_te]), tf.constant(data.y_test[ev_te])),
    }
    probe = pick(len(data.x_test), PROBE_EXAMPLES)
    probe_xy = (tf.constant(data.x_test[probe]), tf.constant(data.y_test[probe]))
    idx = batch_indices(len(x_tr), batch_size, steps, seed=seed)
    alive = tf.ones(len(labels), dtype=tf.bool)
    diverged: dict[str, int | None] = dict.fromkeys(labels)
    hist_rows: list[tuple] = []
    layer_rows: list[np.ndarray] = []

    def measure(step: int) -> None:
        tr_loss, tr_acc, te_loss, te_acc, stats = (
            t.numpy() for t in measure_all(params, *sets["train"], *sets["test"], *probe_xy)
        )
        for k, label in enumerate(labels):
            hist_rows.append((label, step, "train", float(tr_loss[k]), float(tr_acc[k])))
            hist_rows.append((label, step, "test", float(te_loss[k]), float(te_acc[k])))
        layer_rows.append(stats)

    measure(0)
    lr = tf.constant(float(learning_rate), tf.float32)
    for start in range(0, steps, record_every):
        chunk = idx[start : start + record_every]
        xb, yb = tf.constant(x_tr[chunk]), tf.constant(y_tr[chunk])
        params, state, chunk_losses = train_chunk(params, state, tf.constant(start), xb, yb, lr, alive)
        chunk_losses = chunk_losses.numpy()  # (S, K)
        for k, label in enumerate(labels):
            bad = np.flatnonzero(~np.isfinite(chunk_losses[:, k]))
            if diverged[label] is None and bad.size:
                diverged[label] = start + int(bad[0]) + 1
        alive = tf.constant([diverged[label] is None for label in labels])
        measure(start + len(chunk))
        if progress is not None:
            progress(start + len(chunk), steps, _history(hist_rows))

    steps_recorded = [0, *range(record_every, steps, record_every), steps][: len(layer_rows)]
    final = [p.numpy() for p in params]
    chance_accuracy, chance_loss = chance_levels(data.y_train, data.y_test[ev_te], data.n_classes)
    return TrainResult(
        history=_history(hist_rows),
        layers=_layers(labels, steps_recorded, layer_rows),
        diverged=diverged,
        weights={label: [p[k] for p in final] for k, label in enumerate(labels)},
        initial=init,
        schemes={label: name for label, (name, _) in schemes.items()},
        activation=act.name,
        chance_accuracy=chance_accuracy,
        chance_loss=chance_loss,
    )


def _history(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scheme", "step", "split", "loss", "accuracy"])


def _layers(labels: list[str], steps: list[int], rows: list[np.ndarray]) -> pd.DataFrame:
    stats = np.stack(rows) if rows else np.zeros((0, len(labels), 0, 5))  # (T, K, depth, 5)
    t, k, depth, _ = stats.shape
    return pd.DataFrame(
        {
            "scheme": np.tile(np.repeat(labels, depth), t),
            "step": np.repeat(steps, k * depth),
            "layer": np.tile(np.arange(1, depth + 1), t * k),
            "a_mean": stats[..., 0].ravel(),
            "a_std": stats[..., 1].ravel(),
            "saturated": stats[..., 2].ravel(),
            "near_linear": stats[..., 3].ravel(),
            "grad_rms": stats[..., 4].ravel(),
        }
    )

"""Forward and backward passes through a deep dense net, and what each layer does to the signal.

A net of ``depth`` hidden layers of ``width`` units: layer l computes

    z_l = a_{l-1} @ W_l + b        # (batch, width), W_l of shape (fan_in, width)
    a_l = phi(z_l)                 # a_0 = x, of shape (batch, n_in)

with W_1 of shape (n_in, width), W_l of shape (width, width) after it, every W_l drawn from one
scheme and every bias the constant ``bias`` (or each unit its own, from :func:`network_biases`, as page 2
and the mean-field theory have it). The backward pass starts from a seeded standard-normal
gradient g = dL/da_L placed on the last layer's activations (a stand-in for whatever loss follows):

    dL/dz_L = g * phi'(z_L)
    dL/dz_l = (dL/dz_{l+1} @ W_{l+1}^T) * phi'(z_l)

Randomness: W_l comes from ``np.random.default_rng([seed, 0, l])`` and g from
``np.random.default_rng([seed, 1])``, so the first layers of a deeper net equal those of a shallower one
with the same seed. Arithmetic is float32, like Keras; sums and sums of squares are BLAS dot products
(float32 with vector partial sums: relative error under 1e-6 at a million values, measured against
float64), one read of each array instead of numpy's pairwise sums' two.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .activations import LINEAR_SLOPE, SATURATED_SLOPE, Activation, get_activation
from .checks import check_int, check_real, check_seed
from .schemes import FAMILY, get_scheme
from .theory import moments
from .words import N_

LAYER_COLUMNS = (
    "layer",
    "z_mean",
    "z_std",
    "a_mean",
    "a_std",
    "saturated",
    "near_linear",
    "grad_rms",
)
_WEIGHT_STREAM, _GRAD_STREAM, _INPUT_STREAM, _BIAS_STREAM = 0, 1, 2, 3
_RESCALE_BELOW, _RESCALE_ABOVE = 2.0**-30, 2.0**30  # float32 keeps ~2^+-126: rescale long before


@dataclass(frozen=True)
class LayerArrays:
    """Every hidden layer's arrays, stacked: each of shape (depth, batch, width)."""

    z: np.ndarray  # pre-activations
    a: np.ndarray  # activations phi(z)
    dz: np.ndarray  # dL/dz, the backward signal


def _check_x(x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"x must have shape (batch, n_in) with both >= 1, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("x must be finite, got NaN or inf values")
    return x


INPUTS: dict[str, str] = {
    "normal": N_("standard normal, x ~ N(0, 1)"),
    "uniform01": N_("uniform on [0, 1], like pixel intensities"),
    "sigmoid": N_("sigmoid outputs of a previous layer, x = sigmoid(u) with u ~ N(0, 1)"),
}
"""Input distributions: name -> description."""


def sample_inputs(kind: str, shape: tuple[int, int], *, seed: int) -> np.ndarray:
    """Inputs x of ``shape`` (batch, n_in), float32, from one of :data:`INPUTS`."""
    if kind not in INPUTS:
        raise ValueError(f"inputs must be one of {list(INPUTS)}, got {kind!r}")
    rng = np.random.default_rng([check_seed(seed), _INPUT_STREAM])
    if kind == "uniform01":
        return rng.random(shape, dtype=np.float32)
    u = rng.standard_normal(shape, dtype=np.float32)
    return get_activation("sigmoid").fn(u) if kind == "sigmoid" else u


def input_mean_square(kind: str) -> float:
    """E[x^2] of an input distribution (the mean-field q^0): 1, 1/3, E[sigmoid(u)^2] = 0.2934."""
    if kind not in INPUTS:
        raise ValueError(f"inputs must be one of {list(INPUTS)}, got {kind!r}")
    if kind == "normal":
        return 1.0
    if kind == "uniform01":
        return 1.0 / 3.0
    return float(moments("sigmoid", 1.0)[0])


def neuron_z(
    scheme: str, n: int, *, inputs: str, units: int, batch: int, seed: int, **params: Any
) -> np.ndarray:
    """What one neuron sees: z = sum_i w_i x_i for ``units`` neurons of a layer with fan-in ``n``
    (and fan-out ``n``) and ``batch`` inputs, as a flat float32 array of batch * units values."""
    n, units, batch = check_int("n", n, 1), check_int("units", units, 1), check_int("batch", batch, 1)
    rng = np.random.default_rng([check_seed(seed), _WEIGHT_STREAM, 1])
    s = get_scheme(scheme)
    if s.family == "orthogonal":
        # The first k <= n columns of an (n, n) orthogonal draw are distributed like an (n, k) draw; more
        # than n units come from further independent (n, n) layers, side by side.
        blocks = [s.draw(rng, (n, min(n, units - j)), **params) for j in range(0, units, n)]
        w = np.concatenate(blocks, axis=1)  # (n, units)
    else:
        w = s.draw(rng, (n, units), fans=(n, n), **params)  # `units` columns of an (n, n) layer
    x = sample_inputs(inputs, (batch, n), seed=seed)
    return (x @ w).ravel()  # (batch * units,)


def network_weights(
    n_in: int, *, depth: int, width: int, scheme: str, seed: int, **params: Any
) -> list[np.ndarray]:
    """The ``depth`` weight matrices of the net, W_1 (n_in, width) then (width, width), float32."""
    n_in = check_int("n_in", n_in, 1)
    depth = check_int("depth", depth, 1)
    width = check_int("width", width, 1)
    seed = check_seed(seed)
    s = get_scheme(scheme)
    s.resolve(params)  # fail on bad parameters before drawing anything
    shapes = [(n_in if l == 1 else width, width) for l in range(1, depth + 1)]
    if s.draws_units:  # the family's unit draws, shared by its schemes (and kept for the next call)

        def layer(l: int, shape: tuple[int, int]) -> np.ndarray:
            return s.from_unit(_unit_draw(s.family, seed, l, shape), **params)
    else:

        def layer(l: int, shape: tuple[int, int]) -> np.ndarray:
            return s.draw(np.random.default_rng([seed, _WEIGHT_STREAM, l]), shape, **params)

    kept = s.draws_units and all(_unit_draw.holds(s.family, seed, l, sh) for l, sh in enumerate(shapes, 1))
    if kept or depth * width * width < 2 * ROWS_SPLIT:  # small, or only scaling kept draws: no threads
        return [layer(l, shape) for l, shape in enumerate(shapes, 1)]
    # A big net's layers are drawn two at a time (each from its own generator: the same numbers in any
    # order; numpy fills arrays with the GIL released), in a pool of its own: queued on the shared one,
    # fifty draws would hold up other passes' elementwise halves. The pool lives as long as the process:
    # starting one per call cost 1 ms, as much as scaling ten kept unit draws.
    return list(_DRAWS.map(layer, range(1, depth + 1), shapes))


_DRAWS = ThreadPoolExecutor(2, thread_name_prefix="initcore-draws")  # leaf tasks only: nothing waits inside


def draw_units(n_in: int, *, depth: int, width: int, schemes: Sequence[str], seed: int) -> None:
    """Draw, two layers at a time, the unit draws that :func:`network_weights` will scale for each of
    ``schemes`` (each family once: N(0, 0.1^2) and N(0, 1) share theirs), and keep them: for several nets
    of one shape, whose families then draw side by side instead of one after the other."""
    seed = check_seed(seed)
    families = sorted({get_scheme(name).family for name in schemes if get_scheme(name).draws_units})
    shapes = [(n_in if l == 1 else width, width) for l in range(1, depth + 1)]
    keys = [(f, seed, l, shape) for f in families for l, shape in enumerate(shapes, 1)]
    if not _unit_draw.keeps(
        sum(4 * math.prod(shape) for _, _, _, shape in keys), 4 * max(map(math.prod, shapes))
    ):
        return  # they would not all stay kept until network_weights scales them: each draws its own
    todo = [key for key in keys if not _unit_draw.holds(*key)]
    if todo:
        list(_DRAWS.map(lambda key: _unit_draw(*key), todo))


class _UnitDraws:
    """The last unit draws (``Family.unit``) of each (family, seed, layer, shape), up to ``budget`` bytes,
    read-only: the three normals of page 2's lesson draw once instead of three times, and the same net
    drawn again (another initialization of that family, another view of it) draws nothing."""

    def __init__(self, budget: int) -> None:
        self.budget, self.kept, self.lock = budget, OrderedDict(), threading.Lock()

    def keeps(self, total: int, largest: int) -> bool:
        """Whether draws of ``total`` bytes, none over ``largest``, would all be kept at once."""
        return largest <= self.budget // 8 and total <= self.budget

    def holds(self, family: str, seed: int, layer: int, shape: tuple[int, int]) -> bool:
        with self.lock:
            return (family, seed, layer, shape) in self.kept

    def __call__(self, family: str, seed: int, layer: int, shape: tuple[int, int]) -> np.ndarray:
        key = (family, seed, layer, shape)
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key]
        unit = FAMILY[family].unit(np.random.default_rng([seed, _WEIGHT_STREAM, layer]), shape)
        unit.flags.writeable = False
        if self.keeps(unit.nbytes, unit.nbytes):  # a big net's layers would push out everything else
            with self.lock:
                self.kept[key] = unit
                while sum(v.nbytes for v in self.kept.values()) > self.budget:
                    self.kept.popitem(last=False)
        return unit


_unit_draw = _UnitDraws(budget=16 << 20)  # page 2 at its defaults keeps 5 MB per seed


def network_biases(depth: int, width: int, *, std: float, seed: int) -> list[np.ndarray]:
    """Each unit's bias, b_l ~ N(0, std^2) independently per unit and layer: ``depth`` float32 arrays of
    shape (width,), from ``np.random.default_rng([seed, 3, l])``. These are the random biases of the
    mean-field theory (Poole et al. 2016), whose sigma_b^2 is std^2."""
    depth, width = check_int("depth", depth, 1), check_int("width", width, 1)
    check_real("std", std, 0.0)
    seed = check_seed(seed)
    draws = (np.random.default_rng([seed, _BIAS_STREAM, l]) for l in range(1, depth + 1))
    return [rng.standard_normal(width, dtype=np.float32) * np.float32(std) for rng in draws]


def upstream_gradient(batch: int, width: int, *, seed: int) -> np.ndarray:
    """The seeded standard-normal dL/da_L, of shape (batch, width), that starts the backward pass."""
    batch, width = check_int("batch", batch, 1), check_int("width", width, 1)
    rng = np.random.default_rng([check_seed(seed), _GRAD_STREAM])
    return rng.standard_normal((batch, width), dtype=np.float32)


def propagate(
    x: np.ndarray,
    weights: list[np.ndarray],
    *,
    activation: str | Activation,
    bias: float | Sequence[np.ndarray] = 0.0,
    grad: np.ndarray,
    keep: bool = False,
    on_layer: Callable[[int, np.ndarray], None] | None = None,
) -> tuple[pd.DataFrame, LayerArrays | None]:
    """Forward and backward pass with given weights; per-layer statistics and, if ``keep``, arrays.

    Args:
        x: inputs, (batch, n_in).
        weights: W_1 .. W_depth, each (fan_in, fan_out), chained.
        activation: a name in ``ACTIVATIONS`` or an :class:`Activation`.
        bias: the constant added to every pre-activation, or one (fan_out,) array per layer: each unit's
            own bias (:func:`network_biases`).
        grad: dL/da_L, (batch, width of the last layer).
        keep: also return every layer's z, a and dL/dz (memory: 3 x depth x batch x width floats).
        on_layer: called as ``on_layer(layer, a)`` with each layer's activations (1-based layer) during
            the forward pass; ``a`` is reused afterwards, so copy what you keep.

    Returns:
        (stats, arrays): stats has the columns of :func:`layer_stats`; arrays is None unless ``keep``.
        Without ``keep`` the pass holds one (batch, width) array per layer (phi'(z), which the backward
        pass then overwrites with dL/dz) plus six working arrays, and allocates nothing else.
    """
    hook = None if on_layer is None else (lambda layer, a: on_layer(layer, a[0]))
    stats, arrays = propagate_many(
        x, [weights], activation=activation, bias=bias, grad=grad, keep=keep, on_layer=hook
    )
    return stats[0], None if arrays is None else arrays[0]


def propagate_many(
    x: np.ndarray,
    nets: Sequence[list[np.ndarray]],
    *,
    activation: str | Activation,
    bias: float | Sequence[np.ndarray] = 0.0,
    grad: np.ndarray,
    keep: bool = False,
    on_layer: Callable[[int, np.ndarray], None] | None = None,
) -> tuple[list[pd.DataFrame], list[LayerArrays] | None]:
    """:func:`propagate` for K nets of the same shape side by side (the same inputs, biases and upstream
    gradient; each its own weights): every net's statistics are those of its own pass, bit for bit (with
    ``keep``, so are its arrays, except that a gradient below float32's normal range may be 0 where its
    own pass keeps the denormal number: the flush of denormals is decided per layer for all the nets).
    The nets' arrays are stacked, (K, batch, width). Small nets take each elementwise step as one numpy
    call for all of them (six initializations: one call where there were six). From ``ROWS_SPLIT`` values
    per layer in all, each net's layer (product, activation, statistics: one wait per layer instead of
    three; page 2's default study 62 -> 55 ms) is one task, half the nets on each of two threads, and a
    single net runs its elementwise steps on two row halves at once. ``on_layer(layer, a)`` gets the
    stacked activations, (K, batch, width). Memory: K times one pass's."""
    rows, arrays = _propagate_rows(x, nets, activation, bias, grad, keep, on_layer)
    return [_stats_frame(r) for r in rows], arrays


def _stats_frame(rows: np.ndarray) -> pd.DataFrame:
    """One net's statistics as :func:`layer_stats` gives them, from its (depth, ``LAYER_COLUMNS``) rows."""
    frame = pd.DataFrame(rows, columns=list(LAYER_COLUMNS))
    frame["layer"] = frame["layer"].astype(int)
    return frame


def _propagate_rows(x, nets, activation, bias, grad, keep=False, on_layer=None) -> tuple:
    """:func:`propagate_many` (the same arguments) with each net's statistics as the rows of one array,
    (K, depth, ``LAYER_COLUMNS``) float64, and the arrays or None, for callers that read them as numbers
    (``initcore.depth``): a frame per net cost 0.4 ms, held the GIL, and was turned back into an array."""
    act = activation if isinstance(activation, Activation) else get_activation(activation)
    x = _check_x(x)
    nets = [[np.asarray(w, dtype=np.float32) for w in weights] for weights in nets]
    if not nets:
        raise ValueError("nets must hold at least one net")
    shapes = [[w.shape for w in weights] for weights in nets]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"nets must all have the same layer shapes, got {shapes}")
    weights = nets[0]
    if isinstance(bias, list | tuple):
        biases = [np.asarray(v, dtype=np.float32) for v in bias]
        if [v.shape for v in biases] != [(w.shape[1],) for w in weights]:
            shapes = [v.shape for v in biases]
            raise ValueError(f"bias must hold one (fan_out,) array per layer, got shapes {shapes}")
        if not all(np.isfinite(v).all() for v in biases):
            raise ValueError("bias must be finite, got NaN or inf values")
    elif not np.isfinite(bias):
        raise ValueError(f"bias must be finite, got {bias!r}")
    k_nets, depth, batch = len(nets), len(weights), x.shape[0]
    if not isinstance(bias, list | tuple):
        biases = [np.float32(bias)] * depth
    grad = np.asarray(grad, dtype=np.float32)
    if grad.shape != (batch, weights[-1].shape[1]):
        raise ValueError(f"grad must have shape {(batch, weights[-1].shape[1])}, got {grad.shape}")
    sat_cut = np.float32(SATURATED_SLOPE * act.max_deriv)
    lin_cut = np.float32(LINEAR_SLOPE * act.max_deriv)
    rows = np.zeros((k_nets, depth, len(LAYER_COLUMNS)))
    size = max(batch * w.shape[1] for w in weights)
    scratch = np.empty(k_nets * size, dtype=np.float32)  # statistics, dz @ W^T going backward
    ones = np.ones(size, dtype=np.float32)  # sums as dot products
    below = np.empty(k_nets * size, dtype=bool)  # units below a slope cut
    ping_pong = (np.empty(k_nets * size, dtype=np.float32), np.empty(k_nets * size, dtype=np.float32))
    z_buf = np.empty(k_nets * size, dtype=np.float32)
    # Every layer's slopes (and with ``keep`` its z and a) in one block each: fifty fresh 1 MB arrays cost
    # 12 ms of page faults a pass, one 50 MB block (huge pages) 4 ms.
    offsets = np.cumsum([0] + [k_nets * batch * w.shape[1] for w in weights]).tolist()
    blocks = [np.empty(offsets[-1], dtype=np.float32) for _ in range(3 if keep else 1)]

    def layer_view(block: np.ndarray, l: int) -> np.ndarray:
        return block[offsets[l] : offsets[l + 1]].reshape(k_nets, batch, weights[l].shape[1])

    slopes: list[np.ndarray] = []  # (K, batch, width) per layer
    tiny: list[bool] = []  # whether a layer's slopes may be small enough to make denormal gradients
    kept_z: list[np.ndarray] = []
    kept_a: list[np.ndarray] = []
    a = np.broadcast_to(x, (k_nets, *x.shape))  # every net reads the same inputs
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights overflow to inf: reported, not raised
        for l in range(depth):
            stack = (k_nets, batch, weights[l].shape[1])
            z = _view(z_buf, stack)  # (K, batch, width)
            work = _view(scratch, stack)  # each net's own scratch, so that nets run side by side
            shift = biases[l] if np.any(biases[l]) else None  # (width,) or a constant, for every example

            a_in, a = a, (_view(ping_pong[l % 2], stack) if not keep else layer_view(blocks[2], l))
            d = layer_view(blocks[0], l)  # phi'(z); becomes dL/dz going backward
            mask = _view(below, stack)
            if keep:
                kept_z.append(layer_view(blocks[1], l))

            def forward(k: int, a_in=a_in, z=z, l: int = l, shift=shift, work=work) -> None:
                np.matmul(a_in[k], nets[k][l], out=z[k])
                if shift is not None:
                    z[k] += shift
                rows[k, l, 1:3] = _mean_std(z[k], work[k].reshape(-1), ones)
                if keep:
                    np.copyto(kept_z[l][k], z[k])

            def activation_stats(k: int, a=a, d=d, l: int = l, mask=mask, work=work) -> None:
                rows[k, l, 0] = l + 1
                rows[k, l, 3:5] = _mean_std(a[k], work[k].reshape(-1), ones)
                zones = lambda d, m: _count_zones(d, m, sat_cut, lin_cut)  # noqa: E731
                # one big net: its counts on two row halves at once (nets side by side: each on its own)
                counts = _by_rows(zones, d[k], mask[k]) if k_nets == 1 else [zones(d[k], mask[k])]
                rows[k, l, 5] = sum(c[0] for c in counts) / d[k].size
                rows[k, l, 6] = sum(c[1] for c in counts) / d[k].size

            if _side_by_side(k_nets, size):  # each net's whole layer is one task: one wait per layer
                slope_tiny = [False] * k_nets

                def whole_layer(k: int, z=z, a=a, d=d, slope_tiny=slope_tiny, forward=forward) -> None:
                    forward(k)
                    slope_tiny[k] = act.into(z[k], a[k], d[k])
                    activation_stats(k)

                _by_nets(whole_layer, k_nets, size)
                tiny.append(any(slope_tiny))
            else:  # one net, or small ones: each elementwise step one call for all, on row halves if big
                _by_nets(forward, k_nets, size)
                flat = (k_nets * batch, stack[2])  # every net's rows one after another
                tiny.append(any(_by_rows(act.into, z.reshape(flat), a.reshape(flat), d.reshape(flat))))
                _by_nets(activation_stats, k_nets, size)
            slopes.append(d)
            if keep:
                kept_a.append(a)
            if on_layer is not None:
                on_layer(l + 1, a)
        # Backward: dL/dz_L = g * phi'(z_L); dL/dz_l = (dL/dz_{l+1} @ W_{l+1}^T) * phi'(z_l), in place.
        # The pass is linear in dL/dz, so a net's layer array whose RMS leaves [2^-30, 2^30] is rescaled to
        # unit RMS and the scale kept as a float64 logarithm: vanishing gradients of 1e-60 are measured
        # exactly instead of underflowing float32 (and its slow denormal numbers) to zero, and no pass is
        # spent on rescaling while the numbers are tame. Arrays handed back (keep) carry the true scale.
        np.multiply(grad, slopes[-1], out=slopes[-1])  # g (batch, width) for every net
        log_scale = np.zeros(k_nets)
        rms = np.zeros(k_nets)
        for l in range(depth - 1, -1, -1):
            d = slopes[l]
            back = _view(scratch, d.shape)

            def backward(k: int, l: int = l, d: np.ndarray = d, back: np.ndarray = back) -> None:
                if l < depth - 1:
                    np.matmul(slopes[l + 1][k], nets[k][l + 1].T, out=back[k])
                    if k_nets == 1:  # one big net: on two row halves at once
                        _by_rows(_times_into, back[k], d[k])
                    else:
                        _times_into(back[k], d[k])
                rms[k] = _rms(d[k])  # in units of exp(log_scale[k])

            _by_nets(backward, k_nets, size)
            for k in range(k_nets):
                r = float(rms[k])
                # np.exp: a gradient past 1e308 is inf (reported as overflow), where math.exp raises
                rows[k, l, 7] = np.exp(log_scale[k]) * r if np.isfinite(r) and r > 0 else r
                if r > 0 and np.isfinite(r) and not _RESCALE_BELOW < r < _RESCALE_ABOVE:
                    d[k] *= np.float32(1.0 / r)  # a pass over the array: only when the scale drifts far
                    log_scale[k] += math.log(r)
                if tiny[l] and l > 0 and rows[k, l, 5] > 0 and np.isfinite(r) and r > 0:
                    # A deeply saturated sigmoid unit's slope (1.6e-38 at the least) times its gradient is
                    # a denormal number, which the next product reads ~150x slower: set those to 0. Each
                    # is below 1.2e-38 in units of a layer RMS of at least 2^-30, so no sum sees them.
                    # (Only a net with saturated units, rows[k, l, 5] > 0, can have such slopes.)
                    _by_rows(_flush_denormals, d[k], _view(scratch, d[k].shape), _view(below, d[k].shape))
        if keep:
            for k in range(k_nets):
                scales = np.where(np.isfinite(rows[k, :, 7]), rows[k, :, 7], np.nan)
                for l in range(depth):
                    r = _rms(slopes[l][k])  # in units of that layer's exp(log_scale); 0 if all zero
                    if r > 0:
                        slopes[l][k] *= np.float32(scales[l] / r)
    if not keep:
        return rows, None
    z_all, a_all, dz_all = np.stack(kept_z, axis=1), np.stack(kept_a, axis=1), np.stack(slopes, axis=1)
    return rows, [LayerArrays(z_all[k], a_all[k], dz_all[k]) for k in range(k_nets)]


def _times_into(b: np.ndarray, s: np.ndarray) -> None:
    np.multiply(b, s, out=s)


def _as_here(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` to run on another thread under this thread's numpy error settings (``np.errstate`` is per
    thread: a pool worker would warn of an overflow that the pass reports as inf instead)."""
    settings = np.geterr()

    def run(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(**settings):
            return fn(*args, **kwargs)

    return run


def _side_by_side(k_nets: int, size: int) -> bool:
    """Whether :func:`_by_nets` runs half the nets on a second thread (at least two nets, and big)."""
    return k_nets >= 2 and k_nets * size >= ROWS_SPLIT


def _by_nets(fn: Callable[[int], Any], k_nets: int, size: int) -> None:
    """``fn(k)`` for every net k, the second half of the nets on a second thread when there are at least
    two and their products are big enough to pay for it (matrix products release the GIL)."""
    if not _side_by_side(k_nets, size):
        for k in range(k_nets):
            fn(k)
        return
    half = k_nets // 2
    second = _ROWS.submit(_as_here(lambda: [fn(k) for k in range(half, k_nets)]))
    for k in range(half):
        fn(k)
    second.result()


ROWS_SPLIT = 1 << 18  # from this many values per layer, elementwise work runs on two row halves at once
_ROWS = ThreadPoolExecutor(2, thread_name_prefix="initcore-rows")  # leaf tasks only: nothing waits inside


def _by_rows(fn: Callable[..., Any], *arrays: np.ndarray) -> list[Any]:
    """``fn`` on the arrays' first and second row halves side by side (numpy releases the GIL in its
    loops, so a second core does the second half), or once on the whole arrays when they are small. Only
    for elementwise work: each element's result is the same either way, bit for bit."""
    rows = arrays[0].shape[0]
    if arrays[0].size < ROWS_SPLIT or rows < 2:
        return [fn(*arrays)]
    half = rows // 2
    second = _ROWS.submit(_as_here(fn), *(v[half:] for v in arrays))
    return [fn(*(v[:half] for v in arrays)), second.result()]


def _flush_denormals(v: np.ndarray, scratch: np.ndarray, mask: np.ndarray) -> None:
    """Set the entries of ``v`` below float32's smallest normal number in magnitude to 0, in place."""
    np.less(np.abs(v, out=scratch), _FLOAT32_TINY, out=mask)
    np.copyto(v, 0.0, where=mask)


_FLOAT32_TINY = np.float32(np.finfo(np.float32).tiny)


def _count_zones(d: np.ndarray, mask: np.ndarray, sat_cut: np.float32, lin_cut: np.float32) -> tuple:
    """(units with slope below ``sat_cut``, units with slope at or above ``lin_cut``)."""
    return (
        np.count_nonzero(np.less(d, sat_cut, out=mask)),
        np.count_nonzero(np.greater_equal(d, lin_cut, out=mask)),
    )


def _view(buffer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return buffer[: math.prod(shape)].reshape(shape)


def _mean_std(v: np.ndarray, scratch: np.ndarray, ones: np.ndarray) -> tuple[float, float]:
    """Mean and std of all entries, two-pass (so that a std far below the mean, sigmoid outputs
    collapsing to 1/2, is still exact): the sum as a dot product with ``ones``, then the squared
    deviations' sum as the deviations' dot product with themselves."""
    flat = v.reshape(-1)
    mean = np.float32(np.dot(flat, ones[: flat.size])) / np.float32(flat.size)
    dev = np.subtract(flat, mean, out=scratch[: flat.size])
    return float(mean), float(np.sqrt(np.float64(np.dot(dev, dev)) / flat.size))


def _rms(v: np.ndarray) -> float:
    flat = v.reshape(-1)
    return float(np.sqrt(np.float64(np.dot(flat, flat)) / flat.size))


def _layer_stats(x, weights, act, bias, grad, on_layer) -> pd.DataFrame:
    """``propagate``'s statistics; a pass of at least ``SPLIT_VALUES`` values per layer runs as two
    half-batches in two threads (every example goes through the net on its own, so the halves are
    independent) and their statistics are merged exactly: means and mean squares weighted by size,
    variances with Chan et al.'s pairwise update. The first half holds the first rows, so ``on_layer``
    (called for it alone) sees the same leading values as for the whole batch.

    The halves run under a single-threaded BLAS: two halves that each call a BLAS of two threads
    oversubscribe two cores (depth 50, width 512, batch 1000: 0.40 s split against 0.33 s in one pass,
    where with one BLAS thread the split takes 0.27 s against 0.45 s). That is the app's setting (see
    ``ui``); in a process whose BLAS has several threads (numpy's default, as in a notebook) BLAS is put on
    one thread for the pass (:func:`blas_on_one_thread`), and where that cannot be done the pass is one
    pass over the whole batch."""
    half = x.shape[0] // 2
    if x.shape[0] * weights[-1].shape[1] < SPLIT_VALUES or half < 1:
        return propagate(x, weights, activation=act, bias=bias, grad=grad, on_layer=on_layer)[0]
    with blas_on_one_thread() as limit:
        if limit is None:
            return propagate(x, weights, activation=act, bias=bias, grad=grad, on_layer=on_layer)[0]

        def second_half() -> pd.DataFrame:
            with limit():  # that thread's own BLAS count, where the library keeps one per thread
                return propagate(x[half:], weights, activation=act, bias=bias, grad=grad[half:])[0]

        second = _HALVES.submit(_as_here(second_half))
        a = propagate(x[:half], weights, activation=act, bias=bias, grad=grad[:half], on_layer=on_layer)[0]
        return _merge(a, second.result(), half / x.shape[0])


SPLIT_VALUES = 1 << 18  # from this many values per layer, a pass runs as two half-batches side by side


def one_blas_thread() -> bool:
    """Whether numpy's BLAS runs its products on one thread, as the environment told it when it started
    (the first of OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, VECLIB_MAXIMUM_THREADS, OMP_NUM_THREADS that is
    set; none set: BLAS takes every core, one thread only on a one-core machine). It reads the variables
    now: one set after numpy loaded (as ``ui`` does when imported late) misleads it, and a batch is then
    split under a BLAS of two threads: slower (0.40 s against 0.33 s), with the one-thread numbers."""
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var, "").strip():
            return os.environ[var].strip() == "1"
    return (os.cpu_count() or 1) == 1


class _BlasControl:
    """threadpoolctl's controller of numpy's BLAS libraries, found at the first use (None where there is
    none it can set: threadpoolctl missing, Apple's Accelerate), and the lock under which one limited pass
    runs at a time."""

    def __init__(self) -> None:
        self.lock, self.found, self.controller = threading.Lock(), False, None
        # held for a whole limited pass by the thread that limited (re-entrant: a pass inside a pass)
        self.passes = threading.RLock()

    def get(self) -> Any:
        with self.lock:
            if not self.found:
                self.found = True
                try:
                    # only a process whose BLAS has several threads needs it (never the app): 4 ms
                    from threadpoolctl import ThreadpoolController  # noqa: PLC0415

                    blas = ThreadpoolController().select(user_api="blas")
                except Exception:  # missing (a requirement, but a notebook may lack it) or failing
                    blas = None
                self.controller = blas if blas is not None and blas.lib_controllers else None
            return self.controller


_BLAS = _BlasControl()


@contextmanager
def blas_on_one_thread() -> Iterator[Callable[[], Any]]:
    """Run the ``with`` block with numpy's BLAS on one thread. ``as`` gives a function that puts *its*
    thread's BLAS on one thread too, for work handed to another thread (call it there: ``with limit():``;
    a null context where nothing needs it), or None where BLAS keeps its threads. Nothing to do where
    BLAS already has one thread (:func:`one_blas_thread`: the app). Otherwise threadpoolctl sets it at run
    time and gives it back its threads after the block: OpenBLAS's thread pool (numpy's wheels) is the
    process's, so the block's thread sets it and restores it; MKL and OpenMP builds keep a count per
    thread, which is what the function is for. Limited blocks take turns (one lock), so each restores
    what it found. Where that cannot be done (threadpoolctl missing, no library it can set, e.g. Apple's
    Accelerate, or another thread holding threadpoolctl's control of OpenBLAS) ``as`` gives None.

    Inside, every thread's BLAS calls may run on one thread (OpenBLAS): the process's other matrix
    products are slower for that time, not different (numpy's OpenBLAS gave the same products, bit for
    bit, on one thread and two), but a long dot product's last bits may differ (OpenBLAS splits its sum
    between threads). In return the pass computes the app's numbers, bit for bit.

    Depth 50, width 512, batch 1000 under a BLAS of two threads: 0.37 s as one pass, 0.32 s as two
    half-batches on one BLAS thread each, against 0.18-0.20 s for its matrix products alone (sigmoid;
    bench/layer_stats.py)."""
    if one_blas_thread():
        yield nullcontext
        return
    blas = _BLAS.get()
    if blas is None:
        yield None
        return
    with _BLAS.passes, blas.limit(limits=1):
        one = all(lib.get_num_threads() == 1 for lib in blas.lib_controllers)
        yield (lambda: blas.limit(limits=1)) if one else None


# The second halves' pool: its tasks wait only on _ROWS's leaf tasks (a half of 2^18 values or more splits
# its elementwise work again), never on this pool, so one worker cannot deadlock; it lives as long as the
# process (a pool per call cost a thread start each).
_HALVES = ThreadPoolExecutor(1, thread_name_prefix="initcore-halves")


def _merge(a: pd.DataFrame, b: pd.DataFrame, wa: float) -> pd.DataFrame:
    """The statistics of a batch from those of its two parts (``wa``: the first part's share of it)."""
    wb = 1.0 - wa
    out = a.copy()
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for v in ("z", "a"):
            ma, mb = a[f"{v}_mean"].to_numpy(), b[f"{v}_mean"].to_numpy()
            sa, sb = a[f"{v}_std"].to_numpy(), b[f"{v}_std"].to_numpy()
            out[f"{v}_mean"] = wa * ma + wb * mb
            out[f"{v}_std"] = np.sqrt(wa * sa**2 + wb * sb**2 + wa * wb * (ma - mb) ** 2)
        for c in ("saturated", "near_linear"):
            out[c] = wa * a[c].to_numpy() + wb * b[c].to_numpy()
        ga, gb = a["grad_rms"].to_numpy(), b["grad_rms"].to_numpy()
        top = np.maximum(ga, gb)  # scaled by the larger, so that RMS values of 1e-200 do not underflow
        scale = np.where(top > 0, top, 1.0)
        rms = scale * np.sqrt(wa * (ga / scale) ** 2 + wb * (gb / scale) ** 2)
        out["grad_rms"] = np.where(np.isposinf(top), np.inf, rms)
    return out


def _run(x, depth, width, scheme, activation, seed, bias, params, keep):
    x = _check_x(x)
    act = get_activation(activation)
    weights = network_weights(x.shape[1], depth=depth, width=width, scheme=scheme, seed=seed, **params)
    grad = upstream_gradient(x.shape[0], weights[-1].shape[1], seed=seed)
    if keep:
        return propagate(x, weights, activation=act, bias=bias, grad=grad, keep=True)[1]
    return _layer_stats(x, weights, act, bias, grad, None)


def layer_stats(
    x: np.ndarray,
    *,
    depth: int,
    width: int,
    scheme: str,
    activation: str,
    seed: int,
    bias: float = 0.0,
    **params: Any,
) -> pd.DataFrame:
    """Per-layer statistics of a forward and backward pass through a fresh net.

    Args:
        x: inputs, (batch, n_in).
        depth: number of hidden layers (>= 1).
        width: units per hidden layer (>= 1); W_1 is (n_in, width), the others (width, width).
        scheme: a name in ``SCHEMES``; ``**params`` are its parameters.
        activation: a name in ``ACTIVATIONS``.
        seed: draws the weights and the upstream gradient (see the module docstring).
        bias: the constant bias of every unit.

    Returns:
        One row per hidden layer, columns exactly ``layer`` (1-based), ``z_mean``, ``z_std``,
        ``a_mean``, ``a_std`` (over all (example, unit) pairs), ``saturated`` (share of pairs with
        relative slope r(z) = phi'(z) / max phi' < 0.05; sigmoid: |z| > 4.357; tanh: |a| > 0.975),
        ``near_linear`` (share with r(z) >= 0.95; sigmoid: |z| <= 0.455) and ``grad_rms`` (root mean
        square of dL/dz at that layer). Values overflowing float32 show up as inf or NaN.

    From ``SPLIT_VALUES`` (2^18) values per layer, batch * width, the batch runs as two halves on two
    threads, each on a BLAS of one thread (:func:`blas_on_one_thread`: the app's setting; a notebook's
    BLAS is put on one thread for the pass), and their statistics are merged exactly (as page 2's
    ``initcore.depth_series`` runs it, so the numbers are page 2's): they agree with one
    :func:`propagate` over the whole batch to float32 rounding (sums taken in another order), not bit
    for bit. Where BLAS cannot be put on one thread, it is that one pass.
    """
    return _run(x, depth, width, scheme, activation, seed, bias, params, keep=False)


def layer_arrays(
    x: np.ndarray,
    *,
    depth: int,
    width: int,
    scheme: str,
    activation: str,
    seed: int,
    bias: float = 0.0,
    **params: Any,
) -> LayerArrays:
    """The same pass as :func:`layer_stats` (same arguments, same weights and gradient, as one pass over the
    whole batch), returning every layer's z, a and dL/dz, each stacked to (depth, batch, width): for
    histograms."""
    return _run(x, depth, width, scheme, activation, seed, bias, params, keep=True)


def predict(weights: list[np.ndarray], x: np.ndarray, *, activation: str) -> np.ndarray:
    """A trained dense net's output probabilities, in numpy: weights [W_1, b_1, ..., W_out, b_out] as
    ``initcore.training.train_many`` returns them; hidden layers use ``activation``, the output a sigmoid
    (one unit: P(class 1), shape (batch,)) or a softmax (several: shape (batch, classes))."""
    act = get_activation(activation)
    a = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(0, len(weights) - 2, 2):
            a = act.fn(a @ weights[i] + weights[i + 1])  # (batch, width)
        logits = a @ weights[-2] + weights[-1]  # (batch, outputs)
        if logits.shape[1] == 1:
            return get_activation("sigmoid").fn(logits[:, 0])
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

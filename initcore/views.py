"""The settings behind a view of the lab, as small frozen (hashable) dataclasses: what a preset sets, what a
claim is made at, and what a lesson link opens, in one shape from the page down to the core.

- :class:`Init`: one initialization, a scheme and its parameters.
- :class:`DrawsView`: page 1, two schemes' draws and what one neuron fed by them computes.
- :class:`DepthView`: page 2, initializations pushed through one deep net.
- :class:`TrainingView`: page 3, initializations trained side by side.

Each view computes its results for a seed (``view.draws(seed)``, ``view.study(seed)``, ``view.run(seed)``)
exactly as its page does, so a claim tested on a view is a claim about the page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import training
from .budget import Cost, depth_cost, measurements, record_every, training_cost
from .compare import Draws, Neuron, compare_draws, compare_neuron
from .datasets import Dataset, load_dataset
from .depth import DepthStudy, join, many_parts, series_part
from .network import SPLIT_VALUES
from .runs import TrainResult
from .schemes import get_scheme
from .stats import matched_params
from .words import language


@dataclass(frozen=True)
class Init:
    """One initialization: a scheme of :data:`initcore.SCHEMES` and its parameters, sorted by name."""

    scheme: str
    params: tuple[tuple[str, float], ...] = ()

    @classmethod
    def of(cls, scheme: str, **params: float) -> Init:
        """``Init.of("normal", std=0.1)``; ValueError for an unknown scheme or a bad parameter."""
        get_scheme(scheme).resolve(params)
        return cls(scheme, tuple(sorted((k, float(v)) for k, v in params.items())))

    @property
    def kwargs(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def label(self) -> str:
        """The scheme's short label with its parameters, e.g. ``N(0, 0.1²)``."""
        return get_scheme(self.scheme).short_label(**self.kwargs)


def labelled(inits: Sequence[Init]) -> dict[str, tuple[str, dict[str, float]]]:
    """label -> (scheme, parameters), as the pages label their slots: a label that an earlier slot already
    has gets its slot number, ``N(0, 1²) (3)``."""
    out: dict[str, tuple[str, dict[str, float]]] = {}
    for j, init in enumerate(inits, start=1):
        label = init.label if init.label not in out else f"{init.label} ({j})"
        out[label] = (init.scheme, init.kwargs)
    return out


@dataclass(frozen=True)
class DrawsView:
    """Page 1: distributions A and B compared at the same number (``bound``), the same variance, or each
    with its own parameters (``free``), drawn from a (fan_in, fan_out) layer; and a neuron with ``n``
    inputs of kind ``inputs`` fed by each."""

    a: Init
    b: Init
    compare: str = "bound"
    fan_in: int = 100
    fan_out: int = 100
    draws_n: int = 100_000
    n: int = 100
    inputs: str = "normal"

    def schemes(self) -> dict[str, tuple[str, dict[str, float]]]:
        """The page's two series, 'A: …' and 'B: …', A's scale matched to B's by ``compare``."""
        b = self.b.kwargs
        a = matched_params(
            self.compare, self.a.scheme, self.a.kwargs, self.b.scheme, b, self.fan_in, self.fan_out
        )
        sa, sb = get_scheme(self.a.scheme), get_scheme(self.b.scheme)
        return {
            f"A: {sa.short_label(**a)}": (self.a.scheme, a),
            f"B: {sb.short_label(**b)}": (self.b.scheme, b),
        }

    def draws(self, seed: int) -> Draws:
        return compare_draws(
            self.schemes(), fan_in=self.fan_in, fan_out=self.fan_out, n=self.draws_n, seed=seed
        )

    def neuron(self, seed: int) -> Neuron:
        return compare_neuron(self.schemes(), n=self.n, inputs=self.inputs, seed=seed)


STACKED_MB = 64  # estimated memory of the passes of all a view's initializations below which they run
# as one stacked pass (initcore.propagate_many); above it, one at a time (DepthView.stacked)


class Kept:
    """The last ``maxsize`` results put in, by key, safe to share between threads: the series a
    :meth:`DepthView.study` has computed, so that a study whose other initializations are already known
    computes only what is new. Results are shared, not copied: callers must not change them."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize, self._items, self._lock = maxsize, OrderedDict(), threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)


@dataclass(frozen=True)
class DepthView:
    """Page 2: ``inits`` pushed through ``depth`` layers of ``width`` units with ``activation``, each
    unit with its own bias drawn from N(0, bias_std^2)."""

    inits: tuple[Init, ...]
    activation: str = "sigmoid"
    depth: int = 10
    width: int = 100
    batch: int = 1000
    inputs: str = "normal"
    bias_std: float = 0.0

    @property
    def net(self) -> DepthView:
        """The same net with no initializations: what one initialization's numbers depend on."""
        return replace(self, inits=())

    def cost(self, **changes: int) -> Cost:
        """``initcore.depth_cost`` of this view, or of it with ``depth``, ``width``, ``batch`` or ``k`` (the
        first k initializations) changed."""
        k = changes.pop("k", len(self.inits))
        view = replace(self, inits=self.inits[:k], **changes)
        return depth_cost(
            depth=view.depth, width=view.width, batch=view.batch, schemes=[i.scheme for i in view.inits]
        )

    def stacked(self, k: int | None = None) -> bool:
        """Whether ``k`` of this net's initializations (default: all of them) run as one stacked pass:
        when all their passes together are estimated below ``STACKED_MB`` and one pass alone would not be
        split into half-batches (``SPLIT_VALUES``), so that a series computes the same numbers, bit for
        bit, whether it is computed with the others or alone (after an edit of its initialization)."""
        k = len(self.inits) if k is None else k
        one = depth_cost(depth=self.depth, width=self.width, batch=self.batch, schemes=["glorot_uniform"])
        return k * one.megabytes <= STACKED_MB and self.batch * self.width < SPLIT_VALUES

    def study(self, seed: int, *, kept: Kept | None = None) -> DepthStudy:
        """Every initialization through the net (``initcore.depth_study``), the same numbers: those not
        in ``kept`` (a page's or the claims' store, keyed by label, initialization, net, seed and language)
        are computed, in one stacked pass when :meth:`stacked` (``initcore.depth_many``) and one at a time
        otherwise, and put in it (as the parts that ``initcore.depth.join`` makes one study of). Each
        series is independent of the others, so a study that changes one initialization computes that one
        alone."""
        net = self.net
        labels = zip(labelled(self.inits), self.inits, strict=True)
        keys = [(label, init, net, seed, language()) for label, init in labels]
        parts = [kept.get(key) if kept is not None else None for key in keys]
        todo = [j for j, part in enumerate(parts) if part is None]
        todo_series = [(keys[j][0], self.inits[j].scheme, self.inits[j].kwargs) for j in todo]
        settings = {
            "depth": self.depth,
            "width": self.width,
            "batch": self.batch,
            "inputs": self.inputs,
            "activation": self.activation,
            "bias_std": self.bias_std,
            "seed": seed,
        }
        if len(todo) > 1 and self.stacked(len(todo)):
            new = many_parts(todo_series, **settings)
        else:
            new = [series_part(label, scheme, params, **settings) for label, scheme, params in todo_series]
        for j, part in zip(todo, new, strict=True):
            parts[j] = part
            if kept is not None:
                kept.put(keys[j], part)
        return join(parts)


@dataclass(frozen=True)
class TrainingView:
    """Page 3: one net of ``depth`` hidden layers of ``width`` units per initialization, trained on
    ``data`` side by side on the same batches."""

    inits: tuple[Init, ...]
    data: str = "digits"
    noise: float = 0.1
    depth: int = 5
    width: int = 64
    activation: str = "sigmoid"
    optimizer: str = "sgd"
    learning_rate: float = 1.0
    steps: int = 2000
    batch_size: int = 64

    def cost(self, data: Dataset, **changes: int) -> Cost:
        """``initcore.training_cost`` of this view on ``data``, or of it with ``depth``, ``width``,
        ``steps``, ``batch_size`` or ``k`` (the first k models) changed; measured as :meth:`run` does."""
        k = changes.pop("k", len(self.inits))
        view = replace(self, inits=self.inits[:k], **changes)
        return training_cost(
            features=data.features,
            classes=data.n_classes,
            examples=len(data.x_train) + len(data.x_test),
            depth=view.depth,
            width=view.width,
            models=len(view.inits),
            steps=view.steps,
            batch=view.batch_size,
            measurements=measurements(view.steps),
        )

    def dataset(self, seed: int) -> Dataset:
        """The data set, drawn and split for ``seed``."""
        return load_dataset(self.data, seed=seed, noise=self.noise)

    def run(
        self,
        seed: int,
        *,
        data: Dataset | None = None,
        progress: Callable[[int, int, Any], None] | None = None,
    ) -> TrainResult:
        """Train as page 3 does (TensorFlow: loaded on first use), on ``data`` if given (else loaded for
        ``seed``), reporting to ``progress(step, steps, history)`` after every measurement."""
        return training.train_many(
            data if data is not None else self.dataset(seed),
            labelled(self.inits),
            depth=self.depth,
            width=self.width,
            activation=self.activation,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            steps=self.steps,
            batch_size=self.batch_size,
            seed=seed,
            record_every=record_every(self.steps),
            progress=progress,
        )

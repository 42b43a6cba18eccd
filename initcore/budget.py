"""What a computation will cost, estimated before it runs, and a budget that keeps one request from
taking a small public server down (a Community Cloud app has 2 cores and under 2.7 GB for everyone).

Costs are simple operation counts turned into seconds with rates measured on a 2-core x86-64 server
(``bench/budget.py`` measures the real time and memory of the largest settings each page allows):

- **Depth study** (page 2), per initialization and layer, with batch B and width n:
  a forward and a backward matrix product, 2 * 2 B n^2 floating-point operations at ``GEMM_FLOPS`` per
  thread (the app runs BLAS on one thread); about 30 elementwise passes over the B x n activations,
  ``ELEMENT_SECONDS`` per value; for orthogonal weights a QR decomposition of an n x n matrix, 4/3 n^3
  operations at ``QR_FLOPS``. A pass of ``SPLIT_VALUES`` values per layer or more runs as two
  half-batches on two threads (``initcore.depth_series``), which halves the first two terms.
  Memory: the backward pass keeps one B x n float32 array per layer, plus the weights (n^2 per layer).
- **Training** (page 3), per model and step, with P parameters and batch B: 6 B P operations (forward 2,
  backward 4) at ``TRAIN_FLOPS``, plus ``STEP_SECONDS`` of fixed cost per step; every measurement
  runs the model on ``MEASURE_EXAMPLES`` examples (2 P operations each, 4 P for the probe's gradients).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .network import SPLIT_VALUES
from .training import EVAL_EXAMPLES, PROBE_EXAMPLES
from .words import items, tr

GEMM_FLOPS = 65e9  # float32 matrix products in numpy's BLAS, one thread
ELEMENT_SECONDS = (
    8e-9  # all the elementwise work of one layer (activation, statistics), per value, one thread
)
QR_FLOPS = 6e9  # numpy's float64 QR
TRAIN_FLOPS = 40e9  # the stacked TensorFlow training step, 1 thread
STEP_SECONDS = 1e-3  # fixed cost of one training step
MEASURE_EXAMPLES = 2 * EVAL_EXAMPLES + 2 * PROBE_EXAMPLES  # train and test metrics, the probe with gradients

MAX_SECONDS = 8.0  # estimated; leaves room under the 10 s a request may take (bench/budget.py)
MAX_MEGABYTES = 450.0  # estimated; leaves room under the 500 MB a request may add
_FLOAT = 4  # bytes


@dataclass(frozen=True)
class Cost:
    """An estimate: seconds of computation and megabytes of memory at its peak."""

    seconds: float
    megabytes: float

    def fits(self) -> bool:
        """Within the budget (``MAX_SECONDS``, ``MAX_MEGABYTES``)."""
        return self.seconds <= MAX_SECONDS and self.megabytes <= MAX_MEGABYTES

    def describe(self) -> str:
        """'about 12 s and 620 MB', for messages."""
        return f"about {self.seconds:.0f} s and {self.megabytes:.0f} MB"


def depth_cost(*, depth: int, width: int, batch: int, schemes: Sequence[str]) -> Cost:
    """Cost of ``initcore.depth_study`` (page 2): one forward and backward pass per scheme, so time adds
    up, and memory is that of one pass (a page-2 view whose passes together stay under 64 MB runs them
    as one stacked pass instead, ``DepthView.stacked``: far below the budget either way)."""
    values = depth * batch * width
    threads = 2 if batch * width >= SPLIT_VALUES and batch >= 2 else 1
    per_pass = (4.0 * depth * batch * width * width / GEMM_FLOPS + values * ELEMENT_SECONDS) / threads
    qr = depth * (4.0 / 3.0) * width**3 / QR_FLOPS
    seconds = sum(per_pass + (qr if s == "orthogonal" else 0.0) for s in schemes)
    megabytes = (values + depth * width * width + 6 * batch * width) * _FLOAT / 1e6
    return Cost(seconds, megabytes)


def network_parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of a dense net with layer sizes [inputs, hidden..., outputs]."""
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


RECORDS = 30  # measurements a training run on page 3 takes, besides the one at step 0


def record_every(steps: int) -> int:
    """Steps between measurements so that a run of ``steps`` records about ``RECORDS`` times."""
    return max(1, steps // RECORDS)


def measurements(steps: int) -> int:
    """How many times a run of ``steps`` with :func:`record_every` measures, step 0 included."""
    return -(-steps // record_every(steps)) + 1


def training_cost(
    *,
    features: int,
    classes: int,
    examples: int,
    depth: int,
    width: int,
    models: int,
    steps: int,
    batch: int,
    measurements: int,
) -> Cost:
    """Cost of ``initcore.training.train_many`` (page 3) once TensorFlow is loaded and the step compiled:
    ``models`` nets of ``depth`` x ``width`` trained together for ``steps`` steps of ``batch``, measured
    ``measurements`` times, on a data set of ``examples`` x ``features``. Memory: the data set, and per
    model the weights with Adam's two slots and gradient (4 P floats), and the activations that the
    gradients of a batch (or of the probe set) keep: z, phi(z) and dL/dz per layer."""
    outputs = 1 if classes == 2 else classes
    p = network_parameters([features] + [width] * depth + [outputs])
    train = models * steps * 6.0 * batch * p / TRAIN_FLOPS + steps * STEP_SECONDS
    measure = measurements * models * MEASURE_EXAMPLES * 3.0 * p / TRAIN_FLOPS
    activations = models * width * (max(batch, PROBE_EXAMPLES) * depth * 3 + EVAL_EXAMPLES)
    megabytes = (2 * examples * features + 4 * models * p + activations) * _FLOAT / 1e6
    return Cost(train + measure, megabytes)


def largest_fitting(cost: Callable[[int], Cost], current: int, choices: Sequence[int]) -> int | None:
    """The largest of ``choices`` below ``current`` whose cost fits the budget, or None when none does:
    what to lower one setting to, the others unchanged."""
    fitting = [v for v in choices if v < current and cost(v).fits()]
    return max(fitting) if fitting else None


def what_to_lower(
    cost: Callable[..., Cost], current: Mapping[str, int], choices: Mapping[str, Sequence[int]]
) -> dict[str, int | None]:
    """For each setting of ``choices`` (a keyword of ``cost``), its largest value below the current one at
    which ``cost(**current)`` with that one setting changed fits the budget (None: none does)."""
    return {
        name: largest_fitting(lambda v, name=name: cost(**{**current, name: v}), current[name], values)
        for name, values in choices.items()
    }


def over_budget_message(what: str, cost: Cost, suggestions: dict[str, int | None]) -> str:
    """A message for settings over the budget: the estimate, and each setting's largest value that fits
    with the others unchanged."""
    fixes = [
        tr("{setting} to {value}", setting=name, value=f"{value:,}")
        for name, value in suggestions.items()
        if value is not None
    ]
    if not fixes:
        advice = tr("Lower several of the settings together")
    elif len(fixes) == 1:
        advice = tr("Lower {fix}", fix=fixes[0])
    else:
        advice = tr("Lower {fixes}, or {last}", fixes=items(fixes[:-1]), last=fixes[-1])
    return tr(
        "These settings would take about {seconds} s and {megabytes} MB to {what}, more than this shared app "
        "allows for one request (about {max_seconds} s and {max_megabytes} MB). {advice}, and it runs. "
        "Nothing was run; your settings are kept.",
        seconds=f"{cost.seconds:.0f}",
        megabytes=f"{cost.megabytes:.0f}",
        what=what,
        max_seconds=f"{MAX_SECONDS:.0f}",
        max_megabytes=f"{MAX_MEGABYTES:.0f}",
        advice=advice,
    )

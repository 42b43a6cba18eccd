"""The lab's claims in words, each a predicate over initcore results at the settings it is made at.

A :class:`Claim` is a sentence a page shows (``text``), the view it is made at (``view``: the page's
settings, see :mod:`initcore.views`) and a check that measures that view on one seed and returns what does
not hold, with the numbers. The test suite runs every claim on every one of its seeds (0-9; 0-4 for
training, which takes a few seconds a run); a claim that fails on some seed is rewritten, not the test.
Numbers in the sentences are bounds that hold on every seed, never one seed's value.

- :data:`LESSON`: the landing page's six steps, each a link to a view and sentences made of claims;
- :data:`DEPTH_PRESETS`, :data:`TRAINING_PRESETS`: the presets of pages 2 and 3, each with the verdict
  (page 2) or outcome (page 3) every initialization gets on every seed, and the sentence that says so;
- :data:`CLAIMS`: all of them by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import pandas as pd

from .depth import DepthStudy, phase_of
from .runs import SUNK_BELOW, Outcome, outcomes, sinking
from .schemes import sigma_w2
from .theory import chi1
from .views import DepthView, DrawsView, Init, Kept, TrainingView, labelled
from .words import N_, per_language, tr

SEEDS = tuple(range(10))
TRAINING_SEEDS = tuple(range(5))

View = DrawsView | DepthView | TrainingView
Check = Callable[[Any, int], list[str]]  # (view, seed) -> what fails, with its numbers


@dataclass(frozen=True)
class Claim:
    """A sentence (``text``) made at ``view`` and the ``check`` that holds it to the numbers."""

    name: str
    message: str
    view: View
    check: Check
    seeds: tuple[int, ...] = SEEDS
    across_seeds: bool = False  # the check takes all the seeds at once: a claim about how seeds differ

    @property
    def text(self) -> str:
        """The sentence as shown (through :func:`initcore.words.tr`, with the lab's notation filled in)."""
        return said(self.message)

    def failures(self, seed: int) -> list[str]:
        """What does not hold on ``seed``, each with the numbers measured (empty: the claim holds). A claim
        ``across_seeds`` is checked on all its seeds at once, whatever ``seed`` is."""
        if self.across_seeds:
            return [f"{self.name} (seeds {self.seeds}): {f}" for f in self.check(self.view, self.seeds)]
        return [f"{self.name} (seed {seed}): {f}" for f in self.check(self.view, seed)]


# --- cached results, one per (view, seed): claims on one view share its computation ------------------


def study(view: DepthView, seed: int) -> DepthStudy:
    """``view.study(seed)``, each initialization's series kept (per language): its numbers do not depend
    on the others of its view, so claims at other views with the same net share them."""
    return view.study(seed, kept=_KEPT)


_KEPT = Kept(maxsize=256)


def run(view: TrainingView, seed: int) -> Any:
    """``view.run(seed)``, trained once per (view, seed) whatever the language, its models named in the
    language in force (``TrainResult.relabelled``)."""
    return _trained(view, seed).relabelled(list(labelled(view.inits)))


@lru_cache(maxsize=32)
def _trained(view: TrainingView, seed: int) -> Any:
    return view.run(seed)


@per_language(maxsize=32)
def fates(view: TrainingView, seed: int) -> dict[str, Outcome]:
    return {o.label: o for o in outcomes(run(view, seed))}


@per_language(maxsize=32)
def neuron_table(view: DrawsView, seed: int) -> pd.DataFrame:
    return view.neuron(seed).table.set_index("weights")


@per_language(maxsize=32)
def draws_summary(view: DrawsView, seed: int) -> pd.DataFrame:
    return view.draws(seed).summary


def last_layer(view: DepthView, seed: int) -> pd.DataFrame:
    """Per series: verdict, saturated and near-linear shares of the last layer, the gradient ratio
    (layer 1 / last layer), chi1 and phase."""
    d = study(view, seed)
    rows = {}
    for label, mine in d.layers.groupby("series", sort=False):
        g = mine["grad_rms"].to_numpy()
        summary = d.summary.set_index("series").loc[label]
        rows[label] = {
            "verdict": summary["verdict"],
            "saturated": float(mine["saturated"].iloc[-1]),
            "near_linear": float(mine["near_linear"].iloc[-1]),
            "ratio": float(g[0] / g[-1]) if g[-1] > 0 else math.nan,
            "spread": float(mine["a_std"].iloc[-1] / mine["a_std"].iloc[0]),  # last layer's / layer 1's
            "z_std_1": float(mine["z_std"].iloc[0]),
            "chi1": float(summary["chi1"]),
            "phase": phase_of(float(summary["chi1"])),
            "sigma_w2": float(summary["sigma_w2"]),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


# --- check builders -------------------------------------------------------------------------------------


def _within(what: str, value: float, lo: float = -math.inf, hi: float = math.inf) -> list[str]:
    return [] if lo <= value <= hi else [f"{what} = {value:.4g}, outside [{lo:g}, {hi:g}]"]


def verdicts(*expected: str) -> Check:
    """Every initialization of the view (in order) gets this verdict."""

    def check(view: DepthView, seed: int) -> list[str]:
        got = last_layer(view, seed)["verdict"].tolist()
        return [] if got == list(expected) else [f"verdicts {got}, expected {list(expected)}"]

    return check


def layer_bounds(label: str, **bounds: tuple[float, float]) -> Check:
    """The last-layer numbers of one initialization (by label) lie in closed ranges, e.g.
    ``saturated=(0.9, 1)``, ``ratio=(0, 1e-5)``."""

    def check(view: DepthView, seed: int) -> list[str]:
        row = last_layer(view, seed).loc[label]
        return [f for key, (lo, hi) in bounds.items() for f in _within(f"{label}: {key}", row[key], lo, hi)]

    return check


def phases(**expected: str) -> Check:
    def check(view: DepthView, seed: int) -> list[str]:
        got = last_layer(view, seed)["phase"]
        return [f"{k}: phase {got[k]}, expected {v}" for k, v in expected.items() if got[k] != v]

    return check


def neuron_bounds(label: str, **bounds: tuple[float, float]) -> Check:
    """Page 1's neuron table (measured on 20,000 values of z): a row's columns lie in closed ranges."""

    def check(view: DrawsView, seed: int) -> list[str]:
        row = neuron_table(view, seed).loc[label]
        return [f for col, (lo, hi) in bounds.items() for f in _within(f"{label}: {col}", row[col], lo, hi)]

    return check


def draw_bounds(label: str, of: str, **bounds: tuple[float, float]) -> Check:
    """Page 1's summary table: the theory or sample statistics of one series lie in closed ranges."""

    def check(view: DrawsView, seed: int) -> list[str]:
        s = draws_summary(view, seed)
        row = s[(s["draws"] == label) & (s["of"] == of)].iloc[0]
        return [f for k, (lo, hi) in bounds.items() for f in _within(f"{label} {of}: {k}", row[k], lo, hi)]

    return check


def outcome_kinds(*expected: str | tuple[str, ...]) -> Check:
    """Every model of the run (in order) ends with this outcome (or one of these)."""

    def check(view: TrainingView, seed: int) -> list[str]:
        got = [o.kind for o in fates(view, seed).values()]
        ok = all(g == e or (isinstance(e, tuple) and g in e) for g, e in zip(got, expected, strict=True))
        return [] if ok else [f"outcomes {got}, expected {list(expected)}"]

    return check


def start_saturated(label: str, at_least: float) -> Check:
    """At step 0, the share of saturated units (mean over the hidden layers) is at least ``at_least``."""

    def check(view: TrainingView, seed: int) -> list[str]:
        layers = run(view, seed).layers
        mine = layers[(layers["scheme"] == label) & (layers["step"] == 0)]
        return _within(f"{label}: saturated at step 0", float(mine["saturated"].mean()), at_least, 1.0)

    return check


def sink(label: str, *, sinks: bool, by: int = 0, lower: tuple[float, float] = (0.0, 1.0)) -> Check:
    """Glorot & Bengio's Figure 2: the top hidden layer's mean activation falls below 0.15 by step ``by``
    and does not come back within the run (``sinks``), or never falls below it; the lower layers' means
    stay within ``lower`` throughout."""

    def check(view: TrainingView, seed: int) -> list[str]:
        row = sinking(run(view, seed).layers).set_index("scheme").loc[label]
        out = _within(f"{label}: lower layers' lowest mean", row["lower_min"], *lower)
        out += _within(f"{label}: lower layers' highest mean", row["lower_max"], *lower)
        if sinks and (row["sank_at"] is None or row["sank_at"] > by or row["recovered_at"] is not None):
            out.append(f"{label}: sank at {row['sank_at']}, recovered at {row['recovered_at']} (by {by})")
        if not sinks and row["sank_at"] is not None:
            out.append(f"{label}: the top layer sank below {SUNK_BELOW} at step {row['sank_at']}")
        return out

    return check


def _verdicts_by_width(view: DepthView, label: str, widths: tuple[int, ...], seed: int) -> dict[int, str]:
    """One initialization's verdict at each width (the view's other settings). Each initialization's
    numbers do not depend on the others of its view, so it is computed alone."""
    init = next(i for i, name in zip(view.inits, labelled(view.inits), strict=True) if name == label)
    alone = {w: replace(view, inits=(init,), width=w) for w in widths}
    return {w: last_layer(v, seed).loc[init.label, "verdict"] for w, v in alone.items()}


def same_verdict_across_widths(label: str, widths: tuple[int, ...]) -> Check:
    """One initialization gets the same verdict at every width of ``widths``."""

    def check(view: DepthView, seed: int) -> list[str]:
        got = _verdicts_by_width(view, label, widths, seed)
        return [] if len(set(got.values())) == 1 else [f"{label}: verdicts by width {got}"]

    return check


def differs_across_widths(label: str, widths: tuple[int, ...]) -> Check:
    """One initialization gets a different verdict at each width of ``widths``."""

    def check(view: DepthView, seed: int) -> list[str]:
        got = _verdicts_by_width(view, label, widths, seed)
        return [] if len(set(got.values())) == len(widths) else [f"{label}: verdicts by width {got}"]

    return check


def mixed_outcome(label: str) -> Check:
    """Across the seeds, the model learns (90% test accuracy) on some and not on others."""

    def check(view: TrainingView, seeds: tuple[int, ...]) -> list[str]:
        kinds = [fates(view, seed)[label].kind for seed in seeds]
        learned = sum(k == "learned" for k in kinds)
        return [] if 0 < learned < len(kinds) else [f"{label}: outcomes {kinds} over seeds {seeds}"]

    return check


def sigma_w2_is(**expected: float) -> Check:
    """sigma_w2 = fan_in Var(W) of initializations (by label), exactly (to rounding)."""

    def check(view: DepthView, seed: int) -> list[str]:
        got = last_layer(view, seed)["sigma_w2"]
        return [
            f"{k}: sigma_w2 {got[k]:.6g}, expected {v:g}"
            for k, v in expected.items()
            if abs(got[k] - v) > 1e-9 * v
        ]

    return check


def wider_z(label: str, narrow: DepthView, factor: float) -> Check:
    """Layer 1's z spreads at least ``factor`` times wider in the view than in the narrower view."""

    def check(view: DepthView, seed: int) -> list[str]:
        wide, small = (
            last_layer(view, seed).loc[label, "z_std_1"],
            last_layer(narrow, seed).loc[label, "z_std_1"],
        )
        return _within(f"{label}: layer-1 z std, width {view.width} / {narrow.width}", wide / small, factor)

    return check


def _layer_rows(view: TrainingView, seed: int, label: str, step: str) -> pd.DataFrame:
    layers = run(view, seed).layers
    mine = layers[layers["scheme"] == label]
    at = mine["step"].min() if step == "first" else mine["step"].max()
    return mine[mine["step"] == at].sort_values("layer")


def start_gradient_ratio(label: str, below: float) -> Check:
    """At step 0, layer 1 gets less than ``below`` of the top hidden layer's gradient (it vanishes)."""

    def check(view: TrainingView, seed: int) -> list[str]:
        g = _layer_rows(view, seed, label, "first")["grad_rms"].to_numpy()
        return _within(f"{label}: step-0 gradient, layer 1 / top", float(g[0] / g[-1]), 0.0, below)

    return check


def no_gradient(label: str, *, at: tuple[str, ...], unless_diverged: bool = False) -> Check:
    """Every hidden layer's gradient is exactly 0 at the first and/or last measurement."""

    def check(view: TrainingView, seed: int) -> list[str]:
        if unless_diverged and fates(view, seed)[label].kind == "diverged":
            return []
        out = []
        for step in at:
            g = _layer_rows(view, seed, label, step)["grad_rms"].to_numpy()
            if (g != 0).any():
                out.append(f"{label}: gradients {g} at the {step} measurement, not all exactly 0")
        return out

    return check


def first_loss_above(label: str, times_a_guess: float) -> Check:
    """The step-0 training loss is more than ``times_a_guess`` times a guess from the class frequencies."""

    def check(view: TrainingView, seed: int) -> list[str]:
        result = run(view, seed)
        h = result.history
        loss0 = float(h[(h["scheme"] == label) & (h["split"] == "train")]["loss"].iloc[0])
        return _within(f"{label}: step-0 loss / a guess's", loss0 / result.chance_loss, times_a_guess)

    return check


def final_test_accuracy(*labels: str, at_most: float) -> Check:
    def check(view: TrainingView, seed: int) -> list[str]:
        h = run(view, seed).history
        out = []
        for label in labels:
            test = h[(h["scheme"] == label) & (h["split"] == "test")]
            out += _within(f"{label}: final test accuracy", float(test["accuracy"].iloc[-1]), 0.0, at_most)
        return out

    return check


def closest_to_the_edge(label: str, width: int, activation: str) -> Check:
    """Of the view's initializations, ``label`` has the chi1 closest to 1 (in log) for hidden layers of
    ``width`` (theory: no seed involved)."""

    def check(view: TrainingView, seed: int) -> list[str]:
        distance = {
            name: abs(math.log(chi1(activation, sigma_w2(scheme, width, width, **params), 0.0)))
            for name, (scheme, params) in labelled(view.inits).items()
        }
        best = min(distance, key=distance.get)
        return [] if best == label else [f"closest to chi1 = 1: {best}, not {label} ({distance})"]

    return check


def both(*checks: Check) -> Check:
    return lambda view, seed: [f for c in checks for f in c(view, seed)]


# --- the views -----------------------------------------------------------------------------------------

U, N01 = Init.of("uniform", limit=0.1), Init.of("normal", std=0.1)  # the lesson's two draws
N001, N1, N10 = Init.of("normal", std=0.01), Init.of("normal", std=1.0), Init.of("normal", std=10.0)
GLOROT, GLOROT_N = Init.of("glorot_uniform"), Init.of("glorot_normal")
GLOROT_X4 = Init.of("glorot_uniform_x4")
HE, STANDARD, ZEROS = Init.of("he_normal"), Init.of("standard"), Init.of("zeros")
L_U, L_N01, L_N001, L_N1, L_N10 = U.label, N01.label, N001.label, N1.label, N10.label
L_G, L_GN, L_X4, L_HE, L_STD = GLOROT.label, GLOROT_N.label, GLOROT_X4.label, HE.label, STANDARD.label
L_ZEROS = ZEROS.label

DRAWS = DrawsView(U, N01)
NEURON_1000 = DrawsView(U, N01, n=1000)
SIGMOID_100 = DepthView((U, N01))  # 10 sigmoid layers of 100, batch 1000, inputs N(0, 1), no bias
SIGMOID_1000 = DepthView((U, N01), width=1000)
LARGE_100 = DepthView((N1, N10))
LARGE_1000 = DepthView((N1, N10), width=1000)
FIX_SIGMOID = DepthView((N01, GLOROT, GLOROT_X4))
FIX_TANH = DepthView((N01, GLOROT, GLOROT_X4), activation="tanh")


def said(message: str) -> str:
    """A claim's sentence as a page shows it: translated, then the lab's notation filled in."""
    return tr(message, **NOTATION)


# --- the presets (pages 2 and 3) ------------------------------------------------------------------------


@dataclass(frozen=True)
class DepthPreset:
    """A page-2 preset: its view, the verdict each initialization gets on every seed, what it shows in
    words, and the check of everything else those words say."""

    name: str
    view: DepthView
    expect: tuple[str, ...]
    message: str
    check: Check = lambda view, seed: []

    @property
    def text(self) -> str:
        return said(self.message)


DEPTH_PRESETS = (
    DepthPreset(
        N_("The lesson"),
        # Batch 250: 62,500 values per layer give the same verdicts as 1,000 inputs on seeds 0-19, every
        # share of saturated units within 0.5 points, for a quarter of the matrix products (issue #14).
        DepthView((U, N01, N1, N10, GLOROT, GLOROT_X4), width=250, batch=250),
        ("near-linear", "vanishing gradients", "partly saturated", "saturated", "near-linear", "healthy"),
        N_(
            "Ten sigmoid layers of 250. The lesson's two draws are too small here: {u} is near-linear, and "
            "through both it and {n01} layer 1 gets under 1e-4 of layer 10's gradient. N(0, 10²) is too "
            "large: saturated. N(0, 1²) saturates most of the last layer, yet its gradient still reaches "
            "layer 1. Plain Glorot, made for tanh, is near-linear for the sigmoid; 4x Glorot is healthy."
        ),
        both(
            layer_bounds(L_U, ratio=(0.0, 1e-4)),
            layer_bounds(L_N01, ratio=(0.0, 1e-4)),
            layer_bounds(L_N1, saturated=(0.5, 0.8)),
        ),
    ),
    DepthPreset(
        N_("Too small / Xavier / 4x Xavier / too large"),
        DepthView((N001, GLOROT_N, GLOROT_X4, N10)),
        ("near-linear", "near-linear", "healthy", "saturated"),
        N_(
            "Ten sigmoid layers of 100: N(0, 0.01²) near-linear, plain Glorot near-linear too (the sigmoid's "
            "slope at 0 is only 1/4), 4x Glorot healthy, N(0, 10²) saturated."
        ),
    ),
    DepthPreset(
        N_("tanh: CS231n's 10 layers of 500"),
        DepthView((N001, GLOROT_N, N1), activation="tanh", width=500),
        ("near-linear", "healthy", "saturated"),
        N_(
            "The CS231n experiment with tanh: N(0, 0.01²) collapses toward 0 and is near-linear. Glorot is "
            "healthy: its signal shrinks slowly, so most of layer 10 ends in the linear zone, yet over a "
            "tenth "
            "of layer 10's gradient reaches layer 1. N(0, 1²) saturates over 80% of layer 10."
        ),
        both(
            layer_bounds(L_GN, near_linear=(0.5, 1.0), ratio=(0.1, 10.0)),
            layer_bounds(L_N1, saturated=(0.8, 1.0)),
        ),
    ),
    DepthPreset(
        N_("ReLU: He vs Glorot"),
        DepthView((HE, GLOROT_N), activation="relu", depth=30),
        ("healthy", "collapsing"),
        N_(
            "Thirty ReLU layers of 100. He (σ_w² = 2) keeps the signal and the gradient: layer 1 gets "
            "between "
            "a tenth and ten times layer 30's. Glorot (σ_w² = 1, half of what ReLU needs) lets both collapse."
        ),
        both(
            sigma_w2_is(**{L_HE: 2.0, L_GN: 1.0}),
            layer_bounds(L_HE, ratio=(0.1, 10.0), spread=(0.1, 10.0)),
            layer_bounds(L_GN, ratio=(0.0, 1e-3), spread=(0.0, 1e-2)),
        ),
    ),
)


@dataclass(frozen=True)
class TrainingPreset:
    """A page-3 preset: its view, the outcome (or outcomes) each model gets on every seed, what it shows
    in words, and the check of everything else those words say."""

    name: str
    view: TrainingView
    expect: tuple[str | tuple[str, ...], ...]
    message: str
    check: Check = lambda view, seed: []

    @property
    def text(self) -> str:
        return said(self.message)


LESSON_RUN = TrainingView((U, N01, GLOROT, GLOROT_X4, N1, N10))  # digits, 5 x 64 sigmoid, SGD 1.0, 2000 steps
ADAM_RUN = replace(LESSON_RUN, optimizer="adam", learning_rate=0.01)
FIGURE_2 = TrainingView(
    (STANDARD, GLOROT, GLOROT_X4), depth=4, width=128, learning_rate=0.3, batch_size=16, steps=2000
)
RELU_RUN = TrainingView(
    (ZEROS, N001, HE, N10),
    data="circles",
    depth=3,
    width=16,
    activation="relu",
    learning_rate=0.03,
    steps=1000,
)


class _Later:
    """A value that ``str.format`` fills in, computed at its first use: the edge of chaos needs the
    theory's moment tables (30 ms), which the landing page and page 1 never use otherwise."""

    def __init__(self, compute: Callable[[], str]):
        self._compute, self._value = compute, None

    def __format__(self, spec: str) -> str:
        if self._value is None:
            self._value = self._compute()
        return format(self._value, spec)

    def __str__(self) -> str:
        return format(self)


# chi1 of N(0, 1²) at width 64, sigmoid: 0.79
_EDGE = _Later(lambda: f"{chi1('sigmoid', sigma_w2('normal', 64, 64, std=1.0), 0.0):.2f}")
# The notation the sentences name, filled into their {placeholders} after translation: scheme labels are
# the same in every language.
NOTATION = {
    "u": L_U,
    "n01": L_N01,
    "n1": L_N1,
    "n10": L_N10,
    "edge": _EDGE,
    "sunk": f"{SUNK_BELOW:g}",
}
TRAINING_PRESETS = (
    TrainingPreset(
        N_("The lesson: simple initializations with sigmoid"),
        LESSON_RUN,
        ("stalled", "stalled", "stalled", "learned", "learned", "stalled"),
        N_(
            "The 8x8 digits, five sigmoid layers of 64, plain SGD (which shows vanishing gradients). {u}, "
            "{n01} and plain Glorot stay at chance; 4x Glorot learns, and so does N(0, 1²), whose χ₁ at "
            "width 64, {edge}, is the closest of the six to the edge of chaos (χ₁ = 1); N(0, 10²) stays "
            "at chance, most of its units saturated. The next preset trains the same nets with Adam."
        ),
        both(start_saturated(L_N10, 0.5), closest_to_the_edge(L_N1, 64, "sigmoid")),
    ),
    TrainingPreset(
        N_("The same lesson with Adam"),
        ADAM_RUN,
        (("learned", "partly learned", "stalled"), "learned", "learned", "learned", "learned", "stalled"),
        N_(
            "Adam scales each weight's step by its own recent gradients, which hides vanishing gradients: "
            "{n01} and plain Glorot, whose layer 1 starts with under 1% of the top layer's gradient, now "
            "learn too. N(0, 10²) still stalls. {u}, the smallest, is rescued on some seeds and not on "
            "others."
        ),
        both(start_gradient_ratio(L_N01, 1e-2), start_gradient_ratio(L_G, 1e-2)),
    ),
    TrainingPreset(
        N_("Glorot & Bengio Figure 2: four sigmoid layers, standard initialization"),
        FIGURE_2,
        ("stalled", "stalled", "learned"),
        N_(
            "Four sigmoid layers of 128 on the digits, SGD with batches of 16. With the standard "
            "initialization "
            "U[-1/√n, 1/√n] the top hidden layer's mean activation sinks below {sunk} within the first "
            "300 steps while the layers below stay between 0.45 and 0.8, and it does not come back within "
            "2,000 "
            "steps: the net stays at chance. Plain Glorot sinks the same way; 4x Glorot does not sink, and "
            "learns."
        ),
        both(
            sink(L_STD, sinks=True, by=300, lower=(0.45, 0.8)),
            sink(L_G, sinks=True, by=300, lower=(0.45, 0.8)),
            sink(L_X4, sinks=False),
        ),
    ),
    TrainingPreset(
        N_("Too small / appropriate / too large"),
        RELU_RUN,
        ("dead", "stalled", "learned", ("exploded, then dead", "diverged")),
        N_(
            "Three ReLU layers of 16 on circles, SGD. Zeros: every ReLU outputs 0, so no gradient reaches "
            "any "
            "hidden layer, from the start. N(0, 0.01²): layer 1 starts with under 1% of layer 3's gradient, "
            "and "
            "training stalls. He: learns. N(0, 10²): its loss starts over 10 times a guess's, so its first "
            "updates are huge, and the net either diverges (NaN) or ends with every hidden layer's gradient "
            "exactly 0."
        ),
        both(
            no_gradient(L_ZEROS, at=("first", "last")),
            start_gradient_ratio(L_N001, 1e-2),
            first_loss_above(L_N10, 10.0),
            no_gradient(L_N10, at=("last",), unless_diverged=True),
        ),
    ),
)

# --- the claims ------------------------------------------------------------------------------------------

_LESSON_CLAIMS = (
    Claim(
        "draws.stds",
        N_(
            "{u} has std 0.058 and {n01} has std 0.1: at the same number 0.1 the uniform has a third of "
            "the normal's variance, and only the normal has tails."
        ),
        DRAWS,
        both(
            draw_bounds("A: " + L_U, "sample", std=(0.0570, 0.0585), excess_kurtosis=(-1.25, -1.15)),
            draw_bounds("B: " + L_N01, "sample", std=(0.0985, 0.1015), excess_kurtosis=(-0.1, 0.1)),
            draw_bounds("A: " + L_U, "theory", var=(0.01 / 3 - 1e-12, 0.01 / 3 + 1e-12)),
        ),
    ),
    Claim(
        "draws.same_variance",
        N_(
            "At the same variance the uniform needs the wider bound √3 · 0.1 = 0.173; the variances then "
            "match "
            "but the shapes do not: no tails (excess kurtosis −1.2) against the normal's (0)."
        ),
        DrawsView(U, N01, compare="variance"),
        both(
            draw_bounds("A: U[-0.1732, 0.1732]", "theory", var=(0.01 - 1e-9, 0.01 + 1e-9)),
            draw_bounds("A: U[-0.1732, 0.1732]", "sample", excess_kurtosis=(-1.25, -1.15)),
            draw_bounds("B: " + L_N01, "sample", excess_kurtosis=(-0.1, 0.1)),
        ),
    ),
    Claim(
        "neuron.n1000",
        N_(
            "A unit with n = 1000 inputs x ~ N(0, 1) adds them up: z has std √n · std(w), about 1.8 for the "
            "uniform and 3.2 for the normal. The normal puts about a sixth of z in the sigmoid's flat tails, "
            "the uniform under 3%."
        ),
        NEURON_1000,
        both(
            neuron_bounds("A: " + L_U, **{"std of z (sample)": (1.75, 1.9), "saturated": (0.0, 0.03)}),
            neuron_bounds("B: " + L_N01, **{"std of z (sample)": (3.05, 3.3), "saturated": (0.14, 0.2)}),
        ),
    ),
    Claim(
        "neuron.n100",
        N_(
            "At n = 100 neither saturates (under 1% of z), and the uniform keeps over half of z in the "
            "sigmoid's near-linear middle."
        ),
        DRAWS,
        both(
            neuron_bounds("A: " + L_U, saturated=(0.0, 0.01), **{"near-linear": (0.5, 1.0)}),
            neuron_bounds("B: " + L_N01, saturated=(0.0, 0.01)),
        ),
    ),
    Claim(
        "depth.too_small",
        N_(
            "Through 10 sigmoid layers of 100, {u} and {n01} keep most of layer 10's units in the linear "
            "zone, where the sigmoid's slope is about 1/4, and layer 1 gets less than 1e-5 of the gradient "
            "at "
            "layer 10: both *near-linear*, with vanishing gradients."
        ),
        SIGMOID_100,
        both(
            verdicts("near-linear", "near-linear"),
            layer_bounds(L_U, near_linear=(0.5, 1.0), ratio=(0.0, 1e-5)),
            layer_bounds(L_N01, near_linear=(0.5, 1.0), ratio=(0.0, 1e-5)),
        ),
    ),
    Claim(
        "depth.too_small_wide",
        N_(
            "At width 1000 the same weights, summed over ten times as many inputs, spread z wider (over "
            "twice "
            "as wide at layer 1). Only about a third of layer 10 stays in the linear zone for {u}, but its "
            "gradient still vanishes; {n01} (σ_w² = 1000 · 0.01 = 10) turns *healthy*."
        ),
        SIGMOID_1000,
        both(
            verdicts("vanishing gradients", "healthy"),
            layer_bounds(L_U, near_linear=(0.25, 0.45), ratio=(0.0, 1e-3)),
            wider_z(L_U, SIGMOID_100, 2.0),
            wider_z(L_N01, SIGMOID_100, 2.0),
        ),
    ),
    Claim(
        "depth.too_large",
        N_(
            "{n10} leaves over 90% of layer 10's units in the flat tails, their outputs stuck near 0 or 1: "
            "*saturated*. {n1} saturates between a third and two thirds of them, yet its gradient still "
            "reaches layer 1 (over 0.3 of layer 10's): it sits near the edge of chaos (χ₁ ≈ 1), where a net "
            "can "
            "still train."
        ),
        LARGE_100,
        both(
            verdicts("partly saturated", "saturated"),
            layer_bounds(L_N10, saturated=(0.9, 1.0)),
            layer_bounds(L_N1, saturated=(1 / 3, 2 / 3), ratio=(0.3, 3.0)),
            phases(**{L_N1: "critical"}),
        ),
    ),
    Claim(
        "depth.too_large_wide",
        N_("At width 1000, {n1} saturates over 80% of layer 10 too: *saturated*, like {n10}."),
        LARGE_1000,
        both(
            verdicts("saturated", "saturated"),
            layer_bounds(L_N1, saturated=(0.8, 1.0)),
            layer_bounds(L_N10, saturated=(0.8, 1.0)),
        ),
    ),
    Claim(
        "depth.fix_sigmoid",
        N_(
            "Glorot sets Var(w) = 2 / (fan_in + fan_out): σ_w² = fan_in · Var(w) = 1 at any width. It was "
            "derived for units whose slope at 0 is 1, like tanh; the sigmoid's is 1/4 and its outputs have "
            "mean "
            "0.5, so plain Glorot leaves this sigmoid net *near-linear*, layer 1 getting under 1e-5 of the "
            "gradient (at width 100 it has exactly the variance of N(0, 0.1²)). Four times the Glorot limit, "
            "the sigmoid's version (Bengio 2012), is *healthy*."
        ),
        FIX_SIGMOID,
        both(
            verdicts("near-linear", "near-linear", "healthy"),
            sigma_w2_is(**{L_G: 1.0, L_N01: 1.0, L_X4: 16.0}),
            layer_bounds(L_G, ratio=(0.0, 1e-5)),
            layer_bounds(L_X4, ratio=(1e-3, 1.0)),
        ),
    ),
    Claim(
        "depth.fix_tanh",
        N_("With tanh, plain Glorot is *healthy*, and 4x Glorot saturates about half of layer 10."),
        FIX_TANH,
        both(
            verdicts("healthy", "healthy", "partly saturated"),
            layer_bounds(L_X4, saturated=(0.4, 0.65)),
        ),
    ),
    Claim(
        "depth.width",
        N_(
            "Set the width to 1000 and watch the verdicts of {u} and {n01} change while plain Glorot's stays."
        ),
        DEPTH_PRESETS[0].view,
        both(
            same_verdict_across_widths(L_G, (250, 1000)),
            differs_across_widths(L_U, (250, 1000)),
            differs_across_widths(L_N01, (250, 1000)),
        ),
    ),
    Claim(
        "training.lesson_sgd",
        N_(
            "With plain SGD, {u}, {n01} and plain Glorot stay at chance (about 10% on ten digits, 15% at "
            "most); 4x Glorot and N(0, 1²) pass 90% test accuracy; N(0, 10²) stays at chance, over 90% of "
            "its "
            "units saturated from the start."
        ),
        LESSON_RUN,
        both(
            outcome_kinds("stalled", "stalled", "stalled", "learned", "learned", "stalled"),
            final_test_accuracy(L_U, L_N01, L_G, L_N10, at_most=0.15),
            start_saturated(L_N10, 0.9),
        ),
        TRAINING_SEEDS,
    ),
    Claim(
        "training.lesson_adam",
        N_(
            "Adam scales each weight's step by its own recent gradients, which hides vanishing gradients: "
            "{n01} and plain Glorot, whose layer 1 starts with under 1% of the top layer's gradient, learn "
            "too."
        ),
        ADAM_RUN,
        both(
            outcome_kinds(
                ("learned", "partly learned", "stalled"),
                "learned",
                "learned",
                "learned",
                "learned",
                "stalled",
            ),
            start_gradient_ratio(L_N01, 1e-2),
            start_gradient_ratio(L_G, 1e-2),
        ),
        TRAINING_SEEDS,
    ),
    Claim(
        "training.adam_smallest",
        N_("{u}, the smallest, is rescued on some seeds and not on others."),
        ADAM_RUN,
        mixed_outcome(L_U),
        TRAINING_SEEDS,
        across_seeds=True,
    ),
)


def _preset_claims() -> tuple[Claim, ...]:
    out = [
        Claim(f"depth preset: {p.name}", p.message, p.view, both(verdicts(*p.expect), p.check))
        for p in DEPTH_PRESETS
    ]
    out += [
        Claim(
            f"training preset: {p.name}",
            p.message,
            p.view,
            both(outcome_kinds(*p.expect), p.check),
            TRAINING_SEEDS,
        )
        for p in TRAINING_PRESETS
    ]
    return tuple(out)


CLAIMS: dict[str, Claim] = {c.name: c for c in (*_LESSON_CLAIMS, *_preset_claims())}
"""Every claim of the lab, by name."""

# --- the lesson ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A lesson step: a title, the view its link opens, and its text: instructions (plain strings) and
    claims (their text), in order."""

    title: str
    view: View
    parts: tuple[str | Claim, ...]

    @property
    def text(self) -> str:
        return " ".join(p.text if isinstance(p, Claim) else tr(p) for p in self.parts)

    @property
    def claims(self) -> tuple[Claim, ...]:
        return tuple(p for p in self.parts if isinstance(p, Claim))


LESSON = (
    Step(
        N_("Uniform vs normal"),
        DRAWS,
        (
            CLAIMS["draws.stds"],
            N_("Switch *Compare at* to *Same variance*."),
            CLAIMS["draws.same_variance"],
        ),
    ),
    Step(
        "What one neuron sees",
        NEURON_1000,
        (CLAIMS["neuron.n1000"], N_("Then move *n* to 100."), CLAIMS["neuron.n100"]),
    ),
    Step(
        N_("Too small: almost linear"),
        SIGMOID_100,
        (CLAIMS["depth.too_small"], N_("Then set the width to 1000."), CLAIMS["depth.too_small_wide"]),
    ),
    Step(
        N_("Too large: saturation"),
        LARGE_100,
        (CLAIMS["depth.too_large"], N_("Then set the width to 1000."), CLAIMS["depth.too_large_wide"]),
    ),
    Step(
        N_("The fix: Xavier/Glorot"),
        FIX_SIGMOID,
        (CLAIMS["depth.fix_sigmoid"], N_("Then switch the activation to tanh."), CLAIMS["depth.fix_tanh"]),
    ),
    Step(
        N_("Proof by training"),
        LESSON_RUN,
        (
            N_("Press **Train**: the same net, data and batches, six initializations."),
            CLAIMS["training.lesson_sgd"],
            N_("Then switch the optimizer to Adam (learning rate 0.01) and train again."),
            CLAIMS["training.lesson_adam"],
        ),
    ),
)

__all__ = [
    "CLAIMS",
    "DEPTH_PRESETS",
    "LESSON",
    "SEEDS",
    "TRAINING_PRESETS",
    "TRAINING_SEEDS",
    "Claim",
    "DepthPreset",
    N_("Step"),
    "TrainingPreset",
    "labelled",
]

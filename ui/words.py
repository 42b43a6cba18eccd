"""The captions that depend on the numbers on screen: computed from those numbers, so they always agree
with them, and written as messages for :func:`initcore.words.tr`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

import initcore
from initcore import SCHEMES
from initcore.activations import prose_name
from initcore.runs import SUNK_BELOW, sinking
from initcore.words import N_, clauses, items, tr

from .tables import fmt

NOTICE = N_("**What to notice:** ")
FLAT_ACCURACY = 0.05  # a test accuracy that never moves more than this over a run is a flat curve
FLAT_BELOW = 0.2  # a model whose P(class 1) varies less than this over the plane paints one flat colour


def notice(message: str, /, **values: object) -> str:
    """'**What to notice:** ...', the message translated."""
    return tr(NOTICE) + tr(message, **values)


def verdict_lines(rows: Iterable[tuple[str, str, str]]) -> str:
    """A Markdown list, one line per (series, verdict, detail): '- **A** — *healthy*: ...'."""
    return "\n".join(
        "- " + tr("**{series}** — *{verdict}*: {detail}.", series=s, verdict=tr(v), detail=d)
        for s, v, d in rows
    )


def names(labels: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    labels = list(labels)
    if len(labels) == 1:
        return labels[0]
    return tr("{some} and {last}", some=items(labels[:-1]), last=labels[-1])


DEPTH_INTRO = N_(
    "Push a batch of inputs through a deep net and look at every layer: where its units sit on the "
    "activation, how the signal's spread changes, and how much gradient makes it back. Every initialization "
    "below sees the same inputs and the same random seed, so two normals differ only in scale."
)
TRAINING_INTRO = N_(
    "The proof: train the same network from several initializations at once, on the same batches, and see "
    "which ones learn. Change the settings, then press **Train**; nothing runs until you do."
)
SLOTS_NOTE = N_(
    "Only the first *Initializations compared* slots are trained. A scheme's parameters appear under it "
    "after you press Train."
)
BIAS_HELP = N_(
    "Each unit gets its own bias, drawn from N(0, σ_b²), as in the mean-field theory (Poole et al. 2016)."
)


# --- page 2 ---------------------------------------------------------------------------------------------


def heatmap_caption(activation: str, bias_std: float) -> str:
    """Tab 1 (the heatmap): what small and large weights do to each layer's activations. A bounded
    activation shares one axis, its whole range; relu and linear get one axis per initialization, up to
    its largest activations, so there the picture shows each layer's spread against the others'."""
    act = initcore.ACTIVATIONS[activation]
    if act.limits is None:
        crit = "2" if activation == "relu" else "1"  # sigma_w2 that keeps the signal's spread (no bias)
        deep = (
            tr("toward 0")
            if bias_std == 0
            else tr("to the spread the biases alone keep up (σ_b = {spread})", spread=f"{bias_std:g}")
        )
        text = notice(
            "each row is one layer's distribution of activations, brightest where most units are. Each "
            "initialization has its own axis, up to its largest activations: weights that shrink the signal "
            "(σ_w² = fan-in · Var(w) below {crit}) crowd the deeper rows {deep}; weights that grow it crowd "
            "the first rows toward 0",
            crit=crit,
            deep=deep,
        )
        if activation == "relu":
            return text + tr("; ReLU also puts every unit with z ≤ 0 at exactly 0 (the left column).")
        return text + "."
    centre = f"{float(act.fn(np.zeros(1))[0]):.2g}"
    if bias_std == 0:
        small = tr("a thin stripe at {act}(0) = {centre}", act=act.name, centre=centre)
    else:
        small = tr(
            "the band that the biases alone make (σ_b = {spread}) around {act}(0) = {centre}",
            spread=f"{bias_std:g}",
            act=act.name,
            centre=centre,
        )
    lo, hi = act.limits
    return notice(
        "each row is one layer's distribution of activations, brightest where most units are. Small "
        "weights (σ_w² = fan-in · Var(w) far below 1) squeeze every layer into {small}",
        small=small,
    ) + tr("; large ones push the units to the edges, {lo} and {hi}.", lo=f"{lo:g}", hi=f"{hi:g}")


def zones_caption(activation: str) -> str:
    """Tab 2: what the saturated and near-linear shares mean for this activation."""
    if activation in ("sigmoid", "tanh"):
        return notice(
            "saturated (solid) = slope below {sat} of the activation's steepest, near-linear (dashed) = at "
            "least {lin} of it. A layer of saturated units passes almost no gradient back; a layer of "
            "near-linear ones computes an almost linear function.",
            sat=f"{initcore.SATURATED_SLOPE:.0%}",
            lin=f"{initcore.LINEAR_SLOPE:.0%}",
        )
    if activation == "relu":
        return notice(
            "for ReLU, *saturated* (solid) is a unit that outputs 0 for an input and passes no gradient "
            "back; every other unit is exactly linear (dashed), so the two add up to 100%. What matters is "
            "that part of every layer stays active."
        )
    return notice("a linear unit is near-linear everywhere (dashed, 100%) and never saturates.")


MEAN_STD = N_(
    "the band is each layer's spread of activations (Glorot & Bengio's Figure 2). A band shrinking to a "
    "line means every unit outputs nearly the same value: the layer passes on no information."
)
GRADIENTS_CAPTION = N_(
    "the RMS of dL/dz at each layer for the same signal placed on the last layer, on a log axis. Lines "
    "falling toward layer 1 are vanishing gradients: the first layers barely learn. Dashed: what "
    "mean-field theory predicts."
)


def q_caption(layers: pd.DataFrame) -> str:
    """Tab 3: how far the measured E[z^2] is from the mean-field prediction, from the numbers."""
    gaps, apart = {}, []
    for series, mine in layers.groupby("series", sort=False):
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(mine["q_measured"].to_numpy(float) / mine["q_theory"].to_numpy(float) - 1.0)
        if rel.size and np.isfinite(rel).all():
            gaps[series] = float(rel.max())
        else:
            apart.append(series)
    text = notice(
        "solid is the measured E[z²] per layer, dashed the mean-field variance map q^l = σ_w² "
        "E[φ(√q^(l-1) u)²] + σ_b² (Poole et al. 2016), which describes an infinitely wide layer; a finite "
        "one scatters around it."
    )
    skipped = (
        tr(" (No ratio for {names}: a value there is 0 or beyond float32.)", names=names(apart))
        if apart
        else ""
    )
    if not gaps:
        return text + skipped
    best, worst = min(gaps, key=gaps.get), max(gaps, key=gaps.get)
    if best == worst:
        return (
            text
            + tr(
                " Here they are at most {gap} apart at any layer for {best}.",
                gap=f"{gaps[best]:.0%}",
                best=best,
            )
            + skipped
        )
    return (
        text
        + tr(
            " Here they are at most {gap} apart at any layer for {best}, and up to {worst_gap} for {worst}.",
            gap=f"{gaps[best]:.0%}",
            best=best,
            worst_gap=f"{gaps[worst]:.0%}",
            worst=worst,
        )
        + skipped
    )


THEORY_CAPTION = N_(
    "χ₁ = σ_w² E[φ'(√q* u)²]: once the signal settles at q*, gradients shrink by about √χ₁ per layer below "
    "1 (ordered), keep their size near 1 (critical) and grow above 1 (chaotic). The last two columns are the "
    "per-layer gradient factor, predicted and measured (geometric mean over the layers)."
)


def phase_caption(activation: str, width: int) -> str:
    """Tab 4, the phase diagram (the edge of chaos with no bias comes from the theory)."""
    edge = _edge_of_chaos(activation)
    where = tr(" With no bias it lies at σ_w² ≈ {edge}.", edge=f"{edge:.3g}") if np.isfinite(edge) else ""
    return notice(
        "the colour is χ₁ for a wide {act} net with weight variance σ_w²/fan_in and bias variance σ_b²: "
        "blue is ordered (gradients shrink by about √χ₁ a layer), orange chaotic (they grow), the black "
        "line is the edge of chaos χ₁ = 1, where signals and gradients travel deepest (Schoenholz et al. "
        "2017).{where} Each dot is one of the initializations above at width {width}; a triangle lies "
        "beyond the plot.",
        act=prose_name(activation),
        where=where,
        width=width,
    )


@lru_cache(maxsize=8)
def _edge_of_chaos(activation: str) -> float:
    """sigma_w^2 at which chi1 = 1 with no bias."""
    return float(initcore.critical_line(activation, np.array([0.0]))["sigma_w2"].iloc[0])


# --- page 3 ---------------------------------------------------------------------------------------------


def curves_caption(history: pd.DataFrame, optimizer: str) -> str:
    """The loss and accuracy curves: whose test accuracy stays flat here (read from the curves
    themselves), and what the optimizer shows or hides."""
    test = history[history["split"] == "test"]
    span = test.groupby("scheme", sort=False)["accuracy"].agg(lambda a: float(np.nanmax(a) - np.nanmin(a)))
    flat = [label for label, v in span.items() if v <= FLAT_ACCURACY]
    text = notice(
        "every model sees the same batches, so the only difference is where it started; solid is the "
        "training set, dashed the held-out test set."
    )
    if flat:
        text += tr(" Accuracy flat here: {names} (the list above says why).", names=names(flat))
    if optimizer == "sgd":
        return text + tr(
            " With plain SGD every weight moves by its gradient times the learning rate, so a vanishing "
            "gradient shows as a flat curve; switch to Adam to see it hidden."
        )
    return text + tr(
        " Adam scales each weight's step by the size of its own recent gradients, so a weight with a tiny "
        "gradient still moves: it hides vanishing gradients (plain SGD shows them)."
    )


def layers_caption(layers: pd.DataFrame, activation: str) -> str:
    """Each layer's mean activation during training; for a sigmoid net, whose top layer sank toward 0
    (Glorot & Bengio's Figure 2) and whether it came back, from the numbers."""
    text = notice(
        "each layer's mean activation (line) ± one std (band) on held-out examples, as in Glorot & Bengio's "
        "Figure 2."
    )
    if activation != "sigmoid" or not len(layers):
        return text
    rows = sinking(layers)
    sank = rows[rows["sank_at"].notna()]
    below = f"{SUNK_BELOW:g}"
    if not len(sank):
        return text + tr(" No model's top hidden layer sank below {below} here.", below=below)
    parts = []
    for r in sank.itertuples():
        back = (
            tr("back above {below} at step {step}", below=below, step=f"{r.recovered_at:,}")
            if r.recovered_at is not None
            else tr("not back by the end")
        )
        part = tr(
            "{model}: below {below} at step {step} (lowest {low}), {back}",
            model=r.scheme,
            below=below,
            step=f"{r.sank_at:,}",
            low=f"{r.top_min:.2f}",
            back=back,
        )
        if np.isfinite(r.lower_min):
            part += tr(
                ", while the layers below it stayed between {lo} and {hi}",
                lo=f"{r.lower_min:.2f}",
                hi=f"{r.lower_max:.2f}",
            )
        parts.append(part)
    return text + tr(" The top hidden layer's mean sank toward 0 for {parts}.", parts=clauses(parts))


def data_caption(data: object) -> str:
    """Under the data preview: what the data set is and its size."""
    return notice(
        "{description}; {train} training and {test} test examples, {features} inputs, {classes} classes.",
        description=tr(data.description),
        train=f"{len(data.x_train):,}",
        test=f"{len(data.x_test):,}",
        features=data.features,
        classes=data.n_classes,
    )


def offline_warning(error: Exception) -> str:
    return tr("{error} Pick another data set, such as *digits*.", error=str(error))


def training_question(steps: int) -> str:
    """Predict, then reveal, on page 3."""
    return tr(
        "which of these initializations will bring the loss down in {steps} steps, and which will stall?",
        steps=f"{steps:,}",
    )


def diverged_warning(labels: Sequence[str]) -> str:
    return tr(
        "Diverged (the loss became NaN or infinite, so training stopped for them): {names}.",
        names=items(labels),
    )


SATURATED_CAPTION = N_("the share of units in the flat tails of the activation, per layer.")


def gradients_caption(optimizer: str) -> str:
    """The gradient reaching each layer during training."""
    text = notice("the gradient reaching each layer (log axis).")
    if optimizer == "sgd":
        return text + tr(
            " With plain SGD it sets each layer's step: lines far apart mean the first layers barely learn."
        )
    return text + tr(
        " Adam rescales every weight's step, so here lines far apart do not mean that the first layers "
        "learn slowly; switch to SGD to see the gradient as the step."
    )


def boundary_caption(grid: pd.DataFrame) -> str:
    """Decision boundaries: which models paint one flat colour, from their predictions."""
    text = notice("orange is where the model says class 1.")
    spread = grid.groupby("scheme", sort=False)["p"].agg(lambda p: float(np.nanmax(p) - np.nanmin(p)))
    flat = [label for label, v in spread.items() if not v >= FLAT_BELOW]
    if not flat:
        return text + tr(" Every model here draws a boundary.")
    message = (
        N_(" {names} paints one flat colour: P(class 1) varies by less than {flat} over the whole plane.")
        if len(flat) == 1
        else N_(" {names} paint one flat colour: P(class 1) varies by less than {flat} over the whole plane.")
    )
    return text + tr(message, names=names(flat), flat=f"{FLAT_BELOW:g}")


LANDING = N_("""A neural network starts from random weights, and *how* random decides whether it can learn.
Until 2010 the usual choice was to draw every weight from **U[-0.1, 0.1]** or **N(0, 0.1²)**,
whatever the size of the layer.

A sigmoid unit adds up its inputs, **z = w₁x₁ + … + wₙxₙ + b**, and outputs sigmoid(z).
With *n* independent inputs, **Var(z) = n · Var(w) · E[x²]**: a draw of fixed scale ignores the
layer's size, so the same weights give a narrow layer a small z and a wide layer a large one.

- **Weights too small:** z stays near 0, where the sigmoid is almost a straight line of slope 1/4.
  Each layer passes back only a fraction of the gradient, so the gradient vanishes on its way to the
  first layers, and the net computes an almost linear function.
- **Weights too large:** z lands in the flat tails. Outputs stick at 0 or 1, the slope there is almost
  zero, and learning stalls. In between lies the *edge of chaos*, where the gradient keeps its size from
  layer to layer even with many units saturated.
- **What we want:** a wide but reasonable spread of z, which means scaling Var(w) with the layer's
  size. That is **Xavier/Glorot initialization**, Var(w) = 2 / (fan_in + fan_out), derived for units
  whose slope at 0 is 1, like tanh. The sigmoid's slope at 0 is 1/4 and its outputs average 0.5: it
  needs about four times the Glorot scale.
- **How we train shows it, or hides it:** plain SGD moves every weight by its own gradient, so it shows
  vanishing gradients; Adam rescales each weight's step and hides much of them.
""")


# --- page 1 and the landing page --------------------------------------------------------------------


def zones_chart_caption(activation: str, n: int) -> str:
    """The landing page's activation chart: its zones, and where z lands for the lesson's draws."""
    act = initcore.ACTIVATIONS[activation]
    sat_z = -next(hi for lo, hi in act.saturated if not np.isfinite(lo))
    return notice(
        "inside |z| ≤ {lin} (blue) the {act} keeps at least 95% of its steepest slope: it is almost linear "
        "there. Beyond |z| > {sat} (orange) its slope is below 5% of the maximum: the unit is saturated and "
        "passes almost no gradient back. Learning happens in between (green). The coloured areas show where "
        "z lands for a unit with n = {n} inputs x ~ N(0, 1) and the lesson's two initializations: move n and "
        "watch them spread into the tails.",
        lin=f"{act.near_linear[0][1]:.3f}",
        act=prose_name(activation),
        sat=f"{sat_z:.2f}",
        n=n,
    )


def zone_table_caption(table: pd.DataFrame) -> str:
    """The landing page's zone table (n, weights, std of z, near-linear, saturated), in words."""
    glorot = SCHEMES["glorot_uniform"].short_label()
    lesson = table[table["weights"] != glorot]
    mild = lesson[lesson["n"] == 100]
    wide = lesson[lesson["n"] == 1000].set_index("weights")
    worst = wide["saturated"].idxmax()
    most = mild["saturated"].max()
    little = tr("at most {share}", share=f"{most:.1%}") if most >= 0.001 else tr("almost none (under 0.1%)")
    return notice(
        "with 100 inputs the lesson's draws put {little} of z in the flat tails; with 1000 inputs {worst} "
        "gives z a std of {std} and puts {share} of it there. Glorot keeps the std of z at {glorot_std} for "
        "every n.",
        little=little,
        worst=worst,
        std=f"{wide.loc[worst, 'std of z']:.1f}",
        share=f"{wide.loc[worst, 'saturated']:.0%}",
        glorot_std=f"{table[table['weights'] == glorot]['std of z'].min():.2g}",
    )


def draws_caption(compare: str, a: str, b: str, summary: pd.DataFrame, n_draws: int) -> str:
    """Page 1, the histogram: what the comparison mode does for these two schemes, from their theory."""
    theory = summary[summary["of"] == "theory"].reset_index(drop=True)
    std_a, std_b = theory["std"]
    if std_b == 0:
        ratio = tr("undefined (B is all zeros)")
    else:
        q = (std_a / std_b) * (std_a / std_b)  # not ** 2: that raises OverflowError for std 1e-200
        ratio = f"{q:.2f}" if q < 1e4 else fmt(q)  # 4 digits for huge ratios, ∞ beyond 1.8e308
    ratio += tr(" (A is all zeros)") if std_a == 0 else ""
    text = notice(
        "bars are {n} draws, lines the exact densities. Var(A) / Var(B) = {ratio}. ",
        n=f"{n_draws:,}",
        ratio=ratio,
    )
    sa, sb = SCHEMES[a], SCHEMES[b]
    if compare == "free":
        return text + tr("Each distribution has its own parameters.")
    if not sa.params:
        return text + tr(
            "{scheme} has no parameter of its own (its scale comes from the layer's fans), so it cannot be "
            "matched to B: pick *Set separately* or another A.",
            scheme=tr(sa.label),
        )
    param = sa.params[0].name
    if compare == "bound":
        if (a, b) == ("uniform", "normal"):
            return text + tr(
                "At the same number s, U[-s, s] has a third of the variance of N(0, s²): switch *Compare at* "
                "to *Same variance* to make them equal."
            )
        return text + tr(
            "A's {param} is set to B's scale number. Pick Uniform for A and Normal for B to see the "
            "lesson's comparison.",
            param=param,
        )
    kurt = theory["excess_kurtosis"]
    shapes = tr(
        "excess kurtosis {a} for A against {b} for B (0 for a normal)", a=fmt(kurt[0]), b=fmt(kurt[1])
    )
    if sa.family != sb.family:
        return text + tr(
            "A's {param} is set so that the variances match; the shapes still differ: {shapes}.",
            param=param,
            shapes=shapes,
        )
    return text + tr(
        "A's {param} is set so that the variances match; both are of one family, so the shapes match too "
        "({shapes}).",
        param=param,
        shapes=shapes,
    )


def neuron_caption(n: int, table: pd.DataFrame) -> str:
    """Page 1, the neuron chart: how much of z each series puts in the flat tails, measured."""
    worst = table.loc[table["saturated"].idxmax()]
    return notice(
        "with n = {n} inputs, {weights} puts {share} of z in the sigmoid's flat tails (orange). Var(z) = n · "
        "Var(w) · E[x²] grows with n while a fixed-scale Var(w) stays put: move n and watch z spread. "
        "Xavier/Glorot scales Var(w) by 1/n to keep z in the useful middle: pick *Glorot (Xavier) uniform* "
        "for A and move n.",
        n=n,
        weights=worst["weights"],
        share=f"{worst['saturated']:.0%}",
    )

"""initcore's tables as the pages show them: pure DataFrame in, DataFrame of text out, with headers in
words (through :func:`initcore.words.tr`) and numbers to 4 significant digits."""

from __future__ import annotations

import re

import pandas as pd

from initcore.words import N_, label, tr

SUMMARY_ROWS = {
    "mean": N_("mean"),
    "std": N_("std"),
    "var": N_("variance"),
    "min": N_("min"),
    "max": N_("max"),
    "excess_kurtosis": N_("excess kurtosis"),
    "beyond_2std": N_("|w| > 2 std"),
}
THEORY_COLUMNS = {
    "sigma_w2": N_("σ_w²"),
    "q_star": N_("q*"),
    "chi1": N_("χ₁"),
    "phase": N_("phase"),
    "sqrt_chi1": N_("√χ₁"),
    "factor_theory": N_("factor per layer (predicted)"),
    "factor_measured": N_("factor per layer (measured)"),
}
THEORY_ORDER = ("series", *THEORY_COLUMNS)
OF = {"theory": N_("theory"), "sample": N_("sample")}  # initcore.compare's "of" column, in the headers


def fmt(value: float, percent: bool = False) -> str:
    """A number for a table cell: 4 significant digits, ∞ for infinities, '—' for undefined (its sign
    kept in front of it on a right-to-left page: :func:`initcore.words.label`)."""
    if value != value:  # NaN
        return "—"
    if value in (float("inf"), float("-inf")):
        return label("∞" if value > 0 else "−∞")
    value += 0.0  # -0.0 + 0.0 is 0.0: an all-zero sample's mean shows as 0, not -0
    return label(f"{value:.1%}" if percent else f"{value:.4g}")


def neuron_table(table: pd.DataFrame) -> pd.DataFrame:
    """initcore's neuron table as text: per series, measured value with the prediction in brackets."""
    rows = []
    for _, r in table.iterrows():
        rows.append(
            {
                tr("weights"): label(r["weights"]),
                tr("std of z"): f"{fmt(r['std of z (sample)'])} ({fmt(r['std of z (theory)'])})",
                tr("near-linear"): f"{fmt(r['near-linear'], True)} ({fmt(r['near-linear (theory)'], True)})",
                tr("saturated"): f"{fmt(r['saturated'], True)} ({fmt(r['saturated (theory)'], True)})",
            }
        )
    return pd.DataFrame(rows).set_index(tr("weights"))


def theory_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The depth study's theory summary as text, one row per initialization."""
    out = summary[list(THEORY_ORDER)].set_index("series")
    out.index = out.index.map(label)
    for col in out.columns:
        out[col] = [tr(v) for v in out[col]] if col == N_("phase") else [fmt(v) for v in out[col]]
    out.index.name = tr("series")
    return out.rename(columns={k: tr(v) for k, v in THEORY_COLUMNS.items()})


def training_table(summary: pd.DataFrame) -> pd.DataFrame:
    """initcore.training.summarize as text: accuracies in %, 'never' / 'no' for None, numbers to 4 digits."""
    out = summary.set_index("scheme").astype(object)
    out.index = out.index.map(label)
    for col in out.columns:
        if col == "outcome":
            out[col] = [tr(v) for v in out[col]]
        elif "accuracy" in col and not col.startswith("step"):
            out[col] = [fmt(v, percent=True) for v in out[col]]
        elif col.startswith("step"):
            out[col] = [tr("never") if v is None or v != v else f"{int(v)}" for v in out[col]]
        elif col.startswith("diverged"):
            out[col] = [tr("no") if v is None or v != v else tr("step {n}", n=int(v)) for v in out[col]]
        else:
            out[col] = [fmt(v) for v in out[col]]
    out.index.name = tr("scheme")
    return out.rename(columns=_training_header)


TRAINING_COLUMNS = (  # initcore.runs.summarize's columns, as messages
    N_("outcome"),
    N_("train loss"),
    N_("test loss"),
    N_("train accuracy"),
    N_("test accuracy"),
    N_("diverged at step"),
)
_STEP_TO = re.compile(r"step to (\S+) test accuracy")


def _training_header(column: str) -> str:
    if m := _STEP_TO.fullmatch(column):  # "step to 90% test accuracy": the share is the run's target
        return tr("step to {share} test accuracy", share=m.group(1))
    return tr(column)


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """initcore's theory/sample summary, one column per (draws, of), one row per statistic, as text."""
    columns = {}
    for _, row in summary.iterrows():
        name = f"{row['draws'].split(':')[0]} {tr(OF[row['of']])}"
        columns[name] = [fmt(row[k], percent=k == "beyond_2std") for k in SUMMARY_ROWS]
    return pd.DataFrame(columns, index=[tr(v) for v in SUMMARY_ROWS.values()])

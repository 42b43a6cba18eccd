"""Widget extremes (issue #6): every control at its minimum and maximum and every choice, in pairwise
combinations, and the degenerate settings the controls can reach.

The combinations come from a small all-pairs generator (:func:`all_pairs`): every pair of (control, value)
values that can be on screen together appears in at least one combination. A control's values are read
from its Field (the same domain as the widget, which is checked): both ends of a number or slider, every
option of a choice. Parameters appear only under a scheme that has them, and a slot only when it is among
the initializations compared, so the generator knows which controls need which (:func:`_needs`). Page 2's
combinations are kept under about half a second each (:func:`_depth_seconds`), and where a costly value
(50 layers, a wide layer, a million draws on page 1) is not needed for a pair, it is lowered
(:func:`lighten_covered`); every pair stays covered, which the tests check afresh (:func:`_covered`).

The pairwise combinations run against the pure functions each page runs, without Streamlit
(tests/shown.py builds the view from the values as the page does and returns the text and tables the
page would show), pages 1 and 2 on every core. AppTest is kept for what needs a page: the page as it
opens, every control at its minimum and every control at its maximum, set through the widgets (page 3's
form opened as a link), where every text and table tests/shown.py computes must also be on the page, so
the pure sweep follows the pages; and the named degenerate settings below. Page 3's extremes that matter
(learning rate at its maximum, zeros, limit 0, std at its maximum, one hidden layer, the narrowest width: 2
units, page 3 offers no 1) are set through the widgets and trained (marked ``tf``).

After each combination: no exception, and no NaN or infinity shown as a number in any text, caption,
notice, metric or table (:func:`nonfinite_text`; the pages spell infinities ∞ and undefined values —).
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shown
from streamlit.testing.v1 import AppTest
from widgets import keyed_widgets

import initcore
import initcore.datasets
import ui

pytestmark = pytest.mark.usefixtures("no_keras_reset")  # tests/conftest.py
ROOT = Path(__file__).resolve().parents[1]
HOME = "dashboard.py"
P1 = "pages/1_Uniform_vs_normal_draws.py"
P2 = "pages/2_Saturation_across_depth.py"
P3 = "pages/3_Training_comparisons.py"
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "text", "code", "latex")
NOTICE_KINDS = ("info", "warning", "error", "success")
PARAMS = {p.name for s in initcore.SCHEMES.values() for p in s.params}  # limit, std, gain
HAS = {
    name: {s for s, scheme in initcore.SCHEMES.items() if name in {p.name for p in scheme.params}}
    for name in PARAMS
}
TRAIN = "FormSubmitter:t_settings-Train"


# --- no NaN or infinity shown as a number ---------------------------------------------------------------

# Python writes NaN and infinities as nan, inf, -inf (also nan% from a percent format): flagged anywhere as
# a word of their own. Words like "infinity", "infinite" or "information" are not that word.
_PY_NONFINITE = re.compile(r"(?<![\w.])[-+−]?(?:nan|inf)(?:%|(?!\w))")
# JavaScript's and numpy's spellings (NaN, Infinity, Inf) are English words too ("the loss became NaN"): in
# prose they are flagged only in a number's place, after = or :, in brackets, or before %.
_JS_NONFINITE = re.compile(r"(?:[=:(\[]\s*[-+−]?(?:NaN|Inf(?:inity)?)(?:%|(?!\w)))|(?:(?<!\w)(?:NaN|Inf)%)")
# A table cell that is nothing but a non-finite number, however spelled.
_CELL_NONFINITE = re.compile(r"\s*[-+−]?(?:nan|NaN|NAN|inf|Inf|INF|Infinity|infinity)\s*%?\s*")


# Words for non-finite values listed as words ("inf or NaN", "NaN or infinite") are prose, not numbers.
_NONFINITE_WORDS = re.compile(
    r"(?<!\w)(?:nan|NaN|inf|Inf|infinite|infinity)\s*(?:or|and|/|,)\s*(?:nan|NaN|inf|Inf|infinite|infinity)(?!\w)"
)


def nonfinite_text(text: str) -> list[str]:
    """The places in prose where a NaN or an infinity is shown as a number."""
    text = _NONFINITE_WORDS.sub(" ", text)
    return [m.group(0) for m in _PY_NONFINITE.finditer(text)] + [
        m.group(0) for m in _JS_NONFINITE.finditer(text)
    ]


def nonfinite_cells(df: pd.DataFrame) -> list[str]:
    """Cells, index labels and headers of a shown table that are a NaN or an infinity."""
    found = []
    labels = [*map(str, df.columns), *map(str, df.index)]
    for value in [*labels, *df.to_numpy().ravel().tolist()]:
        if isinstance(value, float) and not math.isfinite(value):
            found.append(repr(value))
        elif isinstance(value, str) and (_CELL_NONFINITE.fullmatch(value) or nonfinite_text(value)):
            found.append(value)
    return found


def shown_nonfinite(at: AppTest) -> list[str]:
    """Every NaN or infinity the page shows as a number, with where it is."""
    found = []
    for kind in (*TEXT_KINDS, *NOTICE_KINDS):
        for el in at.get(kind):
            found += [f"{kind}: {hit!r} in {str(el.value)[:120]!r}" for hit in nonfinite_text(str(el.value))]
    for el in at.get("metric"):
        for text in (el.label, el.value, getattr(el, "delta", "")):
            found += [f"metric: {hit!r}" for hit in nonfinite_text(str(text))]
    for kind in ("dataframe", "table"):
        for el in at.get(kind):
            found += [f"{kind}: {hit!r}" for hit in nonfinite_cells(pd.DataFrame(el.value))]
    return found


def test_the_scan_flags_numbers_not_words():
    flagged = [
        "std = nan",
        "ratio inf.",
        "nan%",
        "−inf",
        "a (NaN) value",
        "x: Infinity",
        "loss nan (0.5)",
        "Inf%",
        "the spread falls from nan at layer 1 to 0.3 at layer 5",
        "layer 1 gets inf of the gradient",
    ]
    for text in flagged:
        assert nonfinite_text(text), f"{text!r} shows a non-finite number"
    prose = [
        "gradients grow toward infinity",
        "Infinite loss stops training",
        "information flows",
        "nano",
        "Diverged (loss became NaN or infinite, training stopped for them)",
        "*overflow*: the numbers outgrow float32 (inf or NaN): the weights are far too large.",
        "the std of z is ∞",
        "Inference",
        "N(0, 1e+06²)",
    ]
    for text in prose:
        assert not nonfinite_text(text), f"{text!r} is prose, not a number"
    table = pd.DataFrame({"a": ["1", "—", "nan"], "b": [1.0, float("inf"), 2.0], "c": ["0.5", "NaN", "x"]})
    assert sorted(nonfinite_cells(table)) == ["NaN", "inf", "nan"], nonfinite_cells(table)
    assert not nonfinite_cells(pd.DataFrame({"a": ["∞", "−∞", "—", "never", "no", "step 4"]}))


# --- the all-pairs generator --------------------------------------------------------------------------

Row = dict[str, Any]
Pair = tuple[tuple[str, Any], tuple[str, Any]]


def all_pairs(
    factors: dict[str, Sequence[Any]],
    needs: dict[str, dict[str, set]],
    *,
    heavy: Callable[[Row], bool] = lambda row: False,
    lighten: Sequence[str] = (),
    seed: int = 0,
    tries: int = 4,
) -> tuple[list[Row], set[Pair]]:
    """Rows (control -> value) in which every feasible pair of (control, value) values appears, both in
    effect, at least once; and the set of those pairs.

    ``needs[f]`` says which values of other controls control f needs to be in effect (a parameter needs its
    scheme); it must list the needs of those controls too. ``heavy`` marks rows too costly to run; their
    ``lighten`` controls (values listed cheapest first) are moved to their cheapest value, so a pair is
    feasible only if it is not heavy by itself.

    The rows start from an orthogonal array over the controls with the most values (:func:`_orthogonal_rows`,
    the rest filled greedily); what it leaves uncovered is patched greedily, as in AETG: each row starts from
    an uncovered pair and takes, control by control, the value that pairs with the most uncovered values
    already chosen (controls others depend on first); the best of ``tries`` such rows is kept.
    """
    names = list(factors)
    rng = random.Random(seed)

    def effective(row: Row) -> list[str]:
        return [f for f in names if all(row[g] in ok for g, ok in needs.get(f, {}).items())]

    def fix(row: Row, keep: set[str]) -> bool:
        """Make the controls in ``keep`` take effect (and the row light) without changing them."""
        allowed: dict[str, set] = {}
        for f in keep:
            for g, ok in needs.get(f, {}).items():
                allowed[g] = allowed.get(g, ok) & ok
        for g, ok in allowed.items():
            if row[g] not in ok:
                choices = [v for v in factors[g] if v in ok]
                if g in keep or not choices:
                    return False
                row[g] = rng.choice(choices)
        for g in lighten:
            if heavy(row) and g not in keep and g not in allowed:
                row[g] = factors[g][0]
        return not heavy(row) and keep <= set(effective(row))

    def pairs(row: Row) -> set[Pair]:
        on = effective(row)
        return {((a, row[a]), (b, row[b])) for i, a in enumerate(on) for b in on[i + 1 :]}

    ruling = {g for need in needs.values() for g in need}  # the controls others depend on
    lightest = {f: values[0] for f, values in factors.items()}
    required: set[Pair] = set()
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for va in factors[a]:
                for vb in factors[b]:
                    row = {**lightest, a: va, b: vb}
                    if fix(row, {a, b}) and row[a] == va and row[b] == vb:
                        required.add(((a, va), (b, vb)))
    partners: dict[tuple[str, Any], dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for (a, va), (b, vb) in required:
        partners[a, va][b].add(vb)
        partners[b, vb][a].add(va)
    order = sorted(required, key=repr)
    rng.shuffle(order)
    uncovered, rows, cursor = set(required), [], 0

    def take(row: Row) -> None:
        new = pairs(row) & uncovered
        if new:
            rows.append({n: row[n] for n in names})
            uncovered.difference_update(new)
            for (x, vx), (y, vy) in new:
                partners[x, vx][y].discard(vy)
                partners[y, vy][x].discard(vx)

    # Start from an orthogonal array over the controls with the most values (all pairs of q values in q^2
    # rows), the other controls chosen greedily; then patch what it leaves uncovered, row by row.
    for start in _orthogonal_rows(factors, needs, ruling):
        row = dict(start)
        for n in names:
            if n not in row:
                on = set(effective({**lightest, **row})) & set(row)
                row[n] = max(
                    factors[n],
                    key=lambda v, n=n, on=on, row=row: (
                        sum(row[m] in partners[n, v].get(m, ()) for m in on),
                        rng.random(),
                    ),
                )
        for g in lighten:
            if heavy(row):
                row[g] = factors[g][0]
        take(row)
    while uncovered:
        while order[cursor] not in uncovered:
            cursor += 1
        (a, va), (b, vb) = order[cursor]
        rest = [n for n in names if n not in (a, b) and n not in ruling]
        best: tuple[Row, set[Pair]] | None = None
        for _ in range(tries):
            row = {**{n: rng.choice(list(factors[n])) for n in names}, a: va, b: vb}
            fix(row, {a, b})
            chosen = {a, b}
            # Controls others depend on first, scored by every new pair they put in effect; then the rest,
            # each scored by its own new pairs with the controls already chosen.
            for n in [
                *rng.sample(sorted(ruling - chosen), len(ruling - chosen)),
                *rng.sample(rest, len(rest)),
            ]:
                if n in chosen:
                    continue
                if n in ruling:  # its new pairs, then how many controls it puts on screen

                    def gain(v, n=n, chosen=chosen, row=row, uncovered=uncovered):
                        row[n] = v
                        on = effective(row)
                        mine = [f for f in on if f in chosen or f == n]
                        new = sum(
                            ((x, row[x]), (y, row[y])) in uncovered
                            for i, x in enumerate(mine)
                            for y in mine[i + 1 :]
                        )
                        return new, len(on)

                else:
                    on_now = set(effective(row)) & chosen

                    def gain(v, n=n, on=on_now, row=row):
                        return sum(row[m] in partners[n, v].get(m, ()) for m in on), 0

                row[n] = max(factors[n], key=lambda v, gain=gain: (*gain(v), rng.random()))
                chosen.add(n)
            if not fix(row, {a, b}):
                continue
            new = pairs(row) & uncovered
            if best is None or len(new) > len(best[1]):
                best = (row, new)
        assert best is not None and best[1], f"no row covers {order[cursor]}"
        take(best[0])
    return rows, required


def _orthogonal_rows(factors: dict[str, Sequence[Any]], needs: dict[str, dict[str, set]], ruling: set[str]):
    """Partial rows of the orthogonal array OA(q^2; q + 1, q), q the smallest prime >= the most values: row
    (x, y) gives column c the symbol x + c y mod q (the last column y), so any two columns show every pair
    of symbols once. A control with fewer values takes symbol s as value s mod n; one that others depend on
    takes its least enabling values for the first symbols and its most enabling value for all the rest."""
    wide = sorted((f for f in factors if len(factors[f]) > 2), key=lambda f: -len(factors[f]))
    if len(wide) < 2:
        return []
    q = next(p for p in range(len(factors[wide[0]]), 1000) if all(p % d for d in range(2, p)))
    columns = wide[: q + 1]

    def enabled(f: str, v: Any) -> int:
        return sum(v in need[f] for need in needs.values() if f in need)

    def value(f: str, symbol: int) -> Any:
        values = list(factors[f])
        if f in ruling:
            values.sort(key=lambda v: enabled(f, v))
            return values[min(symbol, len(values) - 1)]
        return values[symbol % len(values)]

    return [
        {f: value(f, (x + c * y) % q if c < q else y) for c, f in enumerate(columns)}
        for x in range(q)
        for y in range(q)
    ]


def _covered(rows: list[Row], needs: dict[str, dict[str, set]], names: Sequence[str]) -> set[Pair]:
    """The pairs in effect in ``rows``, computed afresh (the generator's own bookkeeping is not trusted)."""
    out = set()
    for row in rows:
        on = [f for f in names if all(row[g] in ok for g, ok in needs.get(f, {}).items())]
        out |= {((a, row[a]), (b, row[b])) for i, a in enumerate(on) for b in on[i + 1 :]}
    return out


def lighten_covered(
    rows: list[Row],
    required: set[Pair],
    needs: dict[str, dict[str, set]],
    factors: dict[str, Sequence[Any]],
    cost: Callable[[Row], float],
    controls: Sequence[str],
) -> list[Row]:
    """The same rows, cheaper, still covering every pair of ``required``: the costliest row first, each of
    ``controls`` (values listed cheapest first) is moved to its cheapest value that lowers the row's cost
    and loses no pair that no other row covers. (The generator chooses the values it does not need at
    random: half of page 2's combinations were 50 layers deep, where a few dozen cover every pair.)"""
    names = list(factors)
    count: dict[Pair, int] = defaultdict(int)
    for row in rows:
        for pair in _covered([row], needs, names) & required:
            count[pair] += 1
    rows = [dict(row) for row in rows]
    for row in sorted(rows, key=cost, reverse=True):
        for f in controls:
            before = _covered([row], needs, names) & required
            for value in factors[f]:
                trial = {**row, f: value}
                if value == row[f] or cost(trial) >= cost(row):
                    continue
                after = _covered([trial], needs, names) & required
                if all(count[pair] > 1 for pair in before - after):
                    for pair in before - after:
                        count[pair] -= 1
                    for pair in after - before:
                        count[pair] += 1
                    row[f] = value
                    break
    return rows


def test_all_pairs_covers_every_feasible_pair_and_no_impossible_one():
    factors = {"k": [1, 2, 3], "s1": ["u", "n", "z"], "s2": ["u", "n", "z"], "p2": [0, 9], "x": [0, 1, 2, 3]}
    needs = {"s2": {"k": {2, 3}}, "p2": {"k": {2, 3}, "s2": {"u", "n"}}}
    rows, required = all_pairs(factors, needs, heavy=lambda r: r["x"] == 3 and r["k"] == 3, lighten=["x"])
    assert len(required) > 50 and required <= _covered(rows, needs, list(factors))
    assert (("k", 2), ("s2", "z")) in required and (("k", 1), ("s2", "u")) not in required, "s2 needs k >= 2"
    assert (("s2", "z"), ("p2", 9)) not in required, "the zeros scheme has no parameter"
    assert (("k", 3), ("x", 3)) not in required and (("k", 2), ("x", 3)) in required, "heavy pairs are out"
    assert not any(r["x"] == 3 and r["k"] == 3 for r in rows), "no heavy row"
    everything = math.prod(len(v) for v in factors.values())
    assert len(rows) < everything / 5, f"{len(rows)} rows: pairwise, not exhaustive"

    def cost(row):
        return row["x"] + row["k"]

    light = lighten_covered(rows, required, needs, factors, cost, ["x", "k"])
    assert required <= _covered(light, needs, list(factors)), "lightened rows still cover every pair"
    assert len(light) == len(rows) and sum(map(cost, light)) < sum(map(cost, rows)), "cheaper, as many"
    assert all(cost(a) <= cost(b) for a, b in zip(light, rows, strict=True)), "no row costs more"
    moved = {f for a, b in zip(light, rows, strict=True) for f in factors if a[f] != b[f]}
    assert moved <= {"x", "k"}, f"only the costly controls move, not {moved - {'x', 'k'}}"


# --- pages: controls, what they need, how to set them ---------------------------------------------------


def _open(page: str, query: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / HOME), default_timeout=600)
    if "components" in _SHARED:  # a new AppTest scans the installed packages for components: once is enough
        at._bidi_component_manager = _SHARED["components"]
    if page != HOME:
        at.switch_page(page)
    at.query_params.update(query or {})
    at.run()
    _SHARED.setdefault("components", getattr(at, "_bidi_component_manager", None))
    return at


_SHARED: dict[str, Any] = {}


def _widgets(at: AppTest) -> dict[str, Any]:
    return keyed_widgets(at)


def _values(field: ui.Field) -> list[Any]:
    """A control's extremes: both ends of a range, every option of a choice, both states of a toggle."""
    if field.boolean:
        return [False, True]
    if field.options:
        return list(field.options)
    return [field.low, field.high] if not field.integer else [int(field.low), int(field.high)]


def _needs(page: str, fields: dict[str, ui.Field]) -> dict[str, dict[str, set]]:
    """Which values of which controls a control needs to be on screen (page 3: to be in the form)."""
    needs: dict[str, dict[str, set]] = {}
    for key in fields:
        if page == P2 and re.fullmatch(r"s_i\d", key):  # slot j is drawn when j initializations are compared
            needs[key] = {"s_k": {k for k in fields["s_k"].options if k >= int(key[-1])}}
    for key in fields:
        slot, _, param = key.rpartition("_")
        if param in PARAMS and slot in fields:  # a parameter is drawn under a scheme that has it
            needs[key] = {**needs.get(slot, {}), slot: set(HAS[param])}
            if page == P1 and slot == "d_a":
                needs[key]["d_compare"] = {"free"}  # else A's parameter is matched to B's, not shown
    if page == HOME and "step" in fields:
        needs["step"] = {"lesson": {True}}
    return needs


def _depth_seconds(row: Row) -> float:
    """Page 2's work, roughly, on two cores: per initialization drawing depth x width^2 weights (~1e8/s), a
    forward and backward pass (~1e11 flop/s) and the elementwise work (~1e8 values/s); a QR per orthogonal
    layer (~5e9 flop/s)."""
    d, w, b = row["s_depth"], row["s_width"], row["s_batch"]
    seconds = 0.0
    for j in range(1, row["s_k"] + 1):
        seconds += d * w * w / 1e8 + 4.0 * d * b * w * w / 1e11 + d * b * w / 1e8
        if row[f"s_i{j}"] == "orthogonal":
            seconds += 1.33 * d * w**3 / 5e9
    return seconds


HEAVY = {P2: (lambda row: _depth_seconds(row) > 0.6, ["s_batch", "s_width", "s_depth", "s_k"])}
# What a combination costs to compute, and the controls that drive it (lightened where their pairs are covered
# twice, :func:`lighten_covered`): page 2's nets, page 1's number of draws.
COST = {
    P1: (lambda row: row["d_draws"] / 1e7, ["d_draws"]),
    P2: (_depth_seconds, ["s_depth", "s_width", "s_batch", "s_k"]),
}


Plan = tuple[list[Row], set[Pair], dict[str, dict[str, set]]]
_PLANS: dict[tuple[str, tuple[ui.Field, ...]], Plan] = {}


def _plan(page: str, fields: dict[str, ui.Field]) -> Plan:
    """The page's pairwise combinations, then all controls at their minimum, then all at their maximum;
    the pairs they must cover; which controls need which (made once a session for the same Fields)."""
    key = (page, tuple(fields.values()))
    if key not in _PLANS:
        _PLANS[key] = _make_plan(page, fields)
    rows, required, needs = _PLANS[key]
    return [dict(row) for row in rows], required, needs


def _make_plan(page: str, fields: dict[str, ui.Field]) -> Plan:
    factors = {k: _values(f) for k, f in fields.items()}
    needs = _needs(page, fields)
    heavy, lighten = HEAVY.get(page, (lambda row: False, []))
    rows, required = all_pairs(factors, needs, heavy=heavy, lighten=lighten, seed=6)
    if page in COST:
        rows = lighten_covered(rows, required, needs, factors, *COST[page])
    ruling = [f for f in factors if any(f in need for need in needs.values())]
    rows.sort(key=lambda row: [str(row[f]) for f in ruling])  # neighbours share schemes: fewer steps
    ends = [{k: v[0] for k, v in factors.items()}, {k: v[-1] for k, v in factors.items()}]  # all min, all max
    return [*rows, *ends], required, needs


def _on(row: Row, needs: dict[str, dict[str, set]]) -> list[str]:
    return [f for f in row if all(row[g] in ok for g, ok in needs.get(f, {}).items())]


# While a combination is set up in steps (a parameter is drawn only once its scheme is chosen), these
# controls are held at their cheapest value, so the intermediate runs cost little.
CHEAP = {P1: {"d_draws": 1_000, "d_n": 1}, P2: {"s_width": 1, "s_batch": 10, "s_depth": 1}}


def _set_through_widgets(at: AppTest, page: str, row: Row, needs: dict[str, dict[str, set]]) -> AppTest:
    """Set the row's controls with the widget API. Controls that are not drawn yet (a parameter of a scheme
    the row chooses) come in later steps, after runs that draw them; then reveal the results if the row
    turns predict-then-reveal on."""
    structural = {g for need in needs.values() for g in need}
    on = _on(row, needs)
    for _ in range(4):
        widgets = _widgets(at)
        final = all(k in widgets for k in on)
        target = {k: row[k] for k in on if k in widgets and (final or k in structural)}
        if not final:
            target.update({k: v for k, v in CHEAP.get(page, {}).items() if k in widgets})
        changed = [k for k, v in target.items() if widgets[k].value != v]
        for key in changed:
            widgets[key].set_value(target[key])
        if changed:
            at.run()
        if at.exception or final:
            break
    reveal = [b for b in at.button if b.key and b.key.endswith("_predict_button")]
    if reveal and not at.exception:
        reveal[0].click().run()
    return at


_FIELDS: dict[str, tuple[dict[str, ui.Field], AppTest]] = {}


def _fields(spy, page: str) -> dict[str, ui.Field]:
    """The page's Fields as the page builds them, read through the spy once a session (the page opened
    then is kept for :func:`test_the_page_at_its_defaults_and_every_control_at_its_minimum_and_maximum`)."""
    if page not in _FIELDS:
        spy.clear()
        at = _open(page)
        assert not at.exception, at.exception
        _FIELDS[page] = dict(spy[-1].fields), at
    return _FIELDS[page][0]


def _domain_problems(widgets: dict[str, Any], fields: dict[str, ui.Field]) -> list[str]:
    """The Field's domain is the widget's: its extremes are the widget's (a page that drew a control's
    widget without its Control would break this)."""
    problems = []
    for key, w in widgets.items():
        field = fields.get(key)
        if field is None or field.boolean:
            continue
        if field.options and len(w.options) != len(field.options):
            problems.append(f"{key}: widget options {w.options} vs {field.options}")
        elif not field.options and (w.min, w.max) != (field.low, field.high):
            problems.append(f"{key}: widget {w.min}..{w.max} vs Field {field.low}..{field.high}")
    return problems


def _report(page: str, rows: list[Row], failures: list[str], elapsed: float) -> str:
    return f"{len(failures)} of {len(rows)} combinations on {page} ({elapsed:.0f} s):\n" + "\n".join(
        failures[:6]
    )


NEXT = ("Press **Train**", "could not be downloaded", "Lower")  # what page 3 says happens next


def _pure_problems(page: str, row: Row, *, fields: dict[str, ui.Field]) -> list[str]:
    """What is wrong with what ``page`` shows for ``row``, computed without Streamlit (tests/shown.py)."""
    try:
        out = shown.PAGES[page](row, fields)
    except Exception as err:  # the page would show an exception box
        return [f"exception {type(err).__name__}: {err}"]
    problems = [f"text: {hit!r} in {text[:120]!r}" for text in out.texts for hit in nonfinite_text(text)]
    problems += [f"table: {hit!r}" for table in out.tables for hit in nonfinite_cells(table)]
    if page == P3 and not any(w in out.texts[-1] for w in NEXT):
        problems.append(f"no word on what happens next: {out.texts[-1][:200]!r}")
    return problems


@pytest.fixture(scope="module")
def workers():
    """Processes for the pairwise sweeps (their work is numpy and pandas, on every core); fresh ones
    (spawned, not forked from a process that ran Streamlit's threads)."""
    n = min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
        for _ in range(n):  # each imports this module (pandas, initcore, ...) now, in the background
            pool.submit(_hold, 0.5)
        yield pool


def _hold(seconds: float) -> None:
    time.sleep(seconds)  # a worker busy for a moment: the next warm-up task goes to another


PARALLEL = (P1, P2)  # the sweeps worth the workers (page 3's needs the offline fixture: it runs here)


@pytest.mark.parametrize("page", [HOME, P1, P2, P3])
def test_every_control_at_its_extremes_pairwise(spy, workers, page):
    """Every pair of extremes on screen together, run through the pure functions the page runs
    (tests/shown.py): no exception, no NaN or infinity shown as a number, each value the same when read
    back from the link the page writes; page 3 (a form: nothing runs until Train) says what happens next."""
    fields = _fields(spy, page)
    rows, required, needs = _plan(page, fields)
    assert required <= _covered(rows, needs, list(fields)), "the plan is not pairwise"
    failures, start = [], time.perf_counter()
    check = functools.partial(_pure_problems, page, fields=fields)
    found = workers.map(check, rows, chunksize=4) if page in PARALLEL else map(check, rows)
    for i, (row, problems) in enumerate(zip(rows, found, strict=True)):
        on = {k: row[k] for k in _on(row, needs)}
        for key, value in on.items():
            back = fields[key].parse(fields[key].dump(value))
            if back != value or type(back) is not type(value):
                problems.append(f"{key}={value!r} reads back from the link as {back!r}")
        if problems:
            failures.append(f"combination {i} {on}:\n    " + "\n    ".join(problems))
    elapsed = time.perf_counter() - start
    assert not failures, _report(page, rows, failures, elapsed)


def _cells(df: pd.DataFrame) -> tuple:
    """A table as text (header, index, cells), to compare what a page shows with what is computed."""
    return (
        tuple(map(str, df.columns)),
        tuple(map(str, df.index)),
        tuple(tuple(map(str, row)) for row in df.to_numpy().tolist()),
    )


def _mirror_problems(at: AppTest, page: str, row: Row, fields: dict[str, ui.Field]) -> list[str]:
    """Every text and table tests/shown.py computes for ``row`` is on the page as it ran."""
    out = shown.PAGES[page](row, fields)
    texts = [str(el.value) for kind in (*TEXT_KINDS, *NOTICE_KINDS) for el in at.get(kind)]
    tables = [_cells(pd.DataFrame(el.value)) for kind in ("dataframe", "table") for el in at.get(kind)]
    problems = [f"computed, not on the page: {t[:160]!r}" for t in out.texts if t not in texts]
    problems += [f"a computed table is not on the page:\n{t}" for t in out.tables if _cells(t) not in tables]
    return problems


WITH_PARAMS = [name for name, scheme in initcore.SCHEMES.items() if scheme.params]  # uniform, normal, ...


def _showing_every_parameter(
    row: Row, fields: dict[str, ui.Field], needs: dict[str, dict[str, set]]
) -> list[Row]:
    """Rows like ``row`` whose initialization slots take, between them, every scheme that has parameters,
    with the controls those need set to their least values that show them (page 1: A's own parameters;
    page 2: enough slots compared): every parameter on screen at the row's end of its range."""
    slots = [
        k
        for k, f in fields.items()
        if set(f.options) == set(initcore.SCHEMES) and all(needs.get(k, {}).values())  # one that can show
    ]
    out = []
    for start in range(0, len(WITH_PARAMS), len(slots)):
        new = {**row, **dict(zip(slots, WITH_PARAMS[start : start + len(slots)], strict=False))}
        allowed: dict[str, set] = {}
        for key in fields:
            slot, _, param = key.rpartition("_")
            for g, ok in (
                needs.get(key, {}).items() if slot in slots and new[slot] in HAS.get(param, ()) else ()
            ):
                allowed[g] = allowed.get(g, ok) & ok
        for g, ok in allowed.items():
            if new[g] not in ok:
                new[g] = next(v for v in _values(fields[g]) if v in ok)
        out.append(new)
    return out


@pytest.mark.parametrize("page", [HOME, P1, P2, P3])
def test_the_page_at_its_defaults_and_every_control_at_its_minimum_and_maximum(spy, page):
    """Through AppTest: the page as it opens; every control at its minimum, then at its maximum; and both
    again with the initialization slots taking, between them, every scheme that has parameters, so that
    every parameter is on screen at that end too. Set through the widgets (page 3's, in a form, opened as
    a link). No exception; the widgets take the values and span their Fields' domains; nothing shown is
    NaN or infinite; and every text and table tests/shown.py computes for those values (what the
    pairwise sweep checks) is on the page."""
    fields = _fields(spy, page)
    rows, _, needs = _plan(page, fields)
    at = _FIELDS[page][1]  # the page as it opened, no link
    defaults = {k: f.default for k, f in fields.items()}
    failures = [f"as it opens: {p}" for p in _domain_problems(_widgets(at), fields)]
    failures += [f"as it opens: {p}" for p in _mirror_problems(at, page, defaults, fields)]
    low, high = rows[-2:]  # _plan puts the two ends last
    ends = {"minimum": low, "maximum": high}
    for end, row in (("minimum", low), ("maximum", high)):
        for i, shows in enumerate(_showing_every_parameter(row, fields, needs) if page != HOME else [], 1):
            ends[f"{end}, parameters shown ({i})"] = shows
    for end, row in ends.items():
        on = {k: row[k] for k in _on(row, needs)}
        if page == P3:
            at = _open(P3, {k: fields[k].dump(v) for k, v in on.items()})
        else:
            at = _set_through_widgets(at, page, row, needs)
        if at.exception:
            failures.append(f"every control at its {end} {on}: exception {at.exception[0].value}")
            at = _open(page)
            continue
        widgets = _widgets(at)
        unset = {k: (v, widgets[k].value if k in widgets else "not drawn") for k, v in on.items()}
        unset = {k: got for k, got in unset.items() if got[0] != got[1]}
        problems = shown_nonfinite(at) + ([f"not applied: {unset}"] if unset else [])
        problems += _domain_problems(widgets, fields) + _mirror_problems(at, page, row, fields)
        if page == P3:
            told = " ".join(e.value for kind in ("info", "warning") for e in at.get(kind))
            if not any(w in told for w in NEXT):
                problems.append(f"no word on what happens next: {told[:200]!r}")
        if problems:
            failures.append(f"every control at its {end} {on}:\n    " + "\n    ".join(problems))
    for end in ("minimum", "maximum") if page != HOME else ():  # every scheme with parameters, shown
        shown_params = {
            (row[k.rpartition("_")[0]], k.rpartition("_")[2])
            for e, row in ends.items()
            if e.startswith(f"{end}, ")
            for k in _on(row, needs)
            if k.rpartition("_")[2] in PARAMS
        }
        wanted = {(name, p.name) for name in WITH_PARAMS for p in initcore.SCHEMES[name].params}
        assert wanted <= shown_params, f"at the {end}, never on screen: {sorted(wanted - shown_params)}"
    assert not failures, "\n".join(failures)


# --- degenerate settings: a clear message, never a crash --------------------------------------------------


def _p1(timeout: float = 120, **controls: Any) -> AppTest:
    at = _open(P1)
    if "d_compare" in controls:
        at.radio(key="d_compare").set_value(controls.pop("d_compare")).run()
    for slot in ("d_a", "d_b"):
        if slot in controls:
            at.selectbox(key=slot).set_value(controls.pop(slot)).run()
    widgets = _widgets(at)
    for key, value in controls.items():
        widgets[key].set_value(value)
    at.run(timeout=timeout)
    assert not at.exception, at.exception
    assert not shown_nonfinite(at), shown_nonfinite(at)
    return at


def _notice(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("**What to notice:** bars are"))


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        ({"d_b": "uniform", "d_b_limit": 0.0}, "undefined (B is all zeros)"),
        ({"d_b": "zeros"}, "undefined (B is all zeros)"),
        ({"d_compare": "free", "d_a_limit": 0.0}, "(A is all zeros)"),
        ({"d_a": "zeros"}, "(A is all zeros)"),
        ({"d_compare": "free", "d_a": "glorot_uniform", "d_b_std": 1e-200}, "Var(A) / Var(B) = ∞"),
    ],
)
def test_page1_all_zero_or_vanishing_weights_are_named(controls, message):
    at = _p1(**controls)
    assert message in _notice(at), _notice(at)


def test_page1_std_at_its_maximum_saturates_every_unit_and_says_so():
    at = _p1(d_b_std=1e6, d_n=4096)  # the lesson's A matches B: U[-1e6, 1e6]
    worst = next(c.value for c in at.caption if "flat tails" in c.value and "puts" in c.value)
    assert "puts 100% of z in the sigmoid's flat tails" in worst, worst
    saturated = at.table[1].value["saturated"]
    assert all(cell.startswith("100.0%") for cell in saturated), saturated


def test_page1_orthogonal_frames_of_one_weight_are_drawn_in_time():
    """fan_in = fan_out = 1 makes every orthogonal draw its own 1 x 1 QR: a million of them once took
    about two minutes (a loop); the batched QR takes a fraction of a second. AppTest raises past 30 s."""
    at = _p1(d_a="orthogonal", d_b="orthogonal", d_fan_in=1, d_fan_out=1, d_draws=1_000_000, timeout=30)
    table = at.table[0].value
    assert table.loc["std", "A theory"] == "1" and table.loc["max", "B sample"] == "1", table


def _p2(**controls: Any) -> AppTest:
    at = _open(P2)
    at.radio(key="s_k").set_value(controls.pop("s_k", 1)).run()
    if "s_i1" in controls:
        at.selectbox(key="s_i1").set_value(controls.pop("s_i1")).run()
    widgets = _widgets(at)
    for key, value in controls.items():
        widgets[key].set_value(value)
    at.run(timeout=300)
    assert not at.exception, at.exception
    assert not shown_nonfinite(at), shown_nonfinite(at)
    return at


def _verdict(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("- **"))


def _degenerate_depth_cases():
    """(activation, scheme, its parameter at the extreme, (depth, width), the verdict the page must give)."""
    schemes = [("zeros", None), ("uniform", ("s_i1_limit", 0.0))]  # all-zero weights
    huge = [("normal", ("s_i1_std", 1e6)), ("orthogonal", ("s_i1_gain", 1e6))]  # the largest weights
    for act in ("sigmoid", "relu", "linear"):
        for depth, width in ((1, 1), (50, 100)):
            for scheme, param in schemes + huge:
                if (scheme, param) in schemes:
                    verdict = "*symmetric*"
                elif act == "sigmoid":
                    verdict = "*saturated*"
                else:  # ReLU and linear units never saturate: their spread explodes, deep nets overflow
                    verdict = "*exploding*" if depth == 1 else "*overflow*"
                case = f"{act}-{scheme}-{param[1] if param else ''}-depth{depth}-width{width}"
                yield pytest.param(act, scheme, param, (depth, width), verdict, id=case)


@pytest.mark.parametrize(("act", "scheme", "param", "size", "verdict"), list(_degenerate_depth_cases()))
def test_page2_degenerate_weights_in_the_smallest_and_the_deepest_net_get_a_verdict(
    act, scheme, param, size, verdict
):
    controls = {"s_i1": scheme, "s_act": act, "s_depth": size[0], "s_width": size[1], "s_batch": 10}
    if param:
        controls[param[0]] = param[1]
    line = _verdict(_p2(**controls))
    assert verdict in line, line


def test_page2_every_control_at_its_maximum_is_refused_with_a_warning():
    """Depth 50, width 1024, batch 2000, four initializations: over the page's compute budget. The page must
    say so and compute nothing (not hang for a minute, not crash)."""
    at = _p2(s_k=4, s_depth=50, s_width=1024, s_batch=2000, s_bias=3.0, s_seed=2**31 - 1)
    assert at.warning, "a refusal must be explained"
    assert not any(m.value.startswith("- **") for m in at.markdown), "nothing is computed"
    assert [at.slider(key="s_depth").value, at.select_slider(key="s_width").value] == [50, 1024], "kept"


# --- page 3: training at the extremes (TensorFlow) --------------------------------------------------------

TRAINED = [
    # the degenerate initializations in one cheap run, at the largest learning rate (plain SGD)
    {
        "t_depth": 1,
        "t_width": 2,
        "t_steps": 50,
        "t_batch": 16,
        "t_k": 6,
        "t_lr": 10.0,
        "t_opt": "sgd",
        "t_act": "linear",
        "t_i1_limit": 0.0,
        "t_i2_std": 1e6,
        "t_i3": "zeros",
        "t_i4": "orthogonal",
        "t_i5_std": 0.0,
        "t_i6": "he_normal",
    },
    # the deepest, largest Adam step, widest batch
    {"t_depth": 10, "t_width": 2, "t_steps": 50, "t_batch": 256, "t_k": 2, "t_lr": 10.0, "t_act": "relu"},
    # ten classes, the widest layer, the smallest rate, the noisiest set, the last seed
    {
        "t_data": "digits",
        "t_depth": 1,
        "t_width": 256,
        "t_steps": 50,
        "t_k": 1,
        "t_lr": 0.001,
        "t_act": "tanh",
        "t_noise": 0.5,
        "t_seed": 2**31 - 1,
    },
    # a run that diverges: linear units, SGD at 10
    {"t_depth": 3, "t_width": 64, "t_steps": 50, "t_k": 3, "t_lr": 10.0, "t_opt": "sgd", "t_act": "linear"},
]


@pytest.mark.tf
@pytest.mark.parametrize(
    "settings", TRAINED, ids=["degenerate-inits", "deep-adam-10", "digits-wide", "diverges"]
)
def test_page3_trains_at_the_extremes_and_explains_what_went_wrong(settings):
    at = _open(P3)
    widgets = _widgets(at)
    for key, value in settings.items():
        widgets[key].set_value(value)
    at.button(key=TRAIN).click().run(timeout=600)
    assert not at.exception, at.exception
    assert not shown_nonfinite(at), shown_nonfinite(at)
    table = at.dataframe[0].value
    assert len(table) == settings["t_k"], table
    diverged = table[table["diverged at step"] != "no"].index.tolist()
    warning = " ".join(w.value for w in at.warning)
    for label in diverged:
        assert "Diverged" in warning and label in warning, (
            f"{label} diverged, the page must say so: {warning!r}"
        )
    undefined = table[(table["train loss"] == "—") | (table["test loss"] == "—")].index.tolist()
    assert set(undefined) <= set(diverged), f"a loss shown as undefined without a word why: {undefined}"
    if settings.get("t_i3") == "zeros":
        assert table.loc["Zeros", "step to 90% test accuracy"] == "never", table.loc["Zeros"]
    if settings["t_act"] == "linear" and settings["t_width"] == 64:
        assert diverged, f"linear units at SGD 10 diverge: {table}"

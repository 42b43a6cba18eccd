"""Hostile links (issue #6): a seeded fuzz of query strings over every page.

Each page gets 130 generated query strings (520 in all) that mix valid values with wrong types,
out-of-range and huge numbers, NaN and infinities, negative zero, unknown keys, keys of another page,
repeated keys, empty values, whitespace, and long unicode (emoji, RTL, combining marks, 10,000 characters).
Every case must run without an exception; every valid value must reach the page's state; every bad value
must leave it at the Field's default and be named in the link notice (an ``st.info``); every unknown key
must be named too; and the link written back must read as those values.

The cases run, each as a fresh session, through a probe page (tests/probe.py) that builds the page's
``ui.state.PageState`` from the page's own Fields, shows its notices and writes the link back for every
field, and computes nothing: the link plumbing alone, in milliseconds. Five cases per page, chosen to
cover between them as many (key, good or bad) pairs and kinds of hostility as they can, also run through
the real page, which must pass the same checks with its widgets and show the same notice and values as
the probe: the pages wire their Fields as the probe does.

Each case is labelled good or bad when it is generated, from the Field's declared domain, not by asking
the app's parser. Numbers follow Python's float syntax, so surrounding whitespace is accepted (" 7 " is 7)
while a bare space, "nan" and "1e400" are not. Choices are compared as text: "1000.0" is not the choice
1000. The fields themselves (keys, defaults, ranges) are read from the pages as they run, through a spy on
``ui.state.PageState``, so the fuzz follows the pages when they change.

Reproduce a failure from its message: it gives the page and the query (long values abbreviated; the
generator is seeded, so ``_cases(page, ...)[index]`` is the exact case).
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from probe import probe
from streamlit.testing.v1 import AppTest
from widgets import keyed_widgets

import ui

pytestmark = pytest.mark.usefixtures("no_keras_reset")  # tests/conftest.py
ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    "dashboard.py",
    "pages/1_Uniform_vs_normal_draws.py",
    "pages/2_Saturation_across_depth.py",
    "pages/3_Training_comparisons.py",
)
SEED = 6  # issue #6; any fixed number reproduces, another explores
CASES_PER_PAGE = 130
# Page 2 computes a deep net per run: the cases run through the real pages keep its size controls small
# (the probe computes nothing, so it takes every valid value; the largest sizes run on the page in
# tests/test_extremes.py).
CHEAP = {"s_width": 100, "s_batch": 1000}
REAL_CASES = 5  # per page, through the real page

# Text that is no valid value of any field of this app (no field takes free text; the toggles take
# true/false, 1/0, yes/no, on/off).
HOSTILE = (
    "",
    " ",
    "   ",
    "\t",
    "\n",
    "\u00a0",
    "\u3000",
    "\u200b",
    "5\u200b",
    "\x00",
    "\ufffd",
    "abc",
    "None",
    "null",
    "undefined",
    "[]",
    "{}",
    "0x10",
    "1,5",
    "1..2",
    "--1",
    "1e",
    "e5",
    ".",
    "-",
    "+",
    "½",
    "Ⅻ",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "+inf",
    "Infinity",
    "-Infinity",
    "INF",
    "1e400",
    "-1e400",
    "1e308",
    "-1e308",
    str(10**400),
    "-" + str(10**400),
    "9" * 300,
    "😀",
    "👩‍👩‍👧‍👦" * 50,
    "\u202eevil",
    "שלום",
    "مرحبا",
    "e\u0301\u0301\u0301",
    "Z̷̢̛a̸l̶g̵o̷",
    "%00",
    "%20",
    "&",
    "=",
    "#",
    "?x=1",
    "'; DROP TABLE x; --",
    "<script>alert(1)</script>",
    "`",
    "``x``",
    "\\",
    "a" * 10_000,
    "😀" * 10_000,
    "1" * 10_000,
)
UNKNOWN_KEYS = (
    "zzz",
    "",
    " ",
    "utm_source",
    "fbclid",
    "__proto__",
    "a[b]",
    "key with spaces",
    "%",
    "😀",
    "\u202ekey",
    "e\u0301",
    "ключ",
    "مفتاح",
    "`",
    "k" * 10_000,
)


def _abbrev(value: Any) -> Any:
    if isinstance(value, dict):
        return {_abbrev(k): _abbrev(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_abbrev(v) for v in value]
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:20]!r}…({len(value)} chars)"
    return value


def _good_pool(field: ui.Field, rng: random.Random) -> list[tuple[str, Any]]:
    """(text in the link, value the widget must show) for valid values of the field."""
    if field.boolean:
        return [(t, True) for t in ("true", "1", "yes", "on", "TRUE")] + [
            (t, False) for t in ("false", "0", "no", "off", "False")
        ]
    if field.options:
        return [(text, o) for o in field.options for text in {str(o), field.dump(o)}]
    lo, hi = field.low, field.high
    if field.integer:
        lo, hi = int(lo), int(hi)
        values = {lo, hi, field.default, rng.randint(lo, hi), rng.randint(lo, min(hi, lo + 20))}
        pool = [(text, v) for v in values for text in (str(v), f"{v}.0", f"{v}e0", f" {v}\t")]
    else:
        values = {lo, hi, field.default, round(rng.uniform(lo, hi), 3), math.nextafter(lo, hi)}
        if lo < 0 < hi:
            values.add(rng.choice((-1, 1)) * 1e-300)  # tiny but not zero
        pool = [(text, v) for v in values for text in (field.dump(v), repr(v), f" {field.dump(v)} ")]
    if lo <= 0 <= hi:
        pool += [("-0", 0), ("-0.0", 0), ("0e5", 0)]
    return pool


def _bad_pool(field: ui.Field) -> list[str]:
    """Text outside the field's domain: a near miss for this very field."""
    if field.boolean:
        return ["maybe", "2", "-1", "tru", " true", "false ", "truee", "y", "n", "1.0", "0.0", "ON!"]
    if field.options:
        texts = {str(o) for o in field.options} | {field.dump(o) for o in field.options}
        near = []
        for o in (*field.options[:2], *field.options[-2:]):
            s = str(o)
            near += [s + "x", " " + s, s + " ", s + "_", s + s, s.upper() + "_", s + ".0", s + "0"]
        return [t for t in near if t not in texts]
    lo, hi = field.low, field.high
    below, above = math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)
    near = [repr(below), repr(above), repr(hi * 10 + 1), repr(lo - 1), "1e300", "-1e300"]
    if field.integer:
        near += [f"{int(lo)}.5", "1.5", str(int(hi) + 1), str(int(lo) - 1), str(2**63), "2.000001"]
    if not lo <= 0 <= hi:
        near += ["0", "-0"]
    return near


def _cases(page: str, fields: dict[str, ui.Field], other_keys: list[str]) -> list[dict[str, Any]]:
    """The page's query strings: each a dict with the query and, per key, what the page must do."""
    rng = random.Random(f"{SEED}:{page}")
    good = {k: _good_pool(f, rng) for k, f in fields.items()}
    bad = {k: _bad_pool(f) for k, f in fields.items()}
    keys = list(fields)
    unknown = [*UNKNOWN_KEYS, *other_keys]
    unknown += (
        [k.upper() for k in keys]
        + [k + " " for k in keys]
        + [" " + k for k in keys]
        + [k + "_x" for k in keys]
    )
    unknown = [
        k for k in dict.fromkeys(unknown) if k not in fields and k.lower() not in ("embed", "embed_options")
    ]
    cases = []
    while len(cases) < CASES_PER_PAGE:
        case = {"query": {}, "good": {}, "bad": set(), "unknown": set()}
        chosen = keys if rng.random() < 0.05 else rng.sample(keys, rng.randint(1, min(6, len(keys))))
        for key in chosen:
            kind = rng.choices(("good", "hostile", "near", "repeated", "long"), (40, 30, 18, 8, 4))[0]
            if kind == "good":
                text, value = rng.choice(good[key])
                case["query"][key], case["good"][key] = text, value
                continue
            if kind == "hostile":
                raw = rng.choice(HOSTILE)
            elif kind == "near":
                raw = rng.choice(bad[key])
            elif kind == "repeated":  # ?x=1&x=1: refused even when every copy is valid
                raw = [rng.choice(good[key])[0] if rng.random() < 0.7 else rng.choice(HOSTILE)]
                raw += [raw[0]] * rng.randint(1, 2) if rng.random() < 0.5 else [rng.choice(good[key])[0]]
            else:  # a valid value made too long
                raw = rng.choice(good[key])[0] + " " * 200 + "1" * rng.choice((1, 10_000))
            case["query"][key] = raw
            case["bad"].add(key)
        for key in rng.sample(unknown, rng.choice((0, 0, 0, 1, 1, 2, 3))):
            case["query"][key] = rng.choice((rng.choice(HOSTILE), "1", "sigmoid"))
            case["unknown"].add(key)
        if len(urlencode(case["query"], doseq=True)) < 400_000:  # Streamlit drops a longer query string
            cases.append(case)
    return cases


_SHARED: dict[str, Any] = {}


def _share_components(at: AppTest) -> AppTest:
    # A new AppTest scans every installed package for custom components on its first run: about 0.15 s,
    # most of a case's time. The scan's result never changes, so the fresh sessions share one.
    if "components" in _SHARED:
        at._bidi_component_manager = _SHARED["components"]
    return at


def _run(at: AppTest, query: dict[str, Any]) -> AppTest:
    at.query_params.update(query)
    at.run()
    _SHARED.setdefault("components", getattr(at, "_bidi_component_manager", None))
    return at


def _open(page: str, query: dict[str, Any]) -> AppTest:
    """A fresh session on the real ``page`` opened from a link with ``query``."""
    at = _share_components(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300))
    if page != "dashboard.py":
        at.switch_page(page)
    return _run(at, query)


def _probe(name: str, fields: dict[str, ui.Field], query: dict[str, Any]) -> AppTest:
    """A fresh session on the probe page for a page's state ``name`` and ``fields``, opened with ``query``."""
    at = AppTest.from_function(probe, args=(name, tuple(fields.values())), default_timeout=30)
    return _run(_share_components(at), query)


def _shown(at: AppTest) -> dict[str, Any]:
    """Every keyed control's value: the widget's where drawn, else the session's (a hidden control)."""
    shown = {key: at.session_state[key] for key in at.session_state}
    shown.update({key: widget.value for key, widget in keyed_widgets(at).items()})
    return shown


def _plain(text: str) -> str:
    """Text without the marks a right-to-left page adds around left-to-right runs (isolates, and
    no-break spaces inside short ones: initcore.words.isolate_ltr)."""
    return text.replace("\u2066", "").replace("\u2069", "").replace("\u00a0", " ")


def _problems(at: AppTest, fields: dict[str, ui.Field], case: dict[str, Any]) -> list[str]:
    if at.exception:
        return [f"exception: {at.exception[0].value}"]
    problems = []
    notes = _plain("\n".join(i.value for i in at.info))
    shown = _shown(at)
    for key, field in fields.items():
        value = shown.get(key, field.default)
        if key in case["good"]:
            expected = case["good"][key]
            if value != expected:
                problems.append(f"{key}: valid {case['query'][key]!r} shows {value!r}, expected {expected!r}")
            if f"`{key}=" in notes:
                problems.append(f"{key}: valid {case['query'][key]!r} was reported as ignored")
            if isinstance(value, float) and value == 0 and math.copysign(1, value) < 0:
                problems.append(f"{key}: shows -0.0")
        elif key in case["bad"]:
            if value != field.default:
                problems.append(
                    f"{key}: bad {_abbrev(case['query'][key])!r} shows {value!r}, not the default"
                )
            if f"`{key}=" not in notes:
                problems.append(f"{key}: bad {_abbrev(case['query'][key])!r} has no notice")
        elif value != field.default:
            problems.append(f"{key}: not in the link, shows {value!r}, not the default {field.default!r}")
    for key in case["unknown"]:
        shown_key = key.replace("`", "'")[:30]  # the notice shows the key with ` as ', cut at 40
        if f"`{shown_key}" not in _plain(notes):  # named, in any language
            problems.append(f"unknown key {_abbrev(key)!r} has no notice")
    for key, raw in at.query_params.items():  # the link the page wrote back
        if key == "lang" and raw == case["query"].get("lang"):
            continue  # the language, kept in every link
        if key not in fields:
            problems.append(f"the link keeps the unknown key {_abbrev(key)!r}")
            continue
        try:
            parsed = fields[key].parse(raw)
        except ValueError as err:
            problems.append(f"the link says {key}={_abbrev(raw)!r}, which the page refuses ({err})")
            continue
        if parsed != shown.get(key, fields[key].default):
            problems.append(f"the link says {key}={raw!r} but the control shows {shown.get(key)!r}")
    return problems


_PAGES: dict[str, tuple[str, dict[str, ui.Field]]] = {}


def _fields_of_every_page(spy) -> dict[str, tuple[str, dict[str, ui.Field]]]:
    """Each page's state name and Fields, read once a session from the page opened with no link."""
    for page in PAGES:
        if page not in _PAGES:
            spy.clear()
            at = _open(page, {})
            assert not at.exception, f"{page} with no link: {at.exception}"
            assert not at.info or "Ignored" not in at.info[0].value, f"{page}: a notice without a link"
            _PAGES[page] = spy[-1].page, dict(spy[-1].fields)
    return _PAGES


def _kinds(case: dict[str, Any], others: list[str]) -> dict[str, int]:
    return {
        "good": len(case["good"]),
        "bad": len(case["bad"]),
        "unknown": len(case["unknown"]),
        "repeated": sum(isinstance(v, list) for v in case["query"].values()),
        "other page": len(case["unknown"] & set(others)),
    }


def _page_cases(spy, page: str) -> tuple[str, dict[str, ui.Field], list[str], list[dict[str, Any]]]:
    pages = _fields_of_every_page(spy)
    name, fields = pages[page]
    others = [k for p, (_, f) in pages.items() if p != page for k in f]
    return name, fields, others, _cases(page, fields, others)


@pytest.mark.parametrize("page", PAGES)
def test_hostile_links_fall_back_with_a_notice_and_good_values_apply(spy, page):
    """All of the page's cases, through the probe page (tests/probe.py) built from the page's Fields."""
    name, fields, others, cases = _page_cases(spy, page)
    kinds = dict.fromkeys(("good", "bad", "unknown", "repeated", "other page"), 0)
    failures, start = [], time.perf_counter()
    for i, case in enumerate(cases):
        for kind, n in _kinds(case, others).items():
            kinds[kind] += n
        at = _probe(name, fields, case["query"])
        problems = _problems(at, fields, case)
        if set(at.query_params) != set(fields) and not at.exception:
            problems.append(f"the probe wrote back {sorted(at.query_params)}, not every field")
        if problems:
            failures.append(f"case {i}, query {_abbrev(case['query'])}:\n    " + "\n    ".join(problems))
    elapsed = time.perf_counter() - start
    assert len(cases) == CASES_PER_PAGE and all(n >= 10 for n in kinds.values()), f"a thin fuzz: {kinds}"
    assert not failures, f"{len(failures)} of {len(cases)} links on {page} ({elapsed:.0f} s):\n" + "\n".join(
        failures[:8]
    )


def _real_cases(cases: list[dict[str, Any]], others: list[str]) -> list[int]:
    """The indices of :data:`REAL_CASES` cheap cases that between them cover the most (key, good or bad)
    pairs and kinds of link (unknown key, another page's key, repeated key, good and bad in one link),
    chosen greedily, the earliest case on a tie."""

    def features(case: dict[str, Any]) -> set:
        kinds = {kind for kind, n in _kinds(case, others).items() if n and kind not in ("good", "bad")}
        mixed = {"good and bad"} if case["good"] and case["bad"] else set()
        return {(k, "good") for k in case["good"]} | {(k, "bad") for k in case["bad"]} | kinds | mixed

    cheap = [
        i
        for i, case in enumerate(cases)
        if all(case["good"].get(key, cap) <= cap for key, cap in CHEAP.items())
    ]
    chosen: list[int] = []
    seen: set = set()
    for _ in range(REAL_CASES):
        best = max((i for i in cheap if i not in chosen), key=lambda i: (len(features(cases[i]) - seen), -i))
        chosen.append(best)
        seen |= features(cases[best])
    return chosen


def _link_notice(at: AppTest) -> list[str]:
    return [
        i.value for i in at.info if i.proto.icon == ":material/link_off:"
    ]  # the link's notice, any language


@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize("page", PAGES)
def test_the_real_page_reads_its_links_as_the_probe_does(spy, page, lang):
    """A few cases through the real page, in English and in Persian (the link's lang=fa): the same checks,
    with its widgets; every control in the link it writes back is a widget of its own key showing that
    value; and the page shows the notice and the values the probe page shows for that link."""
    name, fields, others, cases = _page_cases(spy, page)
    chosen = _real_cases(cases, others)
    covered = {k for i in chosen for k in (*cases[i]["good"], *cases[i]["bad"])}
    failures = []
    for i in chosen:
        case = cases[i] if lang == "en" else {**cases[i], "query": {**cases[i]["query"], "lang": lang}}
        real, probed = _open(page, case["query"]), _probe(name, fields, case["query"])
        problems = _problems(real, fields, case)
        if not real.exception:
            if _link_notice(real) != _link_notice(probed):
                problems.append(f"notice {_link_notice(real)!r}, the probe's {_link_notice(probed)!r}")
            drawn = {key: widget.value for key, widget in keyed_widgets(real).items()}
            for key, raw in real.query_params.items():  # what the link holds is what the page drew
                try:
                    held = fields[key].parse(raw)
                except (KeyError, ValueError):
                    continue  # an unknown key, a value the page refuses: reported by _problems
                if drawn.get(key, "not drawn") != held:
                    problems.append(
                        f"the link holds {key}={raw!r}, its widget {drawn.get(key, 'not drawn')!r}"
                    )
            mine, its = _shown(real), _shown(probed)
            differ = {k: (mine.get(k), its.get(k)) for k in fields if mine.get(k) != its.get(k)}
            if differ:
                problems.append(f"the page shows (its value, the probe's) {_abbrev(differ)}")
        if problems:
            failures.append(f"case {i}, query {_abbrev(case['query'])}:\n    " + "\n    ".join(problems))
    assert len(chosen) == REAL_CASES and covered == set(fields), f"keys on no page: {set(fields) - covered}"
    assert not failures, f"{len(failures)} of {REAL_CASES} links on {page}:\n" + "\n".join(failures)


def test_the_fuzz_sends_every_kind_of_hostile_value():
    """The generator's own evidence: the pools hold what the issue lists, and each kind is really sent."""
    assert {"nan", "inf", "-inf", "1e308", "-1e308", str(10**400), "", " "} <= set(HOSTILE)
    assert any(len(v) == 10_000 and not v.isascii() for v in HOSTILE), "10k characters of unicode"
    assert any("\u202e" in v for v in HOSTILE) and any("\u0301" in v for v in HOSTILE), "RTL, combining"
    number = ui.Field("x", 0.1, low=0.0, high=1e6)
    assert ("-0", 0) in _good_pool(number, random.Random(0)), "negative zero is a valid 0"
    assert repr(math.nextafter(1e6, math.inf)) in _bad_pool(number), "one ulp above the maximum"
    sizes = ui.Field("k", 100, options=(10, 100, 1000))
    assert "100.0" in _bad_pool(sizes) and ("100", 100) in _good_pool(sizes, random.Random(0))
    rates = ui.Field("lr", 0.01, options=(0.01, 1.0))
    assert {("1", 1.0), ("1.0", 1.0)} <= set(_good_pool(rates, random.Random(0))), "as written, as dumped"
    fields = {"a": number, "b": sizes}
    cases = _cases("probe", fields, ["t_lr"])
    sent = [v for c in cases for v in c["query"].values()]
    assert any(isinstance(v, list) for v in sent), "repeated keys"
    assert any(k in c["unknown"] for c in cases for k in ("t_lr",)), "a key of another page"
    assert any(c["good"] and c["bad"] for c in cases), "valid and invalid values in one link"
    assert all(not (set(c["good"]) & c["bad"]) for c in cases)


def test_an_oversized_query_string_leaves_the_defaults(spy):
    """Streamlit drops a query string over 1,000 fields or 512 Ki characters before the page sees it: the
    page must still run, with its defaults (no notice is possible, the page never sees the link)."""
    at = _open("pages/1_Uniform_vs_normal_draws.py", {"d_seed": ["7"] * 1_001})
    assert not at.exception, at.exception
    assert at.number_input(key="d_seed").value == 0
    at = _open("pages/2_Saturation_across_depth.py", {"s_act": "tanh", "zzz": "😀" * 60_000})
    assert not at.exception, at.exception
    assert at.selectbox(key="s_act").value == "sigmoid"

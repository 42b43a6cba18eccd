"""The lab in Persian (and in any language locales/ holds): catalogues complete and current, translations
that keep what the code fills in, right-to-left text that keeps formulas whole, pages with no English left,
and a language switch carried in every link."""

from __future__ import annotations

import json
import re
import sys
import urllib.parse
from pathlib import Path

import pytest
from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from initcore import claims
from initcore.datasets import DATASETS, NAMES
from initcore.words import LRI, NBSP, PDI, RLI, isolate_ltr, languages, speaking, tr, whole

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "locales"))
import catalogues  # noqa: E402  (locales/catalogues.py, the catalogue tool)

OTHERS = [code for code in languages() if code != "en"]  # the translations
P1, P2, P3 = (
    "pages/1_Uniform_vs_normal_draws.py",
    "pages/2_Saturation_across_depth.py",
    "pages/3_Training_comparisons.py",
)
PAGE_FILES = {"Uniform_vs_normal_draws": P1, "Saturation_across_depth": P2, "Training_comparisons": P3}
PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9]*\}")
NATIVE_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
ISOLATES = re.compile("[\u2066-\u2069\u200e\u200f]")
PERSIAN = re.compile("[\u0600-\u06ff]")
_PERSIAN_WORD = re.compile("[\u0600-\u06ff]{3}")


def _catalogue(code: str):
    return catalogues._read_po(code)


# --- the catalogues ---------------------------------------------------------------------------------------


def test_the_catalogues_hold_every_message_of_the_code_translated_and_compiled():
    """lab.pot is what the code holds now, every language's lab.po has all of it translated, and each
    lab.mo is its lab.po compiled (``python locales/catalogues.py check``)."""
    assert catalogues.problems() == []


def test_languages_json_lists_exactly_the_languages_with_a_catalogue():
    assert next(iter(languages())) == "en"
    assert sorted(OTHERS) == catalogues.languages(), "a language without a catalogue, or one unlisted"
    for code in OTHERS:
        assert (ROOT / "locales" / code / "LC_MESSAGES" / "lab.mo").is_file()
    assert languages()["fa"].rtl and not languages()["en"].rtl


@pytest.mark.parametrize("code", OTHERS)
def test_every_translation_keeps_what_the_code_fills_in_and_the_markup(code):
    """Placeholders (the values the code fills in), Markdown emphasis and code, line breaks, the leading and
    trailing spaces of a fragment, and Latin digits (the lab's one rule for digits)."""
    bad = []
    for m in _catalogue(code):
        if not m.id or not m.string:
            continue  # untranslated: the catalogue test says so
        s, i = m.string, m.id
        checks = {
            "placeholders": sorted(set(PLACEHOLDER.findall(s))) == sorted(set(PLACEHOLDER.findall(i))),
            "**": s.count("**") == i.count("**"),
            "`": s.count("`") == i.count("`"),
            "line breaks": s.count("\n") == i.count("\n"),
            "edge spaces": (s[:1].isspace(), s[-1:].isspace()) == (i[:1].isspace(), i[-1:].isspace()),
            "Latin digits": not NATIVE_DIGITS.search(s),
            "no Arabic ي/ك": "ي" not in s and "ك" not in s,
        }
        bad += [f"{what}: {i[:60]!r} -> {s[:60]!r}" for what, ok in checks.items() if not ok]
    assert not bad, f"{len(bad)} translations break the code's text:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("code", OTHERS)
def test_every_translation_fills_in_as_the_english_does(code):
    """Formatting each translation with the message's own placeholders raises nothing (no stray brace)."""
    with speaking(code):
        for m in _catalogue(code):
            if m.id and PLACEHOLDER.search(m.id):
                values = {name[1:-1]: "7" for name in PLACEHOLDER.findall(m.id)}
                assert tr(m.id, **values), m.id


def test_every_data_set_has_a_name_to_show():
    assert set(NAMES) == set(DATASETS)


# --- right to left -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "isolated"),
    [
        ("N(0, 0.1²)", "<N(0, 0.1²)>"),
        (
            "وزن‌ها (σ_w² = fan-in · Var(w) کمتر از 1) لایه",
            "وزن‌ها (<σ_w² = fan-in · Var(w)> کمتر از <1>) لایه",
        ),
        ("حکم: **U[-0.1, 0.1]** اشباع است.", "حکم: **<U[-0.1, 0.1]>** اشباع است."),
        ("- **A** — *x*: 89% از لایهٔ 10", "- **<A>** — *<x>*: <89%> از لایهٔ <10>"),
        ("مقدار (initialization) اولیه", "مقدار <(initialization)> اولیه"),
        ("شیب −0.25، و", "شیب <−0.25>، و"),
        ("«Understanding the difficulty» مقاله", "«<Understanding the difficulty>» مقاله"),
        ("−∞", "<−∞>"),
        # a star after a letter is notation (q*), stars around a word are emphasis (found by review)
        ("χ₁ = σ_w² E[φ'(√q* u)²]: وقتی در q* پایدار", "<χ₁ = σ_w² E[φ'(√q* u)²]>: وقتی در <q*> پایدار"),
        ("با *n* ورودی و **z = b**، و", "با *<n>* ورودی و **<z = b>**، و"),
        # a clause's colon splits two numbers, read in the sentence's order, not as one "10: 0%"
        ("در لایهٔ 10: 0% اشباع‌شده", "در لایهٔ <10>: <0%> اشباع‌شده"),
        ("نسبت 1:2 است", "نسبت <1:2> است"),
        # an "=" between Persian words and notation stays with the sentence
        ("پهنا = fan-in", "پهنا = <fan-in>"),
        ("σ_b² = واریانس بایاس", "<σ_b²> = واریانس بایاس"),
        ("(بلندترین ستون = 1)", "(بلندترین ستون = <1>)"),
    ],
)
def test_left_to_right_runs_are_isolated_whole_with_the_sentence_punctuation_outside(text, isolated):
    assert isolate_ltr(text).replace(LRI, "<").replace(PDI, ">").replace(NBSP, " ") == isolated


def test_a_short_run_keeps_its_spaces_unbreakable_and_a_long_one_may_wrap():
    assert isolate_ltr("وزن N(0, 0.1²) است") == f"وزن {LRI}N(0,{NBSP}0.1²){PDI} است"
    title = "Understanding the difficulty of training deep feedforward nets"
    assert isolate_ltr(f"مقالهٔ «{title}»") == f"مقالهٔ «{LRI}{title}{PDI}»"


@given(st.text(alphabet="ab 1.,:;()[]-*«»\nاب‌ی", max_size=40))
def test_isolating_changes_nothing_but_adds_isolates_and_is_idempotent(text):
    once = isolate_ltr(text)
    assert once.replace(LRI, "").replace(PDI, "").replace(NBSP, " ") == text
    assert isolate_ltr(once) == once
    assert once.count(LRI) == once.count(PDI)


def test_persian_chart_titles_are_one_right_to_left_isolate_and_english_ones_untouched():
    spec = initcore_chart_spec("fa")
    titles = [t for t in _spec_texts(spec) if PERSIAN.search(t)]
    assert titles and all(t.startswith(RLI) and t.endswith(PDI) for t in titles), titles
    assert not any(RLI in t or LRI in t for t in _spec_texts(initcore_chart_spec("en")))
    with speaking("fa"):
        assert whole("لایه") == f"{RLI}لایه{PDI}" and whole("z") == "z"


def initcore_chart_spec(code: str) -> dict:
    import charts

    with speaking(code):
        d = claims.study(claims.DEPTH_PRESETS[0].view, 0)
        made = charts.depth_charts(d, activation="sigmoid", only=("mean_std",))
        return made["mean_std"].spec()


def _values_of(node, key: str) -> list:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == key] + [
            x for v in node.values() for x in _values_of(v, key)
        ]
    if isinstance(node, list):
        return [x for v in node for x in _values_of(v, key)]
    return []


_QUOTED_IN_EXPR = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _spec_texts(node) -> list[str]:
    """A spec's words: titles, texts, and the strings a legend's labelExpr shows."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("title", "text") and isinstance(v, str):
                out.append(v)
            elif k == "labelExpr" and isinstance(v, str):
                out += [a or b for a, b in _QUOTED_IN_EXPR.findall(v) if a not in ("train", "test")]
            elif k == "title" and isinstance(v, list):
                out += [t for t in v if isinstance(t, str)]
            else:
                out += _spec_texts(v)
    elif isinstance(node, list):
        for v in node:
            out += _spec_texts(v)
    return out


# --- the pages in Persian ---------------------------------------------------------------------------------

# Latin words a Persian page may show: notation and formulas' names, people, products, units, code.
NOTATION = """
fan in out fan_in fan_out limit std gain var sqrt tanh relu sigmoid softsign linear exp log rms dl dz
glorot xavier lecun bengio saxe mcclelland ganguli poole goodfellow keras tensorflow playground
cs231n uci mnist fashion xor sgd adam csv png url lang deeplearning.ai al et cc by mb ms
randomuniform randomnormal truncatednormal glorotuniform glorotnormal heuniform henormal lecununiform
lecunnormal variancescaling orthogonal zeros initializers minval maxval stddev seed mean schoenholz
language english npz
"""
ALLOWED = set(NOTATION.split())
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_'’.]*[A-Za-z]|[A-Za-z]")
# code, «titles», an (English term) glossed, a file name
QUOTED = re.compile(r"`[^`]*`|«[^»]*»|\([A-Za-z][A-Za-z\- \u00a0]{1,40}\)|[\w.-]+\.(?:csv|npz|png)\b")


def english_left(text: str) -> list[str]:
    """The Latin words of ``text`` that are English prose: three letters or more, outside code spans,
    «quoted titles» and an English term glossed in parentheses, and not notation or a name."""
    clean = QUOTED.sub(" ", ISOLATES.sub("", text))
    return [w for w in LATIN_WORD.findall(clean) if len(w) >= 3 and w.lower().strip(".") not in ALLOWED]


_SKIP = {"id", "form_id", "icon", "page_script_hash", "url_path", "page", "default", "format", "type", "name",
         "fragment_id", "deferred_file_id", "language", "url", "code_text", "query_string",
         "anchor"}  # fmt: skip


def _proto_strings(msg: Message):
    for field, value in msg.ListFields():
        if field.name in _SKIP:
            continue
        values = (
            value if hasattr(value, "__len__") and not isinstance(value, (str, bytes, Message)) else [value]
        )
        for v in values:
            if isinstance(v, Message):
                yield from _proto_strings(v)
            elif isinstance(v, str):
                yield field.name, v


def _elements(node):
    children = getattr(node, "children", None)
    if children:
        for child in children.values():
            yield from _elements(child)
    elif getattr(node, "proto", None) is not None:
        yield node


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows: elements' bodies, labels, options and help (from their messages),
    charts' titles, and table and data frame headers and text cells."""
    out: list[str] = []
    for root in (at.main, at.sidebar):
        for el in _elements(root):
            proto = el.proto
            spec = getattr(proto, "spec", None)
            if isinstance(spec, str) and spec.startswith("{"):
                out += _spec_texts(json.loads(spec))
                continue
            out += [v for k, v in _proto_strings(proto) if k not in ("spec", "columns", "value", "data")]
    for table in (*at.table, *at.dataframe):
        df = table.value
        out += [str(c) for c in df.columns] + [str(i) for i in df.index if isinstance(i, str)]
        out += [v for v in df.to_numpy().ravel() if isinstance(v, str)]
    return out


def _open(page: str | None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    if page:
        at.run()
        at.switch_page(page)
        at.query_params.clear()
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _persian_screens():
    """(name, AppTest) for every screen a Persian student meets: each page as it opens, lesson mode's
    six steps, every preset of pages 2 and 3, page 2's four tabs."""
    yield "landing", _open(None, lang="fa")
    at = _open(None, lang="fa", lesson="true")
    for step in range(1, 7):
        with speaking("fa"):  # AppTest shows a choice's value with its labels, in the test's own thread
            at.radio(key="step").set_value(step).run()
        yield f"lesson step {step}", at
    yield "page 1", _open(P1, lang="fa")
    yield "page 1, same variance", _open(P1, lang="fa", d_compare="variance")
    for tab in ("units", "activations", "gradients", "phase"):
        yield f"page 2, tab {tab}", _open(P2, lang="fa", s_view=tab)
    for i, preset in enumerate(claims.DEPTH_PRESETS):
        at = _open(P2, lang="fa")
        with speaking("fa"):
            at.button(key=f"s_preset_{i}").click().run()
        yield f"page 2, preset {preset.name}", at
    yield "page 3", _open(P3, lang="fa")
    for i, preset in enumerate(claims.TRAINING_PRESETS):  # its settings and words (training: below)
        at = _open(P3, lang="fa")
        with speaking("fa"):
            at.button(key=f"t_preset_{i}").click().run()
        yield f"page 3, preset {preset.name}", at


@pytest.fixture(scope="module")
def persian_screens():
    return list(_persian_screens())


def test_no_english_is_left_on_a_persian_page(persian_screens):
    found = {}
    for name, at in persian_screens:
        assert not at.exception, f"{name}: {at.exception[0].value}"
        for text in page_texts(at):
            if left := english_left(text):
                found.setdefault(text, (name, left))
    assert not found, f"{len(found)} texts with English on Persian pages:\n" + "\n".join(
        f"{name}: {left} in {text[:120]!r}" for text, (name, left) in list(found.items())[:25]
    )


@pytest.mark.tf
def test_no_english_is_left_after_training_in_persian(monkeypatch):
    """Page 3 trained at its defaults (the lesson): the outcomes, their reasons, the curves and tables,
    and every message they need is in the catalogue."""
    said = _record(monkeypatch)
    at = _open(P3, lang="fa")
    with speaking("fa"):  # the form's submit button is keyed by its label
        at.button(key=f"FormSubmitter:t_settings-{tr('Train')}").click().run(timeout=300)
    assert not at.exception, at.exception[0].value
    assert len(at.get("vega_lite_chart")) > 1, "trained: the curves are drawn"
    found = {t: english_left(t) for t in page_texts(at) if english_left(t)}
    assert not found, "\n".join(f"{left} in {text[:120]!r}" for text, left in list(found.items())[:25])
    assert not _not_in_catalogue(said), _not_in_catalogue(said)[:10]
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    legends = [e for spec in specs for e in _values_of(spec, "labelExpr") if "'train'" in e]
    assert legends and all(_PERSIAN_WORD.search(t) for t in legends), legends  # train / test, in Persian


def test_a_persian_page_is_persian(persian_screens):
    for name, at in persian_screens:
        assert PERSIAN.search(at.title[0].value), f"{name}: the title {at.title[0].value!r}"
        body = " ".join(m.value for m in at.markdown)
        assert len(PERSIAN.findall(body)) > 0.5 * len(re.findall(r"[A-Za-z]", body)), name


def chart_frames(chart) -> dict:
    """An AppTest Vega-Lite chart's named datasets, as DataFrames (Streamlit sends them as Arrow)."""
    import pyarrow as pa

    return {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets}


def _scales(node):
    """(field, domain) of every encoding of a spec that fixes the domain of a nominal field."""
    if isinstance(node, dict):
        domain = node.get("scale", {}).get("domain") if isinstance(node.get("scale"), dict) else None
        if isinstance(node.get("field"), str) and node.get("type") == "nominal" and isinstance(domain, list):
            yield node["field"], domain
        for v in node.values():
            yield from _scales(v)
    elif isinstance(node, list):
        for v in node:
            yield from _scales(v)


def undrawn(chart) -> list[str]:
    """Values in a chart's data that its colour (or shape, dash) scale does not list: Vega-Lite draws such
    points in no colour of the legend, or not at all (a series named in one language, its scale in
    another)."""
    frames = chart_frames(chart)
    out = []
    for field, domain in _scales(json.loads(chart.proto.spec)):
        for name, df in frames.items():
            if field in df:
                missing = set(df[field].dropna().unique()) - set(domain)
                out += [f"{name}.{field}: {v!r} not in {domain}" for v in sorted(map(str, missing))]
    return out


def untitled_tooltips(spec) -> list[str]:
    """Tooltip entries that would show their data field's name (English) rather than a title."""
    out = []
    for tips in _values_of(spec, "tooltip"):
        for tip in tips if isinstance(tips, list) else [tips]:
            if isinstance(tip, dict) and "field" in tip and "title" not in tip:
                out.append(tip["field"])
    return out


def test_every_persian_chart_draws_all_its_data_and_names_every_tooltip(persian_screens):
    for name, at in persian_screens:
        for chart in at.get("vega_lite_chart"):
            assert not undrawn(chart), f"{name}: {undrawn(chart)[:5]}"
            spec = json.loads(chart.proto.spec)
            assert not untitled_tooltips(spec), f"{name}: tooltips {untitled_tooltips(spec)}"
    english = _open(P2)  # and no English tooltip is missing its title either
    for chart in english.get("vega_lite_chart"):
        assert not undrawn(chart), undrawn(chart)[:5]


@pytest.mark.tf
def test_a_run_trained_in_english_is_shown_in_persian_after_a_switch():
    """Page 3 trains once; switching the language relabels the stored run (no retraining): the tables,
    verdicts and every chart name the models in Persian, and every curve is still drawn."""
    at = _open(P3, t_data="circles", t_steps="50", t_k="3", t_i3="glorot_uniform")
    at.button(key="FormSubmitter:t_settings-Train").click().run(timeout=300)
    assert not at.exception, at.exception[0].value
    before = len(at.get("vega_lite_chart"))
    at.radio(key="language_switch").set_value("fa").run()
    assert not at.exception, at.exception[0].value
    charts_fa = at.get("vega_lite_chart")
    assert len(charts_fa) == before > 3, (before, len(charts_fa))
    for chart in charts_fa:
        assert not undrawn(chart), undrawn(chart)[:5]
    curves = [c for c in charts_fa if "history" in chart_frames(c)]
    assert curves, "the loss and accuracy curves"
    shown = set(chart_frames(curves[0])["history"]["scheme"])
    with speaking("fa"):
        glorot = tr(initcore_scheme_label("glorot_uniform"))
    assert any(plain_text(glorot) in plain_text(s) for s in shown), (glorot, shown)
    table = at.dataframe[0].value
    assert any(PERSIAN.search(str(i)) for i in table.index), list(table.index)
    assert not [t for t in page_texts(at) if english_left(t)][:1]


def initcore_scheme_label(name: str) -> str:
    from initcore import SCHEMES

    return SCHEMES[name].label


def plain_text(text: str) -> str:
    from initcore.words import plain

    return plain(text)


def test_exports_leave_the_right_to_left_marks_behind():
    """A Persian page's labels hold isolates (and no-break spaces) for display; the .npz names and the CSV
    cells a student downloads hold the plain text."""
    import io

    import numpy as np
    import pandas as pd

    from initcore.runs import TrainResult, weights_npz
    from initcore.words import plain

    with speaking("fa"):
        label = tr(initcore_scheme_label("glorot_uniform"))
    assert ISOLATES.search(label) or NBSP in label, repr(label)  # what the page holds
    w = [np.zeros((2, 2), np.float32), np.zeros(2, np.float32)]
    result = TrainResult(pd.DataFrame(), pd.DataFrame(), {label: None}, {label: w}, {label: w}, {label: "g"})
    names = list(np.load(io.BytesIO(weights_npz(result))).keys())
    assert names == [f"{plain(label)}/Wout", f"{plain(label)}/bout"], names
    assert not any(ISOLATES.search(n) or NBSP in n for n in names), names
    assert plain(f"{LRI}N(0,{NBSP}1²){PDI}") == "N(0, 1²)"


def test_a_result_relabelled_keeps_its_numbers_and_renames_every_model():
    import numpy as np
    import pandas as pd

    from initcore.runs import TrainResult

    w = [np.ones((2, 2), np.float32)]
    history = pd.DataFrame({"scheme": ["a", "b", "a"], "step": [0, 0, 1], "loss": [1.0, 2.0, 0.5]})
    result = TrainResult(history, history.iloc[:0], {"a": None, "b": 3}, {"a": w, "b": w}, {"a": w, "b": w},
                         {"a": "normal", "b": "zeros"})  # fmt: skip
    moved = result.relabelled(["x", "y"])
    assert moved.history["scheme"].tolist() == ["x", "y", "x"] and moved.history["loss"].tolist() == [
        1,
        2,
        0.5,
    ]
    assert moved.diverged == {"x": None, "y": 3} and moved.schemes == {"x": "normal", "y": "zeros"}
    assert list(moved.weights) == list(moved.initial) == ["x", "y"]
    assert result.relabelled(["a", "b"]) is result
    with pytest.raises(ValueError, match="2 models"):
        result.relabelled(["x"])


def _record(monkeypatch) -> set[str]:
    """Every message that reaches tr() in Persian from now on (the set fills as pages run)."""
    import initcore.words as words

    said: set[str] = set()
    original = words._voice_of

    def recording(code):
        voice = original(code)
        return words._Voice(voice.code, lambda m: said.add(m) or voice.translate(m), voice.rtl)

    monkeypatch.setattr(words, "_voice_of", recording)
    return said


def _not_in_catalogue(said: set[str]) -> list[str]:
    known = {m.id for m in _catalogue("fa") if m.id}
    return sorted(m for m in said if m not in known and m.strip())


def test_every_message_a_persian_page_translates_is_in_its_catalogue(monkeypatch):
    """Recorded while the pages run in Persian: nothing reaches tr() that the catalogue lacks (a message
    written in data but not marked with N_, or inside an f-string, where no extractor looks)."""
    said = _record(monkeypatch)
    for _ in _persian_screens():
        pass
    missing = _not_in_catalogue(said)
    assert said and not missing, f"{len(missing)} messages reach tr() but not the catalogue: {missing[:10]}"


@pytest.mark.parametrize("page", [None, P1, P2, P3])
def test_a_pages_opening_paragraph_shows_the_english_terms_beside_the_persian(page):
    at = _open(page, lang="fa")
    opening = at.markdown[0].value
    glossed = re.findall(r"\(([A-Za-z][A-Za-z\- ]+)\)", ISOLATES.sub("", opening).replace(NBSP, " "))
    assert len(glossed) >= 2, f"{page}: the opening paragraph glosses {glossed}"
    glossary = (ROOT / "locales" / "fa" / "GLOSSARY.md").read_text(encoding="utf-8")
    terms = {
        w for row in re.findall(r"^\| ([a-z][^|]*) \|", glossary, re.M) for w in re.split(r"[ /,()]+", row)
    }
    assert any(word in terms for g in glossed for word in g.split()), f"{page}: {glossed} not glossary terms"


# --- the switch and the links ----------------------------------------------------------------------------


def test_the_switch_speaks_persian_keeps_every_setting_and_writes_lang_into_the_link():
    at = _open(P2, s_depth="20", s_seed="3", s_act="tanh", s_i2="he_normal")
    english = at.title[0].value
    at.radio(key="language_switch").set_value("fa").run()
    assert not at.exception
    with speaking("fa"):  # a choice's value travels as its label, which the switch changed
        assert at.selectbox(key="s_act").value == "tanh" and at.selectbox(key="s_i2").value == "he_normal"
    assert at.query_params["s_act"] == "tanh" and at.query_params["s_i2"] == "he_normal"
    assert at.query_params["lang"] == "fa" and PERSIAN.search(at.title[0].value)
    assert at.slider(key="s_depth").value == 20 and at.query_params["s_depth"] == "20"
    assert at.query_params["s_seed"] == "3"
    assert PERSIAN.search(" ".join(m.value for m in at.markdown if m.value.startswith("- **"))), "verdicts"
    with speaking("fa"):
        at.radio(key="language_switch").set_value("en").run()
    assert at.title[0].value == english and "lang" not in at.query_params
    assert not PERSIAN.search(" ".join(m.value for m in at.markdown)), "no Persian left from a cache"


def test_a_page_switch_keeps_the_language_and_the_sidebar_links_carry_it():
    at = _open(None, lang="fa")
    links = [p.proto for p in at.get("page_link")]
    assert links and all(urllib.parse.parse_qs(link.query_string).get("lang") == ["fa"] for link in links)
    at.switch_page(P1)
    at.query_params.clear()  # a browser drops the parameters on a switch
    with speaking("fa"):  # AppTest sends the landing's radios back with their labels, in this thread
        at.run()
    assert PERSIAN.search(at.title[0].value) and at.query_params["lang"] == "fa"


@pytest.mark.parametrize("raw", ["xx", "../fa", "FA", "fa,en"])
def test_an_unknown_language_in_a_link_gets_a_notice_and_english(raw):
    at = _open(P1, lang=raw)
    assert not at.exception
    assert not PERSIAN.search(at.title[0].value)
    assert any("lang=" in i.value for i in at.info), [i.value for i in at.info]
    assert "lang" not in at.query_params


def test_an_unknown_language_cannot_write_markdown_into_its_notice():
    at = _open(P1, lang="`[click](//e.vil)`")
    [notice] = [i.value for i in at.info if "lang=" in i.value]
    assert notice.count("`") == 2 and "`lang='[click](//e.vil)'`" in notice, notice


def test_a_repeated_lang_is_refused_like_any_repeated_parameter():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = ["fa", "fa"]
    at.run()
    assert not at.exception and any("lang=" in i.value for i in at.info)


def test_the_lesson_links_open_their_steps_in_persian():
    at = _open(None, lang="fa", lesson="true")
    for step in range(1, 7):
        with speaking("fa"):  # AppTest shows a choice's value with its labels, in the test's own thread
            at.radio(key="step").set_value(step).run()
        links = [p.proto for p in at.get("page_link")]
        [link] = [p for p in links if set(urllib.parse.parse_qs(p.query_string)) - {"lang"}]  # holds a view
        query = dict(urllib.parse.parse_qsl(link.query_string))
        assert query.get("lang") == "fa", f"step {step}: {query}"
        opened = _open(PAGE_FILES[link.page], **query)
        assert not opened.exception and PERSIAN.search(opened.title[0].value), f"step {step}"
        assert not [i for i in opened.info if i.proto.icon == ":material/link_off:"], f"step {step}: refused"
        assert opened.query_params["lang"] == "fa"


@pytest.mark.parametrize("page", ["dashboard.py", P1, P2, P3])
def test_every_control_at_its_minimum_and_at_its_maximum_in_persian(spy, page):
    """The widget extremes of tests/test_extremes.py, opened as a Persian link: no exception, nothing
    shown NaN or infinite, and the refusals, warnings and notices they bring are Persian too."""
    from test_extremes import _fields, _on, _plan, shown_nonfinite

    fields = _fields(spy, page)
    rows, _, needs = _plan(page, fields)
    for end, row in zip(("minimum", "maximum"), rows[-2:], strict=True):
        query = {k: fields[k].dump(row[k]) for k in _on(row, needs)} | {"lang": "fa"}
        at = _open(None if page == "dashboard.py" else page, **query)
        assert not at.exception, f"{end}: {at.exception[0].value}"
        assert not shown_nonfinite(at), f"{end}: {shown_nonfinite(at)}"
        assert PERSIAN.search(at.title[0].value) and at.query_params["lang"] == "fa", end
        left = {text: english_left(text) for text in page_texts(at) if english_left(text)}
        assert not left, f"{page} at its {end}: {list(left.items())[:5]}"


def test_a_persian_sentence_names_the_activation_in_persian_and_a_formula_keeps_its_code_name():
    """The glossary: سیگموید in prose, sigmoid in formulas such as sigmoid(z) (found by review: the
    verdicts and captions said «تابع sigmoid»)."""
    import charts
    from initcore.activations import PROSE_NAMES, prose_name

    with speaking("fa"):
        assert prose_name("sigmoid") == "سیگموید"
        assert {plain_text(prose_name(a)) for a in PROSE_NAMES} >= {"tanh", "خطی"}
        view = claims.DEPTH_PRESETS[0].view
        assert view.activation == "sigmoid"
        details = " ".join(claims.study(view, 0).summary["detail"])
        assert "سیگموید" in details and "sigmoid" not in details, details[:300]
        spec = charts.depth_charts(claims.study(view, 0), activation="sigmoid", only=("heatmap",))
        titles = _spec_texts(spec["heatmap"].spec())
        assert any("sigmoid(z)" in t for t in titles), titles  # the axis is a formula
    with speaking("en"):
        assert prose_name("sigmoid") == "sigmoid"

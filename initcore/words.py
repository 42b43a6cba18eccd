"""One door for every word a user reads: ``tr(message, **values)``.

Pages, charts and the core's sentences (verdicts, outcomes, claims) all write their text as a message
with named placeholders, ``tr("{share} of layer {depth} is saturated", share=..., depth=...)``, never as
an f-string: the message is what a translator sees in a catalogue, and the values are filled in after
translation. Numbers are formatted by the caller, so a catalogue never has to know a format
specification. Messages kept in data (labels, presets, claims) are marked with ``N_("...")``, which
returns its argument unchanged and only tells the extractor that the string is a message.

The catalogues are gettext's: ``locales/<code>/LC_MESSAGES/lab.po``, compiled to ``lab.mo`` with Babel
(``python locales/catalogues.py``), and ``locales/languages.json`` names each language in itself and
says whether it is written right to left. English is the messages themselves.

The language in force is a context variable, not a process-wide setting: a Streamlit server runs many
sessions at once, each in its own thread and perhaps in its own language. :func:`use_language` sets it
for the calling thread (or task) and what it starts with :func:`carry`; :func:`speaking` sets it for a
block; :func:`set_translator` and :func:`translating` do the same with any ``str -> str`` function.

Right-to-left text: in a right-to-left language, every run of left-to-right text inside a translated
sentence (a formula such as ``σ_w² = fan-in · Var(w)``, a scheme's notation ``U[-0.1, 0.1]``, a number
with its sign and unit) is wrapped in Unicode's LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE (UAX #9),
so the bidirectional algorithm keeps it whole and in order instead of moving its brackets and signs.
"""

from __future__ import annotations

import contextvars
import gettext
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, TypeVar

_REPOSITORY_LOCALES = Path(__file__).resolve().parents[1] / "locales"  # in a clone
# ... and where `pip install` puts them (pyproject.toml maps locales/ to the package initcore.locales)
LOCALES = _REPOSITORY_LOCALES if _REPOSITORY_LOCALES.is_dir() else Path(__file__).resolve().parent / "locales"
DOMAIN = "lab"  # the catalogues' file name: locales/<code>/LC_MESSAGES/lab.mo
DEFAULT = "en"
LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"  # left-to-right / right-to-left isolate, pop isolate
NBSP = "\u00a0"
UNBROKEN = 24  # characters: a left-to-right run this short keeps its spaces unbreakable (NBSP)
F = TypeVar("F", bound=Callable[..., Any])


def N_(message: str, /) -> str:
    """Mark ``message`` for the catalogue without translating it (it is translated where it is shown)."""
    return message


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 / gettext code: "en", "fa"
    name: str  # the language's name in itself, as the switch shows it
    rtl: bool = False  # written right to left


@lru_cache(maxsize=1)
def languages() -> dict[str, Language]:
    """Every language the lab speaks, English first (``locales/languages.json``)."""
    raw = json.loads((LOCALES / "languages.json").read_text(encoding="utf-8"))
    found = {
        code: Language(code, entry["name"], bool(entry.get("rtl", False))) for code, entry in raw.items()
    }
    if DEFAULT not in found:
        raise ValueError(f"locales/languages.json must list {DEFAULT!r}; it lists {sorted(found)}")
    return {DEFAULT: found.pop(DEFAULT), **found}


@dataclass(frozen=True)
class _Voice:
    code: str = DEFAULT
    translate: Callable[[str], str] = str
    rtl: bool = False


_voice: contextvars.ContextVar[_Voice] = contextvars.ContextVar("voice", default=_Voice())  # noqa: B039 (frozen)


def tr(message: str, /, **values: object) -> str:
    """``message`` translated, then its ``{name}`` placeholders filled from ``values`` (only when values
    are given, so a message without them may hold literal braces); in a right-to-left language its
    left-to-right runs are isolated (:func:`isolate_ltr`)."""
    voice = _voice.get()
    text = voice.translate(message) if message else message  # gettext("") is the catalogue's header
    if values:
        text = text.format(**values)
    return isolate_ltr(text) if voice.rtl else text


# TRANSLATORS: the separator between the clauses of one sentence ("69% ... linear zone; layer 1 gets ...")
CLAUSES = N_("; ")


def clauses(parts: Iterable[str]) -> str:
    """Translated clauses joined into one sentence with the language's semicolon."""
    return tr(CLAUSES).join(parts)


# TRANSLATORS: the separator between the items of a list ("depth to 20, width to 500 or batch to 100")
ITEMS = N_(", ")


def items(parts: Iterable[str]) -> str:
    """Translated items joined into a list with the language's comma."""
    return tr(ITEMS).join(parts)


def language() -> str:
    """The code of the language in force in this context ("en" unless set)."""
    return _voice.get().code


def is_rtl() -> bool:
    return _voice.get().rtl


@lru_cache(maxsize=16)
def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of language ``code`` (English: the messages themselves)."""
    if code not in languages():
        raise ValueError(f"language must be one of {sorted(languages())}, got {code!r}")
    if code == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALES, languages=[code])


def _voice_of(code: str) -> _Voice:
    return _Voice(code, catalogue(code).gettext, languages()[code].rtl)


def use_language(code: str) -> None:
    """Speak language ``code`` from now on in this thread's context. Other threads keep theirs: a new
    thread starts in English unless started through :func:`carry`."""
    _voice.set(_voice_of(code))


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Speak language ``code`` inside the block, then as before."""
    token = _voice.set(_voice_of(code))
    try:
        yield
    finally:
        _voice.reset(token)


def set_translator(translate: Callable[[str], str] | None, code: str = "custom") -> None:
    """Translate with ``translate(message) -> translated message`` from now on in this thread's context
    (None: English again); ``code`` names it in cache keys."""
    _voice.set(_Voice(code, translate) if translate else _Voice())


@contextmanager
def translating(translate: Callable[[str], str] | None, code: str = "custom") -> Iterator[None]:
    """Translate with ``translate`` inside the block (None: English), then as before."""
    token = _voice.set(_Voice(code, translate) if translate else _Voice())
    try:
        yield
    finally:
        _voice.reset(token)


def carry(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` bound to a copy of the caller's context: run in another thread (a pool's worker), it
    translates as the caller does. Each call gets its own copy, so one carried function may run in
    several threads at once."""
    context = contextvars.copy_context()

    def run(*args: Any, **kwargs: Any) -> Any:
        return context.copy().run(fn, *args, **kwargs)

    return run


def label(text: str) -> str:
    """A label made of notation or words, as data that charts and tables show (a series, a scheme): in a
    right-to-left language its left-to-right runs isolated and, if it holds right-to-left words, the
    whole of it one right-to-left isolate, so that it reads right in left-to-right charts too."""
    return whole(isolate_ltr(text)) if is_rtl() else text


def plain(text: str) -> str:
    """``text`` without the isolates and no-break spaces that :func:`tr` and :func:`label` add on a
    right-to-left page: for text that leaves the page as data (a CSV's cells, an .npz file's names)."""
    return text.translate(_PLAIN) if _MARKS.search(text) else text


_PLAIN = str.maketrans({LRI: None, RLI: None, PDI: None, NBSP: " "})
_MARKS = re.compile(f"[{LRI}{RLI}{PDI}{NBSP}]")


def whole(text: str) -> str:
    """``text`` as one right-to-left isolate (RLI ... PDI) when the language in force is written right to
    left and the text holds its letters: for text drawn where the direction is left to right, such as a
    chart's titles, so that a Persian title keeps its word order there."""
    if is_rtl() and _RTL.search(text) and not text.startswith(RLI):
        return f"{RLI}{text}{PDI}"
    return text


def per_language(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)`` with the language in force as part of the key, for functions
    whose results hold sentences."""

    def wrap(fn: F) -> F:
        @lru_cache(maxsize=maxsize)
        def cached(code: str, *args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        @wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            return cached(language(), *args, **kwargs)

        run.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return wrap


# --- right-to-left ----------------------------------------------------------------------------------

_RTL_LETTERS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"  # Hebrew, Arabic (Persian) and their forms
# A run that is not right-to-left text: anything but those letters, the zero-width non-joiner Persian
# words hold, line breaks, Markdown's emphasis stars, guillemets, isolates already placed, and a colon
# that ends a clause (": "; "10: 0%" is two runs, read in the sentence's order). A star right after a
# letter or digit that no star precedes, and that no star follows, is notation (q*), not emphasis (*n*,
# **b**).
_NOTATION_STAR = r"(?<=[A-Za-z0-9])(?<!\*[A-Za-z0-9])\*(?!\*)"
_RUN = re.compile(
    f"[{LRI}{RLI}][^{PDI}]*{PDI}|(?:[^{_RTL_LETTERS}\u200c\n*«»:{LRI}{RLI}{PDI}]|{_NOTATION_STAR}|:(?!\\s))+"
)
_RTL = re.compile(f"[{_RTL_LETTERS}]")
_STRONG_LTR = re.compile(r"[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff∞]")  # Latin letters, digits, Greek, ∞
_EDGE = " \t.,:;!?/—–·="  # spaces, sentence punctuation and a dangling "=" at a run's ends: the sentence's
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLOSING = set(_PAIRS.values())


def _core(run: str) -> tuple[int, int]:
    """Where a run's left-to-right core starts and ends: without the spaces and sentence punctuation at
    its edges, nor a leading opening bracket that closes outside the run or a trailing closing one
    opened outside it (they belong to the sentence: "(σ_w² ..." inside a Persian parenthesis)."""
    start, end = 0, len(run)
    while True:
        before = (start, end)
        while start < end and (run[start] in _EDGE or run[start] in _CLOSING):
            start += 1  # a closing bracket never starts a run: it closes the sentence's
        while end > start and (run[end - 1] in _EDGE or run[end - 1] in _PAIRS):
            end -= 1  # nor does an opening one end it
        core = run[start:end]
        for open_, close in _PAIRS.items():
            if core.startswith(open_) and core.count(open_) > core.count(close):
                start += 1
                break
            if core.endswith(close) and core.count(close) > core.count(open_):
                end -= 1
                break
        if (start, end) == before:
            return start, end


@lru_cache(maxsize=4096)  # a page's labels and help texts come back on every rerun: 9 ms a rerun in Persian
def isolate_ltr(text: str) -> str:
    """``text`` with each left-to-right run (one holding a Latin letter, a digit or a Greek letter)
    wrapped in LRI ... PDI, its edge spaces, sentence punctuation and unmatched brackets left outside.
    Idempotent; text without right-to-left letters is wrapped whole the same way, so that a label such as
    ``N(0, 0.1²)`` keeps its closing bracket where it belongs in a right-to-left page."""

    def wrap(match: re.Match[str]) -> str:
        run = match.group(0)
        if run[0] in (LRI, RLI):
            return run  # isolated already
        start, end = _core(run)
        if not _STRONG_LTR.search(run, start, end):
            return run
        core = run[start:end]
        if len(core) <= UNBROKEN:  # a formula or a number with its unit is never split across lines
            core = core.replace(" ", NBSP)
        return f"{run[:start]}{LRI}{core}{PDI}{run[end:]}"

    return _RUN.sub(wrap, text)

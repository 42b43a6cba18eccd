"""The language a session speaks: chosen in the sidebar, carried in every link as ``lang=<code>``.

Each run starts by deciding it (:func:`start`), before any text is written: the link's ``lang`` if it
names a language of ``locales/languages.json``, else the one this session chose before, else the
browser's (``st.context.locale``) when the lab speaks it, else English. The choice is kept in the session
(page switches keep it) and written into the link whenever a link without it would open in another
language, so a copied link opens in the language it was copied in. A right-to-left language also gets
the page's right-to-left layout (:data:`RTL_CSS`).
"""

from __future__ import annotations

import streamlit as st

from initcore.words import DEFAULT, language, languages, tr, use_language

PARAM = "lang"  # the URL parameter
_CHOSEN = "_language"  # session_state: the language this session speaks
_SWITCH = "language_switch"  # the sidebar's widget
CONTROLS = "_controls"  # session_state: the keys of every page's controls (ui.state.Page adds them)
LABEL = "Language · زبان"  # the switch's label, readable in every language it offers
_MAX = 20  # characters: a longer lang value is not looked at

# Right to left: text containers (and a popover's body, drawn outside them) flow and align right to left;
# charts (their axes and numbers), code, number fields, sliders and the canvas data grid stay left to right.
# Formulas and notation inside Persian sentences are kept whole by Unicode isolates
# (initcore.words.isolate_ltr), not by CSS.
RTL_CSS = """
<style>
[data-testid="stMain"], [data-testid="stSidebar"], [data-testid="stPopoverBody"] { direction: rtl; }
[data-testid="stMain"] :is(p, li, h1, h2, h3, h4, label, summary, th, td),
[data-testid="stSidebar"] :is(p, li, h1, h2, h3, h4, label, summary),
[data-testid="stPopoverBody"] :is(p, li, label) { text-align: right; }
[data-testid="stVegaLiteChart"], [data-testid="stCode"], [data-testid="stCode"] *, pre, code,
[data-testid="stDataFrame"], [data-testid="stSlider"] [data-baseweb="slider"],
[data-testid="stNumberInputContainer"], [data-testid="stFullScreenFrame"] > div > img { direction: ltr; }
[data-testid="stVegaLiteChart"] { text-align: left; }
</style>
"""


def browser_language() -> str:
    """The browser's preferred language if the lab speaks it (``fa-IR`` -> ``fa``), else English."""
    locale = st.context.locale or ""
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in languages() else DEFAULT


def requested() -> tuple[str | None, str | None]:
    """(the link's language, a notice when the link names one the lab does not speak)."""
    raw = st.query_params.get_all(PARAM)
    if not raw:
        return None, None
    value = raw[0] if len(raw) == 1 else None
    if value is not None and value in languages():
        return value, None
    shown = (raw[0] if len(raw) == 1 else ", ".join(raw))[:_MAX].replace("`", "'")  # stays inside its `code`
    return None, tr(
        "Ignored `lang={raw}` in the link (the lab speaks {known}); using {name}.",
        raw=shown,
        known=", ".join(languages()),
        name=languages()[language()].name,
    )


def start() -> None:
    """Decide this run's language and speak it (before the page writes anything)."""
    asked, _ = requested()
    if asked:
        st.session_state[_CHOSEN] = asked
    code = st.session_state.get(_CHOSEN) or browser_language()
    use_language(code)


def notice() -> str | None:
    """The notice for an unknown ``lang`` in the link, in the language spoken (None: nothing to say)."""
    return requested()[1]


def link_value() -> str | None:
    """The ``lang`` to write into the link: none for English in an English browser (a link without one
    opens in English there), else the language spoken, so that the link opens in it in any browser."""
    code = language()
    return None if code == DEFAULT == browser_language() else code


def query() -> dict[str, str]:
    """The language's part of a link to another page: ``{"lang": code}``, or nothing (see
    :func:`link_value`)."""
    lang = link_value()
    return {PARAM: lang} if lang else {}


def _switched() -> None:
    """On a switch: speak the new language and keep every setting. A choice widget's value travels as
    its shown label, which the new language changes: each widget's value is set again from the value it
    held (read with the old labels), so that the next run draws it with the new ones."""
    for key in st.session_state.get(CONTROLS, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    st.session_state[_CHOSEN] = st.session_state[_SWITCH]
    st.query_params[PARAM] = st.session_state[_SWITCH]


def draw_switch() -> None:
    """The language switch (in the caller's container, the sidebar), and the right-to-left layout when
    the language is written right to left."""
    known = languages()
    st.session_state[_SWITCH] = language()
    st.radio(
        LABEL,
        tuple(known),
        format_func=lambda c: known[c].name,
        key=_SWITCH,
        horizontal=True,
        on_change=_switched,
    )
    if known[language()].rtl:
        st.html(RTL_CSS)

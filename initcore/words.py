"""One door for every word a user reads: ``tr(message, **values)``.

Pages, charts and the core's sentences (verdicts, outcomes, claims) all write their text as a message
with named placeholders, ``tr("{share} of layer {depth} is saturated", share=..., depth=...)``, never as
an f-string: the message is what a translator sees in a catalogue (gettext's ``xgettext --keyword=tr``
finds every one), and the values are filled in after translation. English is the identity today; a
translation plugs in with :func:`set_translator`. Numbers are formatted by the caller, so a catalogue
never has to know a format specification.
"""

from __future__ import annotations

from collections.abc import Callable

_translator: Callable[[str], str] = str


def tr(message: str, /, **values: object) -> str:
    """``message`` translated, then its ``{name}`` placeholders filled from ``values`` (only when values
    are given, so a message without them may hold literal braces)."""
    text = _translator(message)
    return text.format(**values) if values else text


def set_translator(translate: Callable[[str], str] | None) -> None:
    """Use ``translate(message) -> translated message`` from now on (None: English again)."""
    global _translator
    _translator = translate or str

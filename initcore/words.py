"""One door for every word a user reads: ``tr(message, **values)``.

Pages, charts and the core's sentences (verdicts, outcomes, claims) all write their text as a message
with named placeholders, ``tr("{share} of layer {depth} is saturated", share=..., depth=...)``, never as
an f-string: the message is what a translator sees in a catalogue (gettext's ``xgettext --keyword=tr``
finds every one), and the values are filled in after translation. English is the identity today.
Numbers are formatted by the caller, so a catalogue never has to know a format specification.

The translation in force is a context variable, not a process-wide setting: a Streamlit server runs
many sessions at once, each in its own thread and perhaps in its own language. :func:`set_translator`
sets it for the calling thread (or task) and what it starts with :func:`carry`; :func:`translating`
sets it for a block.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_translator: contextvars.ContextVar[Callable[[str], str]] = contextvars.ContextVar("translator", default=str)


def tr(message: str, /, **values: object) -> str:
    """``message`` translated, then its ``{name}`` placeholders filled from ``values`` (only when values
    are given, so a message without them may hold literal braces)."""
    text = _translator.get()(message)
    return text.format(**values) if values else text


def set_translator(translate: Callable[[str], str] | None) -> None:
    """Use ``translate(message) -> translated message`` from now on in this thread's context (None:
    English again). Other threads keep theirs: a new thread starts in English unless started through
    :func:`carry`."""
    _translator.set(translate or str)


@contextmanager
def translating(translate: Callable[[str], str] | None) -> Iterator[None]:
    """Translate with ``translate`` inside the block (None: English), then as before."""
    token = _translator.set(translate or str)
    try:
        yield
    finally:
        _translator.reset(token)


def carry(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` bound to a copy of the caller's context: run in another thread (a pool's worker), it
    translates as the caller does. Each call gets its own copy, so one carried function may run in
    several threads at once."""
    context = contextvars.copy_context()

    def run(*args: Any, **kwargs: Any) -> Any:
        return context.copy().run(fn, *args, **kwargs)

    return run

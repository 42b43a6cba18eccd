"""Chart templates shipped with the code (``charts/shipped.json``), so that a fresh server process draws
its first pages without importing Altair: every template that the landing page and pages 1, 2 and 3
build at their defaults, in every language, as the Altair named in the file writes them (the output of
:func:`charts.base.build_template`).

A fresh process's first run otherwise pays for Altair's import (with jsonschema's and jinja2's: 0.12-0.25
s on this 2-core machine) and for the first build of each template (0.07 s on the landing page), before
its first chart can be sent. Measured with fresh servers and a fresh browser context each (eight of
each, two runs, 2026-12-04): from the websocket's opening to the landing page's chart reaching the browser
0.74-0.81 s (medians) against 0.94-0.98 s without the file, the chart drawn 2.61-2.74 s after the
server's spawn against 2.75-2.89 s; page 1's 0.76-0.98 s against 1.02-1.26 s, drawn at 2.78-3.29 s
against 3.03-3.45 s.

Where the installed Altair is another version, or a source the templates depend on changed since the
file was written (a chart builder, the core's words, a catalogue: :func:`source_digest`), nothing here
is used and the templates are built as before; a template that is not in the file is built too (a
view the defaults do not open, a changed setting), importing Altair then.

``python tools/ship_chart_templates.py`` writes the file again: after a change to a template, to what
the pages show at their defaults, or to Altair. tests/test_charts.py checks that every entry is what
Altair builds now, tests/test_imports.py that the pages' first runs at their defaults need no Altair.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import initcore.words
from initcore.words import LOCALES

PATH = Path(__file__).with_name("shipped.json")


def name_of(template: Callable[..., Any]) -> str:
    """Where the template is defined: ``charts.draws._activation_template``."""
    return f"{template.__module__}.{template.__qualname__}"


def entry(code: str, template: Callable[..., Any], key: tuple) -> str:
    """The file's key for a template's dict in a language (TypeError for a key JSON cannot write)."""
    return json.dumps([code, name_of(template), key], ensure_ascii=False)


def altair_version() -> str | None:
    """The installed Altair's version, read from its metadata (without importing it)."""
    try:
        return importlib.metadata.version("altair")
    except importlib.metadata.PackageNotFoundError:
        return None


def _sources() -> dict[str, Path]:
    """What a template's dict depends on, by a name that is the same in a clone and in an installed
    package: the chart builders, the core they call (labels, words, thresholds), and the languages with
    their catalogues."""
    core = Path(initcore.words.__file__).resolve().parent
    files = {
        f"{p.parent.name}/{p.name}": p
        for d in (Path(__file__).resolve().parent, core)
        for p in d.glob("*.py")
    }
    for p in (LOCALES / "languages.json", *LOCALES.glob("*/LC_MESSAGES/*.mo")):
        files[f"locales/{p.relative_to(LOCALES).as_posix()}"] = p
    return dict(sorted(files.items()))


def source_digest() -> str:
    """SHA-256 of :func:`_sources`, names and bytes (2 ms, 25 files): a template, a helper, a word or a
    translation changed since the file was written, and the digest differs."""
    digest = hashlib.sha256()
    for name, path in _sources().items():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def entries() -> dict[str, Any]:
    """The file's templates, if the installed Altair wrote them from the sources as they are now (else
    none: a changed template is built by Altair, never served stale)."""
    try:
        data = json.loads(PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("altair") != altair_version():
        return {}
    if data.get("sources") != source_digest():
        return {}
    return data.get("templates", {})


def find(code: str, template: Callable[..., Any], key: tuple) -> dict[str, Any] | None:
    """The shipped dict of this template with these arguments in language ``code``, or None. The dict is
    shared: callers copy what they change (as charts.base does with every template)."""
    try:
        return entries().get(entry(code, template, key))
    except TypeError:  # a key JSON cannot write: never shipped
        return None

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

Where the installed Altair is another version nothing here is used (its specs may differ) and the
templates are built as before; a template that is not in the file is built too (a view the defaults do
not open, a changed setting), importing Altair then.

``python tools/ship_chart_templates.py`` writes the file again: after a change to a template, to what
the pages show at their defaults, or to Altair. tests/test_charts.py checks that every entry is what
Altair builds now, tests/test_imports.py that the pages' first runs at their defaults need no Altair.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

PATH = Path(__file__).with_name("shipped.json")
PAGES = (  # the scripts whose first runs at their defaults the file covers
    "dashboard.py",
    "pages/1_Uniform_vs_normal_draws.py",
    "pages/2_Saturation_across_depth.py",
    "pages/3_Training_comparisons.py",
)
_OFF: list[bool] = []  # while the file is being written (tools/ship_chart_templates.py): find nothing


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


@lru_cache(maxsize=1)
def entries() -> dict[str, Any]:
    """The file's templates, if the installed Altair is the one that wrote them; else none."""
    try:
        data = json.loads(PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("altair") != altair_version():
        return {}
    return data.get("templates", {})


def find(code: str, template: Callable[..., Any], key: tuple) -> dict[str, Any] | None:
    """The shipped dict of this template with these arguments in language ``code``, or None. The dict is
    shared: callers copy what they change (as charts.base does with every template)."""
    if _OFF:
        return None
    try:
        return entries().get(entry(code, template, key))
    except TypeError:  # a key JSON cannot write: never shipped
        return None


def template_of(name: str) -> Callable[..., Any]:
    """The template function ``name_of`` named (tests and the writer: the pages only look names up)."""
    module, _, qualname = name.rpartition(".")
    if not module.startswith("charts.") or not qualname.startswith("_") or not qualname.endswith("_template"):
        raise ValueError(f"not a chart template: {name!r}")
    return getattr(importlib.import_module(module), qualname)


def as_key(value: Any) -> Any:
    """A key read back from JSON: lists as the tuples they were written from."""
    return tuple(as_key(v) for v in value) if isinstance(value, list) else value

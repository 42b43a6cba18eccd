"""Write charts/shipped.json: the chart templates that the landing page and pages 1, 2 and 3 build at
their defaults, in every language, as the installed Altair writes them (charts/shipped.py says why).

Run from anywhere: python tools/ship_chart_templates.py
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ui  # noqa: E402, F401 (first, as on every page: it sets up the process before numpy loads)

# isort: split
from streamlit.testing.v1 import AppTest  # noqa: E402

from charts import base, shipped  # noqa: E402
from initcore.words import language, languages  # noqa: E402

PAGES = (  # the scripts whose first runs at their defaults the file covers
    "dashboard.py",
    "pages/1_Uniform_vs_normal_draws.py",
    "pages/2_Saturation_across_depth.py",
    "pages/3_Training_comparisons.py",
)


def template_of(name: str) -> Callable[..., Any]:
    """The template function that ``shipped.name_of`` named (for the tests' check of every entry)."""
    module, _, qualname = name.rpartition(".")
    if not module.startswith("charts.") or not qualname.startswith("_") or not qualname.endswith("_template"):
        raise ValueError(f"not a chart template: {name!r}")
    return getattr(importlib.import_module(module), qualname)


def as_key(value: Any) -> Any:
    """A key read back from JSON: lists as the tuples they were written from."""
    return tuple(as_key(v) for v in value) if isinstance(value, list) else value


def first_visits(root: Path) -> Iterator[tuple[str, str, AppTest]]:
    """Each of ``PAGES`` run once at its defaults in each language, each as a first visit (a new
    session): (script, language, the AppTest after its run). AppTest runs the pages in this process."""
    for code in languages():
        for script in PAGES:
            at = AppTest.from_file(str(root / PAGES[0]), default_timeout=300)
            if script != PAGES[0]:
                at.switch_page(script)
            at.query_params["lang"] = code
            at.run()
            yield script, code, at


def record(root: Path) -> dict[str, Any]:
    """Every template dict that :func:`first_visits` builds, by ``shipped.entry``."""
    built: dict[str, Any] = {}
    real = base.build_template

    def recording(template: Callable[..., Any], key: tuple) -> dict[str, Any]:
        spec = real(template, key)
        built[shipped.entry(language(), template, key)] = spec
        return spec

    find = shipped.find
    shipped.find = lambda *args: None  # build every template, none from the file being replaced
    base.build_template = recording
    base._template_dict.cache_clear()
    base._series_template_dict.cache_clear()
    try:
        for script, code, at in first_visits(root):
            if at.exception:
                raise RuntimeError(f"{script} ({code}): {at.exception[0].message}")
    finally:
        base.build_template = real
        shipped.find = find
        base._template_dict.cache_clear()
        base._series_template_dict.cache_clear()
        shipped.entries.cache_clear()
    return built


def main() -> None:
    templates = record(ROOT)
    data = {
        "altair": shipped.altair_version(),
        "sources": shipped.source_digest(),
        "templates": dict(sorted(templates.items())),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    shipped.PATH.write_text(text + "\n", encoding="utf-8")
    size = shipped.PATH.stat().st_size
    print(f"{shipped.PATH.relative_to(ROOT)}: {len(templates)} templates, {size:,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The lab's gettext catalogues, kept with Babel (a development tool; the app reads the compiled ``.mo``
files with Python's own ``gettext``).

    python locales/catalogues.py              # extract lab.pot from the code, merge it into every
                                              # <code>/LC_MESSAGES/lab.po, compile each to lab.mo
    python locales/catalogues.py init de      # start a catalogue for a new language (then add it to
                                              # languages.json, translate lab.po, run the line above)
    python locales/catalogues.py check        # exit 1 if lab.pot or a lab.mo is out of date or a
                                              # message has no translation (the tests do the same)

Messages are found where the code writes them: the first argument of ``tr(...)``, ``N_(...)`` and
``notice(...)``, and the label (second argument) of the declarative controls ``select``, ``radio``,
``steps``, ``slider``, ``integer``, ``switch`` and ``Control``. A comment starting ``TRANSLATORS:`` just
above a message reaches the translator.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOMAIN = "lab"
TEMPLATE = HERE / f"{DOMAIN}.pot"
SOURCES = ("dashboard.py", "pages", "ui", "charts", "initcore")
KEYWORDS = {
    "tr": None,
    "N_": None,
    "notice": None,
    **dict.fromkeys(("select", "radio", "steps", "slider", "integer", "switch", "Control"), (2,)),
}
WIDTH = 110
PROJECT = "Weight Initialization Lab"


def extract_messages() -> Catalog:
    """Every message the code holds, with the files it appears in."""
    catalog = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    for source in SOURCES:
        path = ROOT / source
        found = (
            extract_from_dir(path, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True)
            if path.is_dir()
            else _extract_file(path)
        )
        for filename, lineno, message, comments, context in found:
            where = (f"{source}/{filename}" if path.is_dir() else source, lineno)
            catalog.add(message, locations=[where], auto_comments=comments, context=context)
    return catalog


def _extract_file(path: Path):
    with path.open("rb") as f:
        for lineno, message, comments, context in extract(
            "python", f, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
        ):
            yield path.name, lineno, message, comments, context


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in HERE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def po_path(code: str) -> Path:
    return HERE / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, include_lineno=False, sort_by_file=False)
    return out.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _read_po(code: str) -> Catalog:
    with po_path(code).open("rb") as f:
        return read_po(f, locale=code, domain=DOMAIN)


def ids(catalog: Catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


def untranslated(catalog: Catalog) -> list[str]:
    """Message ids without a translation (or only a fuzzy one, which gettext does not use)."""
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


def update() -> None:
    template = extract_messages()
    TEMPLATE.write_bytes(_po_bytes(template))
    for code in languages():
        catalog = _read_po(code)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()  # a message the code no longer has is gone (git keeps its history)
        po_path(code).write_bytes(_po_bytes(catalog))
        po_path(code).with_suffix(".mo").write_bytes(_mo_bytes(catalog))
        missing = untranslated(catalog)
        print(f"{code}: {len(ids(catalog)) - len(missing)} of {len(ids(catalog))} messages translated")


def init(code: str) -> None:
    if po_path(code).exists():
        raise SystemExit(f"{po_path(code)} exists already")
    template = extract_messages()
    catalog = Catalog(locale=code, domain=DOMAIN, project=PROJECT, fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    po_path(code).parent.mkdir(parents=True, exist_ok=True)
    po_path(code).write_bytes(_po_bytes(catalog))
    print(f"wrote {po_path(code)}: add {code!r} to languages.json, translate, then run this script")


def problems() -> list[str]:
    """What is out of date: empty when lab.pot matches the code and every lab.mo its lab.po in full."""
    found = []
    template = extract_messages()
    stale = ids(template) ^ ids(read_po(TEMPLATE.open("rb")))
    if stale:
        found.append(f"lab.pot is out of date ({len(stale)} messages differ): run locales/catalogues.py")
    for code in languages():
        catalog = _read_po(code)
        if ids(catalog) != ids(template):
            found.append(f"{code}: lab.po does not hold exactly the code's messages: run the script")
        if missing := untranslated(catalog):
            found.append(f"{code}: {len(missing)} messages untranslated, e.g. {missing[0]!r}")
        mo = po_path(code).with_suffix(".mo")
        compiled = read_mo(mo.open("rb")) if mo.exists() else Catalog()
        translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
        if {m.id: m.string for m in compiled if m.id} != translated:
            found.append(f"{code}: lab.mo is not lab.po compiled: run the script")
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["init"] and len(argv) == 2:
        init(argv[1])
    elif argv == ["check"]:
        for line in problems():
            print(line)
        return 1 if problems() else 0
    elif not argv:
        update()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

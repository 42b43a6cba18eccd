"""One door for words: no page or ui module hands Streamlit a sentence that did not pass through
``initcore.words.tr`` (an English string literal or f-string given straight to st.markdown, a label, a
caption...). The Persian catalogue then needs no second pass over the pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
# Streamlit calls whose first argument (or these keywords) a user reads.
TEXT_CALLS = {
    "title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "button",
    "toggle", "radio", "selectbox", "slider", "select_slider", "number_input", "download_button",
    "form_submit_button", "expander", "status", "progress", "page_link", "text",
}  # fmt: skip
TEXT_KEYWORDS = {"label", "help", "text", "question", "page_title"}


def _literal_words(node: ast.AST) -> bool:
    """A string literal with letters in it, or an f-string whose own text has letters: words that skipped
    tr() (an f-string that only lays out translated parts, like "**{a}:** {b}", is fine)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_literal_words(v) for v in node.values if isinstance(v, ast.Constant))
    return False


def _bypasses(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in TEXT_CALLS or ast.unparse(node.func.value) in ("ui", "ui.state"):
            continue  # ui.slider(...) declares a control: its label goes through tr() when drawn
        args = [a for a in node.args[:1] if node.func.attr != "page_link"]  # page_link's first is a path
        args += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        out += [f"{path.name}:{a.lineno}: {ast.unparse(a)[:70]}" for a in args if _literal_words(a)]
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sentence_a_page_shows_goes_through_tr(path):
    assert not _bypasses(path), "\n".join(_bypasses(path))


def test_the_check_finds_a_bare_sentence(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        'import streamlit as st\nst.caption("Hello there")\nst.info(f"n = {n}")\nst.code("x = 1")\n'
    )
    assert len(_bypasses(page)) == 2, _bypasses(page)

"""README.md's initcore example prints what the README says it prints, and its sentence about it holds."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _blocks(section: str) -> tuple[str, str]:
    """The first ```python block of a README section and the ```text block after it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    part = text[text.index(section) :]
    code = re.search(r"```python\n(.*?)```", part, re.S).group(1)
    printed = re.search(r"```text\n(.*?)```", part, re.S).group(1)
    return code, printed


def test_notebook_example_prints_what_the_readme_shows():
    code, printed = _blocks("## `initcore` in a notebook")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})  # the README's own code, as a reader would run it
    assert out.getvalue() == printed, f"README example prints:\n{out.getvalue()}"
    # "the gradient reaching layer 1 is 2.2e-8 of the one at layer 10 (5.42e-9 / 0.245)"
    rows = printed.splitlines()
    g1, g10 = float(rows[2].split()[-1]), float(rows[3].split()[-1])
    assert f"{g1 / g10:.1e}".replace("e-08", "e-8") == "2.2e-8", (g1, g10)

"""Security posture of a public app: no user text is evaluated or used in a path, nothing is written to
disk while the pages run, XSRF protection stays on, and viewers see our messages but no tracebacks."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP_FILES = [
    ROOT / "dashboard.py",
    *sorted((ROOT / "ui").glob("*.py")),
    *sorted((ROOT / "charts").glob("*.py")),
    *sorted((ROOT / "pages").glob("*.py")),
]
CORE_FILES = sorted((ROOT / "initcore").glob("*.py"))
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "open", "system", "popen", "loads", "load"}


def _calls(path: Path) -> list[tuple[str, int]]:
    """Every call of a name or attribute in FORBIDDEN_CALLS, with its line."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name == "compile" and isinstance(f, ast.Attribute) and getattr(f.value, "id", "") == "re":
                continue  # a regular expression, not code
            if name in FORBIDDEN_CALLS:
                out.append((name, node.lineno))
    return out


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: p.name)
def test_app_code_evaluates_nothing_and_opens_no_files(path):
    if path.name == "shipped.py" and path.parent.name == "charts":
        # charts/shipped.py reads its own bundled templates as JSON, from a constant path beside it (and
        # hashes the package's own sources, read as bytes, to know whether they are still current)
        assert [name for name, _ in _calls(path)] == ["loads"], _calls(path)
        source = path.read_text()
        assert 'PATH = Path(__file__).with_name("shipped.json")' in source
        assert 'json.loads(PATH.read_text(encoding="utf-8"))' in source
        return
    assert _calls(path) == [], "the pages never evaluate text, open files or unpickle"


def test_the_core_reads_only_its_bundled_data():
    found = {p.name: _calls(p) for p in CORE_FILES if _calls(p)}
    # datasets.py reads its own bundled digits file with np.load (a constant path, no pickle allowed);
    # words.py reads the bundled list of languages as JSON
    assert set(found) <= {"datasets.py", "words.py"}, found
    source = (ROOT / "initcore" / "datasets.py").read_text()
    assert "np.load(DIGITS_FILE)" in source and "allow_pickle=True" not in source
    assert [name for name, _ in found.get("words.py", [])] == ["loads"], found["words.py"]
    words = (ROOT / "initcore" / "words.py").read_text()
    assert 'json.loads((LOCALES / "languages.json").read_text(encoding="utf-8"))' in words


def test_a_language_code_from_a_link_never_reaches_a_path():
    """gettext opens locales/<code>/...: only the codes of languages.json get there (a link's lang is
    checked against them first, and the core refuses any other)."""
    from initcore.words import catalogue

    for code in ("../../etc", "fa/../..", "", "FA", "fa\x00"):
        with pytest.raises(ValueError, match="language must be one of"):
            catalogue(code)


def _config() -> dict[str, dict[str, object]]:
    """The shipped .streamlit/config.toml: sections of `key = value` with TOML scalars, and lists of tables
    (``[[theme.fontFaces]]``, under their dotted name) (tomllib is not in Python 3.10's standard library,
    and this file needs no more than this)."""
    config: dict[str, dict[str, object]] = {}
    section = config
    for line in (ROOT / ".streamlit" / "config.toml").read_text().splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if m := re.fullmatch(r"\[(\w+)\]", line):
            section = config.setdefault(m.group(1), {})
        elif m := re.fullmatch(r"\[\[([\w.]+)\]\]", line):  # [[theme.fontFaces]]: one more table of a list
            section = {}
            config.setdefault(m.group(1), []).append(section)
        else:
            key, value = (part.strip() for part in line.split("=", 1))
            section[key] = json.loads(value)  # true / false / numbers / "strings" read alike in JSON
    return config


def test_shipped_config_keeps_xsrf_on_and_hides_tracebacks():
    config = _config()
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["maxUploadSize"] <= 1, "nothing here takes uploads"


def test_shipped_config_serves_its_own_font_and_nothing_from_elsewhere():
    """The Persian font is a file of the app's static folder, fetched from the app: no CDN, no other host."""
    config = _config()
    assert config["server"]["enableStaticServing"] is True
    (face,) = config["theme.fontFaces"]
    assert face["family"] == config["theme"]["font"] == "Vazirmatn"
    assert face["url"].startswith("app/static/") and "//" not in face["url"]
    assert (ROOT / "static" / face["url"].removeprefix("app/static/")).is_file()
    assert (ROOT / "static" / "fonts" / "VAZIRMATN-OFL.txt").is_file(), "the font's licence ships with it"


def _tree(root: Path) -> dict[str, float]:
    skip = {
        ".git",
        ".venv",
        "venv",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "screenshots",
    }
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for f in filenames:
            p = Path(dirpath) / f
            out[str(p.relative_to(root))] = p.stat().st_mtime
    return out


def test_running_every_page_with_hostile_links_writes_no_file():
    before = _tree(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["act"] = "../../etc/passwd"
    at.run()
    for page, key in [
        ("pages/1_Uniform_vs_normal_draws.py", "d_a"),
        ("pages/2_Saturation_across_depth.py", "s_i1"),
        ("pages/3_Training_comparisons.py", "t_data"),
    ]:
        at.switch_page(page)
        at.query_params.clear()
        at.query_params[key] = "__import__('os').system('touch /tmp/pwned')"
        at.run()
        assert not at.exception
        assert any("Ignored" in i.value for i in at.info), "the bad value is refused with a notice"
    assert not Path("/tmp/pwned").exists()
    assert _tree(ROOT) == before, "no file in the repository was created or changed"


def test_our_own_messages_reach_viewers():
    """showErrorDetails hides tracebacks, not st.warning / st.info: a refused setting is explained."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["n"] = "1e400"
    at.run()
    assert not at.exception
    assert any("n=1e400" in i.value and "using 100" in i.value for i in at.info)

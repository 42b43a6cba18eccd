"""Import hygiene: initcore pulls in neither streamlit nor TensorFlow, and nothing but training imports TF."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("streamlit", "tensorflow", "keras", "altair")


def _modules_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_initcore_loads_no_ui_and_no_tensorflow():
    mods = _modules_after("import initcore\ninitcore.layer_stats\ninitcore.chi1('tanh', 2.0, 0.0)")
    loaded = sorted(m for m in mods if m.split(".")[0] in HEAVY)
    assert not loaded, f"import initcore loaded {loaded[:5]}"


def test_charts_module_does_not_load_tensorflow():
    mods = _modules_after("import charts")
    assert not {m for m in mods if m.split(".")[0] in ("tensorflow", "keras")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


SOURCES = sorted(
    p
    for p in ROOT.rglob("*.py")
    if not any(part in {"tests", "bench", ".venv", "venv"} for part in p.relative_to(ROOT).parts)
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_training_imports_tensorflow_and_initcore_never_imports_the_ui(path):
    names = _imports(path)
    rel = path.relative_to(ROOT)
    if rel.name != "training.py":
        assert not names & {"tensorflow", "keras"}, f"{rel} imports TensorFlow/Keras"
    if rel.parts[0] == "initcore":
        assert not names & {"streamlit", "altair", "charts"}, f"{rel} imports UI code: {names}"
    if rel.name == "charts.py":
        assert "streamlit" not in names, "charts builds charts, pages show them"

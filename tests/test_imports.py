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


ENTRY_SCRIPTS = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]


@pytest.mark.parametrize("path", ENTRY_SCRIPTS, ids=lambda p: p.name)
def test_every_page_imports_ui_first(path):
    """ui limits BLAS to one thread, which works only before numpy is loaded: whichever page a visitor
    opens first, ui must come before any other import of the script."""
    imports = [n for n in ast.parse(path.read_text()).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    first = next(n for n in imports if not (isinstance(n, ast.ImportFrom) and n.module == "__future__"))
    assert isinstance(first, ast.Import) and first.names[0].name == "ui", f"{path.name} imports ui first"


def test_ui_sets_one_blas_thread_before_numpy_loads():
    probe = (
        "import os, sys\nfor v in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS'): os.environ.pop(v, None)\n"
        "import builtins\nreal = builtins.__import__\nseen = {}\n"
        "def spy(name, *a, **k):\n"
        "    if name == 'numpy' and 'numpy' not in sys.modules and not seen:\n"
        "        seen['env'] = os.environ.get('OPENBLAS_NUM_THREADS')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = spy\nimport ui\nprint(seen.get('env'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "1", (
        "OPENBLAS_NUM_THREADS was 1 when numpy was first imported"
    )

"""Import hygiene: initcore pulls in neither streamlit nor TensorFlow, only the loader module imports TF,
and no module of initcore imports one that imports it back (relative imports and imports inside functions
count)."""

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
    """The top-level names of the absolute imports anywhere in ``path`` (inside functions too)."""
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
LOADER = Path("initcore/tf_loader.py")  # the one module that may import TensorFlow / Keras


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_loader_imports_tensorflow_and_initcore_never_imports_the_ui(path):
    names = _imports(path)
    rel = path.relative_to(ROOT)
    if rel != LOADER:
        assert not names & {"tensorflow", "keras"}, f"{rel} imports TensorFlow/Keras"
    if rel.parts[0] == "initcore":
        assert not names & {"streamlit", "altair", "charts", "ui"}, f"{rel} imports UI code: {names}"
    if rel.name == "charts.py" or rel.parts[0] == "charts":
        assert "streamlit" not in names, f"{rel}: charts build charts, pages show them"
        assert "ui" not in names, f"{rel}: charts and ui stand side by side, neither imports the other"
    if rel.parts[0] == "ui":
        assert "charts" not in names, f"{rel}: ui and charts stand side by side, neither imports the other"


def test_the_loader_imports_tensorflow_and_nothing_of_initcore():
    assert {"tensorflow", "keras"} <= _imports(ROOT / LOADER), "the loader no longer loads TensorFlow"
    graph = import_graph(ROOT / "initcore")
    assert graph["initcore.tf_loader"] == set(), f"the loader imports {graph['initcore.tf_loader']}"


# --- the import graph of a package, relative imports included, and its cycles --------------------------


def import_graph(package: Path) -> dict[str, set[str]]:
    """module -> the modules of ``package`` (a flat package directory, named p here) that it imports, anywhere
    in its file, inside functions too: ``import p.x``, ``from p.x import y``, ``from .x import y``, ``from .
    import x`` (module p.x if there is one, else a name of the package itself, whose module is p)."""
    name = package.name
    modules = {name if p.stem == "__init__" else f"{name}.{p.stem}": p for p in sorted(package.glob("*.py"))}
    graph = {}
    for module, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                # every module of a flat package, __init__ included, sits in the package p: level 1 is p
                up = name.split(".")[: len(name.split(".")) - node.level + 1] if node.level else []
                base = ".".join(up + ([node.module] if node.module else []))
                targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        graph[module] = {t for t in targets if t in modules and t != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as [a, b, ..., a], or None if it has none (depth-first search)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if cycle := visit(nxt):
                return cycle
        path.pop()
        done.add(node)
        return None

    return next((c for c in map(visit, sorted(graph)) if c), None)


def test_initcore_imports_no_module_that_imports_it_back():
    graph = import_graph(ROOT / "initcore")
    assert {"initcore", "initcore.schemes", "initcore.training", "initcore.tf_loader"} <= set(graph), graph
    assert "initcore.tf_loader" in graph["initcore.schemes"], "schemes.keras reaches TF through the loader"
    cycle = find_cycle(graph)
    assert cycle is None, f"import circle in initcore: {' -> '.join(cycle)}"


def test_find_cycle_on_tiny_graphs():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None, "a diamond is not a cycle"
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"b"}}) == ["b", "b"]
    assert find_cycle({"x": {"a"}, "a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


def test_import_graph_reads_every_kind_of_import_and_finds_the_old_circle(tmp_path):
    """The circle this repository once had: schemes and datasets imported the TF loader from training inside
    a function, and training imported them at the top."""
    pkg = tmp_path / "core"
    pkg.mkdir()
    files = {
        "__init__.py": "from .schemes import get_scheme\nfrom . import training\n",
        "schemes.py": (
            "import numpy as np\n\n\nclass Scheme:\n    def keras(self):\n"
            "        from .training import tensorflow  # noqa: PLC0415\n\n        return tensorflow()\n"
        ),
        "datasets.py": "from .schemes import check_seed\n\n\ndef _download():\n    from . import training\n",
        "training.py": "from .datasets import Dataset\nfrom .schemes import check_seed, get_scheme\n",
        "runs.py": "import core.datasets\nfrom core.schemes import x\nfrom core import training, TOTAL\n",
        "words.py": "from .. import elsewhere\nfrom ..other import y\nimport numpy\n",
    }
    for file, text in files.items():
        (pkg / file).write_text(text)
    graph = import_graph(pkg)
    assert graph == {
        "core": {"core.schemes", "core.training"},
        "core.schemes": {"core.training"},
        "core.datasets": {"core.schemes", "core.training"},
        "core.training": {"core.datasets", "core.schemes"},
        "core.runs": {"core.datasets", "core.schemes", "core.training", "core"},
        "core.words": set(),
    }, graph
    cycle = find_cycle(graph)
    assert cycle is not None and {"core.schemes", "core.training"} <= set(cycle), cycle
    (pkg / "schemes.py").write_text("import numpy as np\n")
    (pkg / "datasets.py").write_text("from .schemes import check_seed\n")
    assert find_cycle(import_graph(pkg)) is None, "the loop is gone once schemes and datasets let go"


def test_every_initcore_module_imports_first_without_tensorflow():
    """Each module imported alone into a fresh interpreter state (a circle can break only some orders)."""
    probe = (
        "import importlib, pathlib, sys\n"
        "names = sorted(p.stem for p in pathlib.Path('initcore').glob('*.py') if p.stem != '__init__')\n"
        "for n in names:\n"
        "    for m in [m for m in sys.modules if m == 'initcore' or m.startswith('initcore.')]:\n"
        "        del sys.modules[m]\n"
        "    importlib.import_module('initcore.' + n)\n"
        "print(len(names))"
    )
    mods = _modules_after(probe)
    assert not {m for m in mods if m.split(".")[0] in ("tensorflow", "keras")}, "an import loaded TensorFlow"


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


PREFETCH_PROBE = """
import json, os, sys
for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.pop(v, None)
import streamlit as st
from streamlit.testing.v1 import AppTest

HEAVY = ("numpy", "pandas", "altair", "initcore", "charts")
calls, real = [], st.vega_lite_chart


def spy(spec=None, *args, **kwargs):
    prefetch = sys.modules.get("ui.prefetch")
    hidden = prefetch is not None and spec is prefetch.SPEC
    loaded = [m for m in HEAVY if m in sys.modules]
    calls.append({"hidden": hidden, "loaded": loaded, "threads": os.environ.get("OPENBLAS_NUM_THREADS")})
    return real(spec, *args, **kwargs)


st.vega_lite_chart = spy  # ui.prefetch calls st.vega_lite_chart; the pages draw through their columns
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()  # an absolute path
def layout(at):  # the main area's elements in order, by kind
    return [getattr(c, "type", type(c).__name__) for c in at.main.children.values()]


def state(at):
    return {"charts": len(at.get("vega_lite_chart")), "errors": len(at.exception), "layout": layout(at)}


first = {"calls": calls[:], **state(at)}
calls.clear()
at.run()
again = {"calls": calls[:], **state(at)}
import ui.prefetch
print(json.dumps({"first": first, "again": again, "held": len(ui.prefetch._SENT)}))
"""


def test_a_fresh_process_sends_the_hidden_chart_before_the_heavy_imports_and_takes_it_off(tmp_path):
    """A cold server's first run sends ui.prefetch's hidden chart before numpy, pandas, altair and
    initcore load (with BLAS already on one thread), so that the browser loads its chart renderer while
    they do; the page the run ends with holds only its own charts, in the places a later run puts them
    (which sends no hidden chart).
    (AppTest starts at the landing page; every page sends it the same way, from its first import of ui.)"""
    probe = tmp_path / "probe.py"
    probe.write_text(PREFETCH_PROBE)
    out = subprocess.run(
        [sys.executable, str(probe), str(ROOT / "dashboard.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    first, again = seen["first"], seen["again"]
    assert first["calls"], "the first run sent no chart through st.vega_lite_chart"
    hidden = first["calls"][0]
    assert hidden["hidden"], f"the first chart sent is the hidden one: {first['calls'][:2]}"
    assert hidden["loaded"] == [], f"sent before the heavy imports, but {hidden['loaded']} were loaded"
    assert hidden["threads"] == "1", "BLAS is on one thread before anything can load numpy"
    assert [c for c in first["calls"] if c["hidden"]] == [hidden], "sent once"
    assert not [c for c in again["calls"] if c["hidden"]], "a later run sends none"
    assert first["charts"] == again["charts"], (
        f"the first run ends with the page's own {again['charts']} charts, not {first['charts']}"
    )
    assert seen["held"] == 0, "nothing left to take off"
    assert first["layout"] == again["layout"], (
        f"every element keeps its place from the first run on: {first['layout']} vs {again['layout']}"
    )
    assert first["errors"] == again["errors"] == 0, "the landing page raised an exception"


FIRST_RUNS_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import ui  # first, as on every page
sys.path.insert(0, sys.argv[1] + "/tools")
from pathlib import Path
from ship_chart_templates import first_visits

out = []
for script, code, at in first_visits(Path(sys.argv[1])):
    charts = len(at.get("vega_lite_chart")) + len(at.get("arrow_vega_lite_chart"))
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("altair", "jsonschema"))
    out.append({"page": f"{script} ({code})", "errors": len(at.exception), "charts": charts,
                "altair": heavy[:3]})
print(json.dumps(out))
"""


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="Altair 6.3.0 needs Python 3.11: the file is set aside"
)
def test_the_pages_first_runs_at_their_defaults_do_not_import_altair(tmp_path):
    """A fresh process draws the landing page and pages 1, 2 and 3 at their defaults, in every language,
    from charts/shipped.json, without importing Altair (or jsonschema, which it brings): its import and
    the templates' first build are off a cold server's first run."""
    probe = tmp_path / "probe.py"
    probe.write_text(FIRST_RUNS_PROBE)
    command = [sys.executable, str(probe), str(ROOT)]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    runs = json.loads(out.stdout.strip().splitlines()[-1])
    from initcore.words import languages

    charts = {"dashboard.py": 1, "pages/1_": 2, "pages/2_": 1, "pages/3_": 1}  # page 2: the open tab's
    assert len(runs) == len(charts) * len(languages()), [r["page"] for r in runs]
    for run in runs:
        assert run["errors"] == 0, f"{run['page']} raised"
        want = next(n for prefix, n in charts.items() if run["page"].startswith(prefix))
        assert run["charts"] == want, f"{run['page']} drew {run['charts']} charts, not {want}"
        assert not run["altair"], (
            f"{run['page']}: Altair was imported ({run['altair']}); if a template or the core changed, run "
            "`python tools/ship_chart_templates.py`"
        )


REPL_CHECK_PROBE = """
import json, sys
from streamlit import env_util
from streamlit.testing.v1 import AppTest

calls, real = [], env_util.is_repl


def counting():
    calls.append(1)
    return real()


env_util.is_repl = counting
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
charts = len(at.get("vega_lite_chart"))
print(json.dumps({"calls": len(calls), "errors": len(at.exception), "charts": charts}))
"""


def test_a_fresh_process_first_run_skips_streamlits_repl_check(tmp_path):
    """ui.prefetch marks Streamlit's once-per-process "not run with streamlit run" check done before the
    first element of a page run, so the first run does not pay for its inspect.stack() (56-71 ms of a
    cold server's first run). Failing here means Streamlit renamed its flag: the check runs again."""
    probe = tmp_path / "probe.py"
    probe.write_text(REPL_CHECK_PROBE)
    command = [sys.executable, str(probe), str(ROOT / "dashboard.py")]
    seen = json.loads(
        subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
        .stdout.strip()
        .splitlines()[-1]
    )
    assert seen["errors"] == 0 and seen["charts"] >= 1, seen
    assert seen["calls"] == 0, f"the first run called streamlit.env_util.is_repl {seen['calls']} time(s)"

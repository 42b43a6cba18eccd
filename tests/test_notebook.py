"""The lesson as a notebook (notebooks/lesson.ipynb), run top to bottom in a real Jupyter kernel as a
teacher would run it, and initcore installable from the repository (pyproject.toml) with its data and its
catalogues. A few of the notebook's printed numbers are checked against initcore computed here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from initcore import claims
from initcore.runs import outcomes

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "lesson.ipynb"
TIMEOUT_S = 600  # a cell; step 6 imports TensorFlow and trains twice


@pytest.fixture(scope="module")
def executed():
    """The notebook run once, without its install cell (the tests run from the clone: the kernel gets the
    repository on its path instead), and how long it took."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells = [c for c in nb.cells if "install" not in c.metadata.get("tags", [])]
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(ROOT)!r})"))
    client = NotebookClient(
        nb, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


def _printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _is_chart(output) -> bool:
    """An Altair chart's output: a Vega-Lite bundle, or the HTML that embeds one (Altair's default)."""
    data = output.get("data", {})
    return any("vegalite" in kind for kind in data) or "vegaEmbed" in data.get("text/html", "")


def _cell(nb, containing: str):
    return next(c for c in nb.cells if c.cell_type == "code" and containing in c.source)


def test_the_notebook_runs_the_six_steps_top_to_bottom_and_draws_the_charts(executed):
    nb, seconds = executed
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    said = [o["data"]["text/markdown"] for c in nb.cells for o in c.get("outputs", []) if "text/markdown" in
            o.get("data", {})]  # fmt: skip
    assert [s.split(".")[0] for s in said] == [f"**{i}" for i in range(1, 7)], said
    assert said[0].startswith(f"**1. {claims.LESSON[0].title}.**") and claims.LESSON[0].text in said[0]
    drawn = [c for c in nb.cells for o in c.get("outputs", []) if _is_chart(o)]
    assert len(drawn) >= 7, f"{len(drawn)} charts drawn"
    print(f"notebook: {len(nb.cells)} cells in {seconds:.1f} s")


def test_the_notebooks_numbers_are_initcores(executed):
    nb, _ = executed
    draws = claims.LESSON[0].view.draws(claims_seed := 0).summary
    printed = _printed(_cell(nb, "step = say(1)"))
    for _, row in draws.iterrows():
        assert f"{row['std']:.4f}" in printed, (row["draws"], row["of"], row["std"], printed)

    last = claims.last_layer(claims.LESSON[2].view, claims_seed)
    printed = _printed(_cell(nb, "step = say(3)"))
    for label, row in last.iterrows():
        assert label in printed and f"{row['near_linear']:.3g}" in printed, (label, printed)

    fates = outcomes(claims.run(claims.LESSON[5].view, claims_seed))
    printed = _printed(_cell(nb, "step = say(6)"))
    lines = [ln for ln in printed.splitlines()[2:] if ln.strip()]  # after the header and the index's name
    assert len(lines) == len(fates), printed
    for line, fate in zip(lines, fates, strict=True):
        assert line.startswith(fate.label) and fate.kind in line, (line, fate.label, fate.kind)


def test_initcore_installs_from_the_repository_with_its_data_and_catalogues(tmp_path):
    """``pip install .`` (here: the wheel it builds) gives initcore and charts with the bundled digits and
    the compiled catalogues, and they work from outside the clone, in English and in Persian."""
    source = (
        tmp_path / "source"
    )  # setuptools writes build/ and *.egg-info beside the sources: not in the clone
    source.mkdir()
    for part in ("pyproject.toml", "README.md", "initcore", "charts", "locales"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / part, source / part)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source), "-w", str(tmp_path / "wheel")],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("initcore/__init__.py", "charts/__init__.py", "initcore/data/digits.npz",
                   "initcore/locales/languages.json", "initcore/locales/fa/LC_MESSAGES/lab.mo"):  # fmt: skip
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("tests/", "pages/", "ui/", "bench/"))], "only the core"
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = "\n".join(
        [
            "import initcore, charts",
            "from initcore.datasets import load_dataset",
            "from initcore.words import speaking, tr",
            f"assert initcore.__file__.startswith({str(site)!r}), initcore.__file__",
            "print(load_dataset('digits', seed=0).n_classes)",
            "with speaking('fa'):",
            "    print(tr('Seed'))",
        ]
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    digits, seed = run.stdout.split("\n")[:2]
    assert digits == "10" and seed and seed != "Seed", run.stdout

"""Running a page's computation: threads for independent pieces, chart data converted once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from streamlit import dataframe_util
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from initcore.words import carry

WORKERS = 2  # threads for independent computations: the cores of a small server (BLAS uses one each)


def parallel_map(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """``[fn(x) for x in items]`` in up to ``WORKERS`` threads (numpy releases the GIL in its loops and
    matrix products). Each thread carries this run's script context, so cached functions behave there as
    they do on the page, and its translation (``initcore.words.carry``); results come back in order."""
    items = list(items)
    if len(items) < 2 or WORKERS < 2:
        return [fn(x) for x in items]
    ctx = get_script_run_ctx()
    with ThreadPoolExecutor(
        min(WORKERS, len(items)), initializer=add_script_run_ctx, initargs=(None, ctx)
    ) as pool:
        return list(pool.map(carry(fn), items))  # carry: the workers translate as this run does


def frozen_spec(spec: dict) -> dict:
    """A chart spec whose named datasets are already Arrow IPC bytes, as Streamlit would make them: for a
    spec that is cached and drawn on many reruns, so the conversion (a few ms per dataset) happens once.
    Streamlit passes bytes through unchanged."""
    datasets = {
        name: dataframe_util.convert_anything_to_arrow_bytes(df) for name, df in spec["datasets"].items()
    }
    return {**spec, "datasets": datasets}

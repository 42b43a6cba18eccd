"""Running a page's computation: chart data converted once, an allocator that keeps freed memory for
the next rerun, and a garbage collector that leaves the app's modules alone.

On Linux with glibc, freed memory of up to 64 MB is kept for the next rerun (``mallopt``): by default
glibc returns every freed multi-megabyte array to the system, and page 2's next computation then pays a
page fault for each of its fresh pages, 13 ms of its 94 (measured; the process held 35 MB more). The
64 MB are per glibc arena, and busy threads may get arenas of their own (up to 8 per core): the bound is
that many times 64 MB, though the server measured 231 MB after pages 1 and 2 (bench/RESULTS.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc

from streamlit import dataframe_util

from initcore.views import DepthView, DrawsView

# How the pages' cached functions hash a view: by its repr, which names every field (frozen dataclasses of
# plain values: two views with the same repr compute the same numbers). Streamlit's own hashing of a view
# took 0.4 ms a call, its repr 0.1 ms; page 2 calls three cached functions a rerun.
BY_FIELDS = {DepthView: repr, DrawsView: repr}


def frozen_spec(spec: dict) -> dict:
    """A chart spec whose named datasets are already Arrow IPC bytes, as Streamlit would make them: for a
    spec that is cached and drawn on many reruns, so the conversion (a few ms per dataset) happens once.
    Streamlit passes bytes through unchanged."""
    datasets = {
        name: dataframe_util.convert_anything_to_arrow_bytes(df) for name, df in spec["datasets"].items()
    }
    return {**spec, "datasets": datasets}


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>
KEEP_FREED_BYTES = 64 << 20


def _keep_freed_memory() -> bool:
    """Ask glibc to keep up to KEEP_FREED_BYTES of freed memory and to serve arrays below half of it
    from its heap; elsewhere (macOS, Windows, musl) nothing changes. Whether glibc took the settings."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, KEEP_FREED_BYTES // 2) and mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
    )


KEEPS_FREED_MEMORY = _keep_freed_memory()


@functools.cache  # once per process (twice at worst, if two sessions start at once: harmless)
def freeze_startup_objects() -> None:
    """Once per process, when the first page has imported what it needs: move every object alive then
    (modules, classes, the Altair schema, translations) to the garbage collector's permanent generation
    (``gc.freeze``), so that a full collection no longer walks them. Page 2 measured one 41 ms full
    collection every ~40 reruns; with them frozen, its p95 rerun fell from 105 to 99 ms. The first run's
    own page namespace is frozen with them and stays for good (a one-off of a few MB)."""
    gc.freeze()

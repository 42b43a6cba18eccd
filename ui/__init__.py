"""Page plumbing shared by every page, one concern a module:

- :mod:`ui.state`: declarative controls (:class:`Control`), mirrored in the URL, and the :class:`Page` that
  seeds them, draws them and writes the link;
- :mod:`ui.views`: initcore's views as widget values and links, the initialization slots, preset notes;
- :mod:`ui.tables`: initcore's tables as text (pure DataFrame -> DataFrame);
- :mod:`ui.words`: the captions that are computed from the numbers on screen;
- :mod:`ui.classroom`: the budget's refusal, predict-then-reveal, downloads;
- :mod:`ui.compute`: threads and pre-converted chart data;
- :mod:`ui.nav`: the page list and the sidebar.

Every page imports ``ui`` first: it limits BLAS to one thread before anything loads numpy. The app's
matrix products are small and many sessions share a 2-core server: with two OpenBLAS threads, page 2's
default computation measured 51 ms on an idle machine but 630 ms while another process used a core (the
threads spin-wait for each other); with one thread, 56 ms either way. A variable the host set is kept.

On Linux with glibc, :mod:`ui.compute` also tunes the allocator (``KEEPS_FREED_MEMORY``).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("VECLIB_MAXIMUM_THREADS", "1")  # macOS Accelerate

# isort: split
from . import prefetch

prefetch.send()  # a fresh process's first run: before the imports below (see ui.prefetch)

# isort: split
from initcore.words import N_, tr
from initcore.words import language as lang

from . import words
from .classroom import download, hidden_until_revealed, refuse_over_budget, train
from .compute import BY_FIELDS, KEEPS_FREED_MEMORY, frozen_spec
from .nav import PAGES, setup_page
from .state import (
    Control,
    Field,
    Page,
    PageState,
    integer,
    radio,
    seed,
    select,
    share_link,
    slider,
    steps,
    switch,
    tabs,
)
from .tables import fmt, neuron_table, summary_table, theory_table, training_table
from .views import (
    apply_state,
    depth_state,
    draws_state,
    preset_buttons,
    preset_note,
    seeds_note,
    slot_controls,
    slot_state,
    training_state,
    view_link,
)

__all__ = [
    "BY_FIELDS",
    "KEEPS_FREED_MEMORY",
    "N_",
    "PAGES",
    "Control",
    "Field",
    "Page",
    "PageState",
    "apply_state",
    "depth_state",
    "download",
    "draws_state",
    "fmt",
    "frozen_spec",
    "hidden_until_revealed",
    "integer",
    "lang",
    "neuron_table",
    "preset_buttons",
    "preset_note",
    "radio",
    "refuse_over_budget",
    "seed",
    "seeds_note",
    "select",
    "setup_page",
    "share_link",
    "slider",
    "slot_controls",
    "slot_state",
    "steps",
    "summary_table",
    "switch",
    "tabs",
    "theory_table",
    "tr",
    "train",
    "training_state",
    "training_table",
    "view_link",
    "words",
]

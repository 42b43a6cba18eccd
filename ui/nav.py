"""The app's pages in sidebar order, and the frame every page shares."""

from __future__ import annotations

import streamlit as st

from initcore.words import N_, tr

from . import language, prefetch
from .compute import freeze_startup_objects

# (path, title, icon, one line on what the page shows)
PAGES = (
    ("dashboard.py", "Why initialization matters", ":material/school:", "The lesson in brief."),
    (
        "pages/1_Uniform_vs_normal_draws.py",
        "Uniform vs normal draws",
        ":material/bar_chart:",
        N_(
            "What U[-0.1, 0.1] and N(0, 0.1²) draw, side by side with the exact theory, and where the "
            "weighted sum z of one neuron with n inputs lands on the sigmoid."
        ),
    ),
    (
        "pages/2_Saturation_across_depth.py",
        "Saturation across depth",
        ":material/stacked_line_chart:",
        N_(
            "A deep sigmoid (or tanh, ReLU) net layer by layer: activations collapsing or saturating, "
            "gradients vanishing, and the mean-field theory that predicts it, with a phase diagram."
        ),
    ),
    (
        "pages/3_Training_comparisons.py",
        "Training comparisons",
        ":material/model_training:",
        N_(
            "The proof: the same network trained from up to six initializations at once, on the same "
            "batches, with loss, accuracy and every layer's saturation as it learns."
        ),
    ),
)


def setup_page(title: str, icon: str) -> None:
    """This run's language, the page config and the sidebar: the lab's name, the language switch and the
    navigation (same order, labels and icons on every page; the links keep the language). The first
    call in the process also freezes what the imports made (``ui.compute.freeze_startup_objects``)."""
    freeze_startup_objects()
    prefetch.clear()  # a fresh process's hidden chart (ui.prefetch), before the page draws anything
    language.start()
    st.set_page_config(
        page_title=tr("{title} · Weight Initialization Lab", title=tr(title)), page_icon=icon, layout="wide"
    )
    with st.sidebar:
        st.markdown("### " + tr("Weight Initialization Lab"))
        language.draw_switch()
        for path, label, page_icon, _ in PAGES:
            st.page_link(path, label=tr(label), icon=page_icon, query_params=language.query())

"""What a page does for a class: refuse a request too big for a shared server (and say what to lower),
hide results until the class has predicted them, offer the data behind a chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

import initcore
import initcore.training
from initcore.words import plain, tr


def refuse_over_budget(
    page: Any, what: str, cost: Callable[..., Any], settings: Mapping[str, tuple[str, str]]
) -> None:
    """If ``cost(**current)`` (an ``initcore.Cost``) is over the budget: say so, with each setting's
    largest choice that fits with the others unchanged (searched only then), and end this run with
    ``page.stop()`` (nothing is computed; the controls keep their values and the link is written).
    ``settings`` maps a keyword of ``cost`` to (its name in the message, the key of its control): the
    control gives the current value and the choices."""
    current = {kw: page.value(key) for kw, (_, key) in settings.items()}
    estimate = cost(**current)
    if estimate.fits():
        return
    choices = {kw: page.controls[key].choices() for kw, (_, key) in settings.items()}
    lower = initcore.budget.what_to_lower(cost, current, choices)
    named = {tr(settings[kw][0]): value for kw, value in lower.items()}
    st.warning(initcore.over_budget_message(tr(what), estimate, named), icon=":material/speed:")
    page.stop()


def train(view: Any, seed: int, data: Any, *, live: Callable[[Any], dict] | None = None) -> Any:
    """``view.run(seed, data=data)`` with TensorFlow's loading and the run's progress shown, and, with
    ``live`` (history -> chart spec), a chart that follows the run; all cleared when it is done."""
    with st.status(tr("Loading TensorFlow (the first run takes a few seconds)…"), expanded=False) as status:
        initcore.training.tensorflow()
        status.update(label=tr("TensorFlow is ready"), state="complete")
    bar, chart = st.progress(0.0, text=tr("Training…")), st.empty()

    def progress(step: int, total: int, history: Any) -> None:
        bar.progress(step / total, text=tr("Training… step {step} of {total}", step=step, total=total))
        if live is not None:
            chart.vega_lite_chart(live(history), width="stretch")

    result = view.run(seed, data=data, progress=progress)
    bar.empty()
    chart.empty()
    return result


def hidden_until_revealed(key: str, question: str, settings: Any) -> bool:
    """Predict, then reveal: while the toggle ``key`` is on and the results of ``settings`` have not been
    revealed, show the question and a Reveal button and return True (the page then hides its results).
    New settings hide the results again, so each change can be predicted anew."""
    revealed = f"{key}_revealed"
    if not st.session_state.get(key) or st.session_state.get(revealed) == settings:
        return False
    with st.container(border=True):
        st.markdown(tr("**Predict first:** {question}", question=question))
        st.caption(tr("Take a guess or a vote; the results stay hidden until you reveal them."))
        st.button(
            tr("Reveal the results"),
            key=f"{key}_button",
            type="primary",
            icon=":material/visibility:",
            on_click=st.session_state.__setitem__,
            args=(revealed, settings),
        )
    return True


def download(df: Any, filename: str, key: str, *, where: Any = st) -> None:
    """A small CSV download button for the data behind a chart (built only when clicked), its text plain:
    no isolates or no-break spaces from a right-to-left page in the cells."""
    where.download_button(
        tr("Data (CSV): {file}", file=filename),
        lambda: plain(df.to_csv(index=False)),
        filename,
        "text/csv",
        key=key,
        type="tertiary",
    )

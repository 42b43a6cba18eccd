"""Every claim the lab makes in words holds on every seed it is made for (initcore.claims), and the pages
show these words only where the claims are made: the lesson's steps, the presets' notes.

A claim that fails here is rewritten, never this test: its sentence is on a page in front of a class.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest

from initcore import claims
from initcore.claims import CLAIMS, DEPTH_PRESETS, LESSON, TRAINING_PRESETS
from initcore.views import DepthView, DrawsView, TrainingView

PER_SEED = [
    pytest.param(
        name,
        seed,
        id=f"{name}-seed{seed}",
        marks=[pytest.mark.tf] if isinstance(claim.view, TrainingView) else [],
    )
    for name, claim in CLAIMS.items()
    for seed in (claim.seeds[:1] if claim.across_seeds else claim.seeds)
]


@pytest.mark.parametrize(("name", "seed"), PER_SEED)
def test_claim_holds(name, seed):
    failures = CLAIMS[name].failures(seed)
    assert not failures, "\n".join(failures)


def test_claims_are_made_on_many_seeds():
    for name, claim in CLAIMS.items():
        least = 5 if isinstance(claim.view, TrainingView) else 10
        assert len(claim.seeds) >= least and claim.seeds != (0,), f"{name}: seeds {claim.seeds}"


def test_every_preset_and_every_lesson_sentence_is_a_claim():
    texts = {c.text for c in CLAIMS.values()}
    for preset in (*DEPTH_PRESETS, *TRAINING_PRESETS):
        assert preset.text in texts, f"preset {preset.name!r} says something no claim checks"
    for step in LESSON:
        assert step.claims, f"step {step.title!r} makes no claim"
        for part in step.parts:
            if isinstance(part, str):
                # Instructions only: no number and no effect word the claims would have to back.
                assert not re.search(r"\d+%|healthy|saturat|near-linear|vanish|stall|\blearns?\b", part), part


def test_a_failing_claim_reports_its_numbers():
    """The checks can fail: the same claim on a view it is not made for says what it measured."""
    claim = CLAIMS["depth.too_small"]
    wrong = claims.Claim(claim.name, claim.text, DepthView(claim.view.inits, width=1000), claim.check)
    failures = wrong.failures(0)
    assert failures and "verdicts ['vanishing gradients', 'healthy']" in failures[0], failures


def test_lesson_views_are_the_pages_own():
    """Each step opens the page of its view, and views hold only what their pages can show."""
    for step in LESSON:
        assert isinstance(step.view, DrawsView | DepthView | TrainingView), step.title
    assert isinstance(LESSON[-1].view, TrainingView) and LESSON[-1].view == TRAINING_PRESETS[0].view


def test_claims_see_the_numbers_the_views_compute():
    """claims.study caches one initialization at a time; put together, it is the view's own study."""
    view = DEPTH_PRESETS[0].view
    cached, fresh = claims.study(view, 3), view.study(3)
    for name in ("layers", "hist", "summary"):
        pd.testing.assert_frame_equal(getattr(cached, name), getattr(fresh, name), obj=name)


def test_the_lesson_at_batch_250_says_what_it_says_at_1000():
    """Page 2 opens on the lesson at batch 250 (a quarter of the work): on seeds 0-19 every verdict is the
    one batch 1000 gives, and every layer's share of saturated and near-linear units is within 0.5 points."""
    view = DEPTH_PRESETS[0].view
    assert view.batch == 250
    for seed in range(20):
        small, large = view.study(seed), replace(view, batch=1000).study(seed)
        assert list(small.summary.verdict) == list(large.summary.verdict), seed
        for column in ("saturated", "near_linear"):
            gap = (small.layers[column] - large.layers[column]).abs().max()
            assert gap <= 0.005, (seed, column, gap)


def test_the_edge_of_chaos_in_the_sentences_is_computed_when_first_said():
    """NOTATION's {edge} (chi1 of N(0, 1²) at width 64, sigmoid) is the theory's number, two decimals, and
    importing the claims does not compute it (the moment tables cost a cold landing page 30 ms)."""
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import initcore.claims, initcore.theory as t\n"
        "print(t._table.cache_info().currsize)\n"
        "print(initcore.claims.said('{edge}'))\nprint(t._table.cache_info().currsize)"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    before, said, after = out.stdout.split()
    from initcore import chi1, sigma_w2

    want = chi1("sigmoid", sigma_w2("normal", 64, 64, std=1.0), 0.0)
    assert said == f"{want:.2f}", f"{{edge}} said {said}, chi1 is {want}"
    assert before == "0" and after != "0", f"tables cached: {before} at import, {after} after saying it"

"""The words the pages compute from their numbers (ui's caption builders): each says what the numbers
show, and changes when they do. Synthetic inputs put every number where a rule turns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import initcore
import ui
from initcore import claims


def _history(accuracies: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for label, accs in accuracies.items():
        for step, acc in enumerate(accs):
            rows += [(label, step * 10, "train", 1.0, acc), (label, step * 10, "test", 1.0, acc)]
    return pd.DataFrame(rows, columns=["scheme", "step", "split", "loss", "accuracy"])


def test_curves_caption_names_the_flat_curves_from_the_curves_and_what_the_optimizer_does():
    history = _history({"A": [0.5, 0.52, 0.54], "B": [0.5, 0.7, 0.9], "C": [0.5, 0.56, 0.5]})
    sgd = ui.words.curves_caption(history, "sgd")
    assert "Accuracy flat here: A (the list above says why)." in sgd, sgd
    assert "With plain SGD every weight moves by its gradient" in sgd
    adam = ui.words.curves_caption(_history({"B": [0.1, 0.9]}), "adam")
    assert "flat here" not in adam and "it hides vanishing gradients" in adam, adam


def test_q_caption_quotes_the_largest_gap_and_names_what_it_cannot_compare():
    layers = pd.DataFrame(
        {
            "series": ["a", "a", "b", "b", "z", "z"],
            "q_measured": [1.0, 1.1, 2.0, 1.0, 0.0, 0.0],
            "q_theory": [1.0, 1.0, 1.0, 1.0, 0.0, 0.0],
        }
    )
    text = ui.words.q_caption(layers)
    assert "at most 10% apart at any layer for a, and up to 100% for b." in text, text
    assert "No ratio for z" in text, text


def test_boundary_caption_names_the_models_that_paint_one_colour():
    grid = pd.DataFrame({"scheme": ["a"] * 3 + ["b"] * 3, "p": [0.45, 0.5, 0.64, 0.0, 0.5, 1.0]})
    text = ui.words.boundary_caption(grid)
    assert "a paints one flat colour" in text and "b paint" not in text, text
    assert "Every model here draws a boundary" in ui.words.boundary_caption(grid[grid["scheme"] == "b"])


def test_layers_caption_tells_whose_top_layer_sank_and_whether_it_came_back():
    rows = []
    for step, top in zip((0, 10, 20, 30), (0.5, 0.1, 0.05, 0.2), strict=True):
        for layer in (1, 2, 3):
            rows.append({"scheme": "s", "step": step, "layer": layer, "a_mean": top if layer == 3 else 0.5})
    text = ui.words.layers_caption(pd.DataFrame(rows), "sigmoid")
    assert "s: below 0.15 at step 10 (lowest 0.05), back above 0.15 at step 30" in text, text
    assert "stayed between 0.50 and 0.50" in text, text
    assert "sank" not in ui.words.layers_caption(pd.DataFrame(rows), "tanh"), "only the sigmoid's mean is 1/2"


@pytest.mark.parametrize(
    ("compare", "a", "b", "words"),
    [
        ("bound", "uniform", "normal", "a third of the variance of N(0, s²)"),
        ("bound", "he_uniform", "normal", "has no parameter of its own"),
        ("variance", "uniform", "truncated_normal", "the shapes still differ: excess kurtosis -1.2 for A"),
        ("variance", "uniform", "glorot_uniform", "both are of one family, so the shapes match too"),
        ("free", "uniform", "normal", "Each distribution has its own parameters"),
    ],
)
def test_draws_caption_says_only_what_holds_for_the_pair(compare, a, b, words):
    view = initcore.views.DrawsView(initcore.views.Init.of(a), initcore.views.Init.of(b), compare=compare)
    text = ui.words.draws_caption(compare, a, b, view.draws(0).summary, 100_000)
    assert words.replace("-", "−") in text or words in text, text


def test_heatmap_caption_follows_the_activation_and_the_bias_spread():
    assert "thin stripe at sigmoid(0) = 0.5; large ones push the units to the edges, 0 and 1" in (
        ui.words.heatmap_caption("sigmoid", 0.0)
    )
    assert "the band that the biases alone make (σ_b = 0.5)" in ui.words.heatmap_caption("tanh", 0.5)
    relu = ui.words.heatmap_caption("relu", 0.0)
    assert "edges" not in relu and "thin stripe" not in relu and "exactly 0" in relu
    assert "below 2) crowd the deeper rows toward 0" in relu
    assert "below 1) crowd the deeper rows to the spread the biases alone keep up (σ_b = 0.5)" in (
        ui.words.heatmap_caption("linear", 0.5)
    )


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_small_weights_keep_every_layer_in_a_thin_stripe_as_the_heatmap_caption_says(activation):
    """The caption's "small weights (σ_w² far below 1) squeeze every layer into a thin stripe at φ(0)", on
    seeds 0-9 at σ_w² = 0.01: on the bounded activation's shared axis, every layer's activations have a
    std of at most 6% of its range (sigmoid measured 2.5%, tanh 5.0%) around φ(0)."""
    assert "σ_w² = fan-in · Var(w) far below 1) squeeze every layer" in ui.words.heatmap_caption(
        activation, 0
    )
    lo, hi = initcore.ACTIVATIONS[activation].limits
    centre = float(initcore.ACTIVATIONS[activation].fn(np.zeros(1))[0])
    init = initcore.views.Init.of("normal", std=0.01)  # width 100: σ_w² = 100 · 0.01² = 0.01
    for seed in range(10):
        layers = initcore.views.DepthView((init,), activation, 10, 100, 250, "normal", 0.0).study(seed).layers
        assert layers.a_std.max() <= 0.06 * (hi - lo), (seed, layers.a_std.max())
        assert (layers.a_mean - centre).abs().max() <= 0.06 * (hi - lo), (seed, "the stripe sits at φ(0)")


@pytest.mark.parametrize(("activation", "crit"), [("relu", 2.0), ("linear", 1.0)])
def test_unbounded_heatmap_rows_crowd_toward_0_where_the_caption_says(activation, crit):
    """The relu / linear caption: on each initialization's own axis, weights that shrink the signal
    (σ_w² below 2 for relu, 1 for linear) crowd the deeper rows toward 0, weights that grow it the first
    rows. Seeds 0-9, no bias, at σ_w² = crit / 4 and 4 crit: the share of a row's units within two bins of
    0 goes from the first layer's to the last's (measured 0.2-0.25 -> 1.0 for linear, 0.55-0.62 -> 1.0 for
    relu, whose dead half sits at 0 in every row; the reverse growing), and the spread shrinks or grows over
    100-fold (measured 0.0013-0.0027x and 329-711x)."""
    for factor, shrinks in ((0.25, True), (4.0, False)):
        init = initcore.views.Init.of("normal", std=(crit * factor / 100) ** 0.5)  # width 100
        for seed in range(10):
            d = initcore.views.DepthView((init,), activation, 10, 100, 250, "normal", 0.0).study(seed)
            a = d.layers.a_std.to_numpy()
            assert (a[-1] / a[0] < 0.01) if shrinks else (a[-1] / a[0] > 100), (factor, seed, a)
            share = {}
            for layer in (1, 10):
                row = d.hist[d.hist.layer == layer]
                width = row.right.iloc[0] - row.left.iloc[0]
                near = (row.left.abs() <= 2 * width) | (row.right.abs() <= 2 * width)
                share[layer] = float((row.density * width)[near].sum())
            crowded, spread = (10, 1) if shrinks else (1, 10)
            assert share[crowded] > 0.95 and share[spread] < 0.7, (factor, seed, share)


def test_phase_caption_places_the_edge_of_chaos_from_the_theory():
    edge = float(initcore.critical_line("sigmoid", np.array([0.0]))["sigma_w2"].iloc[0])
    assert f"σ_w² ≈ {edge:.3g}" in ui.words.phase_caption("sigmoid", 100) and 100 < edge < 110


def test_zone_table_caption_reads_the_table():
    table = pd.DataFrame(
        {
            "n": [100, 100, 100, 1000, 1000, 1000],
            "weights": ["U[-0.1, 0.1]", "N(0, 0.1²)", "Glorot (Xavier) uniform"] * 2,
            "std of z": [0.58, 1.0, 1.0, 1.83, 3.16, 1.0],
            "near-linear": [0.57, 0.35, 0.35, 0.2, 0.11, 0.35],
            "saturated": [0.0, 1e-5, 1e-5, 0.017, 0.168, 1e-5],
        }
    )
    text = ui.words.zone_table_caption(table)
    assert "almost none (under 0.1%)" in text and "N(0, 0.1²) gives z a std of 3.2 and puts 17%" in text, text


def test_a_preset_note_says_which_seeds_its_claims_are_checked_on():
    assert ui.seeds_note(claims.DEPTH_PRESETS[0].view) == "(Checked on seeds 0-9.)"
    assert ui.seeds_note(claims.TRAINING_PRESETS[0].view) == "(Checked on seeds 0-4.)"


def test_each_thread_translates_as_it_was_told_and_carried_work_as_its_caller():
    """Sessions run side by side in threads, perhaps in two languages: the translation in force is the
    thread's own, a block's with translating(), and a pool worker's is its caller's through carry() (as
    a pool's workers translate the words they write for their caller)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from initcore.words import carry, set_translator, tr, translating

    def parallel_map(fn, items):
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(carry(fn), items))

    seen: dict[str, object] = {}
    ready = threading.Barrier(2)

    def session(name: str, translate) -> None:
        set_translator(translate)
        ready.wait()  # both have set theirs before either reads
        seen[name] = (tr("layer"), parallel_map(lambda m: tr(m), ["weights", "layer"]))

    threads = [
        threading.Thread(target=session, args=("shout", str.upper)),
        threading.Thread(target=session, args=("plain", None)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"shout": ("LAYER", ["WEIGHTS", "LAYER"]), "plain": ("layer", ["weights", "layer"])}
    assert tr("layer") == "layer", "the test's own thread was never told otherwise"
    with translating(str.title):
        assert tr("gradient flow") == "Gradient Flow"
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(tr, "layer").result() == "layer", "a bare worker starts in English"
            assert pool.submit(carry(tr), "layer").result() == "Layer", "a carried one translates"
    assert tr("gradient flow") == "gradient flow", "the block ends, English again"

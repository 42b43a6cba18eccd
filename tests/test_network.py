"""Forward and backward passes: the table's columns, definitions, reproducibility and errors."""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import pandas as pd
import pytest

import initcore
from initcore.activations import SIGMOID_LINEAR_Z, SIGMOID_SATURATION_Z

X = np.random.default_rng(0).standard_normal((200, 30)).astype(np.float32)
KW = {"depth": 5, "width": 40, "scheme": "glorot_uniform", "activation": "sigmoid", "seed": 1}


def test_one_row_per_layer_with_exactly_the_documented_columns():
    stats = initcore.layer_stats(X, **KW)
    assert list(stats.columns) == [
        "layer",
        "z_mean",
        "z_std",
        "a_mean",
        "a_std",
        "saturated",
        "near_linear",
        "grad_rms",
    ]
    assert stats["layer"].tolist() == [1, 2, 3, 4, 5]
    assert np.isfinite(stats.drop(columns="layer").to_numpy()).all()


def test_stats_are_computed_from_the_arrays_by_their_definitions():
    stats = initcore.layer_stats(X, **KW)
    arr = initcore.layer_arrays(X, **KW)
    assert arr.z.shape == arr.a.shape == arr.dz.shape == (5, 200, 40)
    flat = arr.z.reshape(5, -1).astype(np.float64)
    np.testing.assert_allclose(stats.z_mean, flat.mean(axis=1), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(stats.z_std, flat.std(axis=1), rtol=1e-6)
    np.testing.assert_allclose(stats.a_mean, arr.a.reshape(5, -1).mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(stats.a_std, arr.a.reshape(5, -1).std(axis=1), rtol=1e-5)
    # sigmoid: saturated <=> |z| > 4.357, near-linear <=> |z| <= 0.455 (relative slope 0.05 and 0.95)
    np.testing.assert_allclose(stats.saturated, (np.abs(flat) > SIGMOID_SATURATION_Z).mean(axis=1), atol=1e-4)
    np.testing.assert_allclose(stats.near_linear, (np.abs(flat) <= SIGMOID_LINEAR_Z).mean(axis=1), atol=1e-4)
    rms = np.sqrt(np.mean(arr.dz.reshape(5, -1).astype(np.float64) ** 2, axis=1))
    np.testing.assert_allclose(stats.grad_rms, rms, rtol=1e-6)
    np.testing.assert_allclose(arr.a, initcore.ACTIVATIONS["sigmoid"].fn(arr.z), rtol=1e-6)


def test_the_backward_pass_is_the_chain_rule_with_the_published_weights():
    weights = initcore.network_weights(30, depth=3, width=40, scheme="he_normal", seed=4)
    g = initcore.upstream_gradient(200, 40, seed=4)
    arr = initcore.layer_arrays(X, depth=3, width=40, scheme="he_normal", activation="tanh", seed=4)
    z1 = X @ weights[0]
    np.testing.assert_allclose(arr.z[0], z1, rtol=1e-5, atol=1e-6)
    dz3 = g * (1 - np.tanh(arr.z[2]) ** 2)
    dz2 = (dz3 @ weights[2].T) * (1 - np.tanh(arr.z[1]) ** 2)
    # float32 rounding: the pass rescales dL/dz to unit RMS per layer, so compare relative to the RMS
    for got, want in ((arr.dz[2], dz3), (arr.dz[1], dz2)):
        rms = float(np.sqrt(np.mean(want.astype(np.float64) ** 2)))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * rms)


def test_same_seed_same_table_other_seed_other_table():
    a, b = initcore.layer_stats(X, **KW), initcore.layer_stats(X, **KW)
    pd.testing.assert_frame_equal(a, b)
    c = initcore.layer_stats(X, **{**KW, "seed": 2})
    assert not np.allclose(a.z_std, c.z_std), "seed 1 and seed 2 gave the same net"


def test_a_deeper_net_starts_with_the_same_layers():
    shallow = initcore.network_weights(30, depth=2, width=40, scheme="uniform", seed=9)
    deep = initcore.network_weights(30, depth=6, width=40, scheme="uniform", seed=9)
    for l, (w1, w2) in enumerate(zip(shallow, deep, strict=False), start=1):
        np.testing.assert_array_equal(w1, w2, err_msg=f"layer {l} changed with depth")
    assert deep[0].shape == (30, 40) and deep[1].shape == (40, 40)


def test_the_lesson_small_weights_are_near_linear_large_ones_saturate():
    x = np.random.default_rng(0).standard_normal((500, 100)).astype(np.float32)
    small = initcore.layer_stats(
        x, depth=10, width=100, scheme="normal", activation="sigmoid", seed=0, std=0.01
    )
    large = initcore.layer_stats(
        x, depth=10, width=100, scheme="normal", activation="sigmoid", seed=0, std=1.0
    )
    assert small.near_linear.iloc[-1] > 0.99, f"std 0.01: near-linear share {small.near_linear.iloc[-1]}"
    assert large.saturated.iloc[-1] > 0.5, f"std 1: saturated share {large.saturated.iloc[-1]}"
    # Small weights are the ordered phase: chi1 = 100 * 0.01^2 / 16 ~ 6e-4, so dL/dz shrinks ~40x a layer.
    drop = small.grad_rms.iloc[0] / small.grad_rms.iloc[-1]
    assert drop < 1e-10, f"std 0.01: gradient at layer 1 / layer 10 = {drop:.2e}, expected to vanish"


def test_bias_shifts_every_pre_activation():
    zero = initcore.layer_arrays(X, **{**KW, "scheme": "zeros"}, bias=0.5)
    np.testing.assert_array_equal(zero.z, np.float32(0.5))
    stats = initcore.layer_stats(X, **{**KW, "scheme": "zeros"}, bias=0.5)
    assert stats.z_std.max() == 0 and stats.grad_rms.iloc[:-1].max() == 0, "zeros pass no gradient back"


def test_relu_dead_units_count_as_saturated():
    stats = initcore.layer_stats(X, **{**KW, "activation": "relu", "scheme": "he_normal"})
    assert stats.saturated.iloc[0] == pytest.approx(0.5, abs=0.05), stats.saturated.iloc[0]
    np.testing.assert_allclose(stats.saturated + stats.near_linear, 1.0)


def test_overflow_is_reported_not_raised():
    stats = initcore.layer_stats(
        X, depth=30, width=40, scheme="normal", activation="linear", seed=0, std=1e6
    )  # |z| grows by ~6e6 per layer and passes float32's 3.4e38 around layer 6
    assert not np.isfinite(stats.z_std.iloc[-1]), "huge weights must overflow visibly"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"depth": 0}, "depth must be an integer >= 1, got 0"),
        ({"width": 2.5}, "width must be an integer >= 1, got 2.5"),
        ({"scheme": "xavier"}, "scheme must be one of"),
        ({"activation": "gelu"}, "activation must be one of"),
        ({"seed": -3}, "seed must be a non-negative integer, got -3"),
        ({"bias": float("inf")}, "bias must be finite"),
        ({"limit": 0.1}, "unknown parameter 'limit'"),
    ],
)
def test_bad_arguments_name_themselves(change, fragment):
    with pytest.raises(ValueError) as err:
        initcore.layer_stats(X, **{**KW, **change})
    assert fragment in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("x", "fragment"),
    [
        (np.ones(5), "shape (batch, n_in)"),
        (np.full((3, 3), np.nan), "finite"),
        (np.ones((0, 4)), "both >= 1"),
    ],
)
def test_bad_inputs_are_refused(x, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        initcore.layer_stats(x, **KW)


def test_upstream_gradient_checks_its_sizes():
    with pytest.raises(ValueError, match="batch must be an integer >= 1, got -1"):
        initcore.upstream_gradient(-1, 3, seed=0)
    g = initcore.upstream_gradient(500, 40, seed=0)
    assert g.dtype == np.float32 and abs(float(g.std()) - 1) < 0.05, "a standard-normal gradient"


def test_vanishing_gradients_are_measured_far_below_float32s_range():
    # U[-0.1, 0.1] sigmoid net, width 40: each layer multiplies dL/dz by about sqrt(chi1) ~ 0.1, so 60
    # layers reach ~1e-60, far below float32's smallest number (1.4e-45). The pass rescales per layer.
    x = np.random.default_rng(0).standard_normal((100, 40)).astype(np.float32)
    stats = initcore.layer_stats(x, depth=60, width=40, scheme="uniform", activation="sigmoid", seed=0)
    g = stats.grad_rms.to_numpy()
    assert (g > 0).all() and np.isfinite(g).all(), "no layer's gradient may underflow to 0"
    assert g[0] < 1e-45, f"layer 1 gets {g[0]:.1e}, expected below float32's range"
    factors = g[:-1] / g[1:]
    assert np.all((factors > 0.02) & (factors < 0.5)), f"per-layer factors {np.round(factors, 3)}"


@pytest.mark.parametrize("scheme", [n for n in initcore.SCHEMES if initcore.get_scheme(n).draws_units])
def test_shared_unit_draws_give_the_weights_a_fresh_draw_gives(scheme):
    """network_weights keeps each family's unit draws for the next scheme of that family: the weights are
    still exactly what Scheme.draw makes from the layer's own generator, and the caller may change them."""
    s = initcore.get_scheme(scheme)
    params = {p.name: p.default for p in s.params}
    for _ in range(2):  # the second call takes the kept unit draws
        got = initcore.network_weights(7, depth=3, width=5, scheme=scheme, seed=11, **params)
        for l, w in enumerate(got, 1):
            fresh = s.draw(np.random.default_rng([11, 0, l]), (7 if l == 1 else 5, 5), **params)
            np.testing.assert_array_equal(w, fresh)
            assert w.flags.writeable
        got[0][...] = 0.0  # does not reach the kept draws
    assert initcore.network_weights(7, depth=1, width=5, scheme=scheme, seed=11, **params)[0].any()


def test_schemes_of_one_family_share_their_random_directions():
    small, large = (
        initcore.network_weights(9, depth=2, width=9, scheme="normal", seed=3, std=v) for v in (0.1, 1.0)
    )
    for a, b in zip(small, large, strict=True):
        np.testing.assert_allclose(b, 10 * a, rtol=1e-6)


def test_statistics_of_large_layers_match_float64():
    """Sums and sums of squares are float32 BLAS dot products: at 250,000 values per layer they agree
    with float64 to 1e-5, also for sigmoid outputs whose std is far below their mean."""
    x = np.random.default_rng(5).standard_normal((1000, 250)).astype(np.float32)
    for std in (0.01, 1.0):  # near-linear (a ~ 1/2 +- tiny) and saturating
        kw = {"depth": 3, "width": 250, "scheme": "normal", "activation": "sigmoid", "seed": 2, "std": std}
        stats, arr = initcore.layer_stats(x, **kw), initcore.layer_arrays(x, **kw)
        a = arr.a.reshape(3, -1).astype(np.float64)
        z = arr.z.reshape(3, -1).astype(np.float64)
        np.testing.assert_allclose(stats.a_mean, a.mean(axis=1), rtol=1e-5)  # AVX-512 measured 1.2e-6
        np.testing.assert_allclose(stats.a_std, a.std(axis=1), rtol=1e-5)
        np.testing.assert_allclose(stats.z_std, z.std(axis=1), rtol=1e-5)
        np.testing.assert_allclose(stats.z_mean, z.mean(axis=1), atol=1e-5 * z.std(axis=1).max())
        rms = np.sqrt(np.mean(arr.dz.reshape(3, -1).astype(np.float64) ** 2, axis=1))
        np.testing.assert_allclose(stats.grad_rms, rms, rtol=1e-5)


@pytest.mark.parametrize(
    ("activation", "scheme", "params"),
    [
        ("sigmoid", "normal", {"std": 1.0}),
        ("sigmoid", "normal", {"std": 30.0}),
        ("tanh", "orthogonal", {}),
        ("relu", "he_uniform", {}),
    ],
)
def test_work_split_over_two_cores_gives_the_same_numbers_bit_for_bit(
    monkeypatch, activation, scheme, params
):
    """Above ROWS_SPLIT values per layer, elementwise work runs on two row halves side by side and a big
    net's layers are drawn two at a time: every statistic, array and weight equals the one-core pass's
    exactly (std 30 pushes the sigmoid past its exponent floor, in one half at a time). The kept unit
    draws are cleared before each net, so that both are drawn."""
    from initcore import network

    x = np.random.default_rng(1).standard_normal((601, 512)).astype(np.float32)  # odd: halves 300, 301
    kw = {"depth": 4, "width": 512, "scheme": scheme, "activation": activation, "seed": 4, **params}
    assert x.size >= network.ROWS_SPLIT and 2 * network.ROWS_SPLIT <= 4 * 512 * 512
    monkeypatch.setattr(network, "SPLIT_VALUES", 1 << 62)  # one pass over the batch, not two half-batches

    def run() -> tuple:
        network._unit_draw.kept.clear()
        weights = initcore.network_weights(512, depth=4, width=512, scheme=scheme, seed=9, **params)
        network._unit_draw.kept.clear()
        return weights, initcore.layer_stats(x, **kw), initcore.layer_arrays(x, **kw)

    split = run()
    monkeypatch.setattr(network, "ROWS_SPLIT", 1 << 62)
    whole = run()
    for a, b in zip(split[0], whole[0], strict=True):
        assert a is not b
        np.testing.assert_array_equal(a, b)
    pd.testing.assert_frame_equal(split[1], whole[1], check_exact=True)
    for field in ("z", "a", "dz"):
        np.testing.assert_array_equal(getattr(split[2], field), getattr(whole[2], field), err_msg=field)


@pytest.mark.parametrize(("activation", "scheme"), [("sigmoid", "glorot_uniform"), ("relu", "he_normal")])
def test_a_large_layer_stats_is_two_merged_half_batches_like_page_2(monkeypatch, activation, scheme):
    """From SPLIT_VALUES values per layer, with one BLAS thread (the app's), layer_stats runs two
    half-batches side by side and merges them: exactly the numbers page 2's pass computes for that net,
    and within float32 rounding of one pass over the whole batch. With a BLAS of several threads, BLAS is
    put on one thread for the pass and the numbers are the same; where it cannot be, it is that one pass,
    bit for bit."""
    from initcore import network

    x = np.random.default_rng(1).standard_normal((601, 512)).astype(np.float32)
    kw = {"depth": 4, "width": 512, "scheme": scheme, "activation": activation, "seed": 4}
    assert x.size >= network.SPLIT_VALUES
    weights = initcore.network_weights(512, depth=4, width=512, scheme=scheme, seed=4)
    grad = initcore.upstream_gradient(601, 512, seed=4)
    act = initcore.ACTIVATIONS[activation]
    whole = network.propagate(x, weights, activation=act, grad=grad)[0]

    monkeypatch.setattr(network, "one_blas_thread", lambda: True)
    split = initcore.layer_stats(x, **kw)
    halves = [
        network.propagate(x[s], weights, activation=act, grad=grad[s])[0] for s in (np.s_[:300], np.s_[300:])
    ]
    pd.testing.assert_frame_equal(split, network._merge(*halves, 300 / 601), check_exact=True)
    seen = []
    page = network._layer_stats(x, weights, act, 0.0, grad, lambda _, a: seen.append(a.shape))
    pd.testing.assert_frame_equal(split, page, check_exact=True)
    assert seen == [(300, 512)] * 4, "the hook sees the first half-batch"
    for col in network.LAYER_COLUMNS:
        np.testing.assert_allclose(split[col], whole[col], rtol=5e-5, atol=1e-12, err_msg=col)
    assert not split.equals(whole), "the merge takes its sums in another order: not a copy of one pass"

    monkeypatch.setattr(network, "one_blas_thread", lambda: False)  # several BLAS threads...
    fake = _FakeController(threads=2)
    monkeypatch.setattr(network, "_BLAS", network._BlasControl())
    monkeypatch.setattr(network._BLAS, "found", True)
    monkeypatch.setattr(network._BLAS, "controller", fake)
    pd.testing.assert_frame_equal(initcore.layer_stats(x, **kw), split, check_exact=True)
    lib = fake.lib_controllers[0]
    assert lib.calls == [1, 1, 1, 2], (
        f"one thread for the pass (the caller's, then the half's), then two: {lib.calls}"
    )
    assert len(set(fake.threads)) == 2, f"the second half limited its own thread: {fake.threads}"
    monkeypatch.setattr(network._BLAS, "controller", None)  # ...that cannot be set: one pass
    pd.testing.assert_frame_equal(initcore.layer_stats(x, **kw), whole, check_exact=True)


class _FakeBlas:
    """Stands for one of threadpoolctl's library controllers: records the thread counts it is set to."""

    def __init__(self, threads: int) -> None:
        self.threads, self.calls = threads, []

    def get_num_threads(self) -> int:
        return self.threads

    def set_num_threads(self, n: int) -> None:
        self.threads = n
        self.calls.append(n)


class _FakeController:
    """Stands for threadpoolctl's ThreadpoolController of one BLAS: ``limit`` sets it, then restores what
    it found, and records which thread asked."""

    def __init__(self, threads: int) -> None:
        self.lib_controllers, self.threads = [_FakeBlas(threads)], []

    @contextlib.contextmanager
    def limit(self, *, limits: int):
        import threading

        lib = self.lib_controllers[0]
        found = lib.get_num_threads()
        self.threads.append(threading.get_ident())
        lib.set_num_threads(limits)
        try:
            yield
        finally:
            lib.set_num_threads(found)


def test_limited_passes_take_turns_so_each_gives_back_the_threads_it_found(monkeypatch):
    """Two passes on two threads: the second waits until the first has given BLAS back its threads, so
    neither restores a count the other set (the first to leave would have left BLAS on one thread)."""
    import threading

    from initcore import network

    monkeypatch.setattr(network, "one_blas_thread", lambda: False)
    fake = _FakeController(threads=4)
    monkeypatch.setattr(network, "_BLAS", network._BlasControl())
    monkeypatch.setattr(network._BLAS, "found", True)
    monkeypatch.setattr(network._BLAS, "controller", fake)
    lib = fake.lib_controllers[0]
    inside, release, seen = threading.Event(), threading.Event(), []

    def first() -> None:
        with network.blas_on_one_thread() as limit:
            assert limit is not None
            inside.set()
            release.wait(10)

    def second() -> None:
        with network.blas_on_one_thread():
            seen.append(lib.calls[:])

    t1 = threading.Thread(target=first)
    t1.start()
    assert inside.wait(10)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(0.2)
    assert t2.is_alive() and not seen, "the second pass waits for the first"
    release.set()
    t1.join(10)
    t2.join(10)
    assert seen == [[1, 4, 1]], f"it started after the first gave back its 4 threads: {seen}"
    assert lib.threads == 4 and lib.calls == [1, 4, 1, 4], lib.calls
    with pytest.raises(RuntimeError), network.blas_on_one_thread():
        raise RuntimeError("a pass that fails")
    assert lib.threads == 4, "given back after an error too"

    monkeypatch.setattr(network, "one_blas_thread", lambda: True)  # the app: nothing to set
    with network.blas_on_one_thread() as limit, limit():
        pass
    assert lib.calls == [1, 4, 1, 4, 1, 4], lib.calls


def test_without_threadpoolctl_blas_keeps_its_threads(monkeypatch):
    import sys

    from initcore import network

    monkeypatch.setattr(network, "one_blas_thread", lambda: False)
    monkeypatch.setattr(network, "_BLAS", network._BlasControl())
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    with network.blas_on_one_thread() as limit:
        assert limit is None
    assert network._BLAS.found and network._BLAS.controller is None


def test_a_notebook_with_numpys_blas_threads_gets_the_apps_numbers_bit_for_bit(tmp_path):
    """A process whose BLAS has two threads (a notebook) and the app's (one thread, set before numpy
    loads) compute the same large layer_stats exactly, from the main thread, from another thread and from
    several at once, and the notebook's BLAS has its two threads back after all of them (real OpenBLAS
    and threadpoolctl: its control of OpenBLAS belongs to one thread at a time)."""
    import os
    import pickle
    import subprocess
    import sys

    script = (
        "import pickle, sys\n"
        "import numpy as np, initcore\n"
        "from threadpoolctl import threadpool_info\n"
        "x = np.random.default_rng(1).standard_normal((601, 512)).astype(np.float32)\n"
        "kw = dict(depth=3, width=512, scheme='glorot_uniform', activation='sigmoid', seed=4)\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "stats = initcore.layer_stats(x, **kw)\n"
        "pool = ThreadPoolExecutor(2)\n"
        "on_worker = pool.submit(initcore.layer_stats, x, **kw).result()\n"  # a thread that is not main
        "both = [pool.submit(initcore.layer_stats, x, **kw) for _ in range(2)]\n"  # two at once
        "both = [f.result() for f in both] + [initcore.layer_stats(x, **kw)]\n"
        "import threading, time\n"
        "from initcore.network import blas_on_one_thread\n"
        "def now(): return [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
        "seen = []\n"
        "def block(tag, hold=0.0):\n"
        "    with blas_on_one_thread():\n"
        "        seen.append((tag, now())); time.sleep(hold)\n"
        "    seen.append((tag + ' after', now()))\n"
        "block('main')\n"
        "t = threading.Thread(target=block, args=('worker',)); t.start(); t.join()\n"
        "t = threading.Thread(target=block, args=('overlap: worker',))\n"  # enters while main is inside
        "with blas_on_one_thread():\n"
        "    t.start(); time.sleep(0.3)\n"
        "t.join()\n"
        "pickle.dump((stats, [on_worker, *both], now(), seen), open(sys.argv[1], 'wb'))\n"
    )
    out = {}
    for threads in ("1", "2"):
        env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
        env.pop("VECLIB_MAXIMUM_THREADS", None)
        env["OPENBLAS_NUM_THREADS"] = threads
        path = tmp_path / f"{threads}.pkl"
        subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=True, timeout=120)
        out[threads] = pickle.loads(path.read_bytes())
    for threads in ("1", "2"):
        for other in out[threads][1]:  # from a worker thread, and from several threads at once
            pd.testing.assert_frame_equal(other, out["1"][0], check_exact=True)
    pd.testing.assert_frame_equal(out["2"][0], out["1"][0], check_exact=True)
    assert out["1"][2] == [1] and out["2"][2] == [2], f"BLAS threads after the passes: {out['2'][2]}"
    for tag, threads in out["2"][3]:  # each block on one thread, whichever thread it runs on; two after
        assert threads == ([2] if tag.endswith("after") else [1]), f"{tag}: BLAS on {threads} threads"


@pytest.mark.parametrize(
    ("env", "cpus", "one"),
    [
        ({"OPENBLAS_NUM_THREADS": "1"}, 2, True),
        ({"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"}, 2, False),  # OpenBLAS reads its own first
        ({"OMP_NUM_THREADS": " 1 "}, 8, True),
        ({"VECLIB_MAXIMUM_THREADS": "4"}, 8, False),
        ({"OPENBLAS_NUM_THREADS": ""}, 2, False),  # empty: unset, so BLAS takes both cores
        ({}, 1, True),
        ({}, None, True),
    ],
)
def test_one_blas_thread_reads_what_blas_read_at_its_start(monkeypatch, env, cpus, one):
    from initcore import network

    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setattr(network.os, "cpu_count", lambda: cpus)
    assert network.one_blas_thread() is one


def _denormal_share(v: np.ndarray) -> float:
    v = np.abs(v.astype(np.float32))
    return float(np.mean((v > 0) & (v < np.finfo(np.float32).tiny)))


def test_a_deeply_saturated_sigmoid_never_produces_denormal_outputs_or_slopes():
    """Denormal float32 numbers make a matrix product ~150x slower: past |z| = 87 the sigmoid's output
    and slope stop at exp(-87) = 1.6e-38, a normal number (the old floor, log(1.2e-38) rounded to
    float32, gave 1.1754942e-38, a denormal)."""
    z = -np.geomspace(1.0, 1e6, 2001).astype(np.float32)
    a, d = initcore.ACTIVATIONS["sigmoid"].value_and_slope(z)
    assert _denormal_share(a) == 0 and _denormal_share(d) == 0, (
        f"denormal outputs {_denormal_share(a):.1%}, slopes {_denormal_share(d):.1%}; smallest {a.min():.8g}"
    )
    assert a.min() > 0 and a.min() == pytest.approx(np.exp(-87.0), rel=1e-6)


@pytest.mark.parametrize("std", [10.0, 100.0])
def test_saturated_nets_feed_no_denormal_numbers_to_a_product_and_their_numbers_stay(monkeypatch, std):
    """In N(0, std^2) sigmoid nets most units saturate, a fifth past |z| = 87, and their slopes times the
    gradient fall below float32's normal range: the backward pass sets those to 0 before the next product
    reads them. No matrix product of the pass reads a denormal number, and every statistic equals the
    pass that keeps them, to float32 rounding."""
    from initcore import network

    x = np.random.default_rng(3).standard_normal((250, 250)).astype(np.float32)
    kw = {"depth": 10, "width": 250, "scheme": "normal", "activation": "sigmoid", "seed": 5, "std": std}
    read: list[float] = []

    class Spy:  # numpy, with every matrix product's left operand inspected
        def __getattr__(self, name):
            return getattr(np, name)

        def matmul(self, a, b, **kw):
            read.append(_denormal_share(a))
            return np.matmul(a, b, **kw)

    monkeypatch.setattr(network, "np", Spy())
    stats = initcore.layer_stats(x, **kw)
    assert len(read) == 2 * 10 - 1, f"{len(read)} products"
    assert stats["saturated"].min() > 0.9, f"not saturated: {stats['saturated'].min():.0%}"
    assert max(read) == 0, f"denormal shares of the products' inputs: {read}"

    sigmoid = initcore.ACTIVATIONS["sigmoid"]
    kept = dataclasses.replace(sigmoid, into=lambda z, a, d: sigmoid.into(z, a, d) and False)
    monkeypatch.setattr(network, "get_activation", lambda name: kept)
    read.clear()
    unflushed = initcore.layer_stats(x, **kw)
    assert max(read) > 0.01, f"without the flush the products read no denormals: {read}"
    pd.testing.assert_frame_equal(stats, unflushed, check_exact=False, rtol=1e-6)


def test_units_drawn_ahead_for_several_nets_give_the_weights_each_net_draws_alone(monkeypatch):
    """draw_units draws each family's units once, two layers at a time, for several nets of one shape:
    the weights network_weights then scales from them equal a fresh draw's, bit for bit."""
    from initcore import network
    from initcore.schemes import FAMILY

    schemes = {"normal": {"std": 0.1}, "glorot_normal": {}, "glorot_uniform_x4": {}, "he_uniform": {}}
    kw = {"depth": 6, "width": 300, "seed": 11}
    network._unit_draw.kept.clear()
    fresh = {s: initcore.network_weights(300, scheme=s, **kw, **p) for s, p in schemes.items()}
    network._unit_draw.kept.clear()
    drawn: list[str] = []
    for name in {FAMILY[initcore.get_scheme(s).family].name for s in schemes}:
        family = FAMILY[name]
        monkeypatch.setattr(
            family,
            "unit",
            lambda rng, shape, f=family, n=name: drawn.append(n) or type(f).unit(f, rng, shape),
        )
    network.draw_units(300, depth=6, width=300, schemes=list(schemes), seed=11)
    assert sorted(drawn) == sorted(
        n for n in {initcore.get_scheme(s).family for s in schemes} for _ in range(6)
    )
    drawn.clear()
    for s, p in schemes.items():
        for a, b in zip(initcore.network_weights(300, scheme=s, **kw, **p), fresh[s], strict=True):
            np.testing.assert_array_equal(a, b, err_msg=s)
    assert drawn == [], f"drew again after draw_units: {drawn}"


@pytest.mark.parametrize("side_by_side", [True, False])
def test_nets_passed_together_get_their_own_statistics_and_arrays_bit_for_bit(monkeypatch, side_by_side):
    """propagate_many over three nets (big enough for one task per net and layer on two threads, or with
    every elementwise step one call for all): each net's statistics and kept arrays equal its own pass."""
    from initcore import network

    monkeypatch.setattr(network, "ROWS_SPLIT", 1 << 10 if side_by_side else 1 << 62)
    x = np.random.default_rng(2).standard_normal((64, 48)).astype(np.float32)
    nets = [
        initcore.network_weights(48, depth=4, width=48, scheme=s, seed=5, **p)
        for s, p in (("glorot_uniform", {}), ("normal", {"std": 0.3}), ("he_normal", {}))
    ]
    assert network._side_by_side(len(nets), 64 * 48) is side_by_side
    grad = initcore.upstream_gradient(64, 48, seed=5)
    bias = initcore.network_biases(4, 48, std=0.2, seed=5)
    for act in ("sigmoid", "tanh", "relu"):
        stats, arrays = network.propagate_many(x, nets, activation=act, bias=bias, grad=grad, keep=True)
        for w, st, arr in zip(nets, stats, arrays, strict=True):
            own_stats, own = network.propagate(x, w, activation=act, bias=bias, grad=grad, keep=True)
            pd.testing.assert_frame_equal(st, own_stats, check_exact=True)
            for field in ("z", "a", "dz"):
                np.testing.assert_array_equal(getattr(arr, field), getattr(own, field), err_msg=field)

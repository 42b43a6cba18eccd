"""The data sets (``initcore.datasets``): the seeded 2-D toy sets, the bundled digits, and the download path
of MNIST / Fashion-MNIST, which is tested offline through a fake ``keras.datasets`` (no TensorFlow here).

Tolerances: the 2-D sets are standardized in float64 and then rounded to float32, which moves each value
by at most 2**-24 of itself; so over train + test the mean is 0 and the std 1 to within a few float32
eps (EPS32 = 1.2e-7): STANDARD_TOL = 4 eps. Class balance: labels are fair coin flips (or, for xor, the
quadrant of a uniform point), so the count of class 1 among n points is Binomial(n, 1/2), with standard
deviation sqrt(n) / 2; BALANCE_SIGMAS = 5 of them.
"""

from __future__ import annotations

import math
import subprocess
import sys
import urllib.error
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from initcore import datasets, tf_loader
from initcore.datasets import DATASETS, NAMES, TOY_SETS, DatasetUnavailable, load_dataset

EPS32 = float(np.finfo(np.float32).eps)
STANDARD_TOL = 4 * EPS32
BALANCE_SIGMAS = 5.0
N = 800  # the default n_samples


def _all(data) -> tuple[np.ndarray, np.ndarray]:
    """Train + test, features in float64 (for exact statistics) and labels."""
    x = np.concatenate([data.x_train, data.x_test]).astype(np.float64)
    return x, np.concatenate([data.y_train, data.y_test])


def _nn_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    """Leave-one-out accuracy of the 1-nearest-neighbour rule: 1 when no point is nearer the other class."""
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return float(np.mean(y[d.argmin(axis=1)] == y))


# --- the 2-D sets -------------------------------------------------------------------------------------


def test_the_registry_lists_every_set_with_a_description():
    assert set(TOY_SETS) <= set(DATASETS), (TOY_SETS, DATASETS)
    assert list(DATASETS) == [*TOY_SETS, "digits", "mnist", "fashion_mnist"], list(DATASETS)
    assert all(isinstance(v, str) and len(v) > 10 for v in DATASETS.values()), DATASETS


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_toy_set_shapes_dtypes_and_labels(name):
    data = load_dataset(name, seed=0)
    assert data.name == name and data.description == DATASETS[name] and data.n_classes == 2
    assert data.x_train.shape == (600, 2) and data.x_test.shape == (200, 2), (
        data.x_train.shape,
        data.x_test.shape,
    )
    assert data.y_train.shape == (600,) and data.y_test.shape == (200,)
    assert data.features == 2
    assert data.x_train.dtype == data.x_test.dtype == np.float32, (data.x_train.dtype, data.x_test.dtype)
    assert data.y_train.dtype == data.y_test.dtype == np.int64, (data.y_train.dtype, data.y_test.dtype)
    x, y = _all(data)
    assert np.isfinite(x).all()
    assert set(np.unique(y).tolist()) == {0, 1}, np.unique(y)
    assert set(np.unique(data.y_test).tolist()) == {0, 1}, "the test split lacks a class"
    ones, limit = int(y.sum()), BALANCE_SIGMAS * math.sqrt(N) / 2
    assert abs(ones - N / 2) <= limit, f"{ones} of {N} points in class 1 (allowed: {N / 2} +- {limit:.0f})"


@pytest.mark.parametrize("noise", [0.0, 0.3])
@pytest.mark.parametrize("name", list(TOY_SETS))
def test_toy_set_features_are_standardized_over_train_and_test(name, noise):
    x, _ = _all(load_dataset(name, seed=1, noise=noise))
    mean, std = x.mean(axis=0), x.std(axis=0)
    assert np.abs(mean).max() <= STANDARD_TOL, f"means {mean} (allowed +- {STANDARD_TOL:.1e})"
    assert np.abs(std - 1).max() <= STANDARD_TOL, f"stds {std} (allowed 1 +- {STANDARD_TOL:.1e})"
    # only over train + test together: the train split alone is not exactly standardized
    train = load_dataset(name, seed=1, noise=noise).x_train.astype(np.float64)
    assert np.abs(train.mean(axis=0)).max() > 100 * STANDARD_TOL, "a weak check: the train split is exact too"


@pytest.mark.parametrize("test_fraction", [0.05, 0.25, 0.5, 0.9])
def test_split_sizes_follow_test_fraction_and_keep_every_point_once(test_fraction):
    n = 203  # odd, so that round() matters
    data = load_dataset("moons", seed=2, n_samples=n, test_fraction=test_fraction)
    n_test = round(test_fraction * n)
    assert (len(data.x_test), len(data.x_train)) == (n_test, n - n_test), (
        len(data.x_test),
        len(data.x_train),
    )
    assert len(data.y_test) == n_test and len(data.y_train) == n - n_test
    # the points are drawn before the split: another fraction splits the very same points
    x, y = _all(data)
    x_ref, y_ref = _all(load_dataset("moons", seed=2, n_samples=n, test_fraction=0.25))
    rows = np.lexsort(np.column_stack([x, y]).T)
    rows_ref = np.lexsort(np.column_stack([x_ref, y_ref]).T)
    np.testing.assert_array_equal(x[rows], x_ref[rows_ref], err_msg="the split lost or duplicated points")
    np.testing.assert_array_equal(y[rows], y_ref[rows_ref])


@pytest.mark.parametrize("n_samples", [50, 20_000])
def test_n_samples_extremes(n_samples):
    data = load_dataset("xor", seed=0, n_samples=n_samples)
    assert len(data.x_train) + len(data.x_test) == n_samples


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_same_seed_same_data_other_seed_other_data(name):
    a, b, c = (load_dataset(name, seed=s) for s in (5, 5, 6))
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=f"seed 5 twice: {field}")
    x_a, _ = _all(a)
    x_c, _ = _all(c)
    diff = float(np.abs(np.sort(x_a, axis=0) - np.sort(x_c, axis=0)).max())
    assert diff > 0.01, f"seeds 5 and 6 give points within {diff:.2e} of each other"
    assert not np.array_equal(a.y_train, c.y_train), "seeds 5 and 6 give the same training labels"


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_noise_moves_the_points_but_not_the_labels(name):
    """The pattern and the labels are drawn first, the noise last, so one seed with noise 0 and 0.3 gives
    the same labels on points moved by noise (about 0.3 of the pattern's size, so ~0.5 std after
    standardization; at least 0.1 on average is asked)."""
    quiet, noisy = load_dataset(name, seed=3, noise=0.0), load_dataset(name, seed=3, noise=0.3)
    np.testing.assert_array_equal(quiet.y_train, noisy.y_train)
    moved = float(np.abs(quiet.x_train - noisy.x_train).mean())
    assert moved > 0.1, f"noise 0.3 moved the points by {moved:.3f} on average"


def test_circles_without_noise_inner_class_is_inside_a_ring():
    """Class 1 is a disk of radius 0.5 and class 0 a ring from 0.7 to 1. Standardizing shifts the centre by
    the sample mean (~0.02) and scales the axes by nearly equal stds, which cannot close that gap: every
    class-1 point is nearer the origin than every class-0 point. With noise 0.3 the two overlap."""
    x, y = _all(load_dataset("circles", seed=0, noise=0.0))
    r = np.hypot(x[:, 0], x[:, 1])
    inner, outer = r[y == 1].max(), r[y == 0].min()
    assert inner < outer, f"class 1 reaches radius {inner:.3f}, class 0 starts at {outer:.3f}"
    x, y = _all(load_dataset("circles", seed=0, noise=0.3))
    r = np.hypot(x[:, 0], x[:, 1])
    assert r[y == 1].max() > r[y == 0].min(), "with noise 0.3 the classes should overlap"


def _quadrant_rule_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    """Split each axis at the middle of its widest empty strip and predict class 1 on the (+, +) and (-, -)
    quadrants. Without noise xor leaves a strip of width 0.1 of the pattern around each axis."""
    cuts = []
    for axis in range(2):
        v = np.sort(x[:, axis])
        inner = (v[1:] + v[:-1]) / 2
        gaps = np.where(np.abs(inner) < 1.0, np.diff(v), 0.0)  # near the centre only
        cuts.append(inner[gaps.argmax()])
    pred = ((x[:, 0] - cuts[0]) * (x[:, 1] - cuts[1]) > 0).astype(np.int64)
    return float(np.mean(pred == y))


def test_xor_without_noise_is_the_quadrant_pattern():
    x, y = _all(load_dataset("xor", seed=0, noise=0.0))
    acc = _quadrant_rule_accuracy(x, y)
    assert acc == 1.0, f"the quadrant rule scores {acc:.4f} on noiseless xor"
    x, y = _all(load_dataset("xor", seed=0, noise=0.3))
    acc = _quadrant_rule_accuracy(x, y)
    assert acc < 0.95, f"with noise 0.3 the quadrant rule still scores {acc:.4f}"


@pytest.mark.parametrize("name", ["circles", "xor", "spiral", "moons"])
def test_noiseless_sets_are_separable_by_nearest_neighbours(name):
    """Without noise the two classes lie on disjoint curves or regions, so (with 800 points) every point's
    nearest neighbour is of its own class, up to a few points where spiral arms meet at the centre or xor's
    quadrants touch across the thin strip: 1-NN leave-one-out accuracy >= 0.99. Noise 0.3 mixes the classes
    and brings it below 0.9."""
    quiet = _nn_accuracy(*_all(load_dataset(name, seed=0, noise=0.0)))
    noisy = _nn_accuracy(*_all(load_dataset(name, seed=0, noise=0.3)))
    assert quiet >= 0.99 and noisy < 0.9, f"1-NN accuracy: {quiet:.4f} without noise, {noisy:.4f} with 0.3"


def test_gaussians_and_moons_place_the_classes_where_described():
    """gaussians: class 1 around (+0.5, +0.5), class 0 around (-0.5, -0.5); moons: class 0 the upper arc
    (mean y = 2/pi), class 1 the lower arc shifted right by 1 (mean x = 1). Standardizing (a shift and a
    positive scale per axis) keeps the sign of each difference of class means."""
    x, y = _all(load_dataset("gaussians", seed=0, noise=0.1))
    diff = x[y == 1].mean(axis=0) - x[y == 0].mean(axis=0)
    assert (diff > 1.0).all(), f"class 1 minus class 0 means: {diff}"  # ~1 / 0.7 std apart per axis
    x, y = _all(load_dataset("moons", seed=0, noise=0.1))
    diff = x[y == 1].mean(axis=0) - x[y == 0].mean(axis=0)
    assert diff[0] > 0.5 and diff[1] < -0.5, f"class 1 minus class 0 means: {diff}"


# --- digits -------------------------------------------------------------------------------------------


def test_digits_are_the_bundled_1797_images():
    data = load_dataset("digits", seed=0)
    assert data.n_classes == 10 and data.features == 64 and data.description == DATASETS["digits"]
    assert (len(data.x_train), len(data.x_test)) == (1797 - 449, 449), (len(data.x_train), len(data.x_test))
    x, y = _all(data)
    assert data.x_train.dtype == np.float32 and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0, (x.min(), x.max())
    np.testing.assert_array_equal(x * 16, np.round(x * 16), err_msg="pixels are not counts / 16")
    counts = np.bincount(y)
    assert len(counts) == 10 and counts.min() > 150, counts  # about 180 of each digit 0 .. 9
    with np.load(datasets.DIGITS_FILE) as f:
        images, labels = f["images"], f["labels"]
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,), (images.shape, labels.shape)
    ours = np.column_stack([np.round(x * 16), y])
    theirs = np.column_stack([images.reshape(1797, 64), labels]).astype(np.float64)
    np.testing.assert_array_equal(
        ours[np.lexsort(ours.T)], theirs[np.lexsort(theirs.T)], err_msg="the split is not the bundled file"
    )


def test_digits_split_is_seeded_and_ignores_noise():
    a = load_dataset("digits", seed=0)
    b = load_dataset("digits", seed=0, noise=0.9, n_samples=50)
    c = load_dataset("digits", seed=1)
    np.testing.assert_array_equal(a.x_train, b.x_train, err_msg="noise or n_samples changed the images")
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train), "seeds 0 and 1 split the digits the same way"


def test_the_bundled_file_has_its_attribution():
    readme = Path(datasets.DIGITS_FILE).with_name("README.md")
    assert Path(datasets.DIGITS_FILE).is_file() and readme.is_file(), readme
    text = readme.read_text(encoding="utf-8")
    for needed in ("digits.npz", "Alpaydin", "Kaynak", "UCI", "CC BY 4.0", "10.24432/C50P49"):
        assert needed in text, f"the data README does not mention {needed!r}"


def test_the_offline_sets_load_without_tensorflow():
    code = (
        "import sys; from initcore.datasets import TOY_SETS, load_dataset\n"
        "[load_dataset(n, seed=0) for n in [*TOY_SETS, 'digits']]\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    assert out.stdout.strip() == "[]", f"TensorFlow or Keras was imported: {out.stdout[:300]}"


# --- MNIST / Fashion-MNIST through a fake keras.datasets ------------------------------------------------


def _fake_images(n_train: int, n_test: int, seed: int):
    """keras.datasets-style ((x_train, y_train), (x_test, y_test)): uint8 28x28 images and uint8 labels."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n_train + n_test, 28, 28), dtype=np.uint8)
    x[0] = 255  # one white and one black image: the scaling's end points
    x[1] = 0
    y = rng.integers(0, 10, n_train + n_test).astype(np.uint8)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


@pytest.fixture
def fake_keras(monkeypatch):
    """Replaces ``initcore.tf_loader.tensorflow`` (which ``_download`` calls) by a fake (tf, keras) pair whose
    keras.datasets.<name>.load_data returns small arrays (a different set per name) and counts its calls."""
    calls = []
    sets = {"mnist": _fake_images(300, 100, 1), "fashion_mnist": _fake_images(300, 100, 2)}

    def loader(name):
        def load_data():
            calls.append(name)
            return sets[name]

        return SimpleNamespace(load_data=load_data)

    keras = SimpleNamespace(datasets=SimpleNamespace(**{name: loader(name) for name in sets}))
    monkeypatch.setattr(tf_loader, "tensorflow", lambda: (None, keras))
    return SimpleNamespace(calls=calls, sets=sets)


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_downloaded_images_are_scaled_flattened_and_split(fake_keras, name):
    data = load_dataset(name, seed=0)
    assert fake_keras.calls == [name], fake_keras.calls
    assert data.n_classes == 10 and data.features == 784 and data.description == DATASETS[name]
    assert (len(data.x_train), len(data.x_test)) == (300, 100), "400 images < MAX_DOWNLOADED: all kept"
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    x, y = _all(data)
    assert x.min() == 0.0 and x.max() == 1.0, (x.min(), x.max())
    (x_tr, y_tr), (x_te, y_te) = fake_keras.sets[name]
    source = np.concatenate([x_tr, x_te]).reshape(400, 784)
    by_image = {
        img.tobytes(): int(lab) for img, lab in zip(source, np.concatenate([y_tr, y_te]), strict=True)
    }
    counts = x * 255
    assert np.abs(counts - np.round(counts)).max() <= 255 * EPS32, "pixels are not uint8 / 255"
    for row, label in zip(np.round(counts).astype(np.uint8), y, strict=True):
        assert by_image.get(row.tobytes()) == label, "an image is not a source image, or lost its label"
    assert len({row.tobytes() for row in np.round(counts).astype(np.uint8)}) == 400, "duplicated images"


@pytest.mark.parametrize("test_fraction", [0.05, 0.15, 0.25, 0.5, 0.9])
def test_downloaded_sets_are_subsampled_to_max_downloaded_training_images(
    fake_keras, monkeypatch, test_fraction
):
    """Of the 400 fake images, ``MAX_DOWNLOADED / (1 - test_fraction)`` are kept (truncated), so that the
    training split holds MAX_DOWNLOADED of them: exactly at the default fraction, and within one where
    truncation and the split's rounding do not cancel."""
    monkeypatch.setattr(datasets, "MAX_DOWNLOADED", 30)
    data = load_dataset("mnist", seed=4, test_fraction=test_fraction)
    kept = int(30 / (1 - test_fraction))
    assert len(data.x_train) + len(data.x_test) == kept, (len(data.x_train), len(data.x_test), kept)
    assert len(data.x_test) == round(test_fraction * kept), len(data.x_test)
    assert abs(len(data.x_train) - 30) <= (0 if test_fraction == 0.25 else 1), len(data.x_train)
    again = load_dataset("mnist", seed=4, test_fraction=test_fraction)
    other = load_dataset("mnist", seed=5, test_fraction=test_fraction)
    np.testing.assert_array_equal(data.x_train, again.x_train, err_msg="same seed, another subsample")
    assert not np.array_equal(data.x_train, other.x_train), "another seed, the same subsample"


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError("[Errno -3] Temporary failure in name resolution"),
        OSError("no route"),
        ValueError("bad"),
    ],
    ids=["URLError", "OSError", "half-written cache"],
)
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_offline_download_raises_dataset_unavailable_in_plain_words(monkeypatch, name, error):
    def load_data():
        raise error

    keras = SimpleNamespace(datasets=SimpleNamespace(**{name: SimpleNamespace(load_data=load_data)}))
    monkeypatch.setattr(tf_loader, "tensorflow", lambda: (None, keras))
    with pytest.raises(DatasetUnavailable) as err:
        load_dataset(name, seed=0)
    message = str(err.value)
    for needed in (
        NAMES[name],
        "offline",
        "Every other data set works offline",
        type(error).__name__,
    ):  # as shown
        assert needed in message, f"{needed!r} missing from: {message}"
    assert err.value.__cause__ is error, "the original error should be chained"
    assert isinstance(err.value, RuntimeError) and not isinstance(err.value, ValueError)


# --- bad arguments ---------------------------------------------------------------------------------------

BAD = [  # (keyword arguments, the argument the message must name, what it must echo)
    ({"name": "iris"}, "name", "'iris'"),
    ({"name": "MNIST"}, "name", "'MNIST'"),
    ({"name": None}, "name", "None"),
    ({"noise": -0.1}, "noise", "-0.1"),
    ({"noise": 1.01}, "noise", "1.01"),
    ({"noise": math.nan}, "noise", "nan"),
    ({"noise": "0.1"}, "noise", "'0.1'"),
    ({"test_fraction": 0.04}, "test_fraction", "0.04"),
    ({"test_fraction": 0.91}, "test_fraction", "0.91"),
    ({"test_fraction": math.nan}, "test_fraction", "nan"),
    ({"n_samples": 49}, "n_samples", "49"),
    ({"n_samples": 20_001}, "n_samples", "20001"),
    ({"n_samples": 100.0}, "n_samples", "100.0"),
    ({"n_samples": True}, "n_samples", "True"),
    ({"seed": -1}, "seed", "-1"),
    ({"seed": 1.5}, "seed", "1.5"),
    ({"seed": True}, "seed", "True"),
    ({"seed": "0"}, "seed", "'0'"),
]


@pytest.mark.parametrize(("kwargs", "name", "echo"), BAD, ids=[f"{n}={e}" for _, n, e in BAD])
def test_bad_arguments_raise_value_error_naming_them(kwargs, name, echo):
    args = {"name": "circles", "seed": 0, **kwargs}
    with pytest.raises(ValueError) as err:
        load_dataset(args.pop("name"), **args)
    message = str(err.value)
    assert message.startswith(name) and f"got {echo}" in message, (name, echo, message)


def test_edges_of_the_allowed_ranges_are_accepted():
    for kwargs in (
        {"noise": 0},
        {"noise": 1},
        {"test_fraction": 0.05},
        {"test_fraction": 0.9},
        {"seed": 2**40},
    ):
        data = load_dataset("gaussians", **{"seed": 0, **kwargs})
        assert len(data.x_train) + len(data.x_test) == N, kwargs


def test_a_bool_noise_is_refused_like_a_bool_n_samples():
    try:
        load_dataset("circles", seed=0, noise=True)
    except ValueError as err:
        assert str(err).startswith("noise"), str(err)
    else:
        raise AssertionError("noise=True was accepted (as 1.0); n_samples=True and seed=True are refused")

"""Data sets for the training comparisons: seeded 2-D toy sets, the bundled 8x8 digits, and MNIST /
Fashion-MNIST through ``keras.datasets`` when the machine is online.

Every loader returns float32 features (the 2-D sets standardized, images scaled to [0, 1]) and int
labels, split into train and test by a seeded permutation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import tf_loader
from .checks import check_int, check_real, check_seed
from .words import N_, tr

TOY_SETS = {
    "circles": N_("two concentric rings: the inner ring is one class (TensorFlow Playground)"),
    "xor": N_("the four quadrants, opposite ones sharing a class (TensorFlow Playground)"),
    "gaussians": N_("two overlapping Gaussian blobs (TensorFlow Playground)"),
    "spiral": N_("two interleaved spirals (TensorFlow Playground)"),
    "moons": N_("two interleaving half circles (deeplearning.ai's initialization notebook uses circles)"),
}
DATASETS = {
    **TOY_SETS,
    "digits": N_("1,797 8x8 handwritten digits, 10 classes (UCI, CC BY 4.0; bundled)"),
    "mnist": N_("70,000 28x28 handwritten digits, 10 classes (downloaded by Keras once, then cached)"),
    "fashion_mnist": N_("70,000 28x28 clothing images, 10 classes (downloaded by Keras once, then cached)"),
}
"""Every data set: name -> one line saying what it is."""
NAMES = {
    "circles": N_("circles"),
    "xor": N_("xor"),
    "gaussians": N_("gaussians"),
    "spiral": N_("spiral"),
    "moons": N_("moons"),
    "digits": N_("digits"),
    "mnist": N_("mnist"),
    "fashion_mnist": N_("fashion mnist"),
}
"""Every data set: name -> its name as the pages show it (a message)."""
ONLINE = ("mnist", "fashion_mnist")
DIGITS_FILE = Path(__file__).with_name("data") / "digits.npz"
MAX_DOWNLOADED = 12_000  # MNIST-like sets are subsampled to this many training images (seeded)


class DatasetUnavailable(RuntimeError):
    """A data set that needs the internet could not be fetched; the message says so in plain words."""


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray  # (n_train, features) float32
    y_train: np.ndarray  # (n_train,) int64, 0 .. n_classes - 1
    x_test: np.ndarray  # (n_test, features) float32
    y_test: np.ndarray  # (n_test,) int64
    n_classes: int
    description: str

    @property
    def features(self) -> int:
        return int(self.x_train.shape[1])


def load_dataset(
    name: str, *, seed: int, noise: float = 0.1, test_fraction: float = 0.25, n_samples: int = 800
) -> Dataset:
    """A data set, split into train and test.

    Args:
        name: a key of :data:`DATASETS`.
        seed: draws the 2-D points, their noise and every split.
        noise: for the 2-D sets, the std of the Gaussian noise added to each coordinate, relative to the
            pattern's size (0 to 1); ignored by the image sets.
        test_fraction: share of the examples held out for testing (0.05 to 0.9).
        n_samples: number of points of a 2-D set (50 to 20,000).

    Raises:
        ValueError: a bad argument (the message names it).
        DatasetUnavailable: MNIST or Fashion-MNIST while offline and not cached.
    """
    if name not in DATASETS:
        raise ValueError(f"name must be one of {list(DATASETS)}, got {name!r}")
    seed = check_seed(seed)
    noise = check_real("noise", noise, 0.0, 1.0)
    check_real("test_fraction", test_fraction, 0.05, 0.9, must="in [0.05, 0.9]")
    n_samples = check_int("n_samples", n_samples, 50, 20_000)
    rng = np.random.default_rng([seed, 3])
    if name in TOY_SETS:
        x, y = _TOY[name](rng, n_samples, noise)
        x = (x - x.mean(axis=0)) / x.std(axis=0)  # standardized: the net's first layer sees unit variance
        return _split(name, x, y, 2, rng, test_fraction)
    if name == "digits":
        with np.load(DIGITS_FILE) as f:
            x = f["images"].reshape(len(f["images"]), -1) / 16.0
            y = f["labels"].astype(np.int64)
        return _split(name, x, y, 10, rng, test_fraction)
    (x_tr, y_tr), (x_te, y_te) = _download(name)
    x = np.concatenate([x_tr, x_te]).reshape(len(x_tr) + len(x_te), -1)  # uint8: 55 MB for 70,000 images
    y = np.concatenate([y_tr, y_te]).astype(np.int64)
    keep = rng.permutation(len(x))[: int(MAX_DOWNLOADED / (1 - test_fraction))]
    # Subsample before converting: all 70,000 images as float64 would take 440 MB for a moment.
    return _split(name, x[keep].astype(np.float32) / np.float32(255.0), y[keep], 10, rng, test_fraction)


def _split(
    name: str, x: Any, y: Any, n_classes: int, rng: np.random.Generator, test_fraction: float
) -> Dataset:
    order = rng.permutation(len(x))
    n_test = max(1, round(test_fraction * len(x)))
    test, train = order[:n_test], order[n_test:]
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    return Dataset(name, x[train], y[train], x[test], y[test], n_classes, DATASETS[name])


def _download(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """keras.datasets' loader (downloads once to ~/.keras/datasets, then reads the cache)."""
    try:
        keras = tf_loader.tensorflow()[1]  # TensorFlow only for the sets that need it
    except ImportError as err:
        raise DatasetUnavailable(
            tr(
                "{name} needs TensorFlow, which could not be loaded here ({error}).",
                name=tr(NAMES[name]),
                error=err,
            )
        ) from err
    try:
        return getattr(keras.datasets, name).load_data()
    except Exception as err:  # no network, a proxy, a half-written cache file: all mean "not available"
        raise offline(name, err) from err


def offline(name: str, err: BaseException) -> DatasetUnavailable:
    """The error for data set ``name`` that could not be downloaded (``err``: why), in words."""
    return DatasetUnavailable(
        tr(
            "{name} could not be downloaded (this machine seems to be offline, and no copy is cached yet). "
            "Every other data set works offline. ({error})",
            name=tr(NAMES[name]),
            error=type(err).__name__,
        )
    )


# --- the 2-D sets: (n, 2) points and 0/1 labels, the pattern scaled to about [-1, 1] -------------


def _circles(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    radius = np.where(y == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0, 2 * math.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + noise * rng.standard_normal((n, 2)), y


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, (n, 2))
    x += np.sign(x) * 0.05  # a small margin around the axes, as in TensorFlow Playground
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x + noise * rng.standard_normal((n, 2)), y


def _gaussians(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    centres = np.where(y[:, None] == 1, 0.5, -0.5)
    return centres + (0.25 + noise) * rng.standard_normal((n, 2)), y


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    t = rng.uniform(0.0, 1.0, n)
    radius = t
    angle = 1.75 * 2 * math.pi * t + math.pi * y
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return x + noise * rng.standard_normal((n, 2)), y


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    angle = rng.uniform(0, math.pi, n)
    x = np.where(
        y[:, None] == 0,
        np.stack([np.cos(angle), np.sin(angle)], axis=1),
        np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1),
    )
    return x + noise * rng.standard_normal((n, 2)), y


_TOY = {"circles": _circles, "xor": _xor, "gaussians": _gaussians, "spiral": _spiral, "moons": _moons}

"""The one door to TensorFlow: the only module of initcore that imports tensorflow or keras, and only when
:func:`tensorflow` is first called (``import initcore`` stays TensorFlow-free and fast).

It imports nothing from initcore, so every module (schemes, datasets, training) can use it without an
import circle.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_LOCK = threading.Lock()
_MODULES: tuple[Any, Any] | None = None


def tensorflow() -> tuple[Any, Any]:
    """(tensorflow, keras), imported on first use with one thread per op (the fastest setting for the
    small matrices trained here; TF only accepts it before its first op, so it is set right away)."""
    global _MODULES
    with _LOCK:
        if _MODULES is None:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no C++ info banners in the server log
            import keras  # noqa: PLC0415 -- the lazy import this module exists for
            import tensorflow as tf  # noqa: PLC0415

            try:
                tf.config.threading.set_intra_op_parallelism_threads(1)
                tf.config.threading.set_inter_op_parallelism_threads(1)
            except RuntimeError:  # TF was already running (a test imported it first): keep its setting
                pass
            _MODULES = (tf, keras)
    return _MODULES

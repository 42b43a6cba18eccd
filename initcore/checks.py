"""Argument checks shared by initcore: each returns the value in its plain Python type, or raises a
ValueError whose message names the argument and echoes the value (``width must be an integer >= 1, got
2.5``). Pages catch these and explain them. A bool is never accepted as a number here, though Python
counts True as 1.

Imports nothing from initcore, so any module can use it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def is_int(value: Any) -> bool:
    """An integer (Python or numpy), and not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """A real number (Python or numpy, integers included), and not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_int(name: str, value: Any, low: int, high: int | None = None, *, must: str | None = None) -> int:
    """``value`` as an int if it is an integer in [low, high] (no upper end when ``high`` is None).

    Args:
        must: what the message says ``name`` must be; by default "an integer >= {low}", or "an integer
            in [{low}, {high}]" when there is an upper end.
    """
    if not is_int(value) or value < low or (high is not None and value > high):
        if must is None:
            must = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        raise ValueError(f"{name} must be {must}, got {value!r}")
    return int(value)


def check_real(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    open_low: bool = False,
    finite: bool = True,
    must: str | None = None,
) -> float:
    """``value`` as a float if it is a real number in [low, high] ((low, high] with ``open_low``), finite
    unless ``finite`` is False (NaN is never in range).

    Args:
        must: what the message says ``name`` must be; by default "a number in [{low}, {high}]", or
            "a finite number >= {low}" (or "> {low}") when there is no upper end.
    """
    try:
        v = float(value) if is_real(value) else math.nan  # compared as float64: exact for a numpy float32
    except OverflowError:  # an int beyond float's range
        v = math.inf if value > 0 else -math.inf
    in_range = (low < v if open_low else low <= v) and v <= high  # never for NaN
    if not in_range or (finite and not math.isfinite(v)):
        if must is None:
            left = "(" if open_low else "["
            if math.isinf(high):
                must = f"a finite number {'>' if open_low else '>='} {low:g}"
            else:
                must = f"a number in {left}{low:g}, {high:g}]"
        raise ValueError(f"{name} must be {must}, got {value!r}")
    return v


def check_seed(seed: Any) -> int:
    """A seed as a non-negative int, or ValueError echoing the value."""
    return check_int("seed", seed, 0, must="a non-negative integer")


def check_shape(shape: Any) -> tuple[int, ...]:
    """A shape as a tuple of non-negative ints (an int n means (n,)), or ValueError."""
    dims = (shape,) if isinstance(shape, numbers.Integral) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise ValueError(f"shape must be a tuple of non-negative integers, got {shape!r}") from None
    if not all(is_int(d) and d >= 0 for d in dims):
        raise ValueError(f"shape must be a tuple of non-negative integers, got {shape!r}")
    return tuple(int(d) for d in dims)


def check_fans(fan_in: Any, fan_out: Any) -> tuple[int, int]:
    """(fan_in, fan_out) as positive ints, or ValueError naming the first bad one."""
    return (
        check_int("fan_in", fan_in, 1, must="a positive integer"),
        check_int("fan_out", fan_out, 1, must="a positive integer"),
    )

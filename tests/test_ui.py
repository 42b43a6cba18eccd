"""URL fields: what a link may say, and how every bad value is refused with a reason."""

from __future__ import annotations

import math
import platform
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ui

ROOT = Path(__file__).resolve().parents[1]

CHOICE = ui.Field("c", "sigmoid", options=("sigmoid", "tanh"))
NUMBER = ui.Field("x", 0.1, low=0.0, high=1e6)
INTEGER = ui.Field("n", 100, low=1, high=4096, integer=True)
SIZES = ui.Field("k", 100, options=(10, 100, 1000))
FLAG = ui.Field("f", False, boolean=True)


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        (CHOICE, "tanh", "tanh"),
        (NUMBER, "0.25", 0.25),
        (NUMBER, "1e6", 1e6),
        (NUMBER, "-0", 0.0),
        (INTEGER, "4096", 4096),
        (INTEGER, "7.0", 7),
        (SIZES, "1000", 1000),
        (FLAG, "true", True),
        (FLAG, "0", False),
    ],
)
def test_good_values_parse(field, raw, value):
    got = field.parse(raw)
    assert got == value and type(got) is type(value), f"{raw!r} -> {got!r}"
    assert not (isinstance(got, float) and math.copysign(1, got) < 0), "-0 must read as 0"


@pytest.mark.parametrize(
    ("field", "raw", "reason"),
    [
        (CHOICE, "softmax", "not one of the choices"),
        (NUMBER, "abc", "not a number"),
        (NUMBER, "nan", "not a finite number"),
        (NUMBER, "inf", "not a finite number"),
        (NUMBER, "-1", "outside 0 to 1e+06"),
        (NUMBER, "", "not a number"),
        (INTEGER, "1.5", "not a whole number"),
        (INTEGER, "0", "outside 1 to 4096"),
        (SIZES, "7", "not one of the choices"),
        (FLAG, "maybe", "not true or false"),
        (CHOICE, ["sigmoid", "tanh"], "given more than once"),
        (NUMBER, "1" * 300, "too long"),
    ],
)
def test_bad_values_are_refused_with_a_reason(field, raw, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        field.parse(raw)


@given(st.text(max_size=300))
def test_any_text_either_parses_into_range_or_raises_value_error(text):
    for field in (CHOICE, NUMBER, INTEGER, SIZES, FLAG):
        try:
            value = field.parse(text)
        except ValueError:
            continue
        if field.options:
            assert value in field.options
        elif not field.boolean:
            assert field.low <= value <= field.high and math.isfinite(value)


@pytest.mark.parametrize("field", [CHOICE, NUMBER, INTEGER, SIZES, FLAG])
def test_dump_then_parse_round_trips(field):
    assert field.parse(field.dump(field.default)) == field.default
    assert NUMBER.parse(NUMBER.dump(1.2345678e-7)) == 1.2345678e-7


def test_table_cells_spell_infinities_and_undefined():
    assert ui.fmt(float("inf")) == "∞" and ui.fmt(float("-inf")) == "−∞"
    assert ui.fmt(float("nan")) == "—" and ui.fmt(0.0455, percent=True) == "4.5%"
    assert ui.fmt(0.0577350269) == "0.05774"


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"), reason="glibc's mallopt"
)
def test_on_glibc_the_app_keeps_freed_memory_for_the_next_rerun():
    """ui.compute asks glibc (mallopt) to keep freed arrays for the next rerun: glibc took both settings."""
    assert ui.KEEPS_FREED_MEMORY


def test_a_page_freezes_what_the_imports_made_so_full_collections_skip_it():
    """The first page run in a process moves the objects alive then to the collector's permanent
    generation (gc.freeze): after one run of the landing page there are such objects, and a second call
    changes nothing (once per process)."""
    import gc

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    assert not at.exception
    frozen = gc.get_freeze_count()
    assert frozen > 10_000, f"{frozen} objects frozen"
    ui.compute.freeze_startup_objects()
    assert gc.get_freeze_count() == frozen, "frozen again on a second call"


def test_a_cached_view_is_hashed_by_every_one_of_its_fields():
    """The pages' caches key a view by its repr (ui.BY_FIELDS): views that differ in any one field, or in
    one parameter of one initialization, must not share a cached result."""
    from dataclasses import fields, replace

    from initcore.claims import DEPTH_PRESETS
    from initcore.views import DrawsView, Init

    depth = DEPTH_PRESETS[0].view
    draws = DrawsView(Init.of("uniform", limit=0.1), Init.of("normal", std=0.1))
    changed = {
        "inits": (*depth.inits[:2], Init.of("normal", std=1.0000001), *depth.inits[3:]),
        "activation": "tanh", "depth": 11, "width": 251, "batch": 249, "inputs": "uniform01",
        "bias_std": 1e-9,
        "a": Init.of("uniform", limit=0.2), "b": Init.of("glorot_normal"), "compare": "variance",
        "fan_in": 101, "fan_out": 99, "draws_n": 100_001, "n": 3,
    }  # fmt: skip
    for view in (depth, draws):
        assert set(ui.BY_FIELDS) >= {type(view)}
        key = ui.BY_FIELDS[type(view)]
        assert key(view) == key(replace(view)), "the same view, another object: the same key"
        for f in fields(view):
            assert key(replace(view, **{f.name: changed[f.name]})) != key(view), (
                f"{type(view).__name__}.{f.name}"
            )

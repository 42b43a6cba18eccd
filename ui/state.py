"""Controls declared once, mirrored in the URL.

A :class:`Control` holds everything about one widget: its key (also its name in the URL), label, help,
default and range or options. From it come the URL field and its validation (:class:`Field`), the widget
itself (:meth:`Page.draw`), its choices for the budget's search (:meth:`Control.choices`), and the values
presets and lesson links give it. A :class:`Page` seeds its controls' widgets from, in order: the
widget's own state, the URL, what the user last chose on this page in this session (kept when they visit
another page), and the default; a URL value that is unknown, malformed or out of range falls back to the
default with a short notice, and nothing raises. Used as a context manager, the page records which
controls were drawn in this run and writes exactly those into the URL when the run ends, also when it
ends early with :meth:`Page.stop` (after ``st.stop()`` a script may draw nothing more, so a page ends
early through its own ``stop``).
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st

from initcore.words import tr

from . import language

_SAVED = "_saved_view"  # session_state slot: {page: {key: value}}, survives page switches
_MAX_URL_VALUE = 200  # characters; longer URL values are refused before any parsing
_NO_LABEL = ""  # tabs have none (a name, not a literal, so that the catalogue has no empty message)


@dataclass(frozen=True)
class Field:
    """A value mirrored in the URL.

    Attributes:
        key: widget key and URL name, unique across the app.
        default: the value when the URL says nothing (or something invalid).
        options: for a choice: the allowed values (compared as strings in the URL).
        low, high: for a number: the closed allowed range; ``integer`` picks int or float.
        boolean: a toggle ("true" / "false" in the URL).
    """

    key: str
    default: Any
    options: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False
    boolean: bool = False

    def parse(self, raw: Any) -> Any:
        """The value a URL string stands for; ValueError with a short reason otherwise."""
        if isinstance(raw, list):  # a repeated key: ?x=1&x=2
            raise ValueError(tr("given more than once"))
        text = str(raw)
        if len(text) > _MAX_URL_VALUE:
            raise ValueError(tr("too long"))
        if self.boolean:
            if text.lower() in ("true", "1", "yes", "on"):
                return True
            if text.lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError(tr("not true or false"))
        if self.options:
            for option in self.options:
                if text in (str(option), self.dump(option)):  # dump: 1.0 is written "1" in a link
                    return option
            raise ValueError(tr("not one of the choices"))
        try:
            number = float(text)
        except ValueError:
            raise ValueError(tr("not a number")) from None
        if not math.isfinite(number):
            raise ValueError(tr("not a finite number"))
        if self.integer:
            if number != int(number):
                raise ValueError(tr("not a whole number"))
            number = int(number)
        elif number == 0:
            number = 0.0  # -0.0 reads as 0
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise ValueError(tr("outside {low} to {high}", low=f"{self.low:g}", high=f"{self.high:g}"))
        return number

    def dump(self, value: Any) -> str:
        """The value as a link writes it (the shortest text that reads back as the same value)."""
        if self.boolean:
            return "true" if value else "false"
        if isinstance(value, float):
            short = f"{value:g}"  # 6 digits: 684560.7 would read back as 684561
            return short if float(short) == value else repr(value)
        return str(value)


WIDGETS = ("selectbox", "radio", "select_slider", "slider", "number", "toggle", "tabs")
_TAB = "__tab"  # suffix of the key of the st.tabs widget behind a "tabs" control


@dataclass(frozen=True)
class Control:
    """One control of a page, declared once.

    Attributes:
        key: the widget's key and its name in the URL.
        label: what the widget says (a message for :func:`initcore.words.tr`).
        default: the value on a first visit and the fallback for a bad link.
        widget: one of :data:`WIDGETS`; ``number`` is a number input, ``toggle`` a switch, ``tabs`` lazy
            tabs (only the open tab's content runs; :meth:`draw` returns the open tab's container).
        options: the values of a choice (selectbox, radio, select_slider).
        low, high, step: a number's closed range and step; ``integer`` makes it whole.
        help: the widget's tooltip (a message).
        label_of: how an option is shown (a function of the option, already translated), else str.
        horizontal: for a radio.
        number_format: printf format of a number input.
    """

    key: str
    label: str
    default: Any
    widget: str
    options: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    integer: bool = False
    help: str | None = None
    label_of: Callable[[Any], str] | None = None
    horizontal: bool = False
    number_format: str | None = None
    label_values: tuple[tuple[str, Any], ...] = ()  # filled into the label's {placeholders}

    def __post_init__(self) -> None:
        if self.widget not in WIDGETS:
            raise ValueError(f"widget must be one of {WIDGETS}, got {self.widget!r}")

    @property
    def field(self) -> Field:
        return Field(
            self.key, self.default, self.options, self.low, self.high, self.integer, self.widget == "toggle"
        )

    def choices(self) -> Sequence[Any]:
        """Every value the control offers: its options, or each whole number of its range."""
        if self.options:
            return self.options
        if self.integer and self.low is not None and self.high is not None:
            return range(int(self.low), int(self.high) + 1)
        raise ValueError(f"{self.key}: a continuous range has no list of choices")

    def draw(self, where: Any = st, *, help: str | None = None) -> Any:
        """The widget, in ``where`` (``st``, a column, the sidebar...), with ``help`` instead of its own if
        given; returns its value (for ``tabs``: the open tab, to draw its content in)."""
        if self.widget == "tabs":
            return self._tabs(where)
        label = tr(self.label, **dict(self.label_values))
        help_text = tr(help or self.help) if (help or self.help) else None
        shown = self.label_of or str
        if self.widget == "selectbox":
            return where.selectbox(label, self.options, format_func=shown, key=self.key, help=help_text)
        if self.widget == "radio":
            return where.radio(
                label,
                self.options,
                format_func=shown,
                key=self.key,
                help=help_text,
                horizontal=self.horizontal,
            )
        if self.widget == "select_slider":
            return where.select_slider(label, self.options, format_func=shown, key=self.key, help=help_text)
        if self.widget == "slider":
            return where.slider(label, self.low, self.high, step=self.step, key=self.key, help=help_text)
        if self.widget == "number":
            return where.number_input(
                label,
                self.low,
                self.high,
                step=self.step,
                format=self.number_format,
                key=self.key,
                help=help_text,
            )
        return where.toggle(label, key=self.key, help=help_text)

    def _tabs(self, where: Any) -> Any:
        """``st.tabs`` over the options, opened on the control's value; a click on another tab sets the value
        (a callback) and reruns. The value, not the tab's label, is what the URL holds, so a link opens on
        the same tab in every language. The widget is given the value's label every run (and no default),
        so that a value set elsewhere (a link, a test) opens its tab."""
        shown = self.label_of or str
        labels = [shown(o) for o in self.options]
        state = self.key + _TAB
        value = st.session_state.get(self.key, self.default)
        st.session_state[state] = labels[self.options.index(value)]

        def moved() -> None:
            if st.session_state.get(state) in labels:
                st.session_state[self.key] = self.options[labels.index(st.session_state[state])]

        tabs = where.tabs(labels, key=state, on_change=moved)
        return tabs[self.options.index(value)]


def select(
    key: str, label: str, options: Sequence[Any], default: Any, shown: Any = None, **kw: Any
) -> Control:
    """A selectbox control."""
    return Control(key, label, default, "selectbox", tuple(options), label_of=shown, **kw)


def radio(
    key: str, label: str, options: Sequence[Any], default: Any, shown: Any = None, **kw: Any
) -> Control:
    """A horizontal radio control."""
    return Control(key, label, default, "radio", tuple(options), label_of=shown, horizontal=True, **kw)


def steps(
    key: str, label: str, options: Sequence[Any], default: Any, shown: Any = None, **kw: Any
) -> Control:
    """A select-slider control (a slider over a list of values)."""
    return Control(key, label, default, "select_slider", tuple(options), label_of=shown, **kw)


def slider(key: str, label: str, low: float, high: float, default: float, step: float, **kw: Any) -> Control:
    """A slider control; whole numbers when ``low``, ``high`` and ``step`` are ints."""
    whole = all(isinstance(v, int) for v in (low, high, step))
    return Control(key, label, default, "slider", low=low, high=high, step=step, integer=whole, **kw)


def integer(key: str, label: str, low: int, high: int, default: int, **kw: Any) -> Control:
    """A number input of whole numbers."""
    return Control(key, label, default, "number", low=low, high=high, step=1, integer=True, **kw)


SEED_RANGE = (0, 2**31 - 1)  # every page's seed: numpy's and Keras's seeds both take it


def seed(key: str, **kw: Any) -> Control:
    """A page's seed: a whole number, 0 by default (same seed, same numbers)."""
    return integer(key, "Seed", *SEED_RANGE, 0, **kw)


def switch(key: str, label: str, default: bool = False, **kw: Any) -> Control:
    """A toggle."""
    return Control(key, label, default, "toggle", **kw)


def tabs(key: str, options: Sequence[Any], shown: Callable[[Any], str], default: Any = None) -> Control:
    """Lazy tabs, one per option (the first open by default), titled ``shown(option)``."""
    first = options[0] if default is None else default
    return Control(key, _NO_LABEL, first, "tabs", tuple(options), label_of=shown)


class PageState:
    """Seeds a page's widgets (URL > saved view > default) and mirrors them back into the URL."""

    def __init__(self, page: str, fields: Sequence[Field]):
        self.page = page
        self.fields = {f.key: f for f in fields}
        self.notices: list[str] = []
        saved = st.session_state.setdefault(_SAVED, {}).setdefault(page, {})
        url = st.query_params
        if said := language.notice():
            self.notices.append(said)
        for key in list(url.keys()):
            if key not in self.fields and key != language.PARAM:
                self.notices.append(tr("Ignored the unknown link parameter `{key}`.", key=_short(key)))
                del url[key]
        for key, field in self.fields.items():
            if key in st.session_state:
                continue  # the widget already holds the user's value
            value = saved.get(key, field.default)
            if key in url:
                raw = url.get_all(key)
                try:
                    value = field.parse(raw[0] if len(raw) == 1 else raw)
                except ValueError as err:
                    self.notices.append(
                        tr(
                            "Ignored `{key}={raw}` in the link ({reason}); using {default}.",
                            key=key,
                            raw=_short(str(raw[0])),
                            reason=str(err),
                            default=field.dump(field.default),
                        )
                    )
                    value = field.default
            st.session_state[key] = value

    def value(self, key: str) -> Any:
        return st.session_state.get(key, self.fields[key].default)

    def show_notices(self) -> None:
        if self.notices:
            st.info("  \n".join(self.notices), icon=":material/link_off:")

    def sync(self, active: Iterable[str]) -> None:
        """Write the active controls into the URL (and remember every control for this session)."""
        active = set(active)
        saved = st.session_state[_SAVED][self.page]
        for key, field in self.fields.items():
            if key in st.session_state:
                saved[key] = st.session_state[key]
            if key in active:
                text = field.dump(self.value(key))
                if st.query_params.get_all(key) != [text]:  # get() sees only the last of ?x=1&x=1
                    st.query_params[key] = text
            elif key in st.query_params:
                del st.query_params[key]
        lang = language.link_value()
        if lang is None:
            st.query_params.pop(language.PARAM, None)
        elif st.query_params.get_all(language.PARAM) != [lang]:
            st.query_params[language.PARAM] = lang
        # In a popover, whose content the browser draws only once it is opened: a code box loads a 1.5 MB
        # highlighter script, which a first visit's browser otherwise compiles before the page's first
        # chart (landing page, cold start: first chart 2.91 -> 2.78 s, medians of 7, bench/cold_start.py).
        with st.sidebar, st.popover(tr("Copy a link to this view"), icon=":material/link:", width="stretch"):
            st.code(share_link(), language=None, wrap_lines=True)
            st.caption(
                tr("Copy it with the button in the box's corner: it opens this page as you see it now.")
            )


class Page:
    """A page's controls, seeded and mirrored in the URL.

    ``with Page("depth", CONTROLS) as page:`` then ``page.draw("s_depth", column)`` for each control the
    page shows; the controls drawn (and those marked with :meth:`keep`) are written into the URL when the
    block ends, or when the page ends early with ``page.stop()``, so a copied link holds exactly what is on
    screen."""

    def __init__(self, name: str, controls: Iterable[Control]):
        self.controls = {c.key: c for c in controls}
        st.session_state.setdefault(language.CONTROLS, set()).update(self.controls)  # kept on a switch
        self.state = PageState(name, [c.field for c in self.controls.values()])
        self.drawn: list[str] = []
        self._synced = False

    def __enter__(self) -> Page:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: Any) -> bool:
        if kind is None:
            self.sync()
        return False

    def sync(self) -> None:
        """Write the controls drawn so far into the URL, and the link box into the sidebar (once a run)."""
        if not self._synced:
            self._synced = True
            self.state.sync(self.drawn)

    def stop(self) -> NoReturn:
        """End this run here (``st.stop()``), with the link written first."""
        self.sync()
        st.stop()

    def draw(self, key: str, where: Any = st, *, keep: bool = True, help: str | None = None) -> Any:
        """Draw control ``key`` in ``where`` (with ``help`` instead of its own, if given); ``keep=False``
        draws it without putting it in the link (a slot beyond the ones compared, say)."""
        value = self.controls[key].draw(where, help=help)
        if keep:
            self.keep(key)
        return value

    def keep(self, *keys: str) -> None:
        """Put these controls in the link although the page did not draw them in this run."""
        self.drawn += [k for k in keys if k not in self.drawn]

    def value(self, key: str) -> Any:
        return self.state.value(key)

    def show_notices(self) -> None:
        self.state.show_notices()

    def defaults(self, *keys: str) -> dict[str, Any]:
        """The defaults of these controls (all of them without keys)."""
        return {k: c.default for k, c in self.controls.items() if not keys or k in keys}


def share_link() -> str:
    """The address of this page with every setting as a query parameter (relative when the browser's
    address is unknown, as in tests)."""
    query = urllib.parse.urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    base = st.context.url or ""
    return f"{base}?{query}" if query else base or "?"


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"

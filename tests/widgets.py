"""The keyed controls of a page under AppTest, by key: its widgets, and its lazy tabs (``ui.tabs``), which
AppTest has no widget for and are seen here as one (their value is the open tab's option)."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from ui.state import _TAB

WIDGET_KINDS = ("selectbox", "radio", "slider", "select_slider", "number_input", "checkbox", "toggle")


class Tabs:
    """A ``ui.tabs`` control: ``value`` is the open tab's option, ``options`` the tabs' titles as last
    drawn; ``set_value`` opens another tab, as a click does (the page's next run draws it)."""

    def __init__(self, at: AppTest, key: str, titles: list[str]):
        self.at, self.key, self.options = at, key, titles

    @property
    def value(self) -> Any:
        return self.at.session_state[self.key]

    def set_value(self, value: Any) -> Tabs:
        self.at.session_state[self.key] = value
        return self


_SEEN: dict[int, dict[str, list[str]]] = {}  # id(AppTest) -> {tabs control: its titles when last drawn}


def keyed_widgets(at: AppTest) -> dict[str, Any]:
    """Every keyed widget on the page, by key, and every lazy tabs control this AppTest's page has drawn
    (also in a run that ended before the tabs, a budget's refusal say: the session still holds its value,
    and the link keeps it). A page has at most one tabs control."""
    found = {w.key: w for kind in WIDGET_KINDS for w in at.get(kind) if w.key}
    seen = _SEEN.setdefault(id(at), {})
    for key in at.session_state:
        if key.endswith(_TAB) and at.tabs:
            seen[key.removesuffix(_TAB)] = [tab.label for tab in at.tabs]
    found.update({key: Tabs(at, key, titles) for key, titles in seen.items() if key in at.session_state})
    return found

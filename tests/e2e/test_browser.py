"""The app in a real browser (headless Chromium through Playwright): what AppTest cannot see.

Every page loads without an exception box, every Vega-Lite chart is drawn (an SVG or a canvas), a control
moved with the mouse or keyboard changes the chart or number it drives and the link in the address bar,
a copied link opens the same view in a fresh browser, and page 3 trains for real. Full-page screenshots
of every page land in screenshots/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHART = "[data-testid=stVegaLiteChart]"
DRAWN = "svg.marks, canvas.marks"  # what Vega draws into; an empty chart has neither
MAX_SHOT_HEIGHT = 12_000  # px: a screenshot taller than this would be a layout bug in itself
TRAINING_TIMEOUT_MS = 180_000  # TensorFlow's first import alone takes 5-20 s on a busy machine


# --- waiting for Streamlit ---------------------------------------------------------------------------


def settle(page: Page) -> None:
    """Wait until the script has finished its run: the app says so, no status widget, no stale element."""
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_have_count(1)
    expect(page.locator("[data-testid=stStatusWidget]")).to_have_count(0)
    expect(page.locator("[data-stale=true]")).to_have_count(0)


def check_page(page: Page, charts: int) -> None:
    """No exception box, and each of the page's ``charts`` Vega-Lite charts has been drawn."""
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    found = page.locator(CHART)
    expect(found).to_have_count(charts)
    for i in range(charts):
        expect(found.nth(i).locator(DRAWN).first, f"chart {i} is never drawn").to_be_attached()


def open_page(page: Page, url: str, charts: int) -> None:
    page.goto(url)
    expect(page.locator("[data-testid=stApp]")).to_be_visible()
    expect(page.locator(CHART)).to_have_count(charts)  # the script has drawn the page ...
    settle(page)  # ... and finished
    check_page(page, charts)


def wait_for_change(page: Page, read: Callable[[], str], before: str, what: str, timeout_s: float = 60):
    """Poll ``read`` until it differs from ``before``; the new value. Fails naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while (now := read()) == before:
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not change within {timeout_s:g} s; still {now[:200]!r}")
        page.wait_for_timeout(250)
    return now


def query(page: Page) -> dict[str, str]:
    """The page's query string as {key: value} (every key here appears once)."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def wait_for_query(page: Page, timeout_s: float = 60, **expected: str) -> dict[str, str]:
    """Wait until the URL holds every ``key=value`` in ``expected``; the query then. The app writes the
    link key by key at the end of its run: for the whole of it, settle() first, then read query()."""
    deadline = time.monotonic() + timeout_s
    while any((current := query(page)).get(k) != v for k, v in expected.items()):
        if time.monotonic() > deadline:
            pytest.fail(f"the URL never showed {expected}: {page.url}")
        page.wait_for_timeout(250)
    return current


# --- reading what the page shows ---------------------------------------------------------------------


DRAW_JS = """el => {
    const m = el.querySelector('svg.marks, canvas.marks');
    return !m ? '' : m.tagName === 'CANVAS' ? m.toDataURL() : m.outerHTML;
}"""


def picture(page: Page, i: int) -> str:
    """Chart i as drawn: the SVG's markup or the canvas's pixels, for before/after comparisons. Vega
    writes gradient references as url(<the page's address when drawn>#gradient_<n>), n counting the
    gradients this browser page has drawn so far: they are cut to url(#gradient), so that the same chart
    drawn under another address, or after other charts, compares equal."""
    drawn = page.locator(CHART).nth(i).evaluate(DRAW_JS)
    return re.sub(r"gradient_\d+", "gradient", re.sub(r"url\([^)#]*#", "url(#", drawn))


def table_text(page: Page, i: int) -> str:
    """The text of table i (an st.table, or an st.dataframe's accessible table beside its canvas)."""
    table = page.locator("[data-testid=stTable], [data-testid=stDataFrame]").nth(i).locator("table")
    expect(table).to_be_attached()
    return table.inner_text()


def caption(page: Page, containing: str) -> str:
    return page.locator("[data-testid=stCaptionContainer]").filter(has_text=containing).inner_text()


def verdict(page: Page) -> list[str]:
    """Page 2's verdict: one bullet per initialization."""
    return page.locator("[data-testid=stMain] [data-testid=stMarkdownContainer] li").all_inner_texts()


def widget_value(page: Page, key: str) -> str:
    """What the widget with this key shows: a slider's thumb label, an input's value, a radio's choice."""
    box = page.locator(f".st-key-{key}")
    if box.locator("input[type=range]").count():
        return box.locator("[data-testid=stSliderThumbValue]").inner_text()
    if box.locator("[role=radiogroup]").count():
        checked = box.locator("[data-testid=stRadioOption]").filter(has=page.locator("input:checked"))
        return checked.inner_text()
    return box.locator("input").first.input_value()


def click_radio(page: Page, key: str, option: str) -> None:
    page.locator(f".st-key-{key} [data-testid=stRadioOption]").get_by_text(option, exact=True).click()


def type_number(page: Page, key: str, value: str, enter: bool = True) -> None:
    box = page.locator(f".st-key-{key} input")
    box.fill(value)
    if enter:
        box.press("Enter")


FITS_JS = """cap => {
    const m = document.querySelector('[data-testid=stMain]');
    return m.scrollHeight <= m.clientHeight + 1 || m.clientHeight >= cap;
}"""


def screenshot(page: Page, name: str) -> Path:
    """A picture of the whole page. Streamlit scrolls inside <main>, not the document, so the window is
    made as tall as <main>'s content for the shot, then put back."""
    path = SCREENSHOTS / f"{name}.png"  # name may hold a folder: "fa/landing"
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    main = page.locator("[data-testid=stMain]")
    # The content can still grow after it is measured (a chart or table finishing its layout, which a
    # taller window may reflow): measure again and resize until the window holds it all.
    for _ in range(20):
        height = main.evaluate("el => el.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": min(height, MAX_SHOT_HEIGHT)})
        try:
            page.wait_for_function(FITS_JS, arg=MAX_SHOT_HEIGHT, timeout=3_000)  # the layout followed
            break
        except PlaywrightTimeoutError:
            continue
    else:
        raise AssertionError(f"{name}: the page never fitted a window as tall as its content")
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)
    return path


# --- the pages ---------------------------------------------------------------------------------------


FONT = ROOT / "static" / "fonts" / "vazirmatn-nl-variable.woff2"
FONT_JS = """
async () => {
  const faces = await document.fonts.load('16px Vazirmatn', 'سلام');  // fetches it if a face matches
  const h1 = getComputedStyle(document.querySelector('h1')).fontFamily;
  const ours = faces.filter((f) => f.family.replaceAll('"', '') === 'Vazirmatn');
  return {
    loaded: ours.filter((f) => f.status === 'loaded').length,
    persian: document.fonts.check('16px Vazirmatn', 'سلام'),
    ranges: ours.map((f) => f.unicodeRange),
    h1,
  };
}
"""


def test_the_persian_font_is_served_by_the_app_and_only_for_persian_letters(page: Page, app):
    """Vazirmatn comes from the app itself (a classroom without internet renders Persian), loads in the
    browser for Persian letters, and leaves Latin text to Streamlit's Source Sans."""
    served = page.request.get(f"{app.url}/app/static/fonts/vazirmatn-nl-variable.woff2")
    assert served.ok and served.body() == FONT.read_bytes(), served.status
    open_page(page, f"{app.url}/", charts=1)
    font = page.evaluate(FONT_JS)
    assert font["loaded"] >= 1 and font["persian"], font
    for ranges in font["ranges"]:  # Arabic script only: Latin letters and digits fall through to Source Sans
        assert "U+600-6FF" in ranges.upper() and not ranges.upper().startswith("U+0-"), ranges
    assert font["h1"].startswith("Vazirmatn") and "Source Sans" in font["h1"], font["h1"]


def test_landing_page_radios_redraw_the_chart_and_the_numbers(page: Page, app):
    open_page(page, f"{app.url}/", charts=1)
    assert query(page).items() >= {"act": "sigmoid", "n": "100"}.items(), page.url
    screenshot(page, "landing")

    def zone() -> str:
        return caption(page, "keeps at least 95%")

    chart, text = picture(page, 0), zone()
    linear_edge = re.search(r"\|z\| ≤ ([\d.]+)", text)
    assert linear_edge and "the sigmoid keeps" in text, text

    click_radio(page, "act", "Tanh")
    wait_for_query(page, act="tanh", n="100")
    settle(page)
    text = wait_for_change(page, zone, text, "the zone caption after choosing tanh")
    assert "the tanh keeps" in text, text
    tanh_edge = re.search(r"\|z\| ≤ ([\d.]+)", text)
    assert tanh_edge and float(tanh_edge[1]) < float(linear_edge[1]), (linear_edge[1], text)
    chart = wait_for_change(page, lambda: picture(page, 0), chart, "the activation chart after choosing tanh")

    click_radio(page, "n", "1000")
    wait_for_query(page, act="tanh", n="1000")
    settle(page)
    assert "n = 1000 inputs" in zone(), zone()
    wait_for_change(page, lambda: picture(page, 0), chart, "the activation chart after choosing n = 1000")
    check_page(page, charts=1)
    assert widget_value(page, "act") == "Tanh" and widget_value(page, "n") == "1000"


def test_draws_page_seed_redraws_the_samples_not_the_theory(page: Page, app):
    open_page(page, f"{app.url}/Uniform_vs_normal_draws", charts=2)
    assert query(page)["d_seed"] == "0", page.url
    screenshot(page, "1_uniform_vs_normal")
    histogram, neuron, summary = picture(page, 0), picture(page, 1), table_text(page, 0)
    assert "0.05774" in summary, f"U[-0.1, 0.1] has std 0.1/√3 = 0.05774:\n{summary}"

    type_number(page, "d_seed", "7")
    wait_for_query(page, d_seed="7")
    settle(page)
    expect(page.locator(".st-key-d_seed input")).to_have_value("7")
    wait_for_change(page, lambda: picture(page, 0), histogram, "the histogram of the draws after seed 7")
    wait_for_change(page, lambda: picture(page, 1), neuron, "the neuron's z histogram after seed 7")
    new_summary = wait_for_change(page, lambda: table_text(page, 0), summary, "the sample statistics")
    assert "0.05774" in new_summary, f"the theory column must not depend on the seed:\n{new_summary}"
    check_page(page, charts=2)


def test_depth_page_fewer_initializations_fewer_verdicts(page: Page, app):
    open_page(page, f"{app.url}/Saturation_across_depth", charts=1)  # the open tab's heatmap
    assert query(page)["s_k"] == "6" and query(page)["s_view"] == "units", page.url
    screenshot(page, "2_saturation")
    before = verdict(page)
    assert len(before) == 6 and all(re.search("layer[ -]10", line) for line in before), before
    heatmap = picture(page, 0)

    click_radio(page, "s_k", "2")
    wait_for_query(page, s_k="2")
    settle(page)
    url = query(page)  # the whole link, now that the run is over
    assert not {"s_i3", "s_i4", "s_i5", "s_i6"} & set(url), (
        f"slots 3-6 are off but still in the link: {page.url}"
    )
    expect(page.locator("[data-testid=stMain] [data-testid=stMarkdownContainer] li")).to_have_count(2)
    assert verdict(page) == before[:2], "slots 1 and 2 did not change, nor should their verdict"
    wait_for_change(page, lambda: picture(page, 0), heatmap, "the layer heatmap after 2 initializations")
    check_page(page, charts=1)


def open_tab(page: Page, title: str, charts: int) -> None:
    """Click the tab whose title starts with ``title`` and wait for its charts (a tab runs only when open)."""
    page.get_by_role("tab").filter(has_text=title).click()
    expect(page.get_by_role("tab", selected=True)).to_contain_text(title)
    expect(page.locator(CHART)).to_have_count(charts)
    settle(page)
    check_page(page, charts)


def test_depth_page_tabs_draw_each_view_and_the_link_keeps_the_tab(new_page: Callable[[], Page], app):
    page = new_page()
    open_page(page, f"{app.url}/Saturation_across_depth", charts=1)
    verdicts = verdict(page)
    for title, key, charts in (("2 ·", "activations", 2), ("3 ·", "gradients", 2), ("4 ·", "phase", 1)):
        open_tab(page, title, charts)
        wait_for_query(page, s_view=key)
        assert verdict(page) == verdicts, "a tab shows another view of the same nets"
    open_tab(page, "3 ·", 2)
    theory = table_text(page, 0)
    fresh = new_page()
    open_page(fresh, page.url, charts=2)  # a copied link opens on its tab
    expect(fresh.get_by_role("tab", selected=True)).to_contain_text("3 ·")
    assert table_text(fresh, 0) == theory
    open_tab(fresh, "1 ·", 1)
    wait_for_query(fresh, s_view="units")


def view(page: Page) -> dict[str, object]:
    """What page 2 shows: the controls moved in the copied-link test, the verdict, the heatmap."""
    return {
        "depth": widget_value(page, "s_depth"),
        "seed": widget_value(page, "s_seed"),
        "verdict": verdict(page),
        "heatmap": picture(page, 0),
    }


def test_copied_link_opens_the_same_view_in_a_fresh_browser(new_page: Callable[[], Page], app):
    page = new_page()
    open_page(page, f"{app.url}/Saturation_across_depth", charts=1)
    before = verdict(page)
    depth = page.locator(".st-key-s_depth input[type=range]")
    depth.focus()
    for _ in range(5):
        depth.press("ArrowLeft")  # 10 -> 5
    type_number(page, "s_seed", "3")
    wait_for_query(page, s_depth="5", s_seed="3")
    settle(page)
    shown = verdict(page)
    assert shown != before and all(re.search("layer[ -]5", line) for line in shown), shown
    assert (widget_value(page, "s_depth"), widget_value(page, "s_seed")) == ("5", "3")
    link = page.url

    fresh = new_page()  # a new context: no cookies, no session, nothing but the link
    open_page(fresh, link, charts=1)
    assert query(fresh) == query(page), f"{fresh.url}\nis not\n{link}"
    # The data grid's text and the charts are redrawn a moment after the run ends: poll, then compare.
    original, copy = view(page), view(fresh)
    deadline = time.monotonic() + 30
    while original != copy and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        original, copy = view(page), view(fresh)
    for key, value in original.items():
        assert copy[key] == value, f"the copy shows another {key}:\n{copy[key]!r:.300}\nnot\n{value!r:.300}"


def test_training_page_trains_and_keeps_the_form_settings(page: Page, app):
    link = f"{app.url}/Training_comparisons?t_data=circles&t_steps=50&t_k=2&t_depth=2&t_width=8"
    open_page(page, link, charts=1)  # the data preview
    expect(page.get_by_text("Press Train to run these settings.")).to_be_visible()
    type_number(page, "t_seed", "3", enter=False)  # in a form: sent when Train is pressed
    keys = ("t_data", "t_noise", "t_depth", "t_width", "t_act", "t_opt", "t_lr", "t_steps", "t_batch")
    keys += ("t_seed", "t_k")
    settings = {key: widget_value(page, key) for key in keys}
    expected = {"t_steps": "50", "t_k": "2", "t_depth": "2", "t_width": "8", "t_seed": "3"}
    assert settings.items() >= expected.items(), settings

    page.get_by_role("button", name="Train").click()
    expect(page.get_by_role("heading", name="Who learned?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    settle(page)
    expect(page.get_by_text("Press Train to run these settings.")).to_have_count(0)
    # data preview, loss, accuracy, three per-layer charts, decision boundaries
    check_page(page, charts=7)
    results = table_text(page, 0)
    for label in ("U[-0.1, 0.1]", "N(0, 0.1²)"):
        assert label in results, f"no row for {label} in the results:\n{results}"
    assert re.search(r"\d+\.\d%", results), f"no accuracy in the results:\n{results}"
    after = {key: widget_value(page, key) for key in keys}
    assert after == settings, f"the form's settings changed with training: before {settings}, after {after}"
    url = wait_for_query(page, **expected)
    assert "t_i3" not in url, page.url
    screenshot(page, "3_training")

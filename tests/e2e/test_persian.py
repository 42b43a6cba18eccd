"""The lab in Persian in a real Chromium: every page right to left where there is text and left to right in
its charts, code and numbers, drawn in the app's own Persian font, with no exception; the browser's
language opens it in Persian; a lesson run trains in Persian. Screenshots land in screenshots/fa/."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from test_browser import CHART, TRAINING_TIMEOUT_MS, check_page, open_page, screenshot, settle

from bench.serve import Server
from initcore.words import speaking, tr

pytestmark = pytest.mark.e2e

PAGES = {  # screenshot name: (path, charts once loaded)
    "landing": ("/", 1),
    "1_uniform_vs_normal": ("/Uniform_vs_normal_draws", 2),
    "2_saturation": ("/Saturation_across_depth", 1),
    "3_training": ("/Training_comparisons", 1),
}
LAYOUT_JS = """
() => {
  const dir = (sel) => {
    const el = document.querySelector(sel);
    return el && getComputedStyle(el).direction;
  };
  const texts = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stMarkdownContainer] p')];
  return {
    main: dir('[data-testid=stMain]'),
    sidebar: dir('[data-testid=stSidebar]'),
    paragraphs: texts.map((p) => getComputedStyle(p).direction),
    align: texts.map((p) => getComputedStyle(p).textAlign),
    chart: dir('[data-testid=stVegaLiteChart]'),
    code: dir('[data-testid=stPopoverBody] pre'),
    note: dir('[data-testid=stPopoverBody] [data-testid=stCaptionContainer]'),
    lang: new URL(location.href).searchParams.get('lang'),
    title: document.querySelector('h1').textContent,
  };
}
"""
FONT_USED_JS = """
async () => {
  await document.fonts.ready;
  const ours = [...document.fonts].filter((f) => f.family.replaceAll('"', '') === 'Vazirmatn');
  const h1 = getComputedStyle(document.querySelector('h1')).fontFamily;
  return {loaded: ours.filter((f) => f.status === 'loaded').length, h1,
          persian: document.fonts.check('16px Vazirmatn', 'آزمایشگاه')};
}
"""


def _persian(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_in_persian_is_right_to_left_in_its_own_font_and_its_charts_left_to_right(
    page: Page, app: Server, name: str
):
    path, charts = PAGES[name]
    open_page(page, f"{app.url}{path}?lang=fa", charts=charts)
    link = page.locator("[data-testid=stSidebar] [data-testid=stPopover]")  # the link's popover, drawn last
    expect(link).to_have_count(1)
    link.locator("button").click()  # its code box is drawn once it is opened
    expect(page.locator("[data-testid=stPopoverBody] pre")).to_have_count(1)
    layout = page.evaluate(LAYOUT_JS)
    assert layout["main"] == "rtl" and layout["sidebar"] == "rtl", layout
    assert layout["paragraphs"] and set(layout["paragraphs"]) == {"rtl"}, layout
    assert set(layout["align"]) <= {"right", "start"}, layout
    assert layout["chart"] == "ltr" and layout["code"] == "ltr", "charts and code stay left to right"
    assert layout["note"] == "rtl", "the popover is drawn outside the sidebar: its text is right to left too"
    assert layout["lang"] == "fa" and _persian(layout["title"]), layout
    font = page.evaluate(FONT_USED_JS)
    assert font["loaded"] >= 1 and font["persian"] and font["h1"].startswith("Vazirmatn"), font
    screenshot(page, f"fa/{name}")


def test_a_browser_set_to_persian_opens_the_lab_in_persian_and_the_link_says_so(
    browser: Browser, app: Server
):
    context = browser.new_context(locale="fa-IR", viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_page(page, f"{app.url}/", charts=1)
        expect(page.locator("h1")).to_have_text(tr_fa("Why initialization matters"))
        expect(page).to_have_url(re.compile(r"[?&]lang=fa\b"))  # a copied link opens in Persian anywhere
    finally:
        context.close()


def tr_fa(message: str) -> str:
    with speaking("fa"):
        return tr(message).replace("\u2066", "").replace("\u2069", "").replace("\u00a0", " ")


def test_the_switch_turns_a_page_persian_and_back_keeping_its_settings(new_page: Callable[[], Page], app):
    page = new_page()
    open_page(page, f"{app.url}/Saturation_across_depth?s_depth=12&s_act=tanh", charts=1)
    page.locator("[data-testid=stSidebar] label").filter(has_text="فارسی").click()
    expect(page.locator("h1")).to_have_text(tr_fa("Saturation across depth"))
    settle(page)
    check_page(page, charts=1)
    assert "lang=fa" in page.url and "s_depth=12" in page.url and "s_act=tanh" in page.url, page.url
    page.locator("[data-testid=stSidebar] label").filter(has_text="English").click()
    expect(page.locator("h1")).to_have_text("Saturation across depth")
    settle(page)
    assert "lang=" not in page.url and "s_depth=12" in page.url and "s_act=tanh" in page.url, page.url


def test_the_lesson_trains_in_persian(page: Page, app: Server):
    link = f"{app.url}/Training_comparisons?lang=fa&t_data=circles&t_steps=50&t_k=2&t_depth=2&t_width=8"
    open_page(page, link, charts=1)
    page.get_by_role("button", name=tr_fa("Train")).click()
    expect(page.get_by_role("heading", name=tr_fa("Who learned?"))).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    settle(page)
    check_page(page, charts=page.locator(CHART).count())
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    screenshot(page, "fa/3_training_trained")

"""A real browser for tests: Playwright for Python driving Debian's Chromium.

Never a downloaded browser: Chromium is ``/usr/bin/chromium`` (apt-get install chromium,
done by .ci/run); without it a browser test skips on a laptop and fails in CI. Screenshots
go to ``test-artifacts/browser/<module>/<test>/<n>-<name>.png`` (git-ignored), kept after the run.

Checks every page can pass: ``PageWatch`` (no console error, no uncaught error, no Content
Security Policy violation: each one is both a console error and a ``securitypolicyviolation``
event, both are listened to), ``assert_labelled`` (every form control has a name a screen
reader can say: ``<label for>``, a wrapping ``<label>``, ``aria-label`` or
``aria-labelledby``) and ``assert_no_tofu`` (Chinese text drawn with fonts that have it).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.tools import missing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LOCALES = {"zh": "zh-CN", "en": "en-US"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def require_chromium() -> Path:
    """Debian's Chromium and the Playwright package, or skip (fail in CI) saying how."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found: apt-get install chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright for Python not installed: make install (the dev extras)")
    return CHROMIUM


def launch(playwright: Any) -> Any:
    """Chromium, headless, from /usr/bin (Playwright never fetches a browser here)."""
    return playwright.chromium.launch(executable_path=str(require_chromium()),
                                      args=CHROMIUM_ARGS, headless=True)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


class Shots:
    """Numbered screenshots of one test, under ``test-artifacts/browser/<module>/<test>/``."""

    def __init__(self, test_name: str, record: Callable[[Path], object] = print) -> None:
        self.record = record
        self.folder = ARTIFACTS.joinpath(*(_safe(part) for part in test_name.split("/")))
        shutil.rmtree(self.folder, ignore_errors=True)
        self.taken: list[Path] = []

    def __call__(self, page: Any, name: str, manual: str | None = None) -> Path:
        """A screenshot; ``manual`` names it for the user manual too (see ``MANUAL_SHOTS``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{_safe(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        self.record(path)
        if manual and os.environ.get(MANUAL_SHOTS):
            _for_the_manual(page, Path(os.environ[MANUAL_SHOTS]) / f"{manual}.jpg")
        return path


MANUAL_SHOTS = "OPENSEAL_MANUAL_SHOTS"
"""A folder (``make manual-shots``: docs/manual/images): the screenshots a test names for the
user manual are also written there, as JPEG, the manual's figures."""


def _for_the_manual(page: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), type="jpeg", quality=72, full_page=True,
                    animations="disabled", caret="hide")


BROWSER_OWN_REQUESTS = ("/favicon.ico",)
"""Asked for by Chromium itself, not by the page: their 404 is not the page's error."""

_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__opensealCsp(JSON.stringify({directive: e.violatedDirective,
                                       blocked: e.blockedURI, source: e.sourceFile}));
});
"""


@dataclass
class PageWatch:
    """What went wrong on a page, across its navigations (a form post is one)."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def on(cls, page: Any) -> PageWatch:
        watch = cls()
        page.on("console", watch._console)
        page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
        page.expose_function("__opensealCsp",
                             lambda raw: watch.csp_violations.append(json.loads(raw)))
        page.add_init_script(_CSP_LISTENER)
        return watch

    def _console(self, message: Any) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith(BROWSER_OWN_REQUESTS):
            self.console_errors.append(f"{message.text} ({url})")

    def problems(self) -> list[str]:
        return ([f"console: {e}" for e in self.console_errors]
                + [f"uncaught: {e}" for e in self.page_errors]
                + [f"CSP: {v}" for v in self.csp_violations])

    def assert_clean(self) -> None:
        assert not self.problems(), "\n".join(self.problems())


_UNLABELLED = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter((el) => !(el.getAttribute('aria-label') || '').trim()
    && !(el.getAttribute('aria-labelledby') || '').split(/\\s+/)
         .some((id) => id && document.getElementById(id))
    && !el.closest('label')
    && !(el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)))
  .map((el) => el.outerHTML)
"""


def unlabelled_controls(page: Any) -> list[str]:
    """The form controls (outer HTML) nothing names: no label, aria-label or -labelledby."""
    found: list[str] = page.evaluate(_UNLABELLED)
    return found


def assert_labelled(page: Any) -> None:
    found = unlabelled_controls(page)
    assert not found, "form controls without a label:\n" + "\n".join(found)


def platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium actually drew ``selector``'s text with (DevTools' "Rendered
    Fonts"): family, PostScript name and glyph count, one entry per font used."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no element matches {selector}"
        fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode",
                                               {"nodeId": node})["fonts"]
        return fonts
    finally:
        cdp.detach()


@functools.lru_cache(maxsize=512)
def families_covering(text: str) -> frozenset[str]:
    """Installed font families (fontconfig) that have a glyph for every character of
    ``text``: what may draw it without a missing-glyph box (tofu)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        missing("fc-list not found: apt-get install fontconfig")
    assert fc_list is not None
    charset = " ".join(f"{ord(c):x}" for c in sorted(set(text)) if not c.isspace())
    out = subprocess.run([fc_list, f":charset={charset}", "family"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


_INKED = r"""
async ([selector, text]) => {
  const style = getComputedStyle(document.querySelector(selector));
  const font = `32px ${style.fontFamily}`;
  await document.fonts.load(font, text);
  const draw = (chars) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 48;
    const pen = canvas.getContext('2d');
    pen.font = font;
    pen.textBaseline = 'top';
    pen.fillText(chars, 4, 4);
    return pen.getImageData(0, 0, 48, 48).data.join(',');
  };
  const box = draw('\u{10FFFD}');  // a private-use character no font has: the missing-glyph box
  return [...text].filter((c) => draw(c) === box);
}
"""


def boxed_characters(page: Any, selector: str, text: str) -> list[str]:
    """The characters of ``text`` that ``selector``'s fonts (web fonts included, with
    Chromium's fallback) draw exactly like a character no font has: a missing-glyph box."""
    boxed: list[str] = page.evaluate(_INKED, [selector, text])
    return boxed


def assert_no_tofu(page: Any, selector: str) -> None:
    """Every character of ``selector``'s text (all CJK) is in a font it was drawn with.

    Chromium says which fonts it drew the element with (DevTools' "Rendered Fonts",
    ``CSS.getPlatformFontsForNode``). Chromium only falls back to a font that has the glyph,
    so tofu means a character none of those fonts has. Each character must be in an
    installed font used (fontconfig: ``fc-list :charset=...``), or, when a web font was
    used, be drawn in the element's fonts unlike a character no font has (a canvas picture
    of each, compared). Independent of widths, sizes and of which CJK font is in use."""
    text = page.locator(selector).first.inner_text().strip()
    assert text and all(ord(c) >= 0x2E80 for c in text), f"not all CJK: {text!r}"
    used = platform_fonts(page, selector)
    system = {f["familyName"] for f in used if not f["isCustomFont"]}
    web = {f["familyName"] for f in used if f["isCustomFont"]}
    drawn = set(text) - set(boxed_characters(page, selector, text)) if web else set()
    tofu = [c for c in sorted(set(text)) if not (system & families_covering(c) or c in drawn)]
    assert used and not tofu, f"{text!r} drawn with {used}: no glyph for {tofu}"


def sign_in(page: Any, base_url: str, username: str, password: str, lang: str = "zh") -> None:
    """Sign in to the console through its login form."""
    page.goto(f"{base_url}/login?lang={lang}")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()


def assert_fits(page: Any, width: int) -> None:
    """No horizontal scrolling: the page is no wider than the screen."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll} px wide on a {width} px screen"

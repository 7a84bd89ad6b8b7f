"""Helpers of the browser tests: the system Chromium through Playwright, and the widget bundle.

Playwright never downloads a browser here: it drives /usr/bin/chromium (apt package
``chromium``; ``make chromium`` installs it). Tests skip, saying so, when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUNDLE = ROOT / "backend" / "web" / "static" / "widget.js"
SOURCES = ROOT / "backend" / "web" / "src"
# Screenshots of the browser tests (look at them): SCREENSHOT_DIR or results/screenshots.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "results" / "screenshots")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need the system Chromium at {CHROMIUM} (apt-get install chromium)")


def ensure_widget_bundle() -> Path:
    """The built widget; built now (npm run build) if missing or older than its sources."""
    newest_source = max(p.stat().st_mtime for p in SOURCES.glob("*.js"))
    if BUNDLE.exists() and BUNDLE.stat().st_mtime >= newest_source:
        return BUNDLE
    if not (ROOT / "node_modules" / ".bin" / "esbuild").exists() or not shutil.which("npm"):
        pytest.skip("widget bundle not built and node_modules missing: run `npm ci && npm run build`")
    subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT, check=True, capture_output=True)
    return BUNDLE


def _default_loop_policy() -> None:
    """Playwright starts its driver as a subprocess, which on an asyncio loop needs the policy's
    child watcher; Sanic may have switched the policy to uvloop's, which has none."""
    import asyncio

    loop = asyncio.get_running_loop()
    if type(asyncio.get_event_loop_policy()).__module__.startswith("uvloop") and not type(
        loop
    ).__module__.startswith("uvloop"):
        asyncio.set_event_loop_policy(None)
        asyncio.set_event_loop(loop)


async def screenshot(page, name: str) -> Path:
    """Save a screenshot of the page as <SCREENSHOTS>/<name>.png and print where it is."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def parse_rgb(value: str) -> tuple:
    """(r, g, b) of a computed CSS colour such as "rgb(31, 78, 121)" or "rgba(0, 0, 0, 0.5)"."""
    import re

    parts = [float(x) for x in re.findall(r"[\d.]+", value)]
    assert len(parts) >= 3, value
    return tuple(parts[:3])


def contrast(a: tuple, b: tuple) -> float:
    """WCAG 2 contrast ratio of two (r, g, b) colours."""

    def luminance(rgb: tuple) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@asynccontextmanager
async def chromium_page(viewport: dict = DESKTOP) -> AsyncIterator["object"]:
    """A fresh browser context and page in the system Chromium (1280 px wide unless told)."""
    from playwright.async_api import async_playwright

    require_chromium()
    _default_loop_policy()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=viewport)
            page = await context.new_page()
            page.set_default_timeout(20000)
            yield page
        finally:
            await browser.close()

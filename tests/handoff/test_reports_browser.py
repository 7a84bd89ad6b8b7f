"""The reports page in the system Chromium: a supervisor signs in, the charts are drawn from the
bundled Chart.js, a filter changes the figures, and a table exports as CSV."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import pytest

from backend.console.reports import ref_of
from backend.hashing import conversation_key
from tests.backend.test_reports_figures import record, scripts
from tests.channels.browser import ROOT, chromium_page, require_chromium
from tests.handoff.conftest import PASSWORD, add_staff

pytestmark = [pytest.mark.browser]
BUNDLE = ROOT / "backend" / "console" / "static" / "reports.js"
SOURCES = ROOT / "backend" / "console" / "src"


def ensure_reports_bundle() -> None:
    """The charts' bundle; built now (npm run build:reports) if missing or older than its source."""
    newest = max(p.stat().st_mtime for p in SOURCES.glob("*.js"))
    if BUNDLE.exists() and BUNDLE.stat().st_mtime >= newest:
        return
    if not (ROOT / "node_modules" / ".bin" / "esbuild").exists() or not shutil.which("npm"):
        pytest.skip("reports bundle not built and node_modules missing: run `make web`")
    subprocess.run(["npm", "run", "--silent", "build:reports"], cwd=ROOT, check=True, capture_output=True)


@pytest.fixture(scope="module")
def recorded(db, policy):
    return record(db, policy)


async def _painted_pixels(page, canvas_id: str) -> int:
    return await page.evaluate(
        """(id) => {
        const c = document.getElementById(id);
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
    }""",
        canvas_id,
    )


async def test_supervisor_filters_exports_and_sees_the_charts(recorded, server, db, rasa):
    from playwright.async_api import expect

    require_chromium()
    ensure_reports_bundle()
    user = add_staff(db, "supervisor")
    conversation_of = {
        f"#{ref_of(conversation_key(s.conversation_id))}": s.conversation_id for s in scripts()
    }
    base = str(server.make_url("")).rstrip("/")
    async with chromium_page() as page:
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        await page.goto(f"{base}/console/login")
        await page.get_by_label("Username").fill(user["username"])
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(re.compile(r"/console/queue$"))
        await page.get_by_role("link", name="Reports").click()
        await page.locator("#filter-since").fill("2026-03-02")
        await page.locator("#filter-until").fill("2026-03-08")
        await page.get_by_role("button", name="Apply").click()

        # the charts: drawn by Chart.js, one bar per funnel step, with painted pixels
        funnel = page.locator("#chart-funnel")
        await expect(funnel).to_have_attribute("data-rendered", "9")
        await expect(page.locator("#chart-offers")).to_have_attribute("data-rendered", "5")
        assert await _painted_pixels(page, "chart-funnel") > 1000
        assert await funnel.get_attribute("aria-label") == "Funnel: conversations reaching each step"
        started = page.locator("#table-funnel tbody tr").first
        await expect(started).to_contain_text("started15100.0%1010")

        # a filter: SMB customers only
        await page.locator("#filter-tier").select_option("SMB")
        await page.get_by_role("button", name="Apply").click()
        await expect(page).to_have_url(re.compile(r"tier=SMB"))
        await expect(page.locator("#table-funnel tbody tr").first).to_contain_text("started2100.0%")
        await expect(page.locator("#chart-funnel")).to_have_attribute("data-rendered", "9")

        # CSV export of one table, with the filter applied
        async with page.expect_download() as download_info:
            await page.locator("#table-by_channel a.export").click()
        download = await download_info.value
        assert download.suggested_filename == "by_channel_2026-03-02_2026-03-08.csv"
        text = open(await download.path(), encoding="utf-8").read()
        assert list(csv.reader(io.StringIO(text))) == [["channel", "cancellations"], ["twilio", "1"]]

        # drill-down from a figure to the conversations behind it
        await page.locator("#table-funnel tbody tr").first.get_by_role("link").click()
        await expect(page.locator("#drill-down tbody tr")).to_have_count(2)
        # and from there to one conversation's transcript (read from Rasa; the id was kept sealed)
        first = page.locator("#drill-down tbody tr").first.get_by_role("link").first
        ref = await first.inner_text()
        rasa.say(conversation_of[ref], "user", "please end my twilio service")
        await first.click()
        await expect(page.locator("h1")).to_have_text(f"Conversation {ref}")
        await expect(page.locator("#transcript")).to_contain_text("please end my twilio service")
        assert not errors, errors

"""The console's reports page over HTTP: supervisors only, the fixture's figures with filters, CSV
export per table, drill-down to the conversations (named by their keys; those with a handoff open the
chat view with its transcript), no contact data shown."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from backend.console.reports import ref_of
from backend.hashing import conversation_key
from backend.models import Account
from tests.backend.test_reports_figures import record

PERIOD = "since=2026-03-02&until=2026-03-08"


@pytest.fixture(scope="module")
def recorded(db, policy):
    return record(db, policy)


async def test_agents_get_403(recorded, agent):
    for path in (
        "/console/reports",
        f"/console/reports/export/funnel.csv?{PERIOD}",
        f"/console/reports/conversations?{PERIOD}&table=funnel&row=started",
    ):
        assert (await agent.get(path))[0] == 403


async def test_page_shows_the_figures_without_contact_data(recorded, supervisor):
    status, page, _ = await supervisor.get(f"/console/reports?{PERIOD}")
    assert status == 200
    assert '<a href="/console/reports">Reports</a>' in page
    assert re.search(r"<td><a [^>]*>no reason given</a></td><td>2</td>", page)
    assert re.search(r"<td><a [^>]*>difference \(offers&#39; effect\)</a></td>", page) is None  # no members
    assert "<td>difference (offers&#39; effect)</td>" + "<td>-</td>" * 4 + "<td>16.7%</td>" in page
    # the offers' save rate beside the holdout's stay rate
    assert re.search(r">offered</a></td><td>6</td><td>4</td><td>66.7%</td><td>4</td><td>66.7%</td>", page)
    assert re.search(r">holdout</a></td><td>2</td><td>-</td><td>-</td><td>1</td><td>50.0%</td>", page)
    assert 'id="chart-funnel"' in page and "/console/reports/static/reports.js" in page
    numbers = recorded.transaction(lambda s: list(s.execute(select(Account.account_number)).scalars()))
    assert numbers and not any(n in page for n in numbers)
    assert "@" not in page.split("<main>", 1)[1]


async def test_filters_change_the_figures(recorded, supervisor):
    _, page, _ = await supervisor.get(f"/console/reports?{PERIOD}&tier=SMB")
    assert re.search(r">started</a></td><td>2</td>", page)
    assert '<option value="SMB" selected>' in page
    # the channels as the backend records them (the input channels' names), in words
    _, page, _ = await supervisor.get(f"/console/reports?{PERIOD}&channel=twilio")
    assert '<option value="twilio" selected>SMS (twilio)</option>' in page
    assert re.search(r">started</a></td><td>2</td>", page)
    status, page, _ = await supervisor.get("/console/reports?since=2026-03-09&until=2026-03-01")
    assert status == 422 and "must be on or before until" in page


async def test_csv_export_per_table(recorded, supervisor):
    status, text, answer = await supervisor.get(
        f"/console/reports/export/by_reason.csv?{PERIOD}&channel=socketio"
    )
    assert status == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert 'filename="by_reason_2026-03-02_2026-03-08.csv"' in answer.headers["Content-Disposition"]
    assert list(csv.reader(io.StringIO(text))) == [
        ["reason", "cancellations"],
        ["no reason given", "1"],
        ["other", "1"],
        ["price", "1"],
    ]
    assert (await supervisor.get(f"/console/reports/export/nope.csv?{PERIOD}"))[0] == 404


def named(conversation_id):
    return f"#{ref_of(conversation_key(conversation_id))}"


async def test_drill_down_to_conversations_and_transcripts(recorded, supervisor, rasa):
    status, page, _ = await supervisor.get(
        f"/console/reports/conversations?{PERIOD}&table=by_reason&row=no+reason+given"
    )
    assert status == 200
    assert page.count("<tr><td>#") == 2  # neither asked for a person: no conversation id, no transcript link
    assert named("A6") in page and named("A11") in page and "A11" not in page.replace(named("A11"), "")
    assert "/console/handoffs/" not in page
    # a conversation with a handoff opens the console's own chat view, with its transcript
    _, page, _ = await supervisor.get(f"/console/reports/conversations?{PERIOD}&table=handoffs&row=lockout")
    assert f'">{named("A10")}</a></td>' in page
    link = re.search(r'href="(/console/handoffs/\d+)"', page).group(1)
    rasa.say("A10", "user", "i want to cancel, too pricey")
    rasa.say("A10", "bot", "I can help with that.")
    status, page, _ = await supervisor.get(link)
    assert status == 200 and "i want to cancel, too pricey" in page and "I can help with that." in page
    assert (await supervisor.get(f"/console/reports/conversations?{PERIOD}&table=funnel&row=nope"))[0] == 404


async def test_console_stats_leads_to_the_reports(recorded, supervisor, agent):
    """/console/stats, where a person may look for the figures first, redirects to the reports page."""
    status, _, answer = await supervisor.get(f"/console/stats?{PERIOD}")
    assert (status, answer.headers["Location"]) == (303, f"/console/reports?{PERIOD}")
    status, page, _ = await supervisor.get(answer.headers["Location"])
    assert status == 200 and "<h1>Reports</h1>" in page
    status, _, answer = await agent.get("/console/stats")
    assert (await agent.get(answer.headers["Location"]))[0] == 403  # the reports are for supervisors

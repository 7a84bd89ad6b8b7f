"""The console's reports page over HTTP: supervisors only, the fixture's figures with filters, CSV
export per table, drill-down to the conversations (named by their keys, each opening its transcript;
those with a handoff also the chat view), no contact data shown."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from backend.console.reports import ref_of
from backend.hashing import conversation_key
from backend.models import Account, AuditEvent
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
    assert "(days in America/New_York, the company's time zone)" in page
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


async def test_drill_down_to_conversations_and_transcripts(recorded, supervisor, agent, rasa):
    status, page, _ = await supervisor.get(
        f"/console/reports/conversations?{PERIOD}&table=by_reason&row=no+reason+given"
    )
    assert status == 200
    # neither asked for a person, and each opens its transcript (its id is kept sealed, not in clear)
    links = dict(re.findall(r'<a href="(/console/reports/conversations/[0-9a-f]{64})">(#\w+)</a>', page))
    assert sorted(links.values()) == sorted([named("A6"), named("A11")])
    assert "A11" not in page.replace(named("A11"), "") and "/console/handoffs/" not in page
    # started: the company's wall-clock time (the fixture's), the zone named in the header
    assert "<th>started (America/New_York)</th>" in page and "<td>2026-03-04 10:00</td>" in page
    a6 = next(link for link, name in links.items() if name == named("A6"))
    rasa.say("A6", "user", "just cancel my hosting please")
    rasa.say("A6", "bot", "Here is the summary of your cancellation.")
    status, page, _ = await supervisor.get(a6)
    assert status == 200 and f"Conversation {named('A6')}" in page
    assert "<th>started (America/New_York)</th><td>2026-03-04 10:00</td>" in page
    assert "just cancel my hosting please" in page and "Here is the summary of your cancellation." in page
    assert "cancellation filed: " in page  # what the backend recorded, in the transcript
    # opening it is audited by conversation key; agents may not; unknown or malformed keys are 404
    viewed = recorded.transaction(
        lambda s: s.query(AuditEvent).filter_by(action="report_transcript_viewed").all()
    )
    assert [(e.conversation_key, e.details["staff"]) for e in viewed] == [
        (conversation_key("A6"), supervisor.user["username"])
    ]
    assert (await agent.get(a6))[0] == 403
    assert (await supervisor.get("/console/reports/conversations/" + "0" * 64))[0] == 404
    assert (await supervisor.get("/console/reports/conversations/A6"))[0] == 404
    rasa.down = True
    status, page, _ = await supervisor.get(a6)
    assert status == 200 and "cannot be loaded right now" in page
    rasa.down = False
    # a conversation with a handoff opens the console's own chat view, with its transcript
    _, page, _ = await supervisor.get(f"/console/reports/conversations?{PERIOD}&table=handoffs&row=lockout")
    assert f'">{named("A10")}</a> <a href="/console/handoffs/' in page
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

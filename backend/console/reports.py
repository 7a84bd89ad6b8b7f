"""The staff console's reports page (docs/reports.md), for supervisors only (agents get 403):
filters (period, channel, tier, reason), the report's tables with a CSV export each, charts
(backend/console/src/reports.js, bundled from npm by `make web`), and a drill-down from a figure to the
conversations behind it, each opening its redacted transcript from Rasa (the summary keeps the
conversation id sealed; it is unsealed only for a supervisor who opens it, and the opening is
audited). No account number, email or phone is shown; a conversation is named by the start of its
conversation key (the keyed hash the backend stores instead of its id).
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Dict
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import func, select

from backend import audit
from backend.api.keys import DB, POLICY
from backend.console.pages import SECURITY_HEADERS, render
from backend.console.routes import STATIC, staff_only
from backend.errors import InvalidField, NotFound
from backend.handoff import service, words
from backend.handoff.auth import Staff
from backend.handoff.keys import RASA
from backend.handoff.models import Handoff
from backend.handoff.rasa import RasaError
from backend.handoff.transcript import transcript
from backend.hashing import unseal_conversation_id
from backend.policy import REASONS, business_today
from backend.reports import Filters, Report, members, report
from backend.reports.days import local_time
from backend.reports.figures import NO_REASON, NOT_IDENTIFIED
from backend.reports.models import ReportConversation
from backend.reports.render import cell_text, table_csv

routes = web.RouteTableDef()
DEFAULT_DAYS = 30
MAX_DAYS = 366
STATIC_FILES = {"reports.js": "application/javascript"}


def _forbid(staff: Staff) -> None:
    if not staff.is_supervisor:
        raise web.HTTPForbidden(text="Reports are for supervisors.", headers=SECURITY_HEADERS)


def _query(request: web.Request) -> Dict[str, Any]:
    """Period and filters from the query string (days in the company's time zone, as the business
    day); 422 for bad dates or ranges."""
    q = request.query
    policy = request.app[POLICY]
    zone, today = policy.company_timezone, business_today(policy)
    try:
        until = date.fromisoformat(q["until"]) if q.get("until") else today
        since = date.fromisoformat(q["since"]) if q.get("since") else until - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise InvalidField("since", "dates are YYYY-MM-DD") from None
    if since > until or (until - since).days >= MAX_DAYS:
        raise InvalidField("since", f"must be on or before until, at most {MAX_DAYS} days apart")
    return {
        "since": since,
        "until": until,
        "zone": zone,
        "filters": Filters(q.get("channel") or None, q.get("tier") or None, q.get("reason") or None),
    }


def _params(query: Dict[str, Any], **extra: str) -> str:
    f: Filters = query["filters"]
    values = {
        "since": query["since"].isoformat(),
        "until": query["until"].isoformat(),
        "channel": f.channel,
        "tier": f.tier,
        "reason": f.reason,
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v})


async def _report(request: web.Request, query: Dict[str, Any]) -> Report:
    return await request.app[DB].run(
        report, query["since"], query["until"], query["filters"], zone=query["zone"]
    )


def ref_of(key: str) -> str:
    """The short name a conversation has on the reports pages: the start of its conversation key
    (the backend's tables keep only that keyed hash; the id may hold a phone number)."""
    return key[:12]


# --------------------------------------------------------------------------- page


def _table_view(table, query: Dict[str, Any]) -> Dict[str, Any]:
    """A report table as the page shows it: cells in words, and a drill-down link on each row that
    has conversations behind it."""
    rows = []
    for key, row in zip(table.keys, table.rows, strict=False):
        link = None
        if key is not None and any(isinstance(v, int) and v for v in row[1:]):
            link = "/console/reports/conversations?" + _params(query, table=table.id, row=key)
        rows.append(
            {"cells": [cell_text(v, c) for v, c in zip(row, table.columns, strict=False)], "link": link}
        )
    return {
        "id": table.id,
        "title": table.title,
        "columns": table.columns,
        "rows": rows,
        "export": "/console/reports/export/" + table.id + ".csv?" + _params(query),
    }


def _chart_data(rep: Report) -> Dict[str, Any]:
    """The figures the charts draw (the page puts them, as JSON, in a non-executed script element
    that the CSP allows; Jinja2's `tojson` escapes `<`, `>`, `&` and `'` in it)."""

    def plain(value):
        return str(value) if isinstance(value, Decimal) else value

    return {
        t: {"columns": rep.tables[t].columns, "rows": [[plain(v) for v in r] for r in rep.tables[t].rows]}
        for t in ("funnel", "reasons_over_time", "offers")
    }


_TITLES = {
    "funnel": "Funnel",
    "cancellations": "Cancellations",
    "by_reason": "Cancellations by reason",
    "by_tier": "Cancellations by tier",
    "by_channel": "Cancellations by channel",
    "by_end_option": "Cancellations by end option",
    "refunds": "Refund requests by route",
    "reasons_over_time": "Cancellations per week",
    "offers": "Offers",
    "save_rate_reason_tier": "Save rate per reason and tier",
    "revenue_kept": "Revenue kept",
    "holdout": "Holdout",
    "service": "Service",
    "handoffs": "Handoffs by trigger",
}
CHARTS = (
    ("chart-funnel", "Funnel: conversations reaching each step"),
    ("chart-reasons", "Cancellations per week by reason"),
    ("chart-offers", "Save rate per offer"),
)


@routes.get("/console/reports")
@staff_only
async def reports_page(request: web.Request, staff: Staff) -> web.Response:
    _forbid(staff)
    query = _query(request)
    rep = await _report(request, query)
    return render(
        "reports.html",
        title="Reports",
        page="reports",
        staff=staff,
        since=query["since"].isoformat(),
        until=query["until"].isoformat(),
        zone=query["zone"],
        filters=query["filters"],
        # the input channels' codes as the backend records them (and the CLI's --channel takes)
        channels=[(code, f"{text} ({code})") for code, text in words.CHANNELS.items()],
        tiers=[(t, t) for t in request.app[POLICY].tiers] + [(NOT_IDENTIFIED, NOT_IDENTIFIED)],
        reasons=[(r, r) for r in REASONS] + [("none", NO_REASON)],
        no_reason=NO_REASON,
        chart_data=_chart_data(rep),
        charts=CHARTS,
        tables=[_table_view(t, query) for t in rep.tables.values()],
    )


@routes.get("/console/stats")
@staff_only
async def stats(request: web.Request, staff: Staff) -> web.Response:
    """Where a person looking for the console's figures may try first: the reports page."""
    query = request.query_string
    location = "/console/reports" + ("?" + query if query else "")
    return web.Response(status=303, headers={"Location": location, **SECURITY_HEADERS})


@routes.get("/console/reports/export/{table}.csv")
@staff_only
async def export_csv(request: web.Request, staff: Staff) -> web.Response:
    _forbid(staff)
    query = _query(request)
    rep = await _report(request, query)
    table = rep.tables.get(request.match_info["table"])
    if table is None:
        raise NotFound("No such report table.", "table_not_found")
    name = f"{table.id}_{query['since']}_{query['until']}.csv"
    return web.Response(
        text=table_csv(table),
        content_type="text/csv",
        charset="utf-8",
        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- drill-down


def _behind(session, query: Dict[str, Any], table: str, row: str):
    rows = members(session, query["since"], query["until"], query["filters"], table, row, zone=query["zone"])
    if rows is None:
        raise NotFound("No such figure in this report.", "figure_not_found")
    keys = [r.conversation_key for r in rows]
    handoffs = dict(
        session.execute(
            select(Handoff.conversation_key, func.max(Handoff.id))
            .where(Handoff.conversation_key.in_(keys))
            .group_by(Handoff.conversation_key)
        ).all()
    )
    return rows, handoffs


def _outcome(c: ReportConversation) -> str:
    if c.filed:
        return "filed" + (" (revoked since)" if c.filed_revoked else "")
    if c.offer_accepted:
        return "saved: " + c.offer_title
    if c.confirmed:
        return "confirmed, not filed"
    if c.handoff:
        return f"asked for a person after: {c.furthest_step}"
    return f"{'stopped' if c.stopped else 'left'} after: {c.furthest_step}"


def _described(c: ReportConversation, zone: str) -> Dict[str, str]:
    """One conversation as the drill-down and its transcript page describe it (no contact data); the
    start in the company's time zone `zone`, the zone of the report's days."""
    return {
        "started": local_time(c.started_at, zone).strftime("%Y-%m-%d %H:%M"),
        "channel": c.channel,
        "tier": c.tier,
        "reason": c.reason or NO_REASON,
        "offer": f"{c.offer_title} ({c.offer_status})" if c.offer_title else "-",
        "outcome": _outcome(c),
    }


@routes.get("/console/reports/conversations")
@staff_only
async def drill_down(request: web.Request, staff: Staff) -> web.Response:
    _forbid(staff)
    query = _query(request)
    table, row = request.query.get("table", ""), request.query.get("row", "")
    conversations, handoffs = await request.app[DB].run(_behind, query, table, row)
    # Each conversation opens its transcript when its id was kept sealed (everything recorded since
    # migration 0013); one that asked for a person also links to the console's chat view.
    rows = [
        {
            "ref": ref_of(c.conversation_key),
            "transcript": (
                "/console/reports/conversations/" + c.conversation_key if c.sealed_conversation_id else None
            ),
            "handoff_id": handoffs.get(c.conversation_key),
            **_described(c, query["zone"]),
        }
        for c in conversations
    ]
    return render(
        "report_details.html",
        title="Report details",
        page="report-details",
        staff=staff,
        table_title=_TITLES.get(table, table),
        zone=query["zone"],
        row=row,
        back="/console/reports?" + _params(query),
        conversations=rows,
    )


KEY = re.compile(r"^[0-9a-f]{64}$")


def _unsealed(session, staff: Staff, key: str):
    """The summary row and the conversation id of one conversation of the reports, unsealed for
    this supervisor (audited: `report_transcript_viewed`, by conversation key), with what the backend
    did in it (for the transcript). 404 when no id was kept or it cannot be unsealed."""
    row = session.get(ReportConversation, key)
    conversation_id = unseal_conversation_id(row.sealed_conversation_id) if row is not None else None
    if conversation_id is None:
        raise NotFound("No transcript can be opened for this conversation.", "transcript_not_available")
    audit.record(session, "report_transcript_viewed", None, conversation_key=key, staff=staff.username)
    return row, conversation_id, service.conversation_activity(session, conversation_id)


@routes.get("/console/reports/conversations/{key}")
@staff_only
async def conversation_transcript(request: web.Request, staff: Staff) -> web.Response:
    """One conversation of a drill-down: its figures and its transcript read from Rasa's (redacted)
    tracker, as the console's chat view shows it; read-only, nothing is sent to the customer."""
    _forbid(staff)
    key = request.match_info["key"]
    if not KEY.match(key):
        raise NotFound("No such conversation.", "conversation_not_found")
    row, conversation_id, activity = await request.app[DB].run(_unsealed, staff, key)
    policy = request.app[POLICY]
    try:
        lines = transcript(
            await request.app[RASA].tracker(conversation_id), policy.business_hours.timezone, None, activity
        )
    except (RasaError, asyncio.TimeoutError):
        lines = None
    return render(
        "report_transcript.html",
        title="Conversation",
        page="report-transcript",
        staff=staff,
        ref=ref_of(key),
        back="/console/reports",
        c=_described(row, policy.company_timezone),
        zone=policy.company_timezone,
        transcript=lines,
    )


@routes.get("/console/reports/static/{name}")
async def reports_static(request: web.Request) -> web.StreamResponse:
    """The charts' bundle (public: no data in it); built by `make web`."""
    name = request.match_info["name"]
    path = STATIC / name
    if name not in STATIC_FILES or not path.exists():
        raise web.HTTPNotFound()
    return web.Response(
        body=path.read_bytes(),
        content_type=STATIC_FILES[name],
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )

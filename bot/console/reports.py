"""The staff console's reports page (docs/reports.md), for supervisors only (agents get 403):
filters (period, channel, tier, reason), the report's tables with a CSV export each, charts
(bot/console/src/reports.js, bundled from npm by `make web`), and a drill-down from a figure to the
conversations behind it (those that asked for a person link to the chat view and its transcript).
No account number, email or phone is shown; a conversation is named by the start of its
conversation key (the keyed hash the backend stores instead of its id).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import func, select

from bot.api.keys import DB, POLICY
from bot.console.routes import SECURITY_HEADERS, STATIC, _page, e, staff_only
from bot.errors import InvalidField, NotFound
from bot.handoff.auth import Staff
from bot.handoff.models import Handoff
from bot.models import utcnow
from bot.policy import REASONS
from bot.reports import Filters, Report, members, report
from bot.reports.figures import NO_REASON, NOT_IDENTIFIED
from bot.reports.models import ReportConversation
from bot.reports.render import cell_text, table_csv

routes = web.RouteTableDef()
DEFAULT_DAYS = 30
MAX_DAYS = 366
CHANNEL_CHOICES = ("web", "slack", "sms", "rest", "unknown")
STATIC_FILES = {"reports.js": "application/javascript"}


def _forbid(staff: Staff) -> None:
    if not staff.is_supervisor:
        raise web.HTTPForbidden(text="Reports are for supervisors.", headers=SECURITY_HEADERS)


def _query(request: web.Request) -> Dict[str, Any]:
    """Period and filters from the query string; 422 for bad dates or ranges."""
    q = request.query
    today = utcnow().date()
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
    return await request.app[DB].run(report, query["since"], query["until"], query["filters"])


def ref_of(key: str) -> str:
    """The short name a conversation has on the reports pages: the start of its conversation key
    (the backend's tables keep only that keyed hash; the id may hold a phone number)."""
    return key[:12]


# --------------------------------------------------------------------------- page


def _select(name: str, label: str, current: Optional[str], choices: List[tuple]) -> str:
    options = "".join(
        f'<option value="{e(v)}"{" selected" if v == current else ""}>{e(text)}</option>'
        for v, text in [("", "all")] + choices
    )
    return f'<label>{e(label)} <select name="{name}" id="filter-{name}">{options}</select></label>'


def _filters_form(query: Dict[str, Any], tiers) -> str:
    f: Filters = query["filters"]
    return (
        '<form class="card report-filters" method="get" action="/console/reports">'
        f'<label>From <input type="date" name="since" id="filter-since" value="{query["since"].isoformat()}"></label>'
        f'<label>To <input type="date" name="until" id="filter-until" value="{query["until"].isoformat()}"></label>'
        + _select("channel", "Channel", f.channel, [(c, c) for c in CHANNEL_CHOICES])
        + _select("tier", "Tier", f.tier, [(t, t) for t in tiers] + [(NOT_IDENTIFIED, NOT_IDENTIFIED)])
        + _select("reason", "Reason", f.reason, [(r, r) for r in REASONS] + [("none", NO_REASON)])
        + '<button type="submit" id="apply-filters">Apply</button></form>'
    )


def _table_html(table, query: Dict[str, Any]) -> str:
    head = "".join(f"<th>{e(c)}</th>" for c in table.columns)
    body = []
    for key, row in zip(table.keys, table.rows):
        cells = [e(cell_text(v, c)) for v, c in zip(row, table.columns)]
        if key is not None and any(isinstance(v, int) and v for v in row[1:]):
            link = "/console/reports/conversations?" + _params(query, table=table.id, row=key)
            cells[0] = f'<a href="{e(link)}" title="Conversations behind this row">{cells[0]}</a>'
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(table.columns)}">Nothing recorded in this period.</td></tr>')
    export = "/console/reports/export/" + table.id + ".csv?" + _params(query)
    return (
        f'<section class="card report-table" id="table-{e(table.id)}"><h2>{e(table.title)}</h2>'
        f'<p><a class="export" href="{e(export)}" download>Export CSV</a></p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></section>"
    )


def _chart_data(rep: Report) -> str:
    """The figures the charts draw, as JSON for a non-executed script element (CSP allows it)."""

    def plain(value):
        return str(value) if isinstance(value, Decimal) else value

    tables = {
        t: {"columns": rep.tables[t].columns, "rows": rep.tables[t].rows}
        for t in ("funnel", "reasons_over_time", "offers")
    }
    return json.dumps(tables, default=plain).replace("<", "\\u003c")


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
    charts = "".join(
        f'<figure class="card chart"><figcaption>{e(title)}</figcaption>'
        f'<div class="chart-box"><canvas id="{cid}" role="img" aria-label="{e(title)}"></canvas></div>'
        f"</figure>"
        for cid, title in CHARTS
    )
    body = (
        f"<h1>Reports</h1>{_filters_form(query, request.app[POLICY].tiers)}"
        f'<p class="muted">Conversations that started from {query["since"]} to {query["until"]}. Reasons, '
        f"offers and outcomes are what the backend recorded; a conversation without a recorded reason counts "
        f'as "{NO_REASON}". Rates are shares of the row\'s conversations.</p>'
        f'<script type="application/json" id="report-data">{_chart_data(rep)}</script>'
        f'<div class="charts">{charts}</div>'
        + "".join(_table_html(t, query) for t in rep.tables.values())
        + '<script src="/console/reports/static/reports.js" defer></script>'
    )
    return _page("Reports", body, page="reports", staff=staff)


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
    rows = members(session, query["since"], query["until"], query["filters"], table, row)
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
    return f"stopped after: {c.furthest_step}" + (" (asked for a person)" if c.handoff else "")


@routes.get("/console/reports/conversations")
@staff_only
async def drill_down(request: web.Request, staff: Staff) -> web.Response:
    _forbid(staff)
    query = _query(request)
    table, row = request.query.get("table", ""), request.query.get("row", "")
    conversations, handoffs = await request.app[DB].run(_behind, query, table, row)
    title = _TITLES.get(table, table)
    items = []
    for c in conversations:
        key = c.conversation_key
        # Only a handoff keeps the conversation id (staff reach the chat with it): those open the
        # console's chat view; the others are known by their keyed hash alone, without a transcript.
        name = f"#{ref_of(key)}"
        if key in handoffs:
            name = f'<a href="/console/handoffs/{handoffs[key]}">{name}</a>'
        offer = f"{c.offer_title} ({c.offer_status})" if c.offer_title else "-"
        items.append(
            f"<tr><td>{name}</td>"
            f"<td>{e(c.started_at.isoformat(' ', 'minutes'))}</td><td>{e(c.channel)}</td><td>{e(c.tier)}</td>"
            f"<td>{e(c.reason or NO_REASON)}</td><td>{e(offer)}</td><td>{e(_outcome(c))}</td></tr>"
        )
    back = "/console/reports?" + _params(query)
    body = (
        f'<h1>{e(title)}: {e(row)}</h1><p><a href="{e(back)}">Back to the reports</a></p>'
        f'<section class="card"><p>{len(conversations)} conversations (at most 500 listed). '
        "Conversations that asked for a person open in the chat view; the backend keeps no "
        "conversation id for the others, so they have no transcript here.</p>"
        '<table id="drill-down"><thead><tr><th>conversation</th><th>started (UTC)</th><th>channel</th><th>tier</th>'
        "<th>reason</th><th>offer</th><th>outcome</th></tr></thead><tbody>"
        + "".join(items)
        + "</tbody></table></section>"
    )
    return _page("Report details", body, page="report-details", staff=staff)


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

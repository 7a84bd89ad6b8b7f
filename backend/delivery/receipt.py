"""The customer's receipt of a cancellation request as a PDF (reportlab), built from what the
backend returns for the request (backend.cancellations.cancellation_dict)."""

from __future__ import annotations

import io
from typing import Any, Dict, List

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from contract.vocabulary.dates import long_date
from contract.vocabulary.numbers import format_money


def receipt_lines(c: Dict[str, Any], how_to_pay: str, revoke: str) -> List[tuple]:
    """(heading, text) pairs of the receipt, shared by the PDF and the email's parts; `c` is the
    request's Cancellation with the `terms` the customer accepted when filing."""
    rows = [
        ("Confirmation number", c["confirmation_number"]),
        ("Service", f"{c['service']['name']} ({c['service']['id']})"),
        ("Request received", c["received_at"].replace("T", " ").replace("Z", " UTC")),
        ("End date", long_date(c["end_date"])),
        ("Status", c["status"]),
    ]
    for item in c["final_bill_items"]:
        rows.append(("Final bill", f"{item['description']}: {format_money(item['amount'])}"))
    if not c["final_bill_items"]:
        rows.append(("Final bill", "nothing further"))
    rows.append(
        (
            "Balance",
            format_money(c["balance"]) + (f" - {how_to_pay}" if c["balance"] not in ("0.00", "0") else ""),
        )
    )
    for device in c["equipment"]:
        if device.get("tracking_number"):
            continue
        rows.append(
            (
                "Equipment to return",
                f"{device['model']} (serial ending {device['serial_last4']}), "
                f"RMA {device.get('rma') or 'pending'}, by {long_date(c['return_deadline'])}, "
                f"or a {format_money(device['non_return_fee'])} fee",
            )
        )
    if c.get("label_url"):
        rows.append(("Return label", f"Prepaid label (PDF): {c['label_url']}"))
    if c.get("return_directions"):
        rows.append(("How to return", c["return_directions"]))
    rows.append(("Terms acknowledged", c["terms"]))
    rows.append(("How to revoke", revoke))
    for step in c["next_steps"]:
        rows.append(("Next step", step))
    return rows


def receipt_pdf(c: Dict[str, Any], how_to_pay: str, revoke: str) -> bytes:
    """The receipt as PDF bytes."""
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"Cancellation receipt {c['confirmation_number']}",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )
    cell = styles["BodyText"]
    table = Table(
        [[Paragraph(k, cell), Paragraph(str(v), cell)] for k, v in receipt_lines(c, how_to_pay, revoke)],
        colWidths=[45 * mm, 125 * mm],
    )
    doc.build([Paragraph("Cancellation receipt", styles["Title"]), Spacer(1, 6 * mm), table])
    return out.getvalue()

"""The prepaid return label of one shipment (the devices of one cancellation request) as a PDF:
the return address and carrier from the policy file (`equipment_returns`), the sender, and per
device its model, serial ending and RMA number with a Code 128 barcode of the RMA."""

from __future__ import annotations

import io
from typing import Any, Dict, List

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from backend.policy import ReturnsPolicy


def label_pdf(
    returns: ReturnsPolicy, sender: str, confirmation_number: str, devices: List[Dict[str, Any]]
) -> bytes:
    """The label as PDF bytes; `devices` are equipment dicts with an `rma`."""
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"Return label {confirmation_number}")
    story: list = [
        Paragraph(f"PREPAID RETURN - {returns.carrier}", styles["Title"]),
        Paragraph("SHIP TO", styles["Heading3"]),
    ]
    story += [Paragraph(line, styles["BodyText"]) for line in returns.ship_to]
    story += [
        Paragraph("FROM", styles["Heading3"]),
        Paragraph(sender, styles["BodyText"]),
        Paragraph(f"Cancellation {confirmation_number}", styles["BodyText"]),
        Spacer(1, 6 * mm),
    ]
    for device in devices:
        story += [
            Paragraph(
                f"{device['model']} (serial ending {device['serial_last4']}) - {device['rma']}",
                styles["Heading4"],
            ),
            code128.Code128(device["rma"], barHeight=14 * mm, barWidth=0.4 * mm),
            Spacer(1, 4 * mm),
        ]
    story.append(
        Paragraph(
            "Put this label on the box; write each RMA number on its device's packaging.", styles["BodyText"]
        )
    )
    doc.build(story)
    return out.getvalue()

"""What a customer receives for an outbox row: the email (plain text and HTML; a receipt also has
its PDF attached and a signed download link) or the SMS text (a receipt: the confirmation number
and the link)."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import wording
from backend.config import Settings
from backend.delivery.label import label_pdf
from backend.delivery.receipt import receipt_lines, receipt_pdf
from backend.models import CancellationRequest, OutboxMessage
from backend.policy import Policy
from contract.vocabulary.dates import long_date

SUBJECTS = {
    "otp": "Your verification code",
    "receipt": "Your cancellation receipt",
    "revoked": "Your cancellation request was revoked",
}
REVOKE = 'Reply to the assistant with "revoke my cancellation" and your confirmation number any time before the end date.'


def _request(session: Session, row: OutboxMessage) -> Optional[CancellationRequest]:
    if row.kind != "receipt" or not row.reference:
        return None
    return session.execute(
        select(CancellationRequest).where(CancellationRequest.confirmation_number == row.reference)
    ).scalar_one_or_none()


def _receipt(session: Session, policy: Policy, request: CancellationRequest) -> Dict[str, Any]:
    """The request's Cancellation and the terms the customer accepted when filing (requests filed
    before the terms were kept: the same terms rebuilt, the backup being confirmed at filing)."""
    from backend.cancellations import cancellation_dict

    c = cancellation_dict(session, policy, request)
    snap = request.snapshot
    c["terms"] = snap.get("terms") or wording.terms(True, bool(snap.get("return_deadline")))
    return c


def receipt_pdf_of(session: Session, policy: Policy, request: CancellationRequest) -> bytes:
    """The PDF receipt of one request."""
    return receipt_pdf(_receipt(session, policy, request), policy.how_to_pay, REVOKE)


def label_pdf_of(session: Session, policy: Policy, request: CancellationRequest) -> Optional[bytes]:
    """The return label PDF of one request, or None when it has nothing to return or no label can be made."""
    c = _receipt(session, policy, request)
    devices = [d for d in c["equipment"] if d.get("rma") and not d.get("tracking_number")]
    if not devices or not policy.returns.label_possible:
        return None
    return label_pdf(policy.returns, request.account.name, request.confirmation_number, devices)


def email(
    session: Session, settings: Settings, policy: Policy, row: OutboxMessage, text: str
) -> EmailMessage:
    """The email of one row; the Message-ID is the same on every attempt (repeats are recognisable)."""
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = row.recipient
    message["Subject"] = SUBJECTS.get(row.kind, "A message about your account")
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<outbox-{row.id}-{int(row.created_at.timestamp())}@cancellations.invalid>"
    request = _request(session, row)
    if request is None:
        message.set_content(text)
        message.add_alternative(
            f"<html><body><p>{html.escape(text).replace(chr(10), '<br>')}</p></body></html>", subtype="html"
        )
        return message
    c = _receipt(session, policy, request)
    lines = receipt_lines(c, policy.how_to_pay, REVOKE)
    link = c["receipt_url"]
    plain = "Your cancellation receipt\n\n" + "\n".join(f"{k}: {v}" for k, v in lines)
    if link:
        plain += f"\n\nDownload this receipt (PDF): {link}"
    message.set_content(plain + "\n\nThe receipt is also attached as a PDF.\n")
    rows = "".join(
        f"<tr><th align=left>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in lines
    )
    anchor = f'<p><a href="{html.escape(link)}">Download this receipt (PDF)</a></p>' if link else ""
    message.add_alternative(
        f"<html><body><h1>Your cancellation receipt</h1><table>{rows}</table>{anchor}"
        "<p>The receipt is also attached as a PDF.</p></body></html>",
        subtype="html",
    )
    message.add_attachment(
        receipt_pdf(c, policy.how_to_pay, REVOKE),
        maintype="application",
        subtype="pdf",
        filename=f"receipt-{request.confirmation_number}.pdf",
    )
    label = label_pdf_of(session, policy, request)
    if label is not None:
        message.add_attachment(
            label,
            maintype="application",
            subtype="pdf",
            filename=f"return-label-{request.confirmation_number}.pdf",
        )
    return message


def sms_text(session: Session, policy: Policy, row: OutboxMessage, text: str) -> str:
    """The SMS of one row: a receipt is short (number, end date, links); others as written."""
    request = _request(session, row)
    if request is None:
        return text
    c = _receipt(session, policy, request)
    return (
        f"Cancellation received. Confirmation {request.confirmation_number}, ends "
        f"{long_date(request.end_date)}."
        + (f" Receipt: {c['receipt_url']}" if c["receipt_url"] else "")
        + (f" Return label: {c['label_url']}" if c["label_url"] else "")
    )

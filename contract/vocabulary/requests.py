"""What a message asks for in so many words, and the reason a refund request gives.

The intent classifier picks one request per message. A customer often asks for two ("what's my
balance, and can I cancel the voice service?", "status of ABCD-EFGH-JKLM and then cancel the
backup too") or words a request so that the classifier hesitates ("I was double charged $39.95
and want it back"). `asked_requests` reads the explicit requests from the words, so that the
assistant can do the second one after the first, never a request that is only a condition ("what
would my final bill be if I cancel?") or negated ("don't cancel it").
"""

from __future__ import annotations

import re
from typing import List, Optional

from .identifiers import EMAIL
from .numbers import find_confirmation, find_tracking

CANCEL, REFUND, STATUS, REVOKE, BALANCE, TRACKING, EQUIPMENT = (
    "cancel",
    "refund",
    "status",
    "revoke",
    "balance",
    "tracking",
    "equipment",
)

# The words of each request. The cancel verb, not the noun: "my cancellation" is about a filed
# request (status, revoke), "cancel fee" / "cancel request" name a thing.
_CUES = {
    CANCEL: r"\b(cancel|cancell?ing|cancle|terminate|discontinue)\b"
    r"(?!\s+(fee|fees|policy|charge|charges|request|requests|form|button|number))",
    REFUND: r"\brefund\w*|\brefnd\w*|\bmoney back\b|\breimburs\w*"
    r"|\b(want|get|have|need) (it|that|them|this|the money|my money) back\b",
    STATUS: r"\bstatus\b"
    r"|\bwhere\b[^.?!]{0,30}\bstands?\b"
    r"|\b(check|look) (on|up|into|in on)? ?(my|the|that|this) (cancell?ation|request)\b",
    REVOKE: r"\brevok\w*|\bundo\b|\breverse\b|\bwithdraw\b|\btake (it |that )?back\b"
    r"|\bchanged my mind\b",
    BALANCE: r"\bbalance\b|\b(how much|what) do i owe\b|\bfinal bill\b|\bamount due\b",
    TRACKING: r"\btracking\b",
    EQUIPMENT: r"\bequipment\b|\b(return|send|ship|mail)\b[^.?!]{0,20}\b(modem|router|devices?|box|gear|hardware)\b"
    r"|\b(modem|router|devices?|box)\b[^.?!]{0,20}\bback\b",
}
_COMPILED = {name: re.compile(pattern, re.I) for name, pattern in _CUES.items()}

# About keeping a service whose cancellation is filed: the revoke cue, or "keep it", "don't cancel"
_ABOUT_REVOKE = re.compile(
    r"\b(revok\w*|undo|withdraw|keep (it|my|the|our)|don'?t cancel|changed my mind"
    r"|take (it )?back|reverse)\b",
    re.I,
)


def about_revoking(text: Optional[str]) -> bool:
    """The message is about revoking a filed cancellation ("undo it", "keep my hosting")."""
    return bool(_ABOUT_REVOKE.search(text or ""))


# Words before a cue (in its clause) that make it a condition, a negation or a report of the past
# rather than a request: "if I cancel", "don't cancel", "before cancelling", "I asked to cancel".
_NOT_A_REQUEST = re.compile(
    r"(\b(if|when|once|whether|before|after|until|unless|without)\b"
    r"|\b(asked|tried|wanted|requested|request) to\b"
    r"|\b(don'?t|do not|not|never|no longer|didn'?t|won'?t|shouldn'?t)\s+(\w+\s+)?)[^.?!,;]*$",
    re.I,
)


# "a fee for cancelling", "questions about cancelling": the thing, not the request
_ABOUT = re.compile(r"\b(for|about|of|on|by|from)\s*$", re.I)


def asked_requests(text: Optional[str]) -> List[str]:
    """The requests ``text`` makes in so many words, in the order it makes them."""
    if not text:
        return []
    found = []
    for name, pattern in _COMPILED.items():
        for match in pattern.finditer(text):
            before = text[: match.start()]
            clause = re.split(r"[.?!,;]|\band\b|\bthen\b", before)[-1]
            if name in (CANCEL, REFUND) and (_NOT_A_REQUEST.search(clause) or _ABOUT.search(clause)):
                continue
            found.append((match.start(), name))
            break
    return [name for _, name in sorted(found)]


# What a refund request says besides asking: greetings, the asking itself, the amount and the
# customer's details. What is left, when it is a few words, is the reason.
_FILLER = frozenset(
    """a an the i i'd id i'm im me my we we'd our us you your it its it's this that some any of
    for to on in please pls plz also and so hi hello hey there thanks thank ok okay just like want
    would could can may get have need needs needed back money refund refunds refunded refnd dollars
    dollar bucks usd cents amount is are be was email e-mail mail phone number account acct zip
    code pin my name here it's is:""".split()
)
_MONEY = re.compile(r"\$?\s?\d[\d,]*(\.\d+)?")
_DIGIT_RUN = re.compile(r"(?<![\d.,$])\+?\(?\d[\d\s()-]*\d(?!\d|[.,]\d)")
# the label of a detail that was taken out ("email is", "acct #")
_LABEL = re.compile(
    r"\b(my |the )?(email|e-mail|phone|account|acct|zip|pin)( address| number| code| #| no\.?)?"
    r"\s*(is|:|#)?\s*(?=[,.;]|$)",
    re.I,
)
REASON_WORDS = 3


def refund_reason_in(text: Optional[str]) -> Optional[str]:
    """The reason a message asking for a refund gives ("I was double charged $39.95 on my last
    bill and want it back"), without the customer's identifiers; None when it gives none ("I'd
    like a refund of $20 please, jo@x.example") or does not ask for a refund."""
    if not text or REFUND not in asked_requests(text):
        return None
    cleaned = EMAIL.sub(" ", text)
    # account numbers, phones, ZIPs and PINs: any run of 4 or more digits (with separators)
    cleaned = _DIGIT_RUN.sub(
        lambda m: " " if len(re.sub(r"\D", "", m.group(0))) >= 4 else m.group(0), cleaned
    )
    for number in filter(None, (find_confirmation(cleaned), find_tracking(cleaned))):
        cleaned = re.sub(re.escape(number).replace(r"\-", r"[\s-]?"), " ", cleaned, flags=re.I)
    cleaned = _LABEL.sub("", re.sub(r"\s+([,.;])", r"\1", " ".join(cleaned.split())))
    cleaned = re.sub(r"([,;])(\s*[,;])+", r"\1", cleaned)
    rest = _COMPILED[REFUND].sub(" ", cleaned)
    rest = _MONEY.sub(" ", rest)
    words = [w for w in re.findall(r"[a-z']+", rest.lower()) if w not in _FILLER]
    if len(words) < REASON_WORDS:
        return None
    return re.sub(r"[\s,;]+$", "", " ".join(cleaned.split()).strip(" ,;")) or None

"""Cancellation reasons: the six categories and the words customers use for them."""

from __future__ import annotations

import re
from typing import Optional

REASONS = ("price", "moving", "not_using", "switching", "service_quality", "other")

# Checked in this order; the first category with a matching pattern wins.
_PATTERNS = [
    (
        "switching",
        r"\bswitch\w*|\bchang\w* (provider|compan|carrier)|another (provider|company|carrier)"
        r"|other (provider|company|carrier)|new (provider|company|carrier)|competitor"
        r"|signed (up )?with|going with|better deal|\bcomcast\b|\bverizon\b|\bat&t\b"
        r"|\bspectrum\b|\bxfinity\b|\bt-mobile\b|\bcox\b"
        # the service itself moved elsewhere ("we moved the site to squarespace"), unlike the
        # customer moving ("we moved to Denver")
        r"|\bmov(e|ed|ing) (the |our |my |all )?(site|website|web site|hosting|domain|email|emails"
        r"|number|numbers|lines?|server|servers|data|files|backups?|everything|it|them) (over )?to\b"
        r"|\bport(ed|ing)? (the |our |my )?(number|numbers|lines?)\b|\bmigrat(e|ed|ing)\b",
    ),
    (
        "moving",
        r"\bmov(e|ed|ing)\b|relocat\w*|leaving the (country|state|city|area)|abroad"
        r"|overseas|new (house|home|place|apartment|address)|emigrat\w*",
    ),
    (
        "price",
        r"expensive|pric(e|ey|y)|cost(s|ly)?\b|afford|too much|cheaper|money|budget"
        r"|\bbill(s)? (is|are) too|save money|can't justify",
    ),
    (
        "not_using",
        r"(don'?t|do not|doesn'?t|never|no longer|not|hardly|rarely|barely) (really )?"
        r"(use|using|need|needed)|not us(ing|ed)|unused|no use for|don'?t need"
        r"|no longer need|nobody (uses|visits)|won'?t (really )?(use|need)|will not (use|need)|no need for",
    ),
    (
        "service_quality",
        r"slow|drop(s|ping|ped)?\b|outage|unreliabl\w*|keeps? (failing|breaking|"
        r"going down|disconnecting)|bad service|terrible|poor (service|quality)"
        r"|quality|support (is|was) (bad|awful|useless)|bad customer|down all"
        r"|not working|doesn'?t work|downtime"
        r"|\b(site|website|server|service|internet|line|network|connection|it) (was|is|keeps|kept|went|goes)"
        r" (\w+ )?down\b",
    ),
]
_COMPILED = [(reason, re.compile(pattern, re.I)) for reason, pattern in _PATTERNS]


# A category named only to say it is not the reason ("it's not even the price, the site was down").
_NOT_THE_REASON = re.compile(
    r"\b(not|isn'?t|wasn'?t|never)( (even|really|just|only|so much|about|because of|due to))*"
    r"( (the|a|our|my))? (price|pricing|cost|costs|money|budget|move|moving|speed|quality|support)\b",
    re.I,
)


def find_reason(text: Optional[str]) -> Optional[str]:
    """The reason category a sentence names ("we're relocating to Denver" -> moving), or None;
    a category it denies ("it's not the price") is not named."""
    if not text:
        return None
    text = _NOT_THE_REASON.sub(" ", text)
    for reason, pattern in _COMPILED:
        if pattern.search(text):
            return reason
    return None


# What an offer itself is called ("a cheaper plan", "the discount", "20% off"): in an answer to
# the offer these words are about the offer, not a reason ("no, I don't want a cheaper plan").
_OFFER_WORDS = re.compile(
    r"\b(a |the |your |any )?(cheaper|lower|smaller|lite|basic|reduced|discounted|downgraded?)"
    r"( \w+)? (plan|price|tier|rate|option|package|version|deal)\b"
    r"|\b\d+ ?(%|percent)( (off|less|cheaper|discount))?|\bdiscount\w*|\bcheaper one\b",
    re.I,
)
_CLAUSES = re.compile(r"[,;:!?]+|\.(?!\w)|\s(?:but|and|though|although|even so)\s", re.I)


# Title words that say how to take an offer, not what it is ("Switch to the Lite plan").
_TITLE_VERBS = {"switch", "move", "stay", "get", "keep", "save", "try"}


def offer_names(title: Optional[str]) -> Optional["re.Pattern[str]"]:
    """The offer's own names in its title, as a pattern: its capitalised words but the verb that
    opens it ("Switch to the Lite plan" -> Lite, "Pause your service ..." -> Pause)."""
    words = [
        w for w in re.findall(r"[A-Za-z]+", title or "") if w[0].isupper() and w.lower() not in _TITLE_VERBS
    ]
    return re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.I) if words else None


def reason_in_offer_answer(text: Optional[str], offer_title: Optional[str] = None) -> Optional[str]:
    """The reason an answer to the retention offer gives ("no thanks, we're leaving the
    country" -> moving). A clause that speaks of the offer itself (its price cut, its plan
    named in ``offer_title``) gives none: "no, I don't want a cheaper plan, just cancel", "even
    at 40% less it's money for nothing", "ok, switch me to lite"."""
    names = offer_names(offer_title)
    kept = [
        clause
        for clause in _CLAUSES.split(text or "")
        if not _OFFER_WORDS.search(clause) and not (names and names.search(clause))
    ]
    return find_reason(" , ".join(kept))


def normalize_reason(value: Optional[str]) -> Optional[str]:
    """A category name as it is, or the category of a free text; None when neither."""
    if value in REASONS:
        return value
    return find_reason(value)

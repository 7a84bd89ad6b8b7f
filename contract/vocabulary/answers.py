"""Yes / no / not yet, read from an answer with extra words ("ok fine, I'll take the offer",
"not yet, one moment", "I'm back, yes it's all backed up", "no thanks, we're leaving"), and read
against the question asked: a yes that names another question's subject ("yes all backed up" at
the offer question) answers that question, not the one asked."""

from __future__ import annotations

import re
from typing import Optional

YES, NO, NOT_YET = "yes", "no", "not_yet"

_NOT_YET = re.compile(
    r"\bnot yet\b|\b(one|a|just a|give me a) (moment|minute|sec|second)\b|\bhold on\b|\bwait\b"
    r"|\bstill (working|backing|copying|need to)\b|\bhaven'?t (yet|backed|finished|done)"
    r"|\bnot (done|finished|ready)\b|\bneed (more )?time\b",
    re.I,
)
_NO = re.compile(
    r"^(no|nope|nah|no thanks?|no thank you|not really|negative)\b|\bno,|\bno thanks?\b"
    r"|\bno thank you\b|\bdon'?t (want|need) (it|that|the offer|this|a )|\bnot interested\b"
    r"|\bi'?ll pass\b|\bpass on\b|\bdecline\b|\bdon'?t cancel\b|\bdo not cancel\b"
    r"|\bkeep (it|my)\b|\bchanged my mind\b|\bnot (the|that) one\b|\bthe other one\b|\bwrong one\b",
    re.I,
)
_YES = re.compile(
    r"^(y|ya|yah|yea|yeah|yep|yup|yes|yess|ok|okay|okey|k|sure|alright|all right|right|correct"
    r"|absolutely|definitely|of course|go ahead|do it|please do|fine|fair enough|sounds good"
    r"|perfect|great|cool|exactly|indeed|confirm(ed)?|that'?s (right|correct|it|fine|ok))\b"
    r"|\byes\b|\byeah\b|\bsure\b|\bi'?ll take (it|the offer|that)\b|\btake the offer\b"
    r"|\b(all |everything'?s? |it'?s |i'?ve |is )(all )?(backed up|saved|done|copied)\b"
    r"|\bbacked (it |everything )?up\b|\bgo ahead\b|\bplease (proceed|do|file)\b"
    r"|\bthat one\b|\bthat'?s (right|correct|fine)\b|\bno problem\b|\bfair enough\b"
    r"|\bi accept\b|\bproceed\b|\bconfirm\b|\bi'?ll take\b|\bi'?ll have\b|\bok(ay)?\b"
    r"|\bfine\b|\balright\b|\bsounds (good|great|fair)\b|\bdeal\b",
    re.I,
)


# At "Revoke cancellation ...? The service would then stay active": keeping the service is a yes,
# keeping the cancellation a no (the generic readings of "keep it" and "changed my mind" are no).
_REVOKE_NO = re.compile(
    r"\b(don'?t|do not|not|never) (revoke|undo|reverse)\b|\bleave it( as it is)?\b"
    r"|\b(keep|leave|stay) (it |the |my |the service |my service )?(cancell?ed|cancell?ation)\b"
    r"|\b(still|do) want (it |to )?cancel\w*|\b(go ahead|proceed|continue) with (the|my) cancell?ation\b"
)
_REVOKE_YES = re.compile(
    r"\brevok\w*|\bundo\b|\breverse\b|\bwithdraw\b|\bkeep (it|(the|my|our) \w+)\b"
    r"|\bstay(ing)?\b|\bdon'?t cancel\b|\bchanged (my|our) minds?\b|\btake (it )?back\b"
)

# What each yes/no question with a subject of its own is about (keys: the questions' slots).
_SUBJECTS = {
    "offer_response": re.compile(
        r"\boffers?\b|\bdiscount\w*|\bpromo\w*|\b\d+ ?(%|percent) off\b|\bfree months?\b"
        r"|\bmonths? free\b|\bcoupon\b"
    ),
    "backup_confirmed": re.compile(
        r"\bback(ed)?[ -]?up\b|\bbackups?\b|\bsaved\b|\bcopied\b|\bdownloaded\b"
        r"|\b(my|our|the) (data|files|stuff|emails)\b"
    ),
}


def _normal(text: str) -> str:
    return " ".join(str(text).lower().replace("’", "'").split()).strip(" .!?")


def other_subject(text: Optional[str], question: Optional[str]) -> Optional[str]:
    """The other question (slot name) whose subject ``text`` names while not naming the subject
    of ``question``; None when it names none or names the question's own."""
    own = _SUBJECTS.get(question or "")
    if not text or own is None:
        return None
    s = _normal(text)
    if own.search(s):
        return None
    return next((name for name, words in _SUBJECTS.items() if name != question and words.search(s)), None)


def read_yes_no(text: Optional[str], question: Optional[str] = None) -> Optional[str]:
    """YES, NO, NOT_YET or None (no yes/no answer in the text). With ``question`` (the slot
    asked for), a yes that names another question's subject is None: it is not a yes to this
    question ("yes all backed up" does not accept an offer)."""
    if question == "revoke_confirmed" and text:
        s = _normal(text)
        if _REVOKE_NO.search(s):
            return NO
        if _REVOKE_YES.search(s) and not _NOT_YET.search(s):
            return YES
    answer = _read(text)
    if answer == YES and other_subject(text, question):
        return None
    return answer


def _read(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    s = _normal(text)
    if not s:
        return None
    if _NOT_YET.search(s):
        return NOT_YET
    # "no problem", "no worries" say yes; once they are read as "ok", any other no wins
    s = re.sub(r"\b(no|not a) (problem|worries|issues?|objections?|complaints)\b", "ok", s)
    if _NO.search(s):
        return NO
    if _YES.search(s):
        return YES
    return None


_THANKS_WORDS = {"thanks", "thank", "thx", "ty", "cheers", "thankyou", "tysm"}
_GREET_WORDS = {"hi", "hello", "hey", "hiya", "yo", "howdy"}
_COURTESY_FILLER = {
    "ok",
    "okay",
    "you",
    "so",
    "very",
    "much",
    "a",
    "lot",
    "great",
    "cool",
    "perfect",
    "nice",
    "there",
    "again",
    "are",
    "still",
    "anyone",
    "is",
    "u",
    "oh",
    "ah",
    "and",
    "for",
    "that",
    "good",
    "morning",
    "afternoon",
    "evening",
}


def courtesy(text: Optional[str]) -> Optional[str]:
    """ "thanks" or "greet" when ``text`` is only a thank-you or only a greeting ("ok thank
    you", "hello? are you still there?"): no answer to a question, whatever it asks."""
    words = re.findall(r"[a-z]+", _normal(text or ""))
    if not words or any(w not in _THANKS_WORDS | _GREET_WORDS | _COURTESY_FILLER for w in words):
        return None
    if any(w in _THANKS_WORDS for w in words):
        return "thanks"
    if any(w in _GREET_WORDS for w in words):
        return "greet"
    return None

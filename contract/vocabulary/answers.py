"""Yes / no / not yet, read from an answer with extra words ("ok fine, I'll take the offer",
"not yet, one moment", "I'm back, yes it's all backed up", "no thanks, we're leaving"), and read
against the question asked: a yes that names another question's subject ("yes all backed up" at
the offer question) answers that question, not the one asked."""

from __future__ import annotations

import re
from typing import Optional

from contract.vocabulary.reasons import offer_names

YES, NO, NOT_YET = "yes", "no", "not_yet"

_NOT_YET = re.compile(
    r"\bnot yet\b|\b(one|a|just a|give me a) (moment|minute|sec|second)\b|\bhold on\b|\bwait\b"
    r"|\bstill (working|backing|copying|need to)\b|\bhaven'?t (yet|backed|finished|done)"
    r"|\bnot (done|finished|ready)\b|\bneed (more )?time\b",
    re.I,
)
_NO = re.compile(
    r"^(no|nope|nah|no thanks?|no thank you|not really|negative)\b|\bno,|\bno thanks?\b"
    r"|[.?!]\s*(no|nope|nah)\b(?! (problem|worries|doubt))|\bno[.!;]"
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
        r"\boffers?\b|\bdiscount\w*|\bpromo\w*|\b\d{1,2} ?(%|percent)|\bfree months?\b"
        r"|\bmonths? free\b|\bcoupon\b"
    ),
    "backup_confirmed": re.compile(
        r"\bback(ed|ing)?[ -]?up\b|\bback(ed|ing)? (\w+ ){1,3}up\b|\bbackups?\b|\bsaved\b|\bcopied\b"
        r"|\bdownloaded\b|\b(my|our|the|all) (data|files|stuff|emails)\b"
    ),
}

# Emoji that answer a yes/no question on their own (a thumbs-up is a yes in a chat).
_YES_EMOJI = re.compile("[\U0001f44d\U0001f44c\u2705\u2714\U0001f197]")
_NO_EMOJI = re.compile("[\U0001f44e\u274c\u2716\U0001f645]")


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


def is_bare_yes(text: Optional[str]) -> bool:
    """A yes and nothing more ("yes", "ok sure", "yeah go ahead"): an answer with no content of its
    own, where a free-text answer is asked."""
    s = _normal(text or "")
    return _read(s) == YES and len(s.split()) <= 3 and bool(_BARE_YES.fullmatch(s))


_BARE_YES = re.compile(
    r"(?:(?:y|ya|yah|yea|yeah|yep|yup|yes|ok|okay|k|sure|alright|fine|go ahead|of course|please)[ ,!.]*)+"
)
_VOWELS = set("aeiouy")


def looks_like_gibberish(text: Optional[str]) -> bool:
    """Keyboard mash ("asdfjkl", "sdfghj", "qqqq"): one run of letters that no English word is
    written like (no vowel, six consonants in a row, one or two letters over and over, or five
    keys in a row of the keyboard)."""
    s = (text or "").strip().lower()
    if not re.fullmatch(r"[a-z]{4,}", s):
        return False
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    return (
        not (set(s) & _VOWELS)
        or bool(re.search(r"[^aeiouy]{6,}", s))
        or len(set(s)) <= 2
        or any(row[i : i + 5] in s for row in rows for i in range(len(row) - 4))
    )


def _read(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    s = _normal(text)
    if not s:
        return None
    if not re.search(r"\w", s):  # only emoji or punctuation: a thumbs-up or -down answers
        if _NO_EMOJI.search(s):
            return NO
        return YES if _YES_EMOJI.search(s) else None
    if _NOT_YET.search(s):
        return NOT_YET
    s = re.sub(r"\bnot (so |too |quite |really |entirely )?sure\b", " ", s)  # "not sure" is no "sure"
    # "no problem", "no worries" say yes; once they are read as "ok", any other no wins
    s = re.sub(r"\b(no|not a) (problem|worries|issues?|objections?|complaints)\b", "ok", s)
    if _NO.search(s):
        return NO
    if _YES.search(s):
        return YES
    return None


# --------------------------------------------------------------------------- the offer question

ACCEPT, DECLINE, UNCLEAR = "accepted", "declined", "unclear"
# "let me think about it": no answer yet; the offer stays open (the assistant says take your time)
THINKING = "thinking"

# Declines that only make sense as an answer to an offer ("maybe later", "pausing is pointless",
# "priority support won't fix your outages", "we've already decided").
_OFFER_NO = re.compile(
    r"\bmaybe (later|another time|some other time|next time)\b|\bnot (right )?now\b|\bsome other time\b"
    r"|\b(is |'s |are |seems )?pointless\b|\bno point\b|\bnot worth (it|the hassle)\b"
    r"|\b(won'?t|doesn'?t|wouldn'?t|will not|does not|would not|can'?t|cannot) (really )?"
    r"(help|fix|solve|change|make (a|any) difference|work for (me|us))\b"
    r"|\b(already|have) decided\b|\bmade (up )?(my|our) minds?( up)?\b|\bmind is made up\b"
    r"|\bwon'?t be (back|coming back|needing)\b|\bno deal\b|\bhard pass\b|\bnot for (me|us)\b"
    r"|\b(i'?m|we'?re) good\b|\bno,? (i|we) (don'?t|do not) (want|need)\b"
)
_THINK = re.compile(
    r"\b(let me|i'?ll|i need to|i have to|need to|have to|want to|i'?d like to|gotta) "
    r"(think|consider|sleep on|mull|check with|talk to|ask)\b|\bthink (about|it over|on it)\b"
    r"|\b(get|come) back to you\b|\bgive me (a|some) time to (think|decide)\b|\bnot sure yet\b"
)
# A question about what the offer means for the customer ("what's the catch?", "how much would
# that be?", "what would I pay?", "is there a contract?").
_ABOUT_OFFER = re.compile(
    r"\bcatch\b|\bfine print\b|\bstrings? attached\b|\bhow much\b|\bwhat (would|will|do|does) (i|we|it|that)"
    r" (pay|cost|be|come to)\b|\b(the |new |what'?s the )?(price|cost)\b|\bhow long\b"
    r"|\bwhat happens (after|when|then)\b|\bcontract\b|\bcommitment\b|\block(ed)? in\b"
    r"|\bwhat (does|would) (that|it|this) (mean|include|involve)\b"
    # what it is measured against, or whether it could be more ("is that on top of what I pay
    # now?", "can I get that for 12 months instead of 6?")
    r"|\bon top of\b|\bwhat (i|we) (pay|'?m paying|'?re paying|am paying|are paying)\b"
    r"|\b(can|could|would) (i|we|you) (get|have|give)( (me|us))? (it|that|this|the \w+)\b"
    r"|\binstead of \d+\b|\b(longer|extend\w*|more months?)\b"
)


def asks_about_offer(text: Optional[str], offer_title: Optional[str] = None) -> bool:
    """``text`` asks what the offer means for the customer (its price, its catch, the plan or
    pause named in ``offer_title``: "would flex be faster?") rather than answering it."""
    s = _normal(text or "")
    names = offer_names(offer_title)
    asking = bool(re.search(r"\?\s*$", str(text or "").strip())) or bool(
        re.match(r"(what|how|is|are|does|do|would|will|can|so|and|but)\b", s)
    )
    other_subject = re.search(r"\b(bill|balance|fee|fees|owe|refund|equipment|modem|router)\b", s)
    about = _ABOUT_OFFER.search(s) or (names is not None and names.search(s))
    return asking and bool(about) and not other_subject


# A yes that speaks of cancelling says yes to the cancellation, not to the offer ("yes cancel
# it", "yes please proceed with the cancellation"); "instead of cancelling" does not count.
_CANCELLING = re.compile(
    r"\bcancel\w*|\bterminat\w*|\bclose (it|the account|my account|the service)\b"
    r"|\bend (it|the service)\b|\bshut (it )?down\b"
)
_NOT_CANCELLING = re.compile(r"\b(instead of|rather than|not|than) cancel\w*")
# A yes that only says "go on" could mean either: take the offer, or go on with cancelling.
_GO_ON = re.compile(
    r"\b(go ahead|go on|proceed\w*|continue|carry on|move on|keep going|let'?s go|let'?s do it"
    r"|do it|get on with it)\b"
)
_TAKE = re.compile(r"\b(take|accept|want|stay|have|keep) (it|that|this|the offer|the deal)\b|\bi'?ll stay\b")


def takes_offer(text: Optional[str], offer_title: Optional[str] = None) -> bool:
    """``text`` takes the offer in so many words ("fine, I'll take the offer", "I'll stay for
    20% off", "yes, the lite plan"), so a reason said with it ("the price was the problem") does
    not turn it into a decline."""
    s = _normal(text or "")
    names = offer_names(offer_title)
    named = _TAKE.search(s) or _SUBJECTS["offer_response"].search(s) or (names and names.search(s))
    return read_offer_answer(text, offer_title=offer_title) == ACCEPT and bool(named)


# Second thoughts within one message ("no thanks... wait actually, I'll take it"): the answer
# after them replaces the one before.
_SECOND_THOUGHTS = re.compile(
    r"\b(wait|actually|on second thoughts?|scratch that|hang on|come to think of it|then again)\b[\s,.!]*"
)


def _after_second_thoughts(text: str) -> Optional[str]:
    """What follows the last "wait" / "actually" in ``text`` when an answer came before it."""
    s = _normal(text)
    marks = list(_SECOND_THOUGHTS.finditer(s))
    if not marks or not _read(s[: marks[-1].start()]):
        return None
    return s[marks[-1].end() :] or None


def read_offer_answer(
    text: Optional[str],
    asked_again: bool = False,
    clarifying: bool = False,
    offer_title: Optional[str] = None,
) -> Optional[str]:
    """The answer to "Would you like that instead of cancelling?": ACCEPT, DECLINE, UNCLEAR,
    THINKING ("let me think about it") or None (not an answer).

    A yes that speaks of cancelling declines the offer (it says yes to the cancellation). When
    the question was asked again after the customer answered something else ("yes all backed
    up" at the offer, a fee question), a yes that only says "go ahead" / "proceed" may mean the
    cancellation the customer was busy with: UNCLEAR, the assistant asks which. ``clarifying``:
    that either/or question is open, so a plain yes is still UNCLEAR and "the cancellation" /
    "the offer" answer it."""
    if not text:
        return None
    tail = _after_second_thoughts(text)
    if tail is not None:  # "no thanks... wait actually, fine, I'll take it": the later answer
        later = read_offer_answer(tail, asked_again, clarifying, offer_title)
        if later in (ACCEPT, DECLINE):
            return later
    s = _normal(text)
    if _OFFER_NO.search(s) and not _TAKE.search(s):
        return DECLINE
    answer = read_yes_no(text, "offer_response")
    if answer is None and _THINK.search(s):
        return THINKING
    names = offer_names(offer_title)  # "yes, pause it": the offer by its own name
    names_offer = bool(_SUBJECTS["offer_response"].search(s) or (names and names.search(s)))
    cancelling = bool(_CANCELLING.search(_NOT_CANCELLING.sub(" ", s)))
    if answer in (NO, NOT_YET):
        return DECLINE
    if answer == YES:
        if names_offer or _TAKE.search(s):
            return ACCEPT
        if cancelling:
            return DECLINE
        if clarifying or (asked_again and _GO_ON.search(s)):
            return UNCLEAR
        return ACCEPT
    if clarifying and (names_offer or _TAKE.search(s)):
        return ACCEPT
    if clarifying and cancelling:
        return DECLINE
    return None


# --------------------------------------------------------------------------- a change of mind

_CHANGE_OF_MIND = re.compile(
    r"\bchanged? my mind\b|\b(i'?ll|i will|i'?d rather|i want to|i'?d like to|let'?s|gonna|going to)"
    r" (just )?keep (it|the service|my (service|account|plan|\w+ (hosting|internet|voice|backup|phones?)))\b"
    r"|\bdon'?t (want to )?cancel (it|anything|after all)\b|\bdo not cancel\b|\bnot cancel\w* after all\b"
    r"|\bkeep it after all\b"
)


def changes_mind(text: Optional[str]) -> bool:
    """The customer no longer wants to cancel ("actually no, I'll keep the service for now",
    "I changed my mind")."""
    return bool(text) and bool(_CHANGE_OF_MIND.search(_normal(str(text))))


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


# A question about the question: the customer asks it to be said again or explained, asks why
# it is asked, whether it is safe to answer, or what the choices are. The whole (short)
# message has to be such a question: "what?" is one, "what's the fee?" is not.
_FILLER_START = r"^(?:(?:sorry|um+|uh+|erm|hm+|ok|okay|wait|hang on|oh|hey|so|but|and)[, ]+)*"
_REPEAT = re.compile(
    _FILLER_START + r"(?:what\??|wh?at+|wut|huh|eh|pardon( me)?|excuse me|come again|say (that |it )?again"
    r"|what( was| is|'s) (that|the question)|what did you (say|ask|mean)|what do you mean( by that)?"
    r"|what does (that|this) mean|(can|could|would) you (please )?(repeat|rephrase|say) (that|it|the question)"
    r"( again)?( please)?|(please )?repeat( that| it| the question)?( please)?"
    r"|i (do not|don'?t|dont|didn'?t|did not) (understand|get (it|that|you)|follow)( (that|the question|you))?"
    r"|i'?m (confused|lost)|confused|lost|not sure what you mean|\?+)$"
)
_WHY = re.compile(
    _FILLER_START
    + r"(?:why( do| would| are)? you (need|want|ask|asking)\b.*|why( is| do)? (that|this|it) (needed|necessary|required)\b.*"
    r"|why\??|why (do|would) i (need|have) to\b.*|what (do you need|is) (that|this|it) for\b.*"
    r"|what'?s (that|this|it) for\b.*|why my \w+( code)?)$"
)
_SAFE = re.compile(
    r"\b(is (this|it|that) (safe|secure|legit)|safe to (give|share|type|send)|(am i|are you) (safe|secure)"
    r"|is (my|this) (data|info|information|chat) (safe|secure|private)|is this a scam|can i trust (you|this))\b"
)
_UNSURE = re.compile(
    _FILLER_START
    + r"(?:dunno|idk|no idea|not sure|i'?m not sure|i (do not|don'?t|dont) know( (it|that|this))?"
    r"|i (do not|don'?t|dont|can'?t|cannot) remember( (it|that|this))?|i forgot( (it|that))?"
    r"|i (do not|don'?t|dont) have (it|that|one)( (here|with me|at hand))?)$"
)
_OPTIONS = re.compile(
    _FILLER_START
    + r"(?:what are (my|the) (options|choices)|what (options|choices) (do i have|are there)|(my )?options\??"
    r"|what can i (say|choose|pick|answer|type)|what (should|do) i (say|type|answer|put)"
    r"|what do you want me to (say|type|answer))$"
)


def clarification(text: Optional[str]) -> Optional[str]:
    """What a question about the question asks for: "repeat" ("what?", "can you repeat that",
    "i dont understand"), "why" ("why do you need my zip?"), "safe" ("is this safe?") or
    "options" ("what are my options") or "unsure" ("dunno", "i don't remember": an answer the
    customer doesn't have); None for anything else, answers included."""
    if not text or len(text) > 120 or "@" in text or re.search(r"\d", text):
        return None
    s = " ".join(re.sub(r"[^\w'? ]+", " ", str(text).lower().replace("’", "'")).split())
    s = re.sub(r"\s*\?+", "?", s).strip()
    bare = s.rstrip("?").strip() or s
    if _SAFE.search(s) and len(s.split()) <= 12:
        return "safe"
    if _WHY.match(bare) or _WHY.match(s):
        return "why"
    if _OPTIONS.match(bare) or _OPTIONS.match(s):
        return "options"
    if _REPEAT.match(bare) or _REPEAT.match(s):
        return "repeat"
    if _UNSURE.match(bare):
        return "unsure"
    return None

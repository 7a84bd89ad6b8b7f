"""MessageShapeAdjuster: emoji-only = misunderstanding, bare "cancel" ties, long requests."""

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.message_shape import MessageShapeAdjuster

LONG = (
    "Hello, I have been with you for years and things changed on my side, my job, my "
    "family, my budget, my plans for the shop and the website, so after a lot of thought "
    "and talking it over with my partner we would like you to please cancel the hosting "
    "at the end of the period, thank you for everything over the years."
)


def _parsed(text, intent, ranking):
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    MessageShapeAdjuster(MessageShapeAdjuster.get_default_config()).process([message])
    return message.get(INTENT)["name"]


def test_emoji_only_is_a_misunderstanding():
    assert _parsed("🤷", "affirm", [("affirm", 0.4), ("deny", 0.2)]) == "nlu_fallback"
    assert _parsed("??", "greet", [("greet", 0.5)]) == "nlu_fallback"
    assert _parsed("ok 👍", "affirm", [("affirm", 0.9)]) == "affirm"


def test_bare_cancel_tie_is_the_full_cancellation():
    ranking = [("nlu_fallback", 0.3), ("cancel_service", 0.49), ("cancel_now", 0.45)]
    assert _parsed("cancel", "nlu_fallback", ranking) == "cancel_service"
    other = [("nlu_fallback", 0.3), ("ask_refund", 0.4), ("ask_balance", 0.38)]
    assert _parsed("money back bill", "nlu_fallback", other) == "nlu_fallback"


def test_long_clear_request_keeps_the_cancellation():
    assert len(LONG) > 250
    assert _parsed(LONG, "out_of_scope", [("out_of_scope", 0.5), ("cancel_service", 0.3)]) == "cancel_service"
    assert _parsed(LONG, "check_status", [("check_status", 0.5), ("cancel_service", 0.4)]) == "cancel_service"
    status = LONG.replace("please cancel", "tell me the status of my request to cancel")
    assert _parsed(status, "check_status", [("check_status", 0.6)]) == "check_status"


def test_greeting_with_account_details_informs():
    assert _parsed("hi, jo@x.example", "greet", [("greet", 0.8)]) == "inform"
    assert _parsed("hi there", "greet", [("greet", 0.9)]) == "greet"


def test_keep_in_a_long_cancellation_is_not_about_a_filed_request():
    """ "the pages I wanted to keep", "more than I want to keep paying": still a new
    cancellation; "keep my hosting" in a long message about a filed request stays one."""
    text = LONG.replace("for everything", "for everything; I saved the pages I wanted to keep")
    assert _parsed(text, "check_status", [("check_status", 0.8), ("cancel_service", 0.1)]) == "cancel_service"
    paying = LONG.replace("my budget", "more than I want to keep paying")
    assert _parsed(paying, "revoke_cancellation", [("revoke_cancellation", 0.8)]) == "cancel_service"
    keep = LONG.replace("please cancel the hosting", "please keep my hosting and not cancel it")
    assert _parsed(keep, "revoke_cancellation", [("revoke_cancellation", 0.8)]) == "revoke_cancellation"

"""What the identification slots hold once the backend has seen a secret.

The action server sets these markers instead of the raw identifier or factor; the Rasa
process's redaction (``bot/rasa_redaction.py``) stores them as they are, so that a form started
later in the conversation sees "already given" and not a value to check again.
"""

PROVIDED = "[provided]"
VERIFIED = "[verified]"
MARKERS = frozenset({PROVIDED, VERIFIED})

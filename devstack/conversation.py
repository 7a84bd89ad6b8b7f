"""A customer talking to the running stack over REST, for end-to-end tests and the benchmark."""

from __future__ import annotations

import re
import uuid
from typing import Callable, List, Optional

CONFIRMATION = re.compile(r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")


class Customer:
    """One conversation: ``say`` texts, ``click`` buttons, read what the assistant answered."""

    def __init__(self, send: Callable[[str, str], List[dict]], sender: Optional[str] = None) -> None:
        self.send = send
        self.sender = sender or f"e2e-{uuid.uuid4().hex[:12]}"
        self.last: List[dict] = []
        self.transcript: List[str] = []

    def say(self, text: str) -> str:
        """Send ``text``; return all the assistant's texts of this turn joined by newlines."""
        self.transcript.append(f"customer: {text}")
        self.last = self.send(self.sender, text)
        for message in self.last:
            self.transcript.append(f"assistant: {message.get('text', '')}")
            for button in message.get("buttons") or []:
                self.transcript.append(f"    [{button['title']}]")
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last if m.get("text"))

    @property
    def buttons(self) -> List[dict]:
        return [b for m in self.last for b in (m.get("buttons") or [])]

    def click(self, title_part: str) -> str:
        """Press the button whose title contains ``title_part`` (case-insensitive)."""
        for button in self.buttons:
            if title_part.lower() in button["title"].lower():
                self.transcript.append(f"customer clicks: {button['title']}")
                return self.say(button["payload"])
        raise AssertionError(f"no button with {title_part!r} in {self.buttons}\n{self.text}")

    def confirmation_number(self) -> Optional[str]:
        match = CONFIRMATION.search(self.text)
        return match.group(0) if match else None

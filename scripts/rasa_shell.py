"""Rasa's terminal chat (``rasa shell``) showing button titles instead of their payloads.

Rasa 3.6 lists a button as ``1: Too expensive (/give_reason{"reason":"price"})`` and reads the
payload back out of that text. Here the menu shows ``1: Too expensive`` and the chosen entry's
payload travels as the menu item's value. Use it as ``make shell`` does:
``python scripts/rasa_shell.py shell --model models/ ...`` (any ``rasa`` arguments).
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional

import questionary
import rasa.cli.utils as cli_utils


def button_to_string(button: Dict[str, Any], idx: int = 0) -> str:
    """A button as the customer sees it: number and title."""
    return f"{idx + 1}: {button.get('title') or button.get('payload', '')}"


def button_choices_from_message_data(
    message: Dict[str, Any], allow_free_text_input: bool = True
) -> List[questionary.Choice]:
    """Menu entries titled like the buttons, each carrying its payload as value."""
    choices = [
        questionary.Choice(
            title=button_to_string(button, idx), value=button.get("payload") or button.get("title", "")
        )
        for idx, button in enumerate(message.get("buttons") or [])
    ]
    if allow_free_text_input:
        choices.append(
            questionary.Choice(title=cli_utils.FREE_TEXT_INPUT_PROMPT, value=cli_utils.FREE_TEXT_INPUT_PROMPT)
        )
    return choices


async def payload_from_button_question(button_question: "questionary.Question") -> Optional[str]:
    """The chosen button's payload (or the free-text prompt, which asks for typed text)."""
    return await button_question.ask_async()


def install() -> None:
    """Replace Rasa's button rendering in its terminal channel (this process only)."""
    cli_utils.button_to_string = button_to_string
    cli_utils.button_choices_from_message_data = button_choices_from_message_data
    cli_utils.payload_from_button_question = payload_from_button_question


def main() -> None:
    """Rasa's command line with the button menu above and the project's patches
    (``bot.rasa_server``, as the Procfile starts Rasa)."""
    install()
    from bot import rasa_server

    rasa_server.main(sys.argv[1:])
    rasa_server.exit_at_once()


if __name__ == "__main__":
    main()

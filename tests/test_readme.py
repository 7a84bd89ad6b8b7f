"""The README's settings table is one table and names every setting of .env.example."""

from __future__ import annotations

import re

from dotenv import dotenv_values

from devstack.stack import ROOT


def _settings_table() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Settings") :]
    start = section.index("| setting |")
    lines = []
    for line in section[start:].splitlines():
        if not line.startswith("|"):
            break
        lines.append(line)
    return "\n".join(lines)


def test_every_setting_of_env_example_is_in_the_one_settings_table():
    table = _settings_table()
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    missing = [key for key in dotenv_values(ROOT / ".env.example") if key not in named]
    assert missing == [], f"not in the README's settings table (or the table is split): {missing}"

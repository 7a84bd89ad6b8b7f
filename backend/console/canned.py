"""Canned replies: a YAML list of {title, text} in a file (backend/console/canned_replies.yml unless
setup_console is given another), read on each use so edits show at once; a supervisor replaces it
from the console after validation (`parse`), written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Dict, List

import yaml

from backend.errors import InvalidField

DEFAULT_PATH = Path(__file__).resolve().parent / "canned_replies.yml"
MAX_REPLIES, MAX_TITLE, MAX_TEXT = 100, 80, 2000


def parse(text: str) -> List[Dict[str, str]]:
    """The replies in `text` (YAML); InvalidField("replies", ...) saying what is wrong."""
    try:
        data = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        raise InvalidField(
            "replies", f"is not valid YAML ({getattr(exc, 'problem', None) or 'syntax error'})"
        ) from None
    if not isinstance(data, list) or len(data) > MAX_REPLIES:
        raise InvalidField("replies", f"must be a list of at most {MAX_REPLIES} entries with title and text")
    out = []
    for i, item in enumerate(data, 1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("title"), str)
            or not isinstance(item.get("text"), str)
            or not item["title"].strip()
            or not item["text"].strip()
        ):
            raise InvalidField("replies", f"entry {i} needs a title and a text")
        if len(item["title"]) > MAX_TITLE or len(item["text"]) > MAX_TEXT:
            raise InvalidField(
                "replies", f"entry {i}: title up to {MAX_TITLE}, text up to {MAX_TEXT} characters"
            )
        out.append({"title": item["title"].strip(), "text": item["text"].strip()})
    return out


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def load(path: Path) -> List[Dict[str, str]]:
    """The replies in the file (none when it is missing or broken: the console still works)."""
    try:
        return parse(read_text(path))
    except InvalidField:
        return []


def save(path: Path, text: str) -> List[Dict[str, str]]:
    """Validate and write the file atomically; the replies it now holds."""
    replies = parse(text)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".canned-", suffix=".yml")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text if text.endswith("\n") else text + "\n")
    os.chmod(tmp, mode)  # keep the file's permissions (mkstemp makes it 0600)
    os.replace(tmp, path)
    return replies

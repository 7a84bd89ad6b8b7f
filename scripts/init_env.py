"""Create ``.env`` from ``.env.example`` when it is missing, with fresh random secrets.

Values named ``change-me`` in the example are replaced by ``secrets.token_urlsafe``; an
existing ``.env`` is never touched.
"""
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    target = ROOT / ".env"
    if target.exists():
        return 0
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and value.strip() == "change-me":
            line = f"{key}={secrets.token_urlsafe(24)}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)
    print("Created .env with fresh secrets (edit it to change settings).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

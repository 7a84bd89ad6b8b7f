"""Create ``.env`` from ``.env.example`` when it is missing, with fresh random secrets; add to an
existing ``.env`` the settings it lacks (e.g. a secret a newer version needs).

Values named ``change-me`` in the example are replaced by ``secrets.token_urlsafe``; values an
existing ``.env`` already has are never touched.
"""

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _filled(line: str) -> str:
    key, sep, value = line.partition("=")
    if sep and not line.lstrip().startswith("#") and value.strip() == "change-me":
        return f"{key}={secrets.token_urlsafe(24)}"
    return line


def _key(line: str):
    key, sep, _ = line.partition("=")
    return key.strip() if sep and not line.lstrip().startswith("#") else None


def main() -> int:
    target = ROOT / ".env"
    example = (ROOT / ".env.example").read_text().splitlines()
    if target.exists():
        present = {_key(line) for line in target.read_text().splitlines()}
        missing = [_filled(line) for line in example if _key(line) and _key(line) not in present]
        if missing:
            with target.open("a") as env:
                env.write("\n# Added by make run from .env.example:\n" + "\n".join(missing) + "\n")
            print(f"Added {', '.join(_key(line) for line in missing)} to .env.", file=sys.stderr)
        return 0
    target.write_text("\n".join(_filled(line) for line in example) + "\n")
    target.chmod(0o600)
    print("Created .env with fresh secrets (edit it to change settings).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

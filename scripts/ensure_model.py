"""Train the assistant's model only when its inputs changed; print the model's path.

The model is named after a hash of everything training reads (config, domain, training data,
the pipeline's own components, Rasa version), so a model is trained at most once per content, whichever command asks first
(``make run``, ``make test``, ``make bench``). A file lock keeps concurrent callers from
training twice.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bot/nlu: the pipeline's own components (what ValueMasker and the sentence featurizer do at
# training time is in the model's weights); numbers.py: the confirmation/tracking number rules
# the masker applies
INPUTS = ("config.yml", "domain.yml", "data", "bot/nlu", "contract/vocabulary/numbers.py")


def content_hash(root: Path = ROOT) -> str:
    """Hash of the training inputs under ``root`` and of the installed Rasa version."""
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    for name in INPUTS:
        path = root / name
        files = [path]
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def ensure_model(root: Path = ROOT, out: Path | None = None) -> Path:
    """Return the path of the model for the current inputs, training it if missing."""
    out = out or root / "models"
    out.mkdir(parents=True, exist_ok=True)
    name = f"assistant-{content_hash(root)}"
    model = out / f"{name}.tar.gz"
    with open(out / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not model.exists():
            print(f"Training model {name} (inputs changed)...", file=sys.stderr, flush=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rasa",
                    "train",
                    "--config",
                    "config.yml",
                    "--domain",
                    "domain.yml",
                    "--data",
                    "data",
                    "--out",
                    str(out),
                    "--fixed-model-name",
                    name,
                    "--quiet",
                ],
                # Rasa's own output goes to stderr: stdout carries only the model's path,
                # which `make run` captures (scripts/run.sh).
                cwd=root,
                check=True,
                stdout=sys.stderr.fileno(),
            )
        else:
            print(f"Model {name} is up to date.", file=sys.stderr, flush=True)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    print(ensure_model(out=args.out))


if __name__ == "__main__":
    main()

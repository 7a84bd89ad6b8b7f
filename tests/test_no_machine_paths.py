"""No file of the repository names a folder of one particular machine (a home directory, a
checkout's location, a scratch folder): paths are relative to the repository, like the public
evaluation set at ``../shared/eval/``."""

from __future__ import annotations

import re
import subprocess

from devstack.stack import ROOT

# /work, /home, /Users, /root or /tmp folders at the start of a path (not ".../tmp/"); the
# examples below are put together so that this file names none itself
MACHINE_PATH = re.compile(r"(?<![\w.~/-])/(?:work|home|Users|root|tmp)/[\w.-]")
# generated lock files, and this file (its examples)
SKIPPED = {"package-lock.json", "requirements.lock", "tests/test_no_machine_paths.py"}


def test_no_tracked_file_names_an_absolute_machine_path():
    names = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
        .stdout.decode()
        .split("\0")
    )
    found = []
    for name in filter(None, names):
        path = ROOT / name
        if name in SKIPPED or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, fonts
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "\n".join(found)


def test_the_pattern_finds_what_it_is_for():
    assert MACHINE_PATH.search("--data /" + "work/shared/eval/nlu_public.csv")
    assert MACHINE_PATH.search("rasa train --out /tmp/nlu-models")
    assert not MACHINE_PATH.search("--data ../shared/eval/nlu_public.csv")
    assert not MACHINE_PATH.search("http://127.0.0.1:8000/api/v1/tmp/x")

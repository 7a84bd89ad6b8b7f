"""The trained model is cached by the content of what training reads (scripts/ensure_model.py)."""

import shutil

from ensure_model import INPUTS, content_hash

from tests.conftest import ROOT


def _copy_inputs(target):
    for name in INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / name)


def test_a_pipeline_component_change_retrains_and_bytecode_does_not(tmp_path):
    _copy_inputs(tmp_path)
    before = content_hash(tmp_path)
    cache = tmp_path / "bot" / "nlu" / "__pycache__"
    cache.mkdir()
    (cache / "value_masking.cpython-310.pyc").write_bytes(b"\0")
    assert content_hash(tmp_path) == before
    masker = tmp_path / "bot" / "nlu" / "value_masking.py"
    masker.write_text(masker.read_text() + "\n# changed\n")
    assert content_hash(tmp_path) != before

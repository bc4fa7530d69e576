"""The NumPy word writer of the language model: equal to the TensorFlow model it mirrors, reproducible under a
seed, never writes "<unk>", stops where the model ends a review, and scores text by perplexity."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.data.text import PAD_ID, Vocabulary
from rnncore.inference.word_writer import END_MARK, WordWriter, join_words
from rnncore.lm.config import LanguageModelConfig

WORDS = tuple(f"w{i}" for i in range(18))  # 20 ids with padding and unknown
CONFIG = LanguageModelConfig(vocab_size=20, embed_dim=8, units=10, sampled=5, dropout=0.0)


def random_weights(seed: int = 0, scale: float = 0.5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {
        "embedding": (20, 8),
        "lstm_kernel": (8, 40),
        "lstm_recurrent_kernel": (10, 40),
        "lstm_bias": (40,),
        "projection_kernel": (10, 8),
        "projection_bias": (8,),
        "output_bias": (20,),
    }
    return {name: (rng.normal(size=shape) * scale).astype(np.float32) for name, shape in shapes.items()}


def test_next_word_logits_equal_the_tensorflow_model():
    tf = pytest.importorskip("tensorflow")
    import keras

    from rnncore.training.language_model import _Model

    model = _Model(CONFIG, keras, tf)
    writer = WordWriter(model.weights(), Vocabulary(WORDS))
    text = "w3 w7 w1 w0 w12"
    ids = np.array([[PAD_ID, *writer.vocabulary.encode(text)]], dtype=np.int32)
    features, _ = model._features(ids, model.zero_state(1), training=False)
    expected = tf.matmul(features[0], model.embedding.embeddings, transpose_b=True) + model.output_bias
    logits, state = writer.prime("")
    for position, token_id in enumerate(ids[0, 1:]):
        np.testing.assert_allclose(logits, expected.numpy()[position], atol=1e-5)
        logits, state = writer._step(int(token_id), state)
    np.testing.assert_allclose(writer.prime(text)[0], expected.numpy()[-1], atol=1e-5)


def test_the_same_seed_writes_the_same_review_and_never_unknown():
    writer = WordWriter(random_weights(), Vocabulary(WORDS))
    first = [step.word for step in writer.write("w1 w2", 40, temperature=1.5, top_k=0, seed=3)]
    again = [step.word for step in writer.write("w1 w2", 40, temperature=1.5, top_k=0, seed=3)]
    other = [step.word for step in writer.write("w1 w2", 40, temperature=1.5, top_k=0, seed=4)]
    assert first == again != other
    assert "<unk>" not in first and "<unk>" not in other


def test_writing_stops_where_the_model_ends_the_review():
    weights = random_weights()
    weights["output_bias"][PAD_ID] = 50.0  # the end of a review is now by far the likeliest next word
    steps = list(WordWriter(weights, Vocabulary(WORDS)).write("w1", 30, seed=0))
    assert [step.word for step in steps] == [END_MARK]
    assert join_words(["good", "!", "w1", END_MARK, "w2"]) == "good! w1"


def test_a_model_that_knows_nothing_has_the_vocabulary_size_as_perplexity():
    weights = {name: np.zeros_like(value) for name, value in random_weights().items()}
    perplexity, count = WordWriter(weights, Vocabulary(WORDS)).perplexity("w1 w2 nonsense w3")
    assert count == 4
    assert perplexity == pytest.approx(20.0)


def test_a_likely_word_lowers_perplexity():
    weights = random_weights()
    writer = WordWriter(weights, Vocabulary(WORDS))
    before, _ = writer.perplexity("w5 w5 w5")
    weights["output_bias"][writer.vocabulary.index["w5"]] += 5.0
    after, _ = WordWriter(weights, Vocabulary(WORDS)).perplexity("w5 w5 w5")
    assert after < before / 5


@pytest.mark.parametrize(("words", "message"), [(0, "words must be from 1"), (10_000, "words must be from 1")])
def test_bad_lengths_are_refused(words, message):
    writer = WordWriter(random_weights(), Vocabulary(WORDS))
    with pytest.raises(ValueError, match=message):
        list(writer.write("", words))
    with pytest.raises(ValueError, match="at least one word"):
        writer.perplexity("... , ;")


def test_weights_for_another_vocabulary_are_refused():
    from rnncore.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="weights are for 20 words"):
        WordWriter(random_weights(), Vocabulary(WORDS[:5]))

"""The NumPy mirror of the seq2seq model equals the Keras model it copies (every cell, attention on and off),
and its decoders agree: beam search of width 1 is greedy decoding."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.seq2seq.examples import run_examples
from rnncore.seq2seq.inference import Seq2seqMirror
from rnncore.seq2seq.tasks import TASKS
from rnncore.training.seq2seq import build_seq2seq_model, named_weights

TASK = TASKS["dates"]


def _model_and_mirror(cell: str, attention: bool, seed: int = 0):
    """A tiny model with its weights scrambled (larger than Keras's start, so attention is far from uniform)."""
    model = build_seq2seq_model(cell, attention, 6, 4, TASK.source.size, TASK.target.size, seed)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.6, weight.shape).astype(np.float32) for weight in model.get_weights()])
    mirror = Seq2seqMirror.from_weights(cell, named_weights(model), TASK.source, TASK.target, max_output=11)
    return model, mirror


@pytest.fixture(scope="module")
def examples():
    """Dates in mixed formats: inputs of different lengths, so padding and its mask matter."""
    data = run_examples("dates", 8, 200, 16, seed=3).heldout
    assert len({int(length) for length in (data.sources != 0).sum(axis=1)}) > 3
    return data


@pytest.mark.parametrize("attention", [True, False], ids=["attention", "no-attention"])
@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_the_mirror_equals_keras(cell, attention, examples):
    model, mirror = _model_and_mirror(cell, attention)
    expected = np.asarray(model([examples.sources, examples.decoder_inputs], training=False))
    probabilities, weights = mirror.teacher_forced(examples.sources, examples.decoder_inputs)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    assert mirror.attention == attention
    if not attention:
        assert weights is None
        return
    import keras

    # Keras's own attention weights: the model's attention layer, called on its inputs inside the model
    layer = model.get_layer("attention")
    decoded = keras.Model(model.inputs, model.get_layer("decoder_rnn").output)(
        [examples.sources, examples.decoder_inputs]
    )
    encoded = keras.Model(model.inputs, model.get_layer("encoder_rnn").output[0])(
        [examples.sources, examples.decoder_inputs]
    )
    mask = examples.sources != 0
    _, keras_weights = layer([decoded, encoded], mask=[None, mask], return_attention_scores=True)
    np.testing.assert_allclose(weights, np.asarray(keras_weights), atol=1e-5)
    assert np.allclose(weights.sum(axis=-1), 1.0, atol=1e-5)
    assert (weights[~np.broadcast_to(mask[:, None, :], weights.shape)] < 1e-6).all()  # padding gets no attention


@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_padding_changes_nothing(cell, examples):
    _, mirror = _model_and_mirror(cell, True, seed=1)
    text = examples.source_texts[0]
    alone = mirror.translate(text)
    assert alone.attention.shape == (len(alone.steps), len(text))
    padded = mirror.greedy(examples.sources[:1])[0]
    assert mirror.target.decode(padded) == alone.output


@pytest.mark.parametrize("attention", [True, False], ids=["attention", "no-attention"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_beam_width_1_is_greedy_decoding(cell, attention, examples):
    _, mirror = _model_and_mirror(cell, attention, seed=2)
    greedy = mirror.greedy(examples.sources)
    for row, text in enumerate(examples.source_texts):
        beam = mirror.translate(text, beam_width=1, top_k=3)
        ids = [step.id for step in beam.steps]
        assert ids == greedy[row, : len(ids)].tolist()
        assert beam.output == TASK.target.decode(greedy[row])
        for step in beam.steps:
            assert step.top[0] == (step.char, step.probability)  # greedy takes the most likely character
            assert [probability for _, probability in step.top] == sorted((p for _, p in step.top), reverse=True)
        assert np.isclose(beam.log_probability, sum(np.log(step.probability) for step in beam.steps), atol=1e-5)


def test_a_wider_beam_finds_an_output_at_least_as_likely(examples):
    _, mirror = _model_and_mirror("lstm", True, seed=4)
    for text in examples.source_texts[:8]:
        greedy, wide = mirror.translate(text, beam_width=1), mirror.translate(text, beam_width=4)
        if greedy.finished and wide.finished:
            assert wide.log_probability >= greedy.log_probability - 1e-6


def test_translate_refuses_bad_input(examples):
    _, mirror = _model_and_mirror("gru", True)
    with pytest.raises(ValueError, match="beam width"):
        mirror.translate("2019.01.18", beam_width=0)
    with pytest.raises(ValueError, match="not in this task's vocabulary"):
        mirror.translate("18 Jänner 2019")

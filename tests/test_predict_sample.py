"""Inference on saved runs: the sentiment Predictor and the character sampler."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.text import OOV_ID
from rnncore.errors import RnncoreError
from rnncore.inference.predict import MAX_REVIEW_CHARS, Predictor
from rnncore.inference.sample import MAX_GENERATE, TOP_KEPT, CharSampler, shape_distribution, softmax
from rnncore.store import LoadedRun, RunInfo

REVIEWS = [
    "great wonderful loved it",
    "awful terrible boring worst hated waste of a film",
    "the plot",
    "",
    "movie " * 70,  # longer than maxlen (40): truncated
    "Brilliant! <br />Superb &amp; moving.",
]


def _variant(run: LoadedRun, model=None, **changes) -> LoadedRun:
    """The same run (or another model) described with different settings, e.g. truncating='post'."""
    config = {**run.info.info["config"], **changes}
    info = RunInfo(run.info.name, run.info.path, {**run.info.info, "config": config})
    return LoadedRun(info, model if model is not None else run.model, run.vocabulary)


@pytest.fixture(scope="module")
def predictor(sentiment_run) -> Predictor:
    return Predictor(sentiment_run)


@pytest.fixture(scope="module")
def sampler(char_run) -> CharSampler:
    return CharSampler(char_run)


# --- Predictor ---


def test_prediction_is_a_probability_with_a_label(predictor):
    prediction = predictor.predict("great wonderful loved excellent")
    assert 0 <= prediction.probability <= 1
    assert prediction.label == ("positive" if prediction.probability >= 0.5 else "negative")
    assert prediction.to_dict()["label"] == prediction.label
    assert predictor.name == "tiny-sentiment"


def test_numpy_prediction_equals_keras_on_the_padded_input(predictor, sentiment_run):
    from rnncore.data.text import pad_sequences

    config = sentiment_run.config
    ids = pad_sequences(
        [sentiment_run.vocabulary.encode(text) for text in REVIEWS], config.maxlen, config.truncating, config.padding
    )
    keras_probabilities = sentiment_run.model.predict(ids, verbose=0)[:, 0]
    ours = [predictor.predict(text).probability for text in REVIEWS[:3] + REVIEWS[4:]]
    expected = np.r_[keras_probabilities[:3], keras_probabilities[4:]]  # "" is read as <unk>, not all padding
    np.testing.assert_allclose(ours, expected, atol=2e-5)


def test_batch_equals_single_predictions(predictor):
    texts = REVIEWS * 30  # more than one batch of 64, rows of very different lengths
    batch = predictor.predict_batch(texts)
    singles = {text: predictor.predict(text).probability for text in REVIEWS}
    assert len(batch) == len(texts)
    for text, prediction in zip(texts, batch):
        assert prediction.probability == pytest.approx(singles[text], abs=1e-5)
    assert predictor.predict_batch([]) == []


@pytest.mark.parametrize("text", REVIEWS[:3] + REVIEWS[4:])
def test_trajectory_ends_at_the_prediction(predictor, text):
    tokens, probabilities = predictor.trajectory(text)
    assert len(tokens) == len(probabilities) > 0
    assert probabilities[-1] == pytest.approx(predictor.predict(text).probability, abs=1e-5)
    assert all(0 <= p <= 1 for p in probabilities)
    assert all(not token.truncated for token in tokens)


def test_trajectory_with_unmasked_pre_padding(sentiment_run):
    # the model reads the padding before the words; the trajectory still ends at the prediction
    predictor = Predictor(_variant(sentiment_run, mask_padding=False))
    tokens, probabilities = predictor.trajectory("great wonderful film")
    assert len(tokens) == 3
    assert probabilities[-1] == pytest.approx(predictor.predict("great wonderful film").probability, abs=1e-5)


def test_bidirectional_trajectory_and_attribution(sentiment_run):
    from rnncore.training.model import build_model

    config = RunConfig.from_dict({**sentiment_run.info.info["config"], "bidirectional": True, "pooling": "max"})
    model = build_model(config, sentiment_run.vocabulary.size)
    predictor = Predictor(_variant(sentiment_run, model, bidirectional=True, pooling="max"))
    text = "great plot but awful actors"
    tokens, probabilities = predictor.trajectory(text)
    assert len(tokens) == len(probabilities) == 5
    assert probabilities[-1] == pytest.approx(predictor.predict(text).probability, abs=1e-5)
    # each prefix is a review of its own
    assert probabilities[1] == pytest.approx(predictor.predict("great plot").probability, abs=1e-5)
    _, deltas = predictor.attribution(text)
    assert len(deltas) == 5


def test_attribution_is_the_drop_when_a_word_becomes_unknown(predictor):
    text = "great movie but awful plot"
    tokens, deltas = predictor.attribution(text)
    assert [token.text for token in tokens] == text.split()
    assert len(deltas) == len(tokens)
    full = predictor.predict(text).probability
    for n, delta in enumerate(deltas):
        words = text.split()
        words[n] = "qqqzzzunknownword"  # any out-of-vocabulary word reads as <unk>
        assert delta == pytest.approx(full - predictor.predict(" ".join(words)).probability, abs=1e-5)
    # the fixture's strongest words push the way they should
    assert deltas[0] > 0 and deltas[3] < 0


def test_attribution_length_for_long_text(predictor):
    tokens, deltas = predictor.attribution("movie " * 70)
    assert len(tokens) == len(deltas) == 40  # only what the model reads (maxlen)


@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_tokens_flag_oov_and_truncation(sentiment_run, truncating):
    predictor = Predictor(_variant(sentiment_run, truncating=truncating))
    words = [f"w{n}" if n % 10 == 0 else "movie" for n in range(50)]  # w0, w10 … are unknown
    tokens = predictor.tokens(" ".join(words))
    assert [token.text for token in tokens] == words
    assert [token.oov for token in tokens] == [n % 10 == 0 for n in range(50)]
    assert all(token.token_id == OOV_ID for token in tokens if token.oov)
    assert all(token.token_id > OOV_ID for token in tokens if not token.oov)
    cut = [token.truncated for token in tokens]
    if truncating == "pre":  # the start is cut, the ending (often the verdict) is kept
        assert cut == [True] * 10 + [False] * 40
    else:
        assert cut == [False] * 40 + [True] * 10
    assert tokens[0].to_dict()["oov"] is True
    kept, _ = predictor.trajectory(" ".join(words))
    assert [token.text for token in kept] == [token.text for token in tokens if not token.truncated]


def test_truncating_side_changes_what_the_model_reads(sentiment_run):
    text = "awful terrible boring worst " * 5 + "movie " * 40 + "great wonderful loved superb " * 5
    pre = Predictor(_variant(sentiment_run, truncating="pre")).predict(text).probability
    post = Predictor(_variant(sentiment_run, truncating="post")).predict(text).probability
    assert pre != pytest.approx(post, abs=1e-6)


@pytest.mark.parametrize("text", ["", "   \n\t  ", "...", "😀😀😀"])
def test_empty_and_wordless_text(predictor, text):
    assert predictor.tokens(text) == []
    probability = predictor.predict(text).probability
    assert 0 <= probability <= 1
    assert predictor.predict_batch([text, "great"])[0].probability == pytest.approx(probability, abs=1e-6)
    tokens, trajectory = predictor.trajectory(text)
    assert tokens == [] and len(trajectory) == 0
    tokens, deltas = predictor.attribution(text)
    assert tokens == [] and len(deltas) == 0
    tokens, internals = predictor.internals(text)
    assert tokens == [] and internals.hidden[0].shape[1] == 1


def test_a_megabyte_of_text_completes_quickly(predictor):
    text = "great movie but the plot was awful " * 30_000  # ~1 MB
    assert len(text) > 1_000_000
    started = time.perf_counter()
    prediction = predictor.predict(text)
    predictor.predict_batch([text, text])
    tokens, _ = predictor.trajectory(text)
    predictor.attribution(text)
    assert time.perf_counter() - started < 20
    assert 0 <= prediction.probability <= 1
    assert len(tokens) == 40
    assert len(predictor.tokens(text)) < MAX_REVIEW_CHARS  # input beyond the cap is never tokenised


@pytest.mark.parametrize(
    "text",
    [
        "I loved it 😍🎬 great!",
        "映画はgreatでした",
        "הסרט היה great מאוד",
        "الفيلم كان awful جدا",
        "e\u0301\u200dx\ufeff",
    ],
)
def test_unicode_text(predictor, text):
    probability = predictor.predict(text).probability
    assert math.isfinite(probability) and 0 <= probability <= 1
    tokens = predictor.tokens(text)
    assert all(token.text for token in tokens)
    assert predictor.predict_batch([text])[0].probability == pytest.approx(probability, abs=1e-6)
    _, trajectory = predictor.trajectory(text)
    assert len(trajectory) == len([t for t in tokens if not t.truncated])


def test_internals_expose_hidden_states_and_gates(predictor):
    tokens, result = predictor.internals("great movie awful plot")
    assert len(tokens) == 4
    assert result.hidden[0].shape == (1, 4, 8)
    assert set(result.gates[0]) == {"forward/update", "forward/reset", "forward/candidate"}
    assert result.outputs[0] == pytest.approx(predictor.predict("great movie awful plot").probability, abs=1e-6)


def test_wrong_kind_of_model_is_refused(sentiment_run, char_run):
    with pytest.raises(RnncoreError, match="not a sentiment model"):
        Predictor(char_run)
    with pytest.raises(RnncoreError, match="not a character model"):
        CharSampler(sentiment_run)


# --- CharSampler ---


def _text(sampler: CharSampler, **kwargs) -> str:
    settings = {"prime": "First", "length": 60, "temperature": 1.0, **kwargs}
    return "".join(step.char for step in sampler.generate(**settings))


def test_same_seed_same_text_and_different_seeds_differ(sampler, char_run):
    first = _text(sampler, seed=7)
    assert first == _text(sampler, seed=7)
    assert first == _text(CharSampler(char_run), seed=7)  # a fresh sampler replays it too
    assert len({_text(sampler, seed=seed, temperature=2.0) for seed in range(4)}) > 1
    assert set(first) <= set(char_run.vocabulary.chars)


def test_greedy_is_deterministic_and_equals_top_k_one(sampler):
    greedy = _text(sampler, greedy=True)
    assert greedy == _text(sampler, greedy=True, seed=123)
    assert greedy == _text(sampler, top_k=1, seed=5)
    assert greedy == _text(sampler, top_k=1, seed=6, temperature=3.0)


def test_sample_steps_carry_their_most_likely_alternatives(sampler):
    for step in sampler.generate("Speak", 20, temperature=0.7, top_k=3, seed=1):
        assert len(step.top_chars) == len(step.top_probabilities) == min(TOP_KEPT, sampler.vocabulary.size)
        assert step.top_probabilities.sum() == pytest.approx(1.0, abs=1e-6)  # top-k 3: all the mass is kept
        assert np.count_nonzero(step.top_probabilities) <= 3
        assert step.char in step.top_chars[:3]
        assert step.probability == pytest.approx(step.top_probabilities[step.top_chars.index(step.char)])


def _wide_sampler(alphabet: int = 200) -> CharSampler:
    """A random (untrained) char model over a 200-character alphabet, built without TensorFlow."""
    from rnncore.data.corpus import CharVocabulary
    from rnncore.inference.runs import NetworkRun
    from rnncore.inference.weights import network_from_arrays

    config = RunConfig(task="chars", cell="simplernn", units=8, embed_dim=4, seq_len=10)
    rng = np.random.default_rng(0)
    arrays = {
        "embedding": rng.normal(size=(alphabet, 4)),
        "layer1/forward/kernel": rng.normal(size=(4, 8)),
        "layer1/forward/recurrent": rng.normal(size=(8, 8)) * 0.3,
        "layer1/forward/bias": np.zeros(8),
        "dense/kernel": rng.normal(size=(8, alphabet)),
        "dense/bias": np.zeros(alphabet),
    }
    info = RunInfo("wide", None, {"config": config.to_dict()})
    chars = "".join(chr(0x100 + n) for n in range(alphabet - 1)) + "\n"
    return CharSampler(NetworkRun(info, network_from_arrays(arrays, config), CharVocabulary(chars)))


def test_a_long_generation_keeps_only_the_top_alternatives_per_step():
    steps = list(_wide_sampler().generate("", 2_000, temperature=1.5, seed=0))
    assert len(steps) == 2_000
    assert not hasattr(steps[0], "distribution") and not hasattr(steps[0], "__dict__")  # slots: no spare dict
    kept = sum(step.top_probabilities.nbytes for step in steps)
    assert kept == 2_000 * TOP_KEPT * 4  # float32 × 15 per step, not float64 × 200 (3.2 MB per session)
    for step in steps[:50]:
        assert len(step.top_chars) == TOP_KEPT and list(step.top_probabilities) == sorted(step.top_probabilities)[::-1]
        if step.char in step.top_chars:
            assert step.probability == pytest.approx(step.top_probabilities[step.top_chars.index(step.char)])
        else:
            assert step.probability <= step.top_probabilities[-1] + 1e-7
    greedy = next(_wide_sampler().generate("", 1, greedy=True))
    assert greedy.char == greedy.top_chars[0]


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [({"seed": -1}, "seed"), ({"seed": 2**40}, "seed"), ({"top_k": -1}, "top-k"), ({"temperature": 0}, "temp")],
)
def test_out_of_range_sampling_settings_are_clear_errors(settings, fragment):
    with pytest.raises(RnncoreError, match=fragment):  # numpy's own error for seed=-1 was a ValueError
        next(_wide_sampler().generate("", 10, **{"temperature": 1.0, **settings}))


def test_stateful_steps_equal_full_sequence_forward_and_keras(sampler, char_run):
    text = "First Citizen:\nSpeak, speak.\nAll:\n"
    ids = char_run.vocabulary.encode(text)
    state = sampler.network.initial_state()
    stepped = []
    for token in ids:
        logits, state = sampler.network.step(int(token), state)
        stepped.append(logits)
    stepped = np.stack(stepped)
    np.testing.assert_allclose(stepped, sampler.network.forward(ids[None, :]).outputs[0], atol=1e-4)
    np.testing.assert_allclose(stepped, char_run.model.predict(ids[None, :], verbose=0)[0], atol=1e-4)
    # prime() is the same computation
    primed, _ = sampler.prime(text)
    np.testing.assert_allclose(primed, stepped[-1], atol=1e-6)


def test_generation_continues_the_state_after_the_prime(sampler, char_run):
    steps = list(sampler.generate("First Cit", 5, greedy=True))
    text = "First Cit" + "".join(step.char for step in steps)
    logits = char_run.model.predict(char_run.vocabulary.encode(text)[None, :], verbose=0)[0]
    for n, step in enumerate(steps):  # each greedy choice is Keras's argmax for the text so far
        assert char_run.vocabulary.chars[int(np.argmax(logits[8 + n]))] == step.char


def test_empty_prime_starts_from_a_newline(sampler):
    logits, _ = sampler.prime("")
    newline, _ = sampler.prime("\n")
    np.testing.assert_allclose(logits, newline)
    assert len(_text(sampler, prime="", seed=1)) == 60


def test_nats_per_char_is_lower_for_the_training_text(sampler, char_run):
    training = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n" * 3
    rng = np.random.default_rng(0)
    noise = "".join(rng.choice(list(char_run.vocabulary.chars), size=len(training)))
    known, random = sampler.nats_per_char(training), sampler.nats_per_char(noise)
    assert math.isfinite(known) and math.isfinite(random)
    assert 0 < known < random
    assert sampler.nats_per_char(training * 20, chunk=500) > 0  # several chunks, state carried in each


@pytest.mark.parametrize(
    "settings",
    [
        {"length": 0},
        {"length": MAX_GENERATE + 1},
        {"temperature": 0.0},
        {"temperature": -1.0},
        {"temperature": 6.0},
        {"temperature": float("nan")},
        {"temperature": float("inf")},
        {"top_k": -1},
        {"prime": "Zebra ~ 😀"},  # characters outside the alphabet
    ],
)
def test_bad_sampling_settings_raise(sampler, settings):
    with pytest.raises(RnncoreError):
        _text(sampler, **settings)


def test_too_little_text_to_score(sampler):
    with pytest.raises(RnncoreError, match="two characters"):
        sampler.nats_per_char("F")
    with pytest.raises(RnncoreError, match="alphabet"):
        sampler.nats_per_char("Zebra 😀")


def test_softmax_and_shape_distribution():
    logits = np.array([2.0, 1.0, 0.5, -1.0, 1000.0])
    assert softmax(logits).sum() == pytest.approx(1.0) and np.isfinite(softmax(logits)).all()
    base = np.array([2.0, 1.0, 0.5, -1.0])
    cold, hot = shape_distribution(base, 0.2, 0), shape_distribution(base, 3.0, 0)
    assert cold.max() > softmax(base).max() > hot.max()
    top2 = shape_distribution(base, 1.0, 2)
    assert np.count_nonzero(top2) == 2 and top2.sum() == pytest.approx(1.0) and top2[0] > top2[1] > 0
    assert np.array_equal(shape_distribution(base, 1.0, 10), softmax(base))  # k beyond the alphabet: all kept

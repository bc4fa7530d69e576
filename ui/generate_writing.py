"""Generate's writing section: pick a character model, set length / temperature / top-k / seed, watch the
text stream in, then inspect the alternatives behind any generated character and compare temperatures."""

from __future__ import annotations

import math

import streamlit as st

from ui.common import ModelChoice, model_picker
from ui.generate_figures import distribution_figure, drawn_character_html
from ui.generate_link import TEMPERATURE, TEMPERATURE_RANGE
from ui.lesson_links import control

MAX_LENGTH = 2_000  # a shared server: 2,000 characters is plenty to read in class
STREAM_EVERY = 20  # characters between screen updates while generating
BARS_EVERY = 100  # characters between probability-bar updates (a chart costs more than text)
TEMPERATURES = (0.2, 0.8, 1.2)
COMPARE_LENGTH = 300


def pick_model(choices: list[ModelChoice]) -> ModelChoice:
    """The model picker; defaults to a shipped Shakespeare model, or to a model just trained."""
    default = next((n for n, c in enumerate(choices) if c.source == "shipped" and "shakespeare" in c.run.name), 0)
    return model_picker(choices, "generate_model", default=default)


def render_quality(choice: ModelChoice, sampler, prime: str) -> None:
    """Loss in nats and bits per character, with a plain-language reading."""
    metrics = choice.run.metrics
    alphabet = sampler.vocabulary.size
    columns = st.columns(3)
    loss = metrics.get("val_loss_stateful", metrics.get("val_loss"))
    if loss is not None:
        bits = loss / math.log(2)
        columns[0].metric("Validation loss", f"{loss:.3f} nats/char")
        if "val_loss_stateful" in metrics:
            st.caption(
                "Held-out text read in one go with the state carried along, as when generating. Cut into "
                f"{choice.run.config.seq_len}-character windows that each start from a blank state (as in training) "
                f"it is {metrics['val_loss']:.3f}: the first characters of each window are guessed with no context."
            )
        columns[1].metric("Bits per character", f"{bits:.2f}")
        st.caption(
            f"**Reading it:** e^{loss:.2f} ≈ {math.exp(loss):.1f}, so on held-out text the model is as unsure as "
            f"if it were choosing among about **{math.exp(loss):.1f} equally likely characters** "
            f"(guessing blindly among its {alphabet} characters would be {alphabet}; {math.log(alphabet):.2f} nats)."
        )
    else:
        columns[0].caption("This model has no recorded validation loss.")
    if len(prime) >= 2:
        nats = sampler.nats_per_char(prime)
        columns[2].metric(
            "Your priming text",
            f"{nats:.2f} nats/char",
            f"{nats / math.log(2):.2f} bits/char",
            delta_color="off",
            delta_arrow="off",
            help="How surprised the model is by the text you typed.",
        )


def stream_generation(sampler, prime: str, settings: dict, text_slot, bars_slot) -> list:
    """Generate while updating the screen every STREAM_EVERY characters; returns the SampleStep list."""
    steps, generated = [], []
    for n, step in enumerate(sampler.generate(prime, **settings), start=1):
        steps.append(step)
        generated.append(step.char)
        if n % STREAM_EVERY == 0:
            text_slot.code(prime + "".join(generated), language=None, wrap_lines=True)
        if n % BARS_EVERY == 0:
            bars_slot.plotly_chart(distribution_figure(step), key=f"stream_{n}")
    return steps


def render_steps(result: dict) -> None:
    """Probability bars for any generated position (the last one by default)."""
    steps, text = result["steps"], result["text"]
    st.subheader("What the model was choosing from")
    position = st.slider(
        "Generated character",
        1,
        len(steps),
        len(steps),
        key=f"position_{result['id']}",
        help="Slide to any position to see the alternatives the model had at that step.",
    )
    step = steps[position - 1]
    before = result["prime"] + text[: position - 1]
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(distribution_figure(step), key="position_bars")
    with right:
        st.html(drawn_character_html(before, step))


def render_temperatures(sampler, prime: str, seed: int, top_k: int) -> None:
    """The same seed at three temperatures, side by side."""
    st.subheader("Temperature side by side")
    st.caption(
        "Same model, same priming text, same seed: only the temperature changes. Low = safe and "
        "repetitive; high = adventurous and misspelled."
    )
    if st.button("Generate at 0.2 / 0.8 / 1.2", key="compare_temperatures"):
        st.session_state["temperature_texts"] = {
            t: "".join(s.char for s in sampler.generate(prime, COMPARE_LENGTH, t, top_k, False, seed))
            for t in TEMPERATURES
        }
    texts = st.session_state.get("temperature_texts")
    if texts:
        for column, (temperature, text) in zip(st.columns(len(texts)), texts.items()):
            column.markdown(f"**temperature {temperature}**")
            column.code(prime + text, language=None, wrap_lines=True)


def render_generator(choice: ModelChoice, sampler, prime: str) -> None:
    """Controls, streaming output and the inspection tools for one model, after its priming text `prime`."""
    columns = st.columns(5)
    length = columns[0].slider("Length", 10, MAX_LENGTH, 300, 10, key="generate_length")
    temperature = control(
        TEMPERATURE,
        lambda: columns[1].slider(
            "Temperature",
            *TEMPERATURE_RANGE[:2],
            0.8,
            TEMPERATURE_RANGE[2],
            key="generate_temperature",
            help="Divides the logits before softmax: < 1 sharpens, > 1 flattens.",
        ),
    )
    top_k = columns[2].number_input(
        "Top-k (0 = off)",
        0,
        sampler.vocabulary.size,
        0,
        key="generate_top_k",
        help="Only the k most likely characters may be drawn.",
    )
    seed = columns[3].number_input(
        "Seed", 0, 2**31 - 1, 1, key="generate_seed", help="The same seed and settings always give the same text."
    )
    greedy = columns[4].toggle("Greedy", key="generate_greedy", help="Always take the most likely character.")
    render_quality(choice, sampler, prime)

    clicked = st.button("Generate", type="primary", key="generate_button")
    text_slot, bars_slot = st.empty(), st.empty()
    if clicked:
        settings = dict(
            length=int(length), temperature=float(temperature), top_k=int(top_k), greedy=greedy, seed=int(seed)
        )
        steps = stream_generation(sampler, prime, settings, text_slot, bars_slot)
        bars_slot.empty()
        st.session_state["generation"] = {
            "id": st.session_state.get("generation", {}).get("id", 0) + 1,
            "model": choice.key,
            "prime": prime,
            "steps": steps,
            "text": "".join(step.char for step in steps),
        }
    result = st.session_state.get("generation")
    if result and result["model"] == choice.key and result["steps"]:
        text_slot.code(result["prime"] + result["text"], language=None, wrap_lines=True)
        render_steps(result)
    render_temperatures(sampler, prime, int(seed), int(top_k))

"""Concepts page, sections 3-5: vanishing/exploding gradients (exact BPTT in NumPy), LSTM/GRU gates on the
student's own sentence (a real model), and padding, masking, truncation and embeddings."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rnncore.architecture import CELL_CLASS
from rnncore.concepts.gradients import GradientDemo, clip_by_norm, gradient_demo
from rnncore.concepts.words import nearest_words, pad_view, run_masked_rnn
from rnncore.data.text import Vocabulary, tokenize
from ui.common import load_predictor, model_choices, no_model_message, show_error

DEMO_STEPS, DEMO_UNITS = 50, 16
# Limits of the free-text boxes: each is re-sent with every rerun, and each view below draws one cell per word.
MAX_GATE_SENTENCE_CHARS = 300  # the gate plots get one column per word: a sentence, not an essay
MAX_DEMO_REVIEW_CHARS = 5_000
MAX_SHOWN_TOKENS = 500  # tokens drawn as chips before and after padding
MAX_WORD_CHARS = 40  # one word: longer than any in a vocabulary


@st.cache_data(show_spinner=False, max_entries=256)
def _demo(cell: str, scale: float, seed: int, gate_bias: float) -> GradientDemo:
    return gradient_demo(cell, DEMO_STEPS, DEMO_UNITS, scale, seed, gate_bias)


def gradients_section() -> None:
    """Section 3: ||dh_T/dh_t|| against distance, for the three cells, and what clipnorm does."""
    st.markdown(
        "Training pushes the error back through every step (*backpropagation through time*). The gradient "
        "that reaches step $t$ is a product of one Jacobian per step:"
    )
    st.latex(
        r"\frac{\partial h_T}{\partial h_t} = \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}"
        r" = \prod_{k} \operatorname{diag}\!\big(1-h_k^2\big)\, W_h \quad\text{(SimpleRNN)}"
    )
    st.markdown(
        "A product of many factors smaller than 1 **vanishes** (early words cannot be learned from); larger "
        "than 1 it **explodes** (training jumps around). Below: real gradients of fresh 16-unit cells on a fixed "
        "random sequence of 50 steps, computed exactly by backpropagation through time written out in NumPy "
        "(`rnncore/concepts/gradients.py`, checked against `tf.GradientTape` in the tests)."
    )
    cols = st.columns(4)
    scale = cols[0].slider("Recurrent weight scale", 0.25, 3.0, 1.0, 0.25, key="c3_scale")
    gate_bias = cols[1].slider(
        "Keep-gate bias", 0.0, 5.0, 0.0, 0.5, key="c3_gate", help="Added to the LSTM forget / GRU update gate bias."
    )
    seed = int(cols[2].number_input("Seed", 0, 9999, 0, key="c3_seed"))
    clipnorm = cols[3].number_input("clipnorm threshold", 0.1, 100.0, 1.0, 0.5, key="c3_clip")
    try:
        demos = {cell: _demo(cell, float(scale), seed, float(gate_bias)) for cell in ("simplernn", "lstm", "gru")}
    except ValueError as error:
        show_error(error)
        return
    figure = go.Figure()
    distance = np.arange(1, DEMO_STEPS)
    for cell, demo in demos.items():
        figure.add_trace(
            go.Scatter(x=distance, y=np.maximum(demo.norms[1:], 1e-30), name=CELL_CLASS[cell], mode="lines")
        )
    figure.update_layout(
        yaxis_type="log",
        xaxis_title="distance T − t (steps back in time)",
        yaxis_title="‖∂h_T / ∂h_t‖",
        height=360,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    st.plotly_chart(figure, width="stretch")
    summary = " · ".join(
        f"{CELL_CLASS[cell]}: distance 1 → {demo.norms[1]:.2e}, distance 40 → {demo.norms[40]:.2e}"
        for cell, demo in demos.items()
    )
    st.caption(summary)
    st.markdown(
        "**Reading it:** a straight falling line on a log scale is exponential decay. With the gate bias at 0 "
        "all three cells forget at initialisation; raise the *keep-gate bias* to imitate what training "
        "teaches an LSTM/GRU — keep the forget/update gate open — and their line flattens, while SimpleRNN "
        "has no gate to open. Raise the recurrent scale above ~1.5 to see SimpleRNN gradients grow instead."
    )
    _step_factors(demos)
    st.subheader("Gradient clipping")
    st.latex(r"g \leftarrow g \cdot \min\!\left(1, \frac{\text{clipnorm}}{\lVert g \rVert}\right)")
    rows = []
    for cell, demo in demos.items():
        gradient = demo.kernel_gradient
        before = float(np.linalg.norm(gradient))
        after = float(np.linalg.norm(clip_by_norm(gradient, float(clipnorm))))
        rows.append({"cell": CELL_CLASS[cell], "‖g‖ before": round(before, 4), "‖g‖ after clipping": round(after, 4)})
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        "g = gradient of sum(h_T) with respect to the recurrent kernel. Clipping keeps the direction and caps the "
        "length: it tames *exploding* gradients (set `clipnorm` on the Train page) but cannot revive vanished ones."
    )


def _step_factors(demos: dict[str, GradientDemo]) -> None:
    """The factors of the product: how much each single step stretches or shrinks the gradient."""
    with st.expander("Look inside the product: one factor per step"):
        st.markdown(
            "Each bar is the largest stretch $\\lVert \\partial s_k / \\partial s_{k-1} \\rVert_2$ of one step "
            "(the state $s$ is $h$, and $(h, c)$ for an LSTM). Below 1 the step shrinks the gradient, above 1 it "
            "can grow it; the curve above is bounded by the product of these factors."
        )
        figure = go.Figure()
        steps = np.arange(1, DEMO_STEPS + 1)
        for cell, demo in demos.items():
            figure.add_trace(go.Scatter(x=steps, y=demo.step_gains, name=CELL_CLASS[cell], mode="lines+markers"))
        figure.add_hline(y=1.0, line_dash="dot", annotation_text="1: neither shrinks nor grows")
        figure.update_layout(
            xaxis_title="time step k",
            yaxis_title="‖∂s_k / ∂s_{k−1}‖₂",
            height=300,
            margin=dict(l=10, r=10, t=30, b=10),
        )
        st.plotly_chart(figure, width="stretch")
        typical = " · ".join(
            f"{CELL_CLASS[cell]}: median {np.median(demo.step_gains):.2f}" for cell, demo in demos.items()
        )
        st.caption(f"{typical}. Fifty factors of 0.8 multiply to 0.8⁵⁰ ≈ 1.4e-05.")


def gates_section() -> None:
    """Section 4: gate activations of a real LSTM/GRU sentiment model over the student's words."""
    st.markdown(
        "Gates are sigmoids (0 = closed, 1 = open) computed from the input and the previous state. "
        "**LSTM:** forget $f$ keeps the old cell state $c$, input $i$ admits the new candidate, output $o$ "
        "decides what the cell shows as $h$. **GRU:** update $z$ keeps the old state, reset $r$ decides how much "
        "of it the candidate may use."
    )
    st.latex(r"c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t,\qquad h_t = o_t \odot \tanh(c_t)")
    st.latex(r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t \quad\text{(GRU, Keras convention)}")
    choices = [c for c in model_choices("sentiment") if c.run.config.cell in ("lstm", "gru")]
    if not choices:
        no_model_message("sentiment")
        st.caption("This section needs an LSTM or GRU sentiment model.")
        return
    choice = st.selectbox("Model", choices, format_func=lambda c: c.label, key="c4_model")
    sentence = "The acting was wooden, but the ending completely won me over."
    text = st.text_input(
        "Your sentence",
        sentence,
        key="c4_text",
        max_chars=MAX_GATE_SENTENCE_CHARS,
        help=f"At most {MAX_GATE_SENTENCE_CHARS} characters: the gate plots have one column per word.",
    )
    try:
        predictor = load_predictor(choice)
        tokens, forward = predictor.internals(text)
    except Exception as error:
        show_error(error)
        return
    if not text.strip() or not tokens:
        st.info("Type a sentence to see its gates.")
        return
    layer = st.selectbox("Layer", range(len(forward.gates)), format_func=lambda n: f"layer {n + 1}", key="c4_layer")
    gates = forward.gates[layer]
    directions = sorted({name.split("/")[0] for name in gates})
    direction = st.radio("Direction", directions, horizontal=True, key="c4_dir") if len(directions) > 1 else "forward"
    wanted = ("forget", "input", "output", "cell") if choice.run.config.cell == "lstm" else ("update", "reset")
    words = [f"{n}:{t.text}" for n, t in enumerate(tokens)]
    for gate in wanted:
        values = gates[f"{direction}/{gate}"][0].T  # (units, T)
        cell_state = gate == "cell"
        figure = go.Figure(
            go.Heatmap(
                z=values,
                x=words,
                y=[f"unit {u + 1}" for u in range(values.shape[0])],
                zmin=-1 if cell_state else 0,
                zmax=1 if cell_state else 1,
                colorscale="RdBu" if cell_state else "Viridis",
            )
        )
        title = "cell state c (tanh range)" if cell_state else f"{gate} gate (0 closed … 1 open)"
        figure.update_layout(title=title, height=180 + 8 * values.shape[0], margin=dict(l=10, r=10, t=40, b=10))
        st.plotly_chart(figure, width="stretch")
    st.markdown(
        "**Reading it:** a column is one word. A bright *forget* (LSTM) or *update* (GRU) column means the "
        "memory was kept through that word; a dark one means it was overwritten — look for that at words like "
        "*but*. Cell-state units that flip sign at a sentiment word are the model's sentiment trackers."
    )


DEMO_TEXT = (
    "I expected a boring film. The first hour drags, the jokes fall flat and the score is forgettable, "
    "but the final act is stunning and I left the cinema smiling."
)
# the first 20 distinct words of the demo text, so its later words show up as out-of-vocabulary
DEMO_VOCABULARY = Vocabulary(tuple(dict.fromkeys(tokenize(DEMO_TEXT)))[:20])
KIND_STYLE = {
    "word": "background:#d9ecff",
    "oov": "background:#ffe2b3",
    "pad": "background:#e8e8e8;color:#777",
    "cut": "background:#ffd0d0;text-decoration:line-through",
}


def _cells_html(cells) -> str:
    spans = [
        f'<span style="{KIND_STYLE[c.kind]};padding:2px 5px;margin:2px;border-radius:4px;display:inline-block;'
        f'font-family:monospace;font-size:0.85em">{html.escape(c.token[:20])}<sub>{c.token_id}</sub></span>'
        for c in cells
    ]
    return "<div>" + "".join(spans) + "</div>"


def padding_section() -> None:
    """Section 5: what pad_sequences does to a review, why masking matters, and embedding neighbours."""
    choices = model_choices("sentiment")
    sources = ["Small demo vocabulary (20 words)"] + [c.label for c in choices]
    source = st.selectbox("Vocabulary", sources, key="c5_vocab")
    vocabulary = DEMO_VOCABULARY
    predictor = None
    if source != sources[0]:
        try:
            predictor = load_predictor(choices[sources.index(source) - 1])
            vocabulary = predictor.vocabulary
        except Exception as error:
            show_error(error)
    text = st.text_area(
        "Review",
        DEMO_TEXT,
        key="c5_text",
        max_chars=MAX_DEMO_REVIEW_CHARS,
        help=f"At most {MAX_DEMO_REVIEW_CHARS:,} characters; the first {MAX_SHOWN_TOKENS} words are shown.",
    )
    cols = st.columns(3)
    maxlen = cols[0].slider("maxlen", 3, 60, 40, key="c5_maxlen")
    truncating = cols[1].radio("truncating", ("pre", "post"), horizontal=True, key="c5_trunc")
    padding = cols[2].radio("padding", ("pre", "post"), horizontal=True, key="c5_pad")
    words = tokenize(text)[:MAX_SHOWN_TOKENS]
    ids = vocabulary.encode_tokens(words)
    before, after = pad_view(words, ids, maxlen, truncating, padding)
    st.markdown("**Before** (every token with its id):")
    st.markdown(_cells_html(before), unsafe_allow_html=True)
    st.markdown(f"**After** `pad_sequences(maxlen={maxlen}, truncating='{truncating}', padding='{padding}')`:")
    st.markdown(_cells_html(after), unsafe_allow_html=True)
    st.caption("blue = word · orange = out-of-vocabulary (id 1) · grey = padding (id 0) · red = cut by truncation")
    st.markdown(
        "A review is cut to `maxlen` ids. **truncating='pre'** drops the *beginning* and keeps the ending — in "
        "reviews the verdict usually comes last (*“… but I loved it”*), and it is also what an RNN remembers best. "
        "Short reviews are filled with id 0; with **padding='pre'** the real words come last, so even an unmasked "
        "RNN finishes on real words."
    )
    st.subheader("Masking")
    padded = [c.token_id for c in after]
    masked, unmasked = run_masked_rnn(padded, True), run_masked_rnn(padded, False)
    st.markdown(
        "With `Embedding(mask_zero=True)` Keras *skips* padded steps (the state is carried over unchanged); "
        "without it the RNN reads id 0 like a word. A tiny 3-unit RNN over the row above:"
    )
    st.latex(
        r"h_T^{\text{masked}} = [" + ", ".join(f"{v:.3f}" for v in masked) + r"] \qquad "
        r"h_T^{\text{no mask}} = [" + ", ".join(f"{v:.3f}" for v in unmasked) + "]"
    )
    if np.allclose(masked, unmasked):
        st.caption("Identical here: this row has no padding. Lower the text length or raise maxlen.")
    else:
        st.caption("Different: the padding changed what the unmasked RNN remembers.")
    st.subheader("Embeddings")
    st.markdown(
        "Each id is looked up in a trainable matrix; words used alike end up with similar vectors (cosine). "
        "A model trained with *Embedding starts from: word vectors* began from vectors counted in 75,000 "
        "reviews (which words appear near which), so even words it rarely saw in labelled reviews have "
        "sensible neighbours:"
    )
    if predictor is None:
        if choices:
            st.info("Choose a model's vocabulary above to explore its embeddings.")
        else:
            no_model_message("sentiment")
        return
    word = (
        st.text_input(
            "Word",
            "great",
            key="c5_word",
            max_chars=MAX_WORD_CHARS,
            help=f"One word of at most {MAX_WORD_CHARS} characters.",
        )
        .strip()
        .lower()
    )
    try:
        neighbours = nearest_words(predictor.network.embedding, vocabulary.words, word, 10)
    except ValueError as error:
        show_error(error)
        return
    st.dataframe(
        [{"word": w, "cosine similarity": round(s, 3)} for w, s in neighbours], hide_index=True, width="stretch"
    )

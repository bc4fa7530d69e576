"""Concepts page, sections 1-2: one RNN step with real numbers, and unrolled architectures with a
parameter calculator. Pure NumPy (no TensorFlow), so these tabs are instant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnncore.architecture import CELL_CLASS, count_parameters, parameter_rows
from rnncore.concepts.rnn_step import tiny_rnn_steps, tiny_rnn_weights
from rnncore.config import CELLS, RunConfig

INPUTS = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0], [-1.0, 0.5]])  # x_1..x_4, 2 features each


def bmatrix(values: np.ndarray, digits: int = 2) -> str:
    """A NumPy vector/matrix as a LaTeX bmatrix (vectors as columns)."""
    values = np.atleast_2d(values) + 0.0  # + 0.0 turns -0.0 into 0.0, so LaTeX never shows "−0.00"
    if values.shape[0] == 1:
        values = values.T
    rows = [" & ".join(f"{v:.{digits}f}" for v in row) for row in values]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def one_step_section() -> None:
    """Section 1: h_t = tanh(W_h h_{t-1} + W_x x_t + b), evaluated term by term."""
    st.markdown(
        "An RNN reads a sequence **one step at a time** and carries a *hidden state* $h$ — its memory. "
        "At every step it mixes the memory with the new input using the **same weights**:"
    )
    st.latex(r"h_t = \tanh\left(W_h\,h_{t-1} + W_x\,x_t + b\right), \qquad h_0 = 0")
    st.caption("Try it: move the sliders; every number below (and the heatmap) is recomputed.")
    left, right = st.columns(2)
    recurrent = left.slider("Recurrent weight scale (W_h ×)", 0.0, 3.0, 1.0, 0.1, key="c1_recurrent")
    input_scale = left.slider("Input weight scale (W_x ×)", 0.0, 3.0, 1.0, 0.1, key="c1_input")
    bias = right.slider("Bias b₁ (b₂ = −b₁/2)", -2.0, 2.0, 0.0, 0.1, key="c1_bias")
    t = right.slider("Time step t", 1, len(INPUTS), 1, key="c1_step")
    w_h, w_x, b = tiny_rnn_weights(recurrent, input_scale, bias)
    steps = tiny_rnn_steps(INPUTS, w_h, w_x, b)
    step = steps[t - 1]
    st.latex(
        rf"W_h = {bmatrix(w_h)},\quad W_x = {bmatrix(w_x)},\quad b = {bmatrix(b)},\quad x_{{{t}}} = {bmatrix(step.x)}"
    )
    st.latex(
        rf"W_h h_{{{t - 1}}} = {bmatrix(w_h)}{bmatrix(step.h_prev, 3)} = {bmatrix(step.recurrent_term, 3)}"
        rf"\qquad W_x x_{{{t}}} = {bmatrix(step.input_term, 3)}"
    )
    st.latex(
        rf"h_{{{t}}} = \tanh\left({bmatrix(step.recurrent_term, 3)} + {bmatrix(step.input_term, 3)} + "
        rf"{bmatrix(b)}\right) = \tanh {bmatrix(step.pre_activation, 3)} = {bmatrix(step.h, 3)}"
    )
    states = np.stack([s.h for s in steps], axis=1)  # (units, time)
    figure = go.Figure(
        go.Heatmap(
            z=states,
            x=[f"t={n + 1}" for n in range(len(steps))],
            y=["h[1]", "h[2]"],
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            text=np.round(states, 2),
            texttemplate="%{text}",
        )
    )
    figure.add_vrect(x0=t - 1.5, x1=t - 0.5, line_width=3, line_color="black")
    figure.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), title="Hidden state over time")
    st.plotly_chart(figure, width="stretch")
    st.markdown(
        "**Reading it:** with a recurrent scale near 0 each $h_t$ depends only on $x_t$ (no memory). "
        "Raise it and earlier inputs echo into later states; too high and $\\tanh$ saturates at ±1, where "
        "the state stops responding to new input — the seed of the vanishing-gradient problem (tab 3)."
    )


ARCHITECTURES = {
    "Many-to-one (sentiment)": (
        "The whole sequence is read, and only the last state (or a pooled state) feeds one output. "
        "This is the IMDB sentiment model of this app.",
        'model = keras.Sequential([\n    keras.Input(shape=(None,), dtype="int32"),\n'
        "    layers.Embedding(10000, 32),\n    layers.SimpleRNN(32),  # returns only the last state\n"
        '    layers.Dense(1, activation="sigmoid"),\n])',
        "many_to_one",
    ),
    "One-to-many (generation)": (
        "One input (a seed, an image vector) starts the sequence; each output is fed back as the next input. "
        "Character generation on the Generate page works this way at sampling time.",
        "# training uses teacher forcing (many-to-many); at generation time:\nstate = None\n"
        "for _ in range(200):\n    logits, state = step(token, state)   # one RNN step\n"
        "    token = sample(logits)               # the output becomes the next input",
        "one_to_many",
    ),
    "Many-to-many, aligned (tagging / char LM)": (
        "One output per input step (return_sequences=True): part-of-speech tags, or the next character.",
        'model = keras.Sequential([\n    keras.Input(shape=(None,), dtype="int32"),\n'
        "    layers.Embedding(65, 32),\n    layers.LSTM(128, return_sequences=True),\n"
        "    layers.Dense(65),  # next-character logits at every step\n])",
        "aligned",
    ),
    "Many-to-many, seq2seq (translation)": (
        "An encoder reads the whole input into a state; a decoder starts from that state and writes an output "
        "sequence of a different length.",
        "enc_in = keras.Input(shape=(None,))\nx = layers.Embedding(8000, 64)(enc_in)\n"
        "_, h, c = layers.LSTM(128, return_state=True)(x)\n"
        "dec_in = keras.Input(shape=(None,))\ny = layers.Embedding(8000, 64)(dec_in)\n"
        "y = layers.LSTM(128, return_sequences=True)(y, initial_state=[h, c])\n"
        "out = layers.Dense(8000)(y)\nmodel = keras.Model([enc_in, dec_in], out)",
        "seq2seq",
    ),
    "Bidirectional": (
        "Two RNNs read the sequence, one forwards and one backwards; their states are concatenated, so every "
        "position sees both its past and its future (great for classification, impossible for generation).",
        'model = keras.Sequential([\n    keras.Input(shape=(None,), dtype="int32"),\n'
        "    layers.Embedding(10000, 32),\n    layers.Bidirectional(layers.GRU(32)),\n"
        '    layers.Dense(1, activation="sigmoid"),\n])',
        "bidirectional",
    ),
}


def architecture_dot(kind: str, steps: int = 4) -> str:
    """A Graphviz DOT diagram of an unrolled RNN of the given kind."""
    lines = ["digraph G {", "rankdir=BT; node [shape=box, style=rounded, fontsize=11]; nodesep=0.35;"]
    enc = steps if kind != "one_to_many" else 1
    for t in range(1, steps + 1):
        if t <= enc:
            lines.append(f'x{t} [label="x{t}", shape=ellipse, color="#1f77b4"];')
            lines.append(f"x{t} -> h{t};")
        lines.append(f'h{t} [label="h{t}"];')
        if t > 1:
            lines.append(f"h{t - 1} -> h{t} [constraint=false, color=gray];")
        if kind == "bidirectional":
            lines.append(f'b{t} [label="h\u2190{t}", color="#d62728"];')
            lines.append(f"x{t} -> b{t};")
            if t > 1:
                lines.append(f'b{t} -> b{t - 1} [constraint=false, color="#d62728"];')
        wants_output = kind in ("aligned", "one_to_many") or (kind in ("many_to_one", "bidirectional") and t == steps)
        if wants_output:
            label = f"y{t}" if kind in ("aligned", "one_to_many") else "y"
            lines.append(f'y{t} [label="{label}", shape=ellipse, color="#2ca02c"];')
            lines.append(f"h{t} -> y{t};")
            if kind == "bidirectional":
                lines.append(f"b1 -> y{t};")  # the backward RNN finishes at the first word
        if kind == "one_to_many" and t < steps:
            lines.append(f'y{t} -> h{t + 1} [style=dashed, color="#2ca02c"];')
    if kind == "seq2seq":
        for t in range(1, 4):
            lines.append(f'd{t} [label="decoder s{t}", color="#9467bd"];')
            lines.append(f'o{t} [label="out{t}", shape=ellipse, color="#2ca02c"];')
            lines.append(f"d{t} -> o{t};")
            lines.append(f"{'h' + str(steps) if t == 1 else 'd' + str(t - 1)} -> d{t} [constraint=false];")
    lines.append("}")
    return "\n".join(lines)


def architectures_section() -> None:
    """Section 2: unrolling, the classic shapes, and a parameter calculator that matches model.summary()."""
    st.markdown(
        "*Unrolling* draws the same cell once per time step. The arrows between states are the **same** "
        "weights $W_h$ each time — that is why an RNN has few parameters and handles any length."
    )
    kind = st.selectbox("Architecture", list(ARCHITECTURES), key="c2_arch")
    text, code, shape = ARCHITECTURES[kind]
    left, right = st.columns([3, 2])
    with left:
        st.graphviz_chart(architecture_dot(shape))
    with right:
        st.markdown(text)
        st.code(code, language="python")
        if shape == "seq2seq":  # trained live, with and without attention, on the Translate page
            label = "Train one live, with and without attention, on the Translate page"
            try:
                st.page_link("pages/translate.py", label=label, icon=":material/translate:")
            except st.errors.StreamlitAPIException:  # this page run on its own (a test): a plain link
                st.markdown(f"[{label}](translate)")

    st.subheader("Parameter calculator")
    st.caption("Try it: these numbers match `model.summary()` for the Keras model on the right.")
    cols = st.columns(3)
    cell = cols[0].selectbox("Cell", CELLS, format_func=lambda c: CELL_CLASS[c], key="c2_cell")
    units = cols[0].number_input("Units", 1, 1024, 32, key="c2_units")
    embed = cols[1].number_input("Embedding dim", 1, 1024, 32, key="c2_embed")
    vocab = cols[1].number_input("Vocabulary size", 3, 100_000, 10_000, key="c2_vocab")
    layers = cols[2].number_input("Layers", 1, 4, 1, key="c2_layers")
    bidirectional = cols[2].checkbox("Bidirectional", key="c2_bidi")
    config = RunConfig(
        cell=cell, units=int(units), embed_dim=int(embed), layers=int(layers), bidirectional=bidirectional
    )
    rows = parameter_rows(config, int(vocab))
    rnn_total = sum(row["parameters"] for row in rows[1:-1])
    metric_cols = st.columns(2)
    metric_cols[0].metric("Recurrent layer parameters", f"{rnn_total:,}")
    metric_cols[1].metric("Whole model", f"{count_parameters(config, int(vocab)):,}")
    gates = {"simplernn": 1, "lstm": 4, "gru": 3}[cell]
    extra = r" + 3 \cdot units \text{ (GRU: second bias)}" if cell == "gru" else ""
    st.latex(
        rf"\text{{params}} = {gates} \cdot \big(units \cdot (input + units) + units\big){extra}"
        + (r"\times 2 \text{ (directions)}" if bidirectional else "")
    )
    table = pd.DataFrame(rows).assign(parameters=lambda df: df["parameters"].map("{:,}".format))
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(
        f"{gates} weight set(s) per cell: SimpleRNN 1, LSTM 4 (input, forget, candidate, output), "
        "GRU 3 (update, reset, candidate; Keras uses reset_after=True, hence two bias vectors)."
    )

"""Pure builders for the Generate page: the next-character probability bars and the HTML that shows where in
the text a character was drawn. No streamlit here. Every character shown is html.escape()d: the priming text
is user input, and plotly renders a subset of HTML in labels."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from rnncore.inference.sample import TOP_KEPT

TOP_BARS = TOP_KEPT  # every alternative a generated step keeps
READABLE = {" ": "␣ space", "\n": "⏎ newline", "\t": "⇥ tab", "\r": "↵ return"}


def readable(char: str) -> str:
    """A character as a bar label: whitespace named, control characters shown as escapes."""
    if char in READABLE:
        return READABLE[char]
    return char if char.isprintable() else repr(char)


def distribution_figure(step) -> go.Figure:
    """The most likely next characters of one SampleStep as horizontal bars; the drawn one highlighted (added
    below the others when it was a less likely pick than any of them)."""
    chars, probabilities = list(step.top_chars[:TOP_BARS]), list(step.top_probabilities[:TOP_BARS])
    if step.char not in chars:
        chars.append(step.char)
        probabilities.append(step.probability)
    labels = [html.escape(readable(char)) for char in chars][::-1]  # reversed: the most likely bar on top
    colours = ["#ff7f0e" if char == step.char else "#4b6bfb" for char in chars][::-1]
    figure = go.Figure(
        go.Bar(
            x=probabilities[::-1],
            y=labels,
            orientation="h",
            marker_color=colours,
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_yaxes(type="category")  # keep digits like "1" as categories, not numbers
    figure.update_xaxes(range=[0, 1], tickformat=".0%", title="probability")
    figure.update_layout(height=420, margin={"l": 20, "r": 20, "t": 10, "b": 20})
    return figure


def drawn_character_html(before: str, step) -> str:
    """The text before one SampleStep (its last 120 characters), the drawn character highlighted after it,
    and a line saying how likely it was."""
    context = html.escape(before[-120:])
    return (
        f'<div style="font-family:monospace;white-space:pre-wrap">…{context}'
        f'<span style="background:#ff7f0e;color:white;padding:0 2px">{html.escape(step.char)}</span></div>'
        f'<p style="font-size:0.85em;color:#666">Picked <b>{html.escape(readable(step.char))}</b> with '
        f"probability {step.probability:.1%}. The orange bar is the character that was drawn.</p>"
    )

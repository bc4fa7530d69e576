"""Pure builders for the Predict page: the gauge (an SVG image), trajectory, hidden-state heatmap and
model-comparison figures, and the attribution and token HTML. No streamlit here: each takes numbers and words
and returns a figure or a string, so they are cheap to test and to reuse.

Every word shown is html.escape()d: review text is user input and must never run in a browser (plotly renders
a subset of HTML in labels and hover text too)."""

from __future__ import annotations

import base64
import html

import numpy as np
import plotly.graph_objects as go

MAX_SHOWN_CUT_WORDS = 60  # truncated words listed on screen (a 1 MB paste has ~200,000 of them)


def gauge_html(probability: float) -> str:
    """A 0–100 % gauge of P(positive) with the 50 % decision line, as an SVG image: drawn on every keystroke for a
    whole class, and a plotly figure cost ~3 ms of server CPU to build and serialise (BENCHMARKS.md, keystroke)."""
    value = min(max(float(probability), 0.0), 1.0)
    colour = "#2e7d32" if value >= 0.5 else "#c62828"

    def point(fraction: float) -> str:  # on the arc: 0 at the left end, 1 at the right, 0.5 at the top
        angle = np.pi * (1 - fraction)
        return f"{100 + 80 * np.cos(angle):.2f} {100 - 80 * np.sin(angle):.2f}"

    def arc(start: float, end: float, stroke: str, width: int) -> str:
        return (
            f'<path d="M {point(start)} A 80 80 0 0 1 {point(end)}" fill="none" stroke="{stroke}" '
            f'stroke-width="{width}"/>'
        )

    value_arc = arc(0, value, colour, 14) if value > 0.001 else ""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 -8 200 130" width="320" height="208" '
        'font-family="sans-serif">'
        '<text x="100" y="6" text-anchor="middle" font-size="13" fill="#555">P(positive)</text>'
        f"{arc(0, 0.5, '#fdecea', 26)}{arc(0.5, 1, '#e8f5e9', 26)}{value_arc}"
        '<line x1="100" y1="6" x2="100" y2="34" stroke="black" stroke-width="3"/>'
        f'<text x="100" y="96" text-anchor="middle" font-size="30" font-weight="600" fill="{colour}">'
        f"{value * 100:.1f}%</text>"
        '<text x="20" y="116" text-anchor="middle" font-size="11" fill="#777">0</text>'
        '<text x="180" y="116" text-anchor="middle" font-size="11" fill="#777">100</text>'
        "</svg>"
    )
    # As an image: st.html's sanitiser removes inline <svg> elements, while an <img> may carry a data: URI.
    encoded = base64.b64encode(svg.encode()).decode()
    return (
        f'<div style="text-align:center"><img src="data:image/svg+xml;base64,{encoded}" '
        f'style="width:100%;max-width:320px" alt="P(positive) {value:.1%}"></div>'
    )


def trajectory_figure(words: list[str], probabilities: np.ndarray) -> go.Figure:
    """P(positive) after each word, with the words on hover (and as ticks when there are few). Built in one
    constructor call: every add_*/update_* call re-validates the figure, which cost more server CPU per
    keystroke than the model itself."""
    steps = list(range(1, len(words) + 1))
    safe = [html.escape(word) for word in words]  # plotly renders a subset of HTML in labels
    few = len(words) <= 40
    line = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 0.5, "y1": 0.5}
    label = {"xref": "paper", "x": 1, "y": 0.5, "text": "undecided (0.5)", "showarrow": False, "yanchor": "bottom"}
    layout = {
        "height": 320,
        "margin": {"l": 20, "r": 20, "t": 20, "b": 20},
        "yaxis": {"range": [0, 1], "title": {"text": "P(positive)"}},
        "xaxis": {"tickvals": steps, "ticktext": safe, "tickangle": -45} if few else {"title": {"text": "word number"}},
        "shapes": [{**line, "line": {"dash": "dash", "color": "grey"}}],
        "annotations": [label],
    }
    trace = {
        "type": "scatter",
        "x": steps,
        "y": probabilities,
        "mode": "lines+markers",
        "customdata": safe,
        "connectgaps": True,
        "hovertemplate": "after “%{customdata}”<br>P(positive) = %{y:.2f}<extra></extra>",
    }
    return go.Figure(data=[trace], layout=layout)


def attribution_html(words: list[str], deltas: np.ndarray) -> str:
    """Words tinted green (pushed towards positive) or red (towards negative); every word escaped."""
    scale = float(np.abs(deltas).max()) if len(deltas) else 0.0
    spans = []
    for word, delta in zip(words, deltas):
        strength = abs(float(delta)) / scale if scale > 0 else 0.0
        colour = "46,125,50" if delta >= 0 else "198,40,40"
        spans.append(
            f'<span title="{float(delta):+.3f}" style="background: rgba({colour},{0.08 + 0.6 * strength:.2f}); '
            f'padding: 2px 4px; margin: 2px; border-radius: 4px; display: inline-block">{html.escape(word)}</span>'
        )
    return f'<div style="line-height: 2.2">{"".join(spans)}</div>'


def tokens_html(tokens: list, maxlen: int) -> str:
    """Chips for the tokens the model sees: unknown words marked, truncated words greyed and struck out."""
    kept = [token for token in tokens if not token.truncated]
    cut = [token for token in tokens if token.truncated]
    shown_cut = cut[:MAX_SHOWN_CUT_WORDS]

    def chip(token) -> str:
        word = html.escape(token.text)
        if token.truncated:
            return f'<span style="color:#999;text-decoration:line-through;margin:2px">{word}</span>'
        if token.oov:
            return (
                f'<span title="not in the vocabulary: the model sees &lt;unk&gt;" style="background:#fff3cd;'
                f'border:1px dashed #c90;padding:1px 4px;margin:2px;border-radius:4px;display:inline-block">'
                f"{word} → &lt;unk&gt;</span>"
            )
        return (
            f'<span title="id {token.token_id}" style="background:#eef2ff;padding:1px 4px;margin:2px;'
            f'border-radius:4px;display:inline-block">{word}</span>'
        )

    before = tokens and tokens[0].truncated  # 'pre' truncation cuts the start, 'post' the end
    cut_part = " ".join(chip(token) for token in shown_cut)
    if len(cut) > len(shown_cut):
        cut_part += f' <span style="color:#999">… and {len(cut) - len(shown_cut):,} more cut</span>'
    kept_part = " ".join(chip(token) for token in kept)
    parts = [cut_part, kept_part] if before else [kept_part, cut_part]
    legend = (
        f'<div style="font-size:0.8em;color:#666">{len(kept)} of at most {maxlen} words read · '
        f"{sum(t.oov for t in kept)} unknown · {len(cut):,} cut off</div>"
    )
    return f'<div style="line-height:2">{" ".join(p for p in parts if p)}</div>{legend}'


def heatmap_figure(words: list[str], hidden: np.ndarray, bidirectional: bool) -> go.Figure:
    """Hidden state of the last layer: one row per unit, one column per word."""
    units = hidden.shape[1]
    half = units // 2
    names = (
        [f"→ {n}" for n in range(half)] + [f"← {n}" for n in range(half)]
        if bidirectional
        else [f"unit {n}" for n in range(units)]
    )
    safe = [html.escape(word) for word in words]
    figure = go.Figure(
        go.Heatmap(
            z=hidden.T,
            x=list(range(1, len(words) + 1)),
            y=names,
            customdata=[safe] * units,
            colorscale="RdBu",
            zmid=0,
            colorbar={"title": "value"},
            hovertemplate="%{y} after “%{customdata}”: %{z:.2f}<extra></extra>",
        )
    )
    if len(words) <= 40:
        figure.update_xaxes(tickvals=list(range(1, len(words) + 1)), ticktext=safe, tickangle=-45)
    figure.update_layout(height=min(900, 120 + 8 * units), margin={"l": 20, "r": 20, "t": 20, "b": 20})
    return figure


def comparison_figure(models: list[str], probabilities: list[float]) -> go.Figure:
    """Each compared model's P(positive) as a horizontal bar, with the 50 % decision line."""
    figure = go.Figure(
        go.Bar(
            x=probabilities,
            y=[html.escape(model) for model in models],
            orientation="h",
            marker_color=["#2e7d32" if p >= 0.5 else "#c62828" for p in probabilities],
        )
    )
    figure.add_vline(x=0.5, line_dash="dash", line_color="grey")
    figure.update_xaxes(range=[0, 1], title="P(positive)")
    figure.update_layout(height=100 + 40 * len(models), margin={"l": 20, "r": 20, "t": 20, "b": 20})
    return figure

"""Every free-text box of the app has a length limit (and says it), and the server bounds its WebSocket
messages: one student's 50 MB paste must not reach, or stall, the shared server. Read from the source and
the config, so it needs neither models nor a browser."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from rnncore.data.corpus import MAX_CORPUS_BYTES
from rnncore.inference.predict import MAX_REVIEW_CHARS

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(REPO / "pages").glob("*.py"), *(REPO / "ui").glob("*.py"), REPO / "app.py"])
TEXT_WIDGETS = {"text_input", "text_area", "st_keyup"}
SHORT = 100  # a box this short (a run name) needs no help text: typing simply stops at the limit


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def text_boxes() -> list[tuple[str, ast.Call]]:
    """(file:line, call) for every st.text_input / st.text_area / st_keyup call in pages/, ui/ and app.py."""
    boxes = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node) in TEXT_WIDGETS:
                boxes.append((f"{path.relative_to(REPO)}:{node.lineno}", node))
    return boxes


def module_constants(path: Path) -> dict[str, int]:
    """Module-level NAME = <int literal> assignments of a page (pages cannot be imported: they render)."""
    constants = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, int):
                constants[node.targets[0].id] = value
    return constants


def test_the_scan_finds_the_boxes_it_must():
    where = {place.split(":")[0] for place, _ in text_boxes()}
    assert {"pages/predict.py", "pages/generate.py", "ui/concepts_deeper.py", "ui/concepts_order.py"} <= where


@pytest.mark.parametrize(("place", "call"), text_boxes(), ids=[place for place, _ in text_boxes()])
def test_every_free_text_box_has_a_limit_and_says_it(place, call):
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    limit = keywords.get("max_chars")
    assert limit is not None and not (isinstance(limit, ast.Constant) and limit.value is None), (
        f"{place}: {_name(call)} without max_chars"
    )
    short = isinstance(limit, ast.Constant) and isinstance(limit.value, int) and limit.value <= SHORT
    if _name(call) != "st_keyup" and not short:  # st_keyup has no help tooltip (Predict says it beside the box)
        assert "help" in keywords, f"{place}: a long text box should say its limit in its help"


def test_the_limits_fit_what_they_guard():
    predict = module_constants(REPO / "pages" / "predict.py")
    generate = module_constants(REPO / "pages" / "generate.py")
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    message_mb, upload_mb = config["maxMessageSize"], config["maxUploadSize"]
    assert isinstance(message_mb, int) and 1 <= message_mb <= 50, "a bounded WebSocket message size"
    assert isinstance(upload_mb, int) and MAX_CORPUS_BYTES <= upload_mb * 1_000_000 <= message_mb * 1_000_000
    # Predict sends the review and the batch paste together on each rerun: at 4 UTF-8 bytes per character
    # (emoji) they must still fit one message, or a student's own text would be refused.
    worst_bytes = 4 * (MAX_REVIEW_CHARS + predict["MAX_BATCH_PASTE_CHARS"])
    assert worst_bytes < message_mb * 1_000_000
    assert 4 * (generate["MAX_PASTED_CORPUS_CHARS"] + generate["MAX_PRIME_CHARS"]) < message_mb * 1_000_000
    assert generate["MAX_PASTED_CORPUS_CHARS"] * 1 <= MAX_CORPUS_BYTES  # never more than an upload may hold

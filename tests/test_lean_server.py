"""The whole app runs without TensorFlow in its process: every page, then a prediction and a generation with
the real shipped models, in a fresh interpreter (what `streamlit run app.py` serves). This is the measured
reason for the architecture: with Keras loaded, Streamlit's per-rerun cleanup cost ~400 ms of server CPU."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import ast, json, sys
    from pathlib import Path
    from streamlit.testing.v1 import AppTest

    root = Path(sys.argv[1])
    tree = ast.parse((root / "app.py").read_text())
    pages = [n.args[0].value for n in ast.walk(tree)
             if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "Page" and n.args]
    problems = []
    for page in pages:
        at = AppTest.from_file(str(root / page), default_timeout=120).run()
        problems += [f"{page}: {e.value}" for e in at.exception]

    predict = AppTest.from_file(str(root / "pages/predict.py"), default_timeout=120).run()
    predict.session_state["review_text"] = "Not bad at all, I actually enjoyed it."
    predict.session_state["review_version"] = predict.session_state["review_version"] + 1
    predict.run()
    verdicts = [m.value for m in predict.metric if m.label == "Verdict"]

    generate = AppTest.from_file(str(root / "pages/generate.py"), default_timeout=120).run()
    generate.button(key="generate_button").click().run()
    generated = [str(e.value) for e in generate.get("html")] + [str(e.value) for e in generate.markdown]
    heavy = [name for name in ("tensorflow", "keras") if name in sys.modules]
    print(json.dumps({"pages": pages, "problems": problems, "verdicts": verdicts,
                      "generated": len("".join(generated)), "heavy": heavy}))
    """
)


def test_every_page_a_prediction_and_a_generation_without_tensorflow(tmp_path):
    environment = {
        **__import__("os").environ,
        "RNNCORE_SHIPPED_DIR": str(ROOT / "models"),
        "RNNCORE_STORE_DIR": str(tmp_path / "class_models"),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["pages"]) >= 5 and report["problems"] == []
    assert report["verdicts"], "the Predict page showed no verdict"
    assert report["generated"] > 300, "the Generate page showed no generated text"
    assert report["heavy"] == [], f"the server process imported {report['heavy']}"


def test_the_server_runs_numpy_with_one_blas_thread():
    """ui.common (imported by every page) limits BLAS to one thread: with two, OpenBLAS's spinning helper thread
    cost ~100 ms of server CPU per keystroke with an LSTM 256 model (ui/server_threads.py)."""
    script = "import ui.common, ui.server_threads as t; print(t.blas_threads())"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    threads = json.loads(done.stdout.strip().splitlines()[-1])  # the child prints a list of ints
    assert threads and set(threads) == {1}

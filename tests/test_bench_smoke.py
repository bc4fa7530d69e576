"""Smoke test of the benchmark suite on the tiny fixture models: every measurement runs and returns the
documented keys with positive numbers. Not a timing assertion (the machine is shared and noisy)."""

from __future__ import annotations

import json

import pytest

from bench import concurrency, generation, latency, report, trajectory
from bench.__main__ import BENCHMARKS, parse_args
from bench.common import Row, review_text, stats_ms
from bench.training import grouped_vs_padded, presets


def _positive(stats: dict) -> None:
    for key in ("p50_ms", "p95_ms", "mean_ms", "n"):
        assert stats[key] > 0, key
    assert stats["p95_ms"] >= stats["p50_ms"]


def test_latency_measure(sentiment_run):
    result = latency.measure(sentiment_run, sentiment_run.model, lengths=(20, 250), repeats=3, naive_repeats=2)
    assert set(result) == {"20", "250"}
    for entry in result.values():
        _positive(entry["ours"])
        _positive(entry["naive"])
        assert entry["tokens_read"] > 0 and entry["speedup_p50"] > 0 and entry["speedup_p95"] > 0


def test_trajectory_measure(sentiment_run):
    result = trajectory.measure(sentiment_run, words=30, repeats=3, prefix_rounds=1)
    for key in ("single", "trajectory", "prefixes"):
        _positive(result[key])
    assert result["steps"] > 0
    assert result["trajectory_ratio"] > 0 and result["trajectory_vs_prefixes_speedup"] > 0


def test_generation_measure(char_run):
    result = generation.measure(char_run, char_run.model, length=60, repeats=1, naive_steps=3)
    assert result["naive_steps"] == 3
    for key in ("chars_per_s", "chars_per_s_worst", "naive_chars_per_s", "speedup", "seconds_p50"):
        assert result[key] > 0, key


def test_concurrency_measure(sentiment_run):
    from rnncore.inference.predict import Predictor

    result = concurrency.measure(Predictor(sentiment_run), sessions=3, iterations=2, words=20)
    _positive(result)
    assert result["n"] == 6 and result["predictions_per_s"] > 0


def test_helpers_and_report(tmp_path):
    assert len(review_text(("good", "bad", "film"), 40, seed=1).split()) == 40
    assert stats_ms([0.001, 0.002, 0.003])["p50_ms"] == pytest.approx(2.0)
    quick, seed, source = presets()
    assert quick["cell"] and seed["maxlen"] and source
    rows = [Row("a", "1 ms", target="≤ 5 ms", status="PASS"), Row("b|c", "9 ms", status="MISS")]
    assert "b\\|c" in report.table(rows) and report.summary(rows).startswith("1 PASS, 1 MISS")
    md = tmp_path / "BENCHMARKS.md"
    md.write_text(f"# B\n\n## Results\n\n{report.START}\nold\n{report.END}\n\nafter\n", encoding="utf-8")
    report.write_results(report.results_markdown(rows, {"date": "d", "x": 1}, "python -m bench"), md)
    text = md.read_text(encoding="utf-8")
    assert "old" not in text and "| a |" in text and text.endswith("after\n")
    assert json.loads(text.split("```json\n")[1].split("```")[0])["x"] == 1


def test_cli_options():
    args = parse_args(["--quick", "--skip", "training", "coldstart", "--model", "m1"])
    assert args.quick and args.skip == ["training", "coldstart"] and args.model == ["m1"]
    assert "latency" in BENCHMARKS


def test_grouped_vs_padded_epochs_both_run():
    result = grouped_vs_padded(20)
    assert 0 < result["reviews"] <= 20 and result["grouped"] > 0 and result["padded"] > 0


def test_language_model_bench_times_a_short_run_and_keeps_no_checkpoint(monkeypatch, tmp_path):
    import bench.language_model as language_model
    from bench.common import Settings
    from rnncore.paths import cache_dir
    from rnncore.store import ModelStore

    # the fixture IMDB is tiny: the default settings would not fit it, so shrink what the benchmark trains
    tiny = dict(vocab_size=80, embed_dim=8, units=12, window=8, batch_size=4, sampled=20, heldout_fraction=0.05)
    monkeypatch.setattr(language_model, "SETTINGS", {"epochs": 1, **tiny})
    monkeypatch.setattr(language_model, "QUICK_STEPS", 5)
    section = language_model.run(Settings(quick=True, store=ModelStore(tmp_path)))
    assert section.metrics["language_model_tokens_per_s"] > 0 and section.rows[0].status in ("PASS", "MISS")
    assert not [path for path in (cache_dir() / "language_models").glob("bench-*")]


def test_class_training_figures_from_the_tabs():
    from bench.class_training import Tab, parse_percent, projected_last_done, rows, summarize

    assert parse_percent("87.1%") == 0.871 and parse_percent("n/a") is None
    tabs = [Tab(student=None, pressed=0.5 * n, done=60.0 + n, accuracy=0.86, shared=n > 0) for n in range(3)]
    tabs.append(Tab(student=None, pressed=2.0, refused="You already have a job waiting"))
    summary = summarize(tabs)
    assert summary["done"] == 3 and summary["refused"] == 1 and summary["shared"] == 2
    assert summary["last_done_s"] == 62.0 and summary["min_accuracy"] == 0.86 and summary["pressed_within_s"] == 2.0
    assert projected_last_done(tabs, 900) == 63.0  # one more job at the pace measured (one second apart)
    assert projected_last_done(tabs[:3], 900) == 62.0  # all done: the last one
    same = dict(summary, runs_saved=1, full_test_accuracy_of_lowest=0.87)
    flooded = {"presses": 50, "tabs": 10, "refused": 48, "wait_s": 30.0, "one_job_s": 60.0}
    seeds = dict(summary, budget_s=900.0, projected_last_done_s=63.0)
    scoring = {"sample_s": 1.0, "full_s": 5.0, "sample_reviews": 5000, "full_reviews": 25000}
    table = rows(same, {"p50_ms": 80.0, "p95_ms": 300.0, "n": 10}, flooded, seeds, False, scoring)
    assert [row.status for row in table] == ["MISS", "PASS", "PASS", "PASS", "INFO", "INFO"]  # 3 of 4 done: a MISS
    assert all(row.status == "SKIP" for row in rows(same, {}, flooded, seeds, True)[:3])


def test_bench_runs_only_the_benchmarks_named():
    assert parse_args(["class_training", "--quick"]).only == ["class_training"] and "class_training" in BENCHMARKS
    with pytest.raises(SystemExit):
        parse_args(["no_such_benchmark"])

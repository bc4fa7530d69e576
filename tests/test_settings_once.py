"""Each setting declared once (issue 20): RunConfig's and LabConfig's fields give the CLI's flags (names,
defaults, limits) and the forms' widget limits; presets are named objects."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnncore.cli import build_parser
from rnncore.config import CHARS_ONLY, SENTIMENT_ONLY, RunConfig
from rnncore.errors import RnncoreError
from rnncore.lab.config import LabConfig
from rnncore.presets import BY_LABEL, PRESETS, Preset, preset
from rnncore.settings import add_flags, check_settings, described, flag_name, from_flags, setting

PAGES = Path(__file__).resolve().parent.parent / "pages"


def _subparser(*path: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def _flags(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {action.dest: action for action in parser._actions}


@pytest.mark.parametrize("task", ["sentiment", "chars"])
def test_every_run_setting_has_a_flag_with_the_fields_default(task):
    flags = _flags(_subparser("train", task))
    other = CHARS_ONLY if task == "sentiment" else SENTIMENT_ONLY
    for item in described(RunConfig):
        if item.name == "task" or item.name in other:
            assert item.name not in flags
            continue
        assert item.name in flags, item.name
        assert flag_name(item) in flags[item.name].option_strings
        assert flags[item.name].default == item.default, item.name


def test_every_lab_setting_has_a_flag():
    flags = _flags(_subparser("lab"))
    assert "lab_task" in flags  # the task is the positional argument
    for item in described(LabConfig):
        if item.name != "task":
            assert item.name in flags and flag_name(item) in flags[item.name].option_strings, item.name
    assert flags["cells"].default == ("lstm",)  # the command trains one cell unless told more


@pytest.mark.parametrize(
    "argv",
    [
        "train sentiment --cell gru --units 32 --embed-dim 32 --limit 3000 --epochs 1 --out class_models/gru-quick",
        "train sentiment --no-mask --bidirectional --pooling max --embedding-init cooccurrence --vocab-size 20000",
        "train sentiment --cell lstm --units 256 --embed-dim 128 --vocab-size 20000 --language-model imdb-lm",
        "train sentiment --sentence-crops 1.0 --counterfactuals 1.0 --validation-fraction 0.2 --teacher a",
        "train chars --corpus shakespeare --cell lstm --units 256 --epochs 5 --seq-len 40",
        "lab memory --cell simplernn --length 50 --seed 0",
        "lab memory --cell gru --units 4 --epochs 2 --budget 300 --seed 3",
    ],
)
def test_the_documented_flags_still_parse_into_a_valid_config(argv):
    from rnncore.cli import _config_from

    args = build_parser().parse_args(argv.split())
    if args.command == "lab":
        config = from_flags(LabConfig, args, task=args.lab_task)
        assert config.cells == (argv.split()[3],)
    else:
        config = _config_from(args)
        assert config.task == args.task
    if "--no-mask" in argv:
        assert config.mask_padding is False and config.bidirectional is True
    if "--budget" in argv:
        assert config.time_budget == 300.0


def test_the_lab_length_defaults_to_the_tasks_own_and_several_cells_can_be_named():
    args = build_parser().parse_args("lab parity --cell gru lstm".split())
    config = from_flags(LabConfig, args, task=args.lab_task)
    assert config.cells == ("gru", "lstm") and config.length == 4  # parity's default length


def _beyond(value: float, kind: type, direction: int) -> float:
    return value + direction if kind is int else value + direction * max(abs(value) * 0.01, 1e-3)


def _number_inputs(at: AppTest, prefix: str) -> dict[str, object]:
    return {widget.key[len(prefix) :]: widget for widget in at.number_input if widget.key.startswith(prefix)}


def test_the_train_forms_limits_are_the_flags_limits():
    """Each number of the Train form has the field's limits, and so does its flag: the limit is accepted by
    `train sentiment`, one step beyond it refused."""
    from rnncore.cli import _config_from
    from ui.train_form import SETTINGS

    at = AppTest.from_file(str(PAGES / "train.py"), default_timeout=90).run()
    assert not at.exception
    widgets = _number_inputs(at, "tr_")
    fields = {item.name: item for item in described(RunConfig)}
    numeric = [name for name in SETTINGS if type(fields[name].default) in (int, float)]
    assert sorted(widgets) == sorted(numeric)  # every number setting on the form, and only those
    parser = build_parser()
    for name, widget in widgets.items():
        item = fields[name]
        low, high, kind = item.metadata["low"], item.metadata["high"], type(item.default)
        assert (widget.min, widget.max) == (low, high), name
        assert widget.help == item.metadata["help"], name
        flag = flag_name(item)
        open_low = item.metadata["low_open"]  # "more than 0": the widget's limit is inclusive, the check says why
        for value in (high,) if open_low else (low, high):
            _config_from(parser.parse_args(["train", "sentiment", flag, str(kind(value))]))
        for value in (low if open_low else _beyond(low, kind, -1), _beyond(high, kind, +1)):
            with pytest.raises(RnncoreError, match=name):
                _config_from(parser.parse_args(["train", "sentiment", flag, str(kind(value))]))


def test_the_lab_forms_limits_are_the_flags_limits():
    from ui.lab import LEARNING_RATES, UNITS

    at = AppTest.from_file(str(PAGES / "sequence_lab.py"), default_timeout=90).run()
    assert not at.exception
    seed = _number_inputs(at, "lab_")["seed"]
    item = next(item for item in described(LabConfig) if item.name == "seed")
    assert (seed.min, seed.max) == (item.metadata["low"], item.metadata["high"])
    parser = build_parser()
    for value, ok in ((item.metadata["high"], True), (item.metadata["high"] + 1, False)):
        args = parser.parse_args(["lab", "memory", "--seed", str(value)])
        if ok:
            assert from_flags(LabConfig, args, task="memory").seed == value
        else:
            with pytest.raises(ValueError, match="seed"):
                from_flags(LabConfig, args, task="memory")
    for units in UNITS:  # the page's choices are within the config's limits
        LabConfig(units=units)
    for rate in LEARNING_RATES:
        LabConfig(learning_rate=rate)


def test_presets_are_found_by_name_and_each_is_a_valid_config():
    assert [p.name for p in PRESETS] == [
        "quick-gru32",
        "notebook-simplernn32",
        "best-bigru64",
        "lm-lstm256",
        "scratch-lstm256",
    ]
    quick = preset("quick-gru32")
    assert isinstance(quick, Preset) and quick.config().pooling == "max" and quick.config().units == 32
    assert preset("lm-lstm256").config().language_model == "imdb-lm"
    assert preset("scratch-lstm256").config().language_model == ""
    assert BY_LABEL[quick.label] is quick
    with pytest.raises(KeyError, match="quick-gru32"):
        preset("quick")
    with pytest.raises(TypeError):
        quick.overrides["units"] = 8  # read-only


def test_the_train_page_fills_in_a_preset_by_its_name():
    at = AppTest.from_file(str(PAGES / "train.py"), default_timeout=90).run()
    for chosen in PRESETS:
        at.selectbox(key="tr_preset").set_value(chosen.label).run()
        assert not at.exception
        assert at.text_input(key="tr_name").value == chosen.name
        values = chosen.values()
        for name in ("units", "maxlen", "batch_size", "epochs", "seed"):
            assert at.session_state[f"tr_{name}"] == values[name], (chosen.name, name)
        assert at.session_state["tr_cell"] == values["cell"]


@dataclass(frozen=True)
class _Example:
    count: int = setting(3, "how many", 1, 10)
    rate: float = setting(0.5, "a rate", 0.0, 1.0, low_open=True, unit="per step")
    on: bool = setting(True, "on by default", flags=("--no-on-at-all",))
    off: bool = setting(False, "off by default")
    names: tuple[str, ...] = setting(("a",), "some of a, b", choices=("a", "b"), flags=("--name",))
    text: str = setting("", "optional text", metavar="TEXT")

    def __post_init__(self) -> None:
        check_settings(self)


def test_settings_flags_for_switches_lists_and_optional_text():
    parser = argparse.ArgumentParser()
    add_flags(parser, _Example)
    assert from_flags(_Example, parser.parse_args([])) == _Example()
    made = from_flags(_Example, parser.parse_args("--no-on --off --name a b --text hi --count 10".split()))
    assert made == _Example(count=10, on=False, off=True, names=("a", "b"), text="hi")
    assert from_flags(_Example, parser.parse_args(["--no-on-at-all"])).on is False
    assert "(0–1] per step" in parser.format_help().replace("\n", " ").replace("  ", " ")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"count": 11}, "count must be from 1 to 10; got 11"),
        ({"count": 2.0}, "count must be a whole number"),
        ({"rate": 0.0}, "rate must be more than 0 and at most 1 per step; got 0.0"),
        ({"rate": math.nan}, "rate must be more than 0"),
        ({"names": ("c",)}, "each of names must be one of a, b"),
    ],
)
def test_settings_checks(changes, message):
    with pytest.raises(ValueError, match=message):
        _Example(**changes)


def test_run_config_keeps_its_cross_checks_and_loads_its_own_dict():
    config = RunConfig(dropout=0, units=8)
    assert config.dropout == 0.0 and isinstance(config.dropout, float)
    assert RunConfig.from_dict({**config.to_dict(), "unknown": 1}) == config
    with pytest.raises(ValueError, match="language_model starts one forward LSTM layer"):
        RunConfig(language_model="imdb-lm", cell="gru")
    with pytest.raises(ValueError, match="use a vocab_size up to 20,000"):
        RunConfig(embedding_init="cooccurrence", vocab_size=30_000)

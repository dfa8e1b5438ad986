"""The command line of every training family: each of its options changes the run or is refused with a
message naming the option and the family; the options of the other families are refused alike; ``--help``
lists only the family's options; a bare ``sciml train nsm`` runs on documented defaults; user errors are
one line, internal errors keep their traceback."""

import re

import pytest
import torch

from sciml.cli import build_parser
from sciml.cli import main as cli
from sciml.models import LAST, read_checkpoint

FAMILIES = ("operator", "pinn", "nsm", "rnn")

# Every option of every family with a value that differs from its default (the test fails on an option missing here).
VARIED = {
    "operator": {"--model": ["tfno"], "--data": ["burgers1"], "--epochs": ["5"], "--lag": ["2"], "--rollout": ["2"],
                 "--pushforward": [], "--history": ["2"],
                 "--conserve-mass": [], "--loss": ["h1"], "--validation-fraction": ["0.5"], "--config": ["CONFIG"],
                 "--set": ["train.seed=1"], "--quiet": []},
    "pinn": {"--model": ["lpinn"], "--problem": ["reaction-diffusion"], "--beta": ["2"], "--nu": ["0.1"],
             "--rho": ["2"], "--config": ["CONFIG"], "--set": ["train.seed=1"], "--quiet": []},
    "nsm": {"--problem": ["burgers"], "--nu": ["0.02"], "--rho": ["2"], "--config": ["CONFIG"],
            "--set": ["train.seed=1"], "--quiet": []},
    "rnn": {"--model": ["plrnn"], "--data": ["lorenz1"], "--sample": ["1"], "--latent": ["5"], "--pwl": ["3"],
            "--hidden": ["10"], "--epochs": ["3"], "--config": ["CONFIG"], "--set": ["train.seed=1"], "--quiet": [],
            "--seeds": ["2"], "--key": ["u"], "--dt": ["0.5"]},
}


def _options(family: str) -> list[str]:
    """The long options of ``sciml train family`` but --out and --help."""
    parser = build_parser()
    train = next(action for action in parser._subparsers._group_actions[0].choices["train"]._actions
                 if action.dest == "family")
    return [option for action in train.choices[family]._actions for option in action.option_strings
            if option.startswith("--") and option not in ("--out", "--help")]


def _without(entries, names=("seconds",)):
    if isinstance(entries, dict):
        return {key: _without(value) for key, value in entries.items() if key not in names}
    if isinstance(entries, (list, tuple)):
        return [_without(value) for value in entries]
    if isinstance(entries, torch.Tensor):
        return entries.tolist()
    return entries


def _outcome(run, capsys) -> tuple:
    """What a run made: its last checkpoint without timings, and its progress output."""
    captured = capsys.readouterr()
    return _without(read_checkpoint(run / LAST), ("seconds", "rng")), bool(captured.err.strip())


def _arguments(family: str, option: str, values: list[str], run_files, tmp_path) -> list[str]:
    if option == "--config":
        path = tmp_path / "config.toml"
        path.write_text("[train]\nseed = 1\n")
        values = [str(path)]
    if option == "--data":
        values = [str(run_files[values[0]])]
    return [option, *values]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_option_changes_the_run_or_is_refused(family, tiny_run, run_files, tmp_path, capsys):
    options = _options(family)
    assert sorted(options) == sorted(VARIED[family]), "an option without a test value, or a value of no option"
    base, _ = tiny_run(family)
    base = [word for word in base if word != "--quiet"]
    assert cli([*base, "--out", str(tmp_path / "base")]) == 0
    reference = _outcome(tmp_path / "base", capsys)
    for index, option in enumerate(options):
        run = tmp_path / f"run{index}"
        extra = _arguments(family, option, VARIED[family][option], run_files, tmp_path)
        arguments = list(base)
        if option in base and option != "--set":  # the base run's value is replaced
            at = base.index(option)
            arguments = base[:at] + base[at + 2:]
        code = cli([*arguments, *extra, "--out", str(run)])
        if code == 0:
            assert _outcome(run, capsys) != reference, f"{family} {option} changed nothing"
        else:
            error = capsys.readouterr().err
            assert code == 2 and option in error and f"sciml train {family}" in error, (option, error)
    for other in set(FAMILIES) - {family}:
        for option in set(_options(other)) - set(options):
            extra = _arguments(other, option, VARIED[other][option], run_files, tmp_path)
            assert cli([*base, *extra, "--out", str(tmp_path / "other")]) == 2, option
            error = capsys.readouterr().err
            assert option in error and f"sciml train {family}" in error, (option, error)


@pytest.mark.parametrize("family", FAMILIES)
def test_help_lists_only_the_family_options(family, capsys):
    with pytest.raises(SystemExit) as leaving:
        cli(["train", family, "--help"])
    assert leaving.value.code == 0
    shown = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", capsys.readouterr().out))
    assert shown == set(_options(family)) | {"--out", "--help"}


def test_a_bare_nsm_run_uses_the_documented_defaults(tmp_path, capsys):
    run = tmp_path / "r"
    assert cli(["train", "nsm", "--out", str(run), "--quiet", "--set", "train.steps=1", "--set", "train.samples=2",
                "--set", "train.batch_size=2"]) == 0
    saved = read_checkpoint(run)
    assert saved["family"] == "nsm"
    assert saved["residual_problem"] == {"problem": "reaction-diffusion", "t_max": 1.0, "length": 2 * torch.pi,
                                         "bandwidth": 12, "fine": 256, "nu": 0.01, "rho": 5.0}
    assert tuple(saved["train"]["grid"]) == (33, 64) and saved["config"]["modes"] == [12, 16]


def test_user_errors_are_one_line_and_internal_errors_keep_their_traceback(tmp_path, capsys, monkeypatch):
    assert cli(["train", "rnn", "--data", str(tmp_path / "none.h5"), "--out", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert cli(["train", "pinn", "--out", str(tmp_path / "r"), "--set", "train.points=0"]) == 2
    assert "[train]: points must be >= 1" in capsys.readouterr().err

    def broken(*_, **__):
        raise ValueError("an internal bug")

    monkeypatch.setattr("sciml.train.train_pinn", broken)
    with pytest.raises(ValueError, match="an internal bug"):
        cli(["train", "pinn", "--out", str(tmp_path / "r2")])

"""Every option of every command says what it does and its default."""

from __future__ import annotations

import argparse

import pytest

from btsopt.cli import build_parser, main


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


COMMANDS = sorted(_subparsers())


def test_every_command_is_there() -> None:
    assert {"solve", "evaluate", "validate", "generate", "frontier", "bench",
            "bench-plot"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_with_its_default(command: str) -> None:
    parser = _subparsers()[command]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"{command} {name} has no help"
        text = action.help % {"default": action.default, "prog": parser.prog}
        if action.option_strings:  # positional arguments have no default to state
            assert "default" in text, f"{command} {name}: the help does not state the default"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_renders(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: btsopt {command}") and "Exit status" in out


def test_generate_help_lists_the_presets(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "nam-dinh:" in out and "family:" in out


def test_defaults_that_differ_from_solve_say_so() -> None:
    parsers = _subparsers()

    def help_of(command: str, flag: str) -> str:
        (action,) = [a for a in parsers[command]._actions if flag in a.option_strings]
        return action.help % {"default": action.default}

    assert parsers["solve"].get_default("backend") == "core"
    assert "solve's default is core" in help_of("frontier", "--backend")
    assert "solve's default is core" in help_of("evaluate", "--backend")
    assert "solve's 0.1%" in help_of("bench", "--gap")
    for command in ("frontier", "evaluate", "bench"):
        assert "solve's default is 180" in help_of(command, "--time-limit")


def test_gap_as_percentage_or_fraction() -> None:
    parsers = _subparsers()
    solve = parsers["solve"]
    assert solve.parse_args(["x", "--gap", "0.1%"]).gap == pytest.approx(0.001)
    assert solve.parse_args(["x", "--gap", "0.001"]).gap == pytest.approx(0.001)
    with pytest.raises(SystemExit):
        solve.parse_args(["x", "--gap", "5"])

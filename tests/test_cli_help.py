"""Top-level CLI polish: ``-V``, every default shown in --help, one working example per sub-command."""

import argparse
import shlex

import pytest

from noisecircuits import __version__
from noisecircuits.cli import EXAMPLES, HelpFormatter, build_parser, main, sub_commands

PARSER = build_parser()
COMMANDS = [(" ".join(words), child) for words, child in sub_commands(PARSER)]


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flag(flag, capsys):
    with pytest.raises(SystemExit) as exc:
        main([flag])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"noisecircuits {__version__}"


def _options_with_defaults(parser):
    for action in parser._actions:
        default = action.default
        if action.option_strings and action.help is not argparse.SUPPRESS and default is not None \
                and default is not argparse.SUPPRESS and not isinstance(default, bool):
            yield action  # a default of 0 counts: only flags (bool) and "no default" (None) are exempt


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_help_shows_every_default_and_an_example(name, parser):
    text = " ".join(parser.format_help().split())  # undo line wrapping
    formatter = HelpFormatter(parser.prog)
    for action in _options_with_defaults(parser):
        shown = formatter._get_help_string(action)
        assert "default" in shown, f"{name} {action.option_strings[0]} hides its default"
        assert " ".join(shown.replace("%%", "%").split()) in text
    assert f"example: {EXAMPLES[name]}" in text, f"{name} --help shows no example"


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_example_parses(name, parser):
    words = shlex.split(EXAMPLES[name])
    assert words[0] == "noisecircuits"
    args = PARSER.parse_args(words[1:])  # parses without running
    assert callable(getattr(args, "func", None))


def test_a_default_is_shown_in_the_formatted_help():
    text = " ".join(dict(COMMANDS)["simulate pbit"].format_help().split())
    assert "independent paths (default: 1)" in text
    assert "temperature [K], in [200, 450] (default: 300)" in text
    tilt = " ".join(dict(COMMANDS)["simulate double-well"].format_help().split())
    assert "(default: 0)" in tilt  # a zero default is shown too

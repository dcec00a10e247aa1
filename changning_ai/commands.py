"""Command-line conventions shared by every app's commands: bad input is one line on stderr, exit 2.

In the project package, not in an app, so the lowest app (accounts) can use it as well as the highest."""

import sys

from django.core.management.base import BaseCommand, CommandError


class OneLineErrorCommand(BaseCommand):
    """argparse prints usage plus the error and a CommandError may carry newlines; a person at a
    terminal and a script both want exactly one line and exit status 2."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> None:
            sys.stderr.write(f"{subcommand}: {message}\n")
            sys.exit(2)

        parser.error = error  # type: ignore[method-assign]
        return parser

    @staticmethod
    def fail(message: str) -> CommandError:
        return CommandError(" ".join(str(message).split()), returncode=2)

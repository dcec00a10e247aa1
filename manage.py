#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings")
    # A developer's shell (no SECRET_KEY, no DEBUG) gets development settings, so `manage.py quote`
    # works out of the box. Production always sets SECRET_KEY and so stays DEBUG off by default;
    # the web servers (wsgi/asgi) never take this path.
    if "SECRET_KEY" not in os.environ and "DEBUG" not in os.environ:
        os.environ["DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

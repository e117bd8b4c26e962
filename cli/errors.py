"""The CLI's one failure type: a one-line message and exit code 2, never a traceback.

Every command raises this for a usage error or unreadable input (``--help`` documents
exit code 2); one type means one place that decides how such a failure prints.
"""

from __future__ import annotations

import click


class PeftWhyError(click.ClickException):
    """A one-line failure with exit code 2 (usage error, unreadable input)."""

    exit_code = 2

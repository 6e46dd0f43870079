"""``eval run --prompt MODEL=FILE``: the option, shared by the commands that take it."""

from __future__ import annotations

import typer

prompt_option = typer.Option(
    [],
    "--prompt",
    metavar="MODEL=FILE",
    help="Try a prompt variant: FILE replaces MODEL's system prompt in this run only "
    "(repeatable; the run is ad hoc). Example: --prompt new=prompts/support-v2.txt",
)

"""The ``swapsafe`` command line (Typer + Rich): one command group per module."""

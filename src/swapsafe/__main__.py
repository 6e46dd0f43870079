"""``python -m swapsafe``: the same as the ``swapsafe`` console script."""

from swapsafe.cli.app import main

main()

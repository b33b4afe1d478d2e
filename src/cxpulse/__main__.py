"""``python -m cxpulse`` runs the CLI."""

from cxpulse.cli.app import main

main()

"""``python -m cxpulse`` runs the CLI."""

from cxpulse.main import main

main()

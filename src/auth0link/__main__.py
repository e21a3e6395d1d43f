"""``python -m auth0link``."""

from auth0link.cli import main

main()

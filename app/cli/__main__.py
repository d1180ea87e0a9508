"""`python -m app.cli ...`: the same commands as `storefront ...`."""

from app.cli import main

main()

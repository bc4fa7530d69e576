"""`python -m rnncore …` runs the command-line interface."""

from rnncore.cli import main

raise SystemExit(main())

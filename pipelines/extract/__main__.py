"""``python -m pipelines.extract``: see ``cli.py``."""
import sys

from .cli import main

sys.exit(main())

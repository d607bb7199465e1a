import sys

from pipelines.events.cli import main

sys.exit(main())

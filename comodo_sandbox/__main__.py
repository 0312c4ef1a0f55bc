"""`python -m comodo_sandbox`: run the sandbox CA."""
import sys

from comodo_sandbox.cli import main

sys.exit(main())

"""The bundle's entry point: the same ``tokendesk`` command as ``pip install`` gives."""

import sys

from tokendesk.cli import main

if __name__ == "__main__":
    sys.exit(main())

import sys

from tokendesk.cli import main

sys.exit(main())

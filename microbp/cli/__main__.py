import sys

from microbp.cli.app import main

sys.exit(main())

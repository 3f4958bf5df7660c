import sys

from microbp.cli import main

sys.exit(main())

#!/usr/bin/env python3
"""Command line entry for the site in this folder: `python build.py build`, `serve`, ..."""
import sys

from papersite.cli import main

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Command line entry for the site in this folder: `python build.py build`, `serve`, ..."""

from papersite.cli import run

if __name__ == "__main__":
    run()

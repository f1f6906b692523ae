"""Papersite: a static site generator for academic paper listings."""

__version__ = "0.1.0"

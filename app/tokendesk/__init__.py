"""Tokendesk: a desktop workbench for OAuth and JWT tokens."""

__version__ = "0.1.0"

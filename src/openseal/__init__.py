"""OpenSeal: self-hosted electronic seal platform."""

__version__ = "0.1.0"

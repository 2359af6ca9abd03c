"""The package version, in a module of its own so that every layer can name it without
importing the package face (and through it the public API)."""

__version__ = "0.1.0"

"""The version, kept in one place for hatchling and `auth0link --version`."""

__version__ = "0.1.0"

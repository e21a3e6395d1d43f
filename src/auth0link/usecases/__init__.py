"""The use cases: what each command does, as plain functions and small classes.

They never import click or rich: they take their collaborators (an
:class:`~auth0link.client.Auth0Client`, a :class:`~auth0link.tokens.TokenStore`, a clock,
callbacks to confirm or report) as arguments and return typed results
(:mod:`auth0link.models`), so Python code and tests can call them without the CLI.
"""

"""Tests of the use cases (``auth0link.usecases``), one module per use-case module."""

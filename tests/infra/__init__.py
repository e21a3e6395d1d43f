"""Tests of the infrastructure (``auth0link.infra``), one module per module."""

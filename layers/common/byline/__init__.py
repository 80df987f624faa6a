"""Byline's shared Lambda layer: models, data access, services, auth and HTTP helpers."""

__version__ = "0.1.0"

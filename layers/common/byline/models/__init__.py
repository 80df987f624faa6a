"""Pydantic models: domain records, request bodies and response bodies."""

"""Ghost Content API compatibility (issue 15): pure pieces that speak Ghost's dialects.

Behaviour follows the Ghost Content API spec researched for issue 15 (GHOST-CONTENT-API.md,
written from Ghost 6.65's source); `nql` is its filter language (§13).
"""

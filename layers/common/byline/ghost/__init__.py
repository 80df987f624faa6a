"""Ghost Content API compatibility (issue 15): pure pieces that speak Ghost's dialects.

Behaviour follows /work/ghost/spec/GHOST-CONTENT-API.md; `nql` is the filter language (§13).
"""

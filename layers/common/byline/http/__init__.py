"""The HTTP contract: problem documents, response headers, request limits, the resolver."""

"""The single-table repository. Only byline.data.keys formats PK/SK strings."""

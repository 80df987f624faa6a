"""Pure text processing for articles and comments: slugs, reading time, Markdown to safe HTML."""

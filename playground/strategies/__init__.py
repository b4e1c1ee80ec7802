"""One module per routing strategy: pure decisions with a trace."""

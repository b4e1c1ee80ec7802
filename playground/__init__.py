"""routing-playground: compare LLM routing strategies side by side."""

__version__ = "0.1.0"

"""swapsafe: swap the LLM behind a production application without breaking production."""

__version__ = "0.1.0"

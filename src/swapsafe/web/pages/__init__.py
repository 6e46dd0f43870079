"""Web pages: one module per nav entry, each exposing ``routes(web) -> list[BaseRoute]``."""

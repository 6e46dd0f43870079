"""The swapsafe web UI (``swapsafe serve``); see :mod:`swapsafe.web.app` for the page contract."""

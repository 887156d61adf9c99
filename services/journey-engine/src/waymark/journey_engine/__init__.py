"""journey-engine: the worker running decide(), the management API and the console."""

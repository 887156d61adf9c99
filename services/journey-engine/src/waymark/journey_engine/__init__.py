"""journey-engine: the Faust worker, the management API and the console."""

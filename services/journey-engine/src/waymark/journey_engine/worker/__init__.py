"""The journey-engine worker: decide() on the stream, state in a changelog, timers as ticks."""

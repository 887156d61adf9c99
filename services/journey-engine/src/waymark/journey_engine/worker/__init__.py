"""The journey-engine worker: decide() on the stream, state in a Faust table, timers as ticks."""

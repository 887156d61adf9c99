"""channel-dispatch: send commands to providers, each at most once."""

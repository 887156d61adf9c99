"""The pure engine: decide() over customer state, one module per step type."""

"""analytics: aggregates of transitions, outcomes and conversions."""

"""The journey-engine management API: journeys, versions, lifecycle, tools and templates."""

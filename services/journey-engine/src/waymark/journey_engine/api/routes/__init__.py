"""The API's routers: journeys, versions, tools (validate, simulate, test-send), templates, ops."""

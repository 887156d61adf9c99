"""Development sinks: an SMTP server and an SMS/push/webhook provider, both recording.

`python -m waymark.channel_dispatch.sinks` runs them for `make run`; tests use `Sinks`.
"""

from waymark.channel_dispatch.sinks.running import Sinks

__all__ = ["Sinks"]

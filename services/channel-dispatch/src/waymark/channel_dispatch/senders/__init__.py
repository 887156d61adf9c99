"""Senders: SMTP, Twilio-style SMS, FCM-style push and signed webhooks, one interface."""

from waymark.channel_dispatch.senders.base import (
    Email,
    Message,
    Push,
    Receipt,
    RejectedError,
    RetryableError,
    Sender,
    SendError,
    Sms,
    UncertainError,
    Webhook,
)

__all__ = [
    "Email",
    "Message",
    "Push",
    "Receipt",
    "RejectedError",
    "RetryableError",
    "SendError",
    "Sender",
    "Sms",
    "UncertainError",
    "Webhook",
]

"""Senders: SMTP, Twilio-style SMS, FCM-style push and signed webhooks, one interface."""

from waymark.channel_dispatch.senders.base import (
    Email,
    Message,
    Push,
    Receipt,
    Rejected,
    Retryable,
    Sender,
    SendFailure,
    Sms,
    Uncertain,
    Webhook,
)

__all__ = [
    "Email",
    "Message",
    "Push",
    "Receipt",
    "Rejected",
    "Retryable",
    "SendFailure",
    "Sender",
    "Sms",
    "Uncertain",
    "Webhook",
]

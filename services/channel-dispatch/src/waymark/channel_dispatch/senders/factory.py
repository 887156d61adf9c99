"""The senders the settings describe: one set per lane, each with its own connections."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from waymark.channel_dispatch.senders.base import Sender
from waymark.channel_dispatch.senders.push import PushSender
from waymark.channel_dispatch.senders.sms import SmsSender
from waymark.channel_dispatch.senders.smtp import SmtpSender
from waymark.channel_dispatch.senders.webhook import WebhookSender
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.core.contracts import Channel

__all__ = ["default_senders"]


def default_senders(settings: DispatchSettings) -> Mapping[Channel, Sender[Any]]:
    """One sender per channel, configured from the settings (each lane gets its own set)."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return {
        "email": SmtpSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls,
            start_tls=settings.smtp_starttls,
            validate_certs=settings.smtp_validate_certs,
            username=settings.smtp_username,
            password=password,
            timeout_s=settings.smtp_timeout_s,
            pool_size=settings.smtp_pool_size,
            pipelining=settings.smtp_pipelining,
            local_hostname=settings.message_id_domain,
        ),
        "sms": SmsSender(
            base_url=settings.sms_base_url,
            account_sid=settings.sms_account_sid,
            auth_token=settings.sms_auth_token.get_secret_value(),
            sender=settings.sms_from,
            timeout_s=settings.http_timeout_s,
            pool_size=settings.http_pool_size,
        ),
        "push": PushSender(
            base_url=settings.push_base_url,
            project_id=settings.push_project_id,
            access_token=settings.push_access_token.get_secret_value(),
            timeout_s=settings.http_timeout_s,
            pool_size=settings.http_pool_size,
        ),
        "webhook": WebhookSender(
            url=settings.webhook_url,
            secret=settings.webhook_secret.get_secret_value(),
            timeout_s=settings.http_timeout_s,
            pool_size=settings.http_pool_size,
        ),
    }

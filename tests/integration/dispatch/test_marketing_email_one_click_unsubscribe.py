"""Marketing email carries RFC 8058 one-click unsubscribe headers whose target works;
transactional email carries none."""

from __future__ import annotations

import re
from typing import Any

import httpx

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    command,
    dispatch_settings,
    produce,
    running,
    store_templates,
    template,
)

PROMO = template(
    "promo",
    "marketing",
    email={"subject": "Sale", "html": "<p>Sale for {{ profile.first_name }}</p>", "text": "Sale"},
)


async def test_one_click_unsubscribe_suppresses_marketing_but_not_transactional(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, PROMO, template("receipt"))
    marketing = command(1, category="marketing", template_id="promo")
    transactional = command(2)
    settings = dispatch_settings(sinks, unique)
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce(kafka_topics, [marketing, transactional])
        await outcomes.count(2)
        mail = {m["message_id"]: m for m in (x.describe() for x in sinks.mail.messages)}
        promo = mail[f"<{marketing.command_id}@waymark.local>"]
        receipt = mail[f"<{transactional.command_id}@waymark.local>"]

        assert promo["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        found = re.fullmatch(r"<(http://[^>]+)>", promo["headers"]["List-Unsubscribe"])
        assert found is not None
        url = found.group(1)
        assert url.startswith(settings.public_url + "/v1/unsubscribe/")
        assert url in promo["text"]
        assert url in promo["html"]
        assert "List-Unsubscribe" not in receipt["headers"]
        assert "List-Unsubscribe-Post" not in receipt["headers"]
        assert "unsubscribe" not in (receipt["text"] + receipt["html"]).lower()

        async with httpx.AsyncClient() as client:
            page = await client.get(url)
            assert page.status_code == 200
            assert 'method="post"' in page.text
            forged = await client.post(url[:-3] + "AAA", content=b"List-Unsubscribe=One-Click")
            assert forged.status_code == 400
            one_click = await client.post(
                url,
                content=b"List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert one_click.status_code == 200

        await outcomes.until(lambda seen: any(o.status == "unsubscribed" for o in seen))
        unsubscribed = [o for o in outcomes.seen if o.status == "unsubscribed"]
        assert [(o.command_id, o.customer_id, o.channel, o.reason) for o in unsubscribed] == [
            (marketing.command_id, "c1", "email", "one_click")
        ]

        again_marketing = command(1, category="marketing", template_id="promo")
        again_transactional = command(1)
        await produce(kafka_topics, [again_marketing, again_transactional])
        wanted = {again_marketing.command_id, again_transactional.command_id}
        await outcomes.until(lambda seen: wanted <= {o.command_id for o in seen})

    result = {o.command_id: (o.status, o.reason) for o in outcomes.seen}
    assert result[again_marketing.command_id] == ("suppressed", "unsubscribe")
    assert result[again_transactional.command_id] == ("sent", None)

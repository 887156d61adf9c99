"""The registry client against the embedded registry, served for real by uvicorn on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from waymark.core.contracts import SCHEMAS, AvroCodec, CodecError, Tick
from waymark.core.contracts.registry import (
    IncompatibleSchemaError,
    InvalidSchemaError,
    RegistrySchemaIds,
    RegistryUnavailableError,
    SchemaNotFoundError,
    SchemaRegistryClient,
    learn_schemas,
    register_schemas,
)
from waymark.core.contracts.registry_server import CONTENT_TYPE, create_app
from waymark.core.contracts.registry_store import SchemaStore
from waymark.core.contracts.topics import (
    COMMANDS_MARKETING,
    COMMANDS_TRANSACTIONAL,
    TICKS,
    VALUE_SCHEMAS,
    value_subject,
)
from waymark.core.errors import PermanentError, TransientError

from .conftest import AT

TICK_SCHEMA = SCHEMAS[Tick.SCHEMA_NAME]
SUBJECT = value_subject(TICKS)


def _tick_with(field: dict[str, object]) -> str:
    schema = json.loads(TICK_SCHEMA)
    return json.dumps(schema | {"fields": [*schema["fields"], field]})


OPTIONAL_STEP = _tick_with({"name": "step_id", "type": ["null", "string"], "default": None})
REQUIRED_STEP = _tick_with({"name": "step_id", "type": "string"})


@contextmanager
def serving(store: SchemaStore) -> Iterator[str]:
    """Serve the registry app with uvicorn on a free loopback port, in a thread."""
    config = uvicorn.Config(
        create_app(store), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "the registry server stopped while starting"
        assert time.monotonic() < deadline, "the registry server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def registry_url() -> Iterator[str]:
    with serving(SchemaStore()) as url:
        yield url


@pytest.fixture
async def client(registry_url: str) -> AsyncIterator[SchemaRegistryClient]:
    async with SchemaRegistryClient(registry_url) as registry:
        yield registry


async def test_register_then_fetch_by_id(registry_url: str) -> None:
    async with SchemaRegistryClient(registry_url) as first:
        schema_id = await first.register(SUBJECT, TICK_SCHEMA)
    # A fresh client has an empty cache: this really asks the server.
    async with SchemaRegistryClient(registry_url) as second:
        fetched = await second.schema(schema_id)
        latest = await second.latest(SUBJECT)
    assert json.loads(fetched) == json.loads(TICK_SCHEMA)
    assert (latest.subject, latest.schema_id, latest.version) == (SUBJECT, schema_id, 1)


async def test_re_registering_is_idempotent(registry_url: str) -> None:
    async with SchemaRegistryClient(registry_url) as first:
        schema_id = await first.register(SUBJECT, TICK_SCHEMA)
    async with SchemaRegistryClient(registry_url) as second:
        assert await second.register(SUBJECT, TICK_SCHEMA) == schema_id
        pretty = json.dumps(json.loads(TICK_SCHEMA), indent=4)
        assert await second.register(SUBJECT, pretty) == schema_id
        assert await second.register("another-value", TICK_SCHEMA) == schema_id
        assert (await second.latest(SUBJECT)).version == 1


async def test_compatible_evolution_gets_a_new_version(client: SchemaRegistryClient) -> None:
    first = await client.register(SUBJECT, TICK_SCHEMA)
    assert await client.compatibility_problems(SUBJECT, OPTIONAL_STEP) == []
    second = await client.register(SUBJECT, OPTIONAL_STEP)
    assert second != first
    latest = await client.latest(SUBJECT)
    assert (latest.schema_id, latest.version) == (second, 2)


async def test_incompatible_schema_is_a_typed_409(client: SchemaRegistryClient) -> None:
    await client.register(SUBJECT, TICK_SCHEMA)
    problems = await client.compatibility_problems(SUBJECT, REQUIRED_STEP)
    assert problems == ["field 'step_id' added without a default"]
    with pytest.raises(IncompatibleSchemaError) as caught:
        await client.register(SUBJECT, REQUIRED_STEP)
    assert caught.value.status == 409
    assert isinstance(caught.value, PermanentError)
    assert "field 'step_id' added without a default" in str(caught.value)
    assert (await client.latest(SUBJECT)).version == 1


async def test_compatibility_level_is_per_subject(client: SchemaRegistryClient) -> None:
    await client.register(SUBJECT, TICK_SCHEMA)
    assert await client.compatibility_level() == "BACKWARD"
    assert await client.compatibility_level(SUBJECT) == "BACKWARD"
    assert await client.set_compatibility_level("NONE", SUBJECT) == "NONE"
    assert await client.compatibility_level(SUBJECT) == "NONE"
    assert await client.compatibility_level() == "BACKWARD"
    assert await client.register(SUBJECT, REQUIRED_STEP) > 0
    with pytest.raises(InvalidSchemaError):
        await client.set_compatibility_level("SIDEWAYS", SUBJECT)


async def test_invalid_schema_is_a_typed_422(client: SchemaRegistryClient) -> None:
    bad = '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "strng"}]}'
    for text in (bad, "not json"):
        with pytest.raises(InvalidSchemaError) as caught:
            await client.register(SUBJECT, text)
        assert caught.value.status == 422
        assert caught.value.error_code == 42201


async def test_unknown_id_and_subject_are_typed_404s(client: SchemaRegistryClient) -> None:
    with pytest.raises(SchemaNotFoundError) as caught:
        await client.schema(999)
    assert caught.value.error_code == 40403
    with pytest.raises(SchemaNotFoundError) as caught:
        await client.latest("nobody-value")
    assert caught.value.error_code == 40401
    assert await client.compatibility_problems("nobody-value", TICK_SCHEMA) == []


async def test_unreachable_registry_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with SchemaRegistryClient(f"http://127.0.0.1:{port}", timeout=2) as client:
        with pytest.raises(RegistryUnavailableError) as caught:
            await client.register(SUBJECT, TICK_SCHEMA)
    assert isinstance(caught.value, TransientError)


async def test_codec_with_registry_ids_round_trips_and_learns_new_writers(
    client: SchemaRegistryClient,
) -> None:
    ids = await register_schemas(client)
    assert set(ids.writer_ids) == set(VALUE_SCHEMAS.values())
    marketing = await client.latest(value_subject(COMMANDS_MARKETING))
    transactional = await client.latest(value_subject(COMMANDS_TRANSACTIONAL))
    assert marketing.schema_id == transactional.schema_id
    codec = AvroCodec(ids)
    tick = Tick(
        customer_id="c", journey_id="j", entry_id="e", timer_id="t", due_at=AT, generation=3
    )
    data = codec.encode(TICKS, tick)
    assert int.from_bytes(data[1:5], "big") == ids.writer_ids[Tick.SCHEMA_NAME]
    assert codec.decode_as(data, Tick) == tick
    # A newer producer registers an evolved schema and writes with its id.
    newer_id = await client.register(SUBJECT, OPTIONAL_STEP)
    newer_codec = AvroCodec(
        RegistrySchemaIds({Tick.SCHEMA_NAME: newer_id}, {newer_id: OPTIONAL_STEP}),
        local_schemas={Tick.SCHEMA_NAME: OPTIONAL_STEP},
    )
    newer_data = newer_codec.encode(TICKS, tick.to_avro() | {"step_id": "s"})
    assert not codec.knows(newer_id)
    await learn_schemas(codec, client, [newer_data, b"garbage", None])
    assert codec.decode_as(newer_data, Tick) == tick


def test_registry_state_survives_a_restart(tmp_path: Path) -> None:
    async def register(url: str, schema: str) -> int:
        async with SchemaRegistryClient(url) as client:
            return await client.register(SUBJECT, schema)

    with serving(SchemaStore(tmp_path)) as url:
        first = asyncio.run(register(url, TICK_SCHEMA))
        second = asyncio.run(register(url, OPTIONAL_STEP))
    with serving(SchemaStore(tmp_path)) as url:
        assert asyncio.run(register(url, TICK_SCHEMA)) == first
        assert asyncio.run(register(url, OPTIONAL_STEP)) == second
        with pytest.raises(IncompatibleSchemaError):
            asyncio.run(register(url, REQUIRED_STEP))


async def test_errors_carry_confluent_bodies(registry_url: str) -> None:
    async with httpx.AsyncClient(base_url=registry_url) as http:
        missing = await http.get("/subjects/nobody-value/versions/latest")
        bad_id = await http.get("/schemas/ids/abc")
        bad_version = await http.get(f"/subjects/{SUBJECT}/versions/0")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == 40401
    assert missing.headers["content-type"].startswith(CONTENT_TYPE)
    assert bad_id.status_code == 422
    assert "schema_id" in bad_id.json()["message"]
    assert bad_version.status_code == 404


async def test_ids_the_registry_does_not_have_stay_unknown(client: SchemaRegistryClient) -> None:
    codec = AvroCodec(await register_schemas(client, [TICKS]))
    stray = b"\x00" + (4242).to_bytes(4, "big") + b"\x02c"
    await learn_schemas(codec, client, [stray])
    with pytest.raises(CodecError, match="unknown schema id 4242"):
        codec.decode(stray)


async def test_register_schemas_under_a_test_prefix(client: SchemaRegistryClient) -> None:
    ids = await register_schemas(client, [TICKS], prefix="t1234.")
    latest = await client.latest("t1234.waymark.ticks.v1-value")
    assert latest.schema_id == ids.writer_ids[Tick.SCHEMA_NAME]
    with pytest.raises(ValueError, match="not a Waymark topic"):
        await register_schemas(client, ["t1234.waymark.ticks.v1"])

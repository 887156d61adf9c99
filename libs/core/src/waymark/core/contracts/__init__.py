"""Wire contracts: the Avro codec, schema registry client and wire models."""

from waymark.core.contracts._generated import (
    MODELS,
    SCHEMAS,
    Category,
    Channel,
    CustomerEvent,
    CustomerEventType,
    DispatchOutcome,
    JourneyStatus,
    JourneyTransition,
    JourneyVersion,
    OutcomeStatus,
    SendCommand,
    Tick,
    TransitionKind,
    WireModel,
)
from waymark.core.contracts.codec import AvroCodec, CodecError, Decoded, schema_id_of
from waymark.core.contracts.json_text import definition_checksum
from waymark.core.contracts.schema_ids import SchemaIdSource, StaticSchemaIds

__all__ = [
    "MODELS",
    "SCHEMAS",
    "AvroCodec",
    "Category",
    "Channel",
    "CodecError",
    "CustomerEvent",
    "CustomerEventType",
    "Decoded",
    "DispatchOutcome",
    "JourneyStatus",
    "JourneyTransition",
    "JourneyVersion",
    "OutcomeStatus",
    "SchemaIdSource",
    "SendCommand",
    "StaticSchemaIds",
    "Tick",
    "TransitionKind",
    "WireModel",
    "definition_checksum",
    "schema_id_of",
]

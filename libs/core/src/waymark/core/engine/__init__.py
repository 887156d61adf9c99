"""The pure engine: decide() over customer state, one module per step type."""

from waymark.core.engine.catalog import Catalog, JourneyRecord, JourneyStatus
from waymark.core.engine.codec import StateDecodeError, from_bytes, to_bytes
from waymark.core.engine.compiled import CompiledJourney, compile_journey
from waymark.core.engine.decide import decide
from waymark.core.engine.decision import (
    TRANSITION_KINDS,
    Decision,
    SendCommand,
    TimerRequest,
    Transition,
    TransitionKind,
    decision_to_bytes,
)
from waymark.core.engine.inputs import (
    ApiTrigger,
    CatalogChange,
    Consent,
    Identify,
    Input,
    InputError,
    Outcome,
    ScheduleTick,
    Tick,
    Track,
    parse_input,
)
from waymark.core.engine.policies import EnginePolicy
from waymark.core.engine.state import CustomerState, Finished, JourneyInstance, Wait

__all__ = [
    "TRANSITION_KINDS",
    "ApiTrigger",
    "Catalog",
    "CatalogChange",
    "CompiledJourney",
    "Consent",
    "CustomerState",
    "Decision",
    "EnginePolicy",
    "Finished",
    "Identify",
    "Input",
    "InputError",
    "JourneyInstance",
    "JourneyRecord",
    "JourneyStatus",
    "Outcome",
    "ScheduleTick",
    "SendCommand",
    "StateDecodeError",
    "Tick",
    "TimerRequest",
    "Track",
    "Transition",
    "TransitionKind",
    "Wait",
    "compile_journey",
    "decide",
    "decision_to_bytes",
    "from_bytes",
    "parse_input",
    "to_bytes",
]

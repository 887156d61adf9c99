"""analytics: what customers did with what they were sent (seeds 000, 001, 002, 004).

Reads `waymark.transitions.v1`, `waymark.outcomes.v1` and `waymark.events.v1` in one consumer
group, and the compacted `waymark.journeys.v1` whole; keeps its aggregates in MongoDB
(FerretDB's subset); serves the journey table, steps with their status, the milestone funnel,
messages per channel, holdout lift, daily series and customer traces over HTTP.

Modules, along the flow of a record:
- `consumer` (live, in a group) and `rebuild` (from the earliest offsets, no group) decode
  records into envelopes; `feed` keeps the journey `catalog` (outlines and goals);
- `aggregator` turns a batch into `documents` (one fact per record id; a transition's carries
  the move of its journey instance, see `instances`) and inserts them through `store`;
- `queries` count facts with `$match`/`$group`; `stats`, `lift` and `trace` shape the
  answers; `views` are the read use cases; `app` the routes; `bootstrap` wires it all.

Idempotency: a fact's `_id` is its record's id, so inserting it is counting it, once; see
`aggregator` for why a crash between writes neither double-counts nor loses a record.
"""

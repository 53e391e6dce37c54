"""Property tests of the flow definition check: random step graphs, broken in one known way, are
refused with the offending step named; valid ones round-trip through to_json/parse."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saleor_ltv_plugin.automation.flows.definition import parse, to_json
from saleor_ltv_plugin.automation.flows.templates import TEMPLATE_KEYS, template

TRIGGER = {"kind": "metric", "metric": "churn_risk"}
CONTENT = {"template": "churn_risk", "step": 0}


def _step(step_id: str, kind: str, targets: list[str | None]) -> dict:
    if kind == "delay":
        return {"id": step_id, "kind": "delay", "hours": 24, "next": targets[0]}
    if kind == "send":
        return {"id": step_id, "kind": "send", "channel": "email", "content": CONTENT, "next": targets[0]}
    if kind == "staff":
        return {"id": step_id, "kind": "staff", "channel": "staff_alert", "next": targets[0]}
    if kind == "split":
        return {"id": step_id, "kind": "split", "condition": {"kind": "ordered"}, "yes": targets[0],
                "no": targets[1]}
    if kind == "ab":
        return {"id": step_id, "kind": "ab", "variants": [{"key": "A", "weight": 50, "next": targets[0]},
                                                          {"key": "B", "weight": 50, "next": targets[1]}]}
    return {"id": step_id, "kind": "exit"}


@st.composite
def forward_graphs(draw):
    """Valid graphs: every edge points forward (no loop at all), every step reachable from s0."""
    n = draw(st.integers(2, 12))
    kinds = [draw(st.sampled_from(["delay", "send", "staff", "split", "ab"])) for _ in range(n - 1)] + ["exit"]
    steps = []
    for i, kind in enumerate(kinds):
        # the first target is always the next step (keeps all reachable); others jump forward
        later = [f"s{j}" for j in range(i + 1, n)]
        first = f"s{i + 1}" if i + 1 < n else None
        second = draw(st.sampled_from(later)) if later else None
        steps.append(_step(f"s{i}", kind, [first, second]))
    return {"trigger": TRIGGER, "exit_on": ["ordered"], "start": "s0", "steps": steps}


@settings(max_examples=150, deadline=None)
@given(forward_graphs())
def test_a_valid_graph_round_trips(document):
    definition, problems = parse(document)
    assert problems == [] and definition is not None
    again, problems = parse(to_json(definition))
    assert problems == [] and again == definition


@settings(max_examples=150, deadline=None)
@given(forward_graphs(), st.data())
def test_a_loop_without_a_delay_is_refused_naming_a_step_on_it(document, data):
    steps = document["steps"]
    candidates = [i for i, s in enumerate(steps) if s["kind"] in ("send", "staff")]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    # point the step back to the start along a path with no delay: s0 … s_i with delays replaced
    for j in range(i):
        if steps[j]["kind"] == "delay":
            steps[j] = _step(f"s{j}", "send", [f"s{j + 1}"])
    steps[i]["next"] = "s0"
    definition, problems = parse(document)
    cycles = [p for p in problems if p.code == "cycle"]
    assert definition is None and cycles
    on_loop = {f"s{j}" for j in range(i + 1)}
    assert cycles[0].step in on_loop and "loop with no delay" in cycles[0].message


@settings(max_examples=150, deadline=None)
@given(forward_graphs(), st.data())
def test_a_split_with_a_missing_branch_is_refused_naming_it(document, data):
    splits = [s for s in document["steps"] if s["kind"] == "split"]
    if not splits:
        return
    split = data.draw(st.sampled_from(splits))
    branch = data.draw(st.sampled_from(["yes", "no"]))
    split[branch] = None
    found = [p for p in parse(document)[1] if p.code == "missing_branch"]
    assert [p.step for p in found] == [split["id"]] and found[0].path.endswith(f".{branch}")


@settings(max_examples=150, deadline=None)
@given(forward_graphs(), st.data())
def test_a_dangling_next_is_refused_naming_the_step(document, data):
    linear = [s for s in document["steps"] if s["kind"] in ("delay", "send", "staff")]
    if not linear:
        return
    step = data.draw(st.sampled_from(linear))
    step["next"] = "nowhere"
    assert step["id"] in {p.step for p in parse(document)[1] if p.code == "dangling"}


@settings(max_examples=100, deadline=None)
@given(forward_graphs(), st.data(), st.integers(1, 10**6))
def test_a_step_using_a_deleted_segment_is_refused_naming_it(document, data, segment_id):
    steps = document["steps"]
    i = data.draw(st.integers(0, len(steps) - 2))
    targets = [steps[i].get("next") or steps[i].get("yes") or f"s{i + 1}", f"s{i + 1}"]
    steps[i] = {"id": f"s{i}", "kind": "split", "condition": {"kind": "in_segment", "segment_id": segment_id},
                "yes": targets[0], "no": targets[1]}
    existing = {segment_id + 1}  # every other segment exists; this one was deleted
    definition, problems = parse(document, segment_exists=lambda s: s in existing)
    missing = [p for p in problems if p.code == "missing_segment"]
    assert definition is None and [p.step for p in missing] == [f"s{i}"]
    assert missing[0].path == f"steps[{i}].condition.segment_id"


def test_every_template_is_valid_and_round_trips():
    for key in TEMPLATE_KEYS:
        definition, problems = parse(template(key))
        assert problems == [], key
        assert parse(to_json(definition))[0] == definition

"""The flow of a milestone's steps: jump targets, reachability and loops without a wait."""

from __future__ import annotations

from waymark.core.errors import Problem
from waymark.core.journeys.model import EXIT, Journey, Milestone, WaitForStep, WaitStep

__all__ = ["flow_problems", "successors"]


def successors(milestone: Milestone, index: int) -> list[int]:
    """Indices of the steps the step at `index` can lead to, inside its milestone."""
    step = milestone.steps[index]
    found: list[int] = []
    for jump in step.jumps():
        target = milestone.step_positions.get(jump.target)
        if target is not None and target not in found:
            found.append(target)
    if step.falls_through() and index + 1 < len(milestone.steps) and index + 1 not in found:
        found.append(index + 1)
    return found


def _jump_problems(journey: Journey, m_index: int, milestone: Milestone) -> list[Problem]:
    problems: list[Problem] = []
    for s_index, step in enumerate(milestone.steps):
        for jump in step.jumps():
            if jump.target == EXIT or jump.target in milestone.step_positions:
                continue
            path = f"milestones[{m_index}].steps[{s_index}].{jump.field}"
            owner = journey.step_milestones.get(jump.target)
            if owner is not None:
                message = (
                    f"step '{jump.target}' is in milestone '{journey.milestones[owner].id}', "
                    f"and jumps stay inside milestone '{milestone.id}'"
                )
            else:
                message = f"no step '{jump.target}' in milestone '{milestone.id}'"
            problems.append(Problem(path, message))
    return problems


def _unreachable(m_index: int, milestone: Milestone) -> list[Problem]:
    if not milestone.steps:
        return []
    seen = {0}
    stack = [0]
    while stack:
        for target in successors(milestone, stack.pop()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    first = milestone.steps[0].id
    return [
        Problem(
            f"milestones[{m_index}].steps[{index}]",
            f"step '{step.id}' cannot be reached from '{first}', the milestone's first step",
        )
        for index, step in enumerate(milestone.steps)
        # A repeated id is reported as such; its step is unreachable by name anyway.
        if index not in seen and milestone.step_positions[step.id] == index
    ]


def _strongly_connected(nodes: list[int], edges: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's algorithm, iterative so long step lists cannot exhaust the stack."""
    index_of: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index_of:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index_of:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index_of[target])
                continue
            if low[node] == index_of[node]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _busy_loops(m_index: int, milestone: Milestone) -> list[Problem]:
    pausing = {
        index
        for index, step in enumerate(milestone.steps)
        if isinstance(step, WaitStep | WaitForStep)
    }
    nodes = [index for index in range(len(milestone.steps)) if index not in pausing]
    edges = {
        index: [target for target in successors(milestone, index) if target not in pausing]
        for index in nodes
    }
    problems: list[Problem] = []
    for component in sorted(_strongly_connected(nodes, edges)):
        first = component[0]
        if len(component) == 1 and first not in edges[first]:
            continue
        names = [f"'{milestone.steps[index].id}'" for index in component]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        problems.append(
            Problem(
                f"milestones[{m_index}].steps[{first}]",
                f"{'steps' if len(names) > 1 else 'step'} {listed} loop without a wait "
                "or wait_for, so a customer would go round at once forever",
            )
        )
    return problems


def flow_problems(journey: Journey, m_index: int, milestone: Milestone) -> list[Problem]:
    """Unknown jump targets, unreachable steps and loops that never pause, in one milestone."""
    return (
        _jump_problems(journey, m_index, milestone)
        + _unreachable(m_index, milestone)
        + _busy_loops(m_index, milestone)
    )

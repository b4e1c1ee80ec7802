"""Call roles are typed: consumers read the kind and index, and the JSON
label stays what it always was."""

from __future__ import annotations

import pytest

from playground.core import roles
from playground.core.roles import CallKind, CallRole


def test_labels_are_the_json_roles_of_before() -> None:
    assert [r.label for r in (roles.ANSWER, roles.member(2), roles.tier(1), roles.JUDGE, roles.ROUTER, roles.ROUTED,
                              roles.ESCALATION, roles.EMBEDDING)] == [
        "", "member 2", "tier 1", "judge", "router", "answer", "escalation", "embedding"]
    assert str(roles.tier(3)) == "tier 3"


def test_kinds_say_what_a_call_is_for() -> None:
    assert roles.JUDGE.side and roles.ROUTER.side and roles.EMBEDDING.side
    assert not any(r.side for r in (roles.ANSWER, roles.member(1), roles.tier(1), roles.ROUTED, roles.ESCALATION))
    assert roles.member(1).in_plan and roles.ROUTED.in_plan and not roles.ANSWER.in_plan and not roles.EMBEDDING.in_plan
    assert not roles.ANSWER and roles.member(1)  # falsy like the empty string it replaces
    assert roles.member(1) == CallRole(CallKind.MEMBER, 1) and roles.member(1) != roles.member(2)


@pytest.mark.parametrize(("kind", "index"), [(CallKind.MEMBER, None), (CallKind.TIER, 0), (CallKind.JUDGE, 1)])
def test_an_index_goes_with_members_and_tiers_only(kind: CallKind, index: int | None) -> None:
    with pytest.raises(ValueError):
        CallRole(kind, index)


@pytest.mark.parametrize("role", [roles.ANSWER, roles.JUDGE, roles.ROUTER, roles.ROUTED, roles.ESCALATION,
                                  roles.EMBEDDING, roles.member(3), roles.tier(1)])
def test_a_stored_label_reads_back_as_the_same_role(role: CallRole) -> None:
    assert CallRole.from_label(role.label) == role


@pytest.mark.parametrize("label", ["member", "tier x", "wizard", "judge 2"])
def test_a_label_no_role_writes_is_refused_by_name(label: str) -> None:
    with pytest.raises(ValueError, match="not a call role label"):
        CallRole.from_label(label)

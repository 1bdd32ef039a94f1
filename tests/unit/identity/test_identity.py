"""bot.identity: signed chat proofs, the failure lock, who is writing."""
from __future__ import annotations

import pytest

from bot.identity import customer, locks, proofs
from bot.identity.customer import resolve
from bot.identity.locks import LockState, issue_lock, read_lock, record_failure
from bot.identity.proofs import check_proof, issue_proof

KEY = b"unit-test-secret-0123456789-0123456789"
T = 1_795_000_000.0


def test_proof_round_trip_and_binding():
    proof = issue_proof("A1001", "conv-1", T, secret=KEY)
    assert check_proof(proof, "conv-1", T + 60, secret=KEY).account_id == "A1001"
    assert check_proof(proof, "conv-2", T + 60, secret=KEY).problem == proofs.PROOF_INVALID
    assert check_proof(proof, "conv-1", T + 60, secret=b"other-key-0123456789").problem == proofs.PROOF_INVALID


@pytest.mark.parametrize("mutate", [
    lambda p: p.replace("A1001", "A1002"),
    lambda p: p.replace(p.split(":")[2], str(int(T) + 600)),
    lambda p: p[:-1] + ("0" if p[-1] != "0" else "1"),
    lambda p: "A1001",
    lambda p: "",
    lambda p: 42,
])
def test_tampered_proofs_are_rejected(mutate):
    proof = issue_proof("A1001", "conv-1", T, secret=KEY)
    assert check_proof(mutate(proof), "conv-1", T + 60, secret=KEY).account_id is None


def test_idle_expiry_is_15_minutes_between_messages():
    proof = issue_proof("A1001", "c", T, secret=KEY)
    assert check_proof(proof, "c", T + 15 * 60, [T + 15 * 60], secret=KEY).account_id == "A1001"
    assert check_proof(proof, "c", T + 15 * 60 + 1, [T + 15 * 60 + 1], secret=KEY).problem == proofs.PROOF_EXPIRED
    steady = [T + 600 * i for i in range(1, 7)]           # a message every 10 minutes for an hour
    assert check_proof(proof, "c", T + 3600, steady, secret=KEY).account_id == "A1001"
    gap = [T + 600, T + 600 + 16 * 60]
    assert check_proof(proof, "c", gap[-1], gap, secret=KEY).problem == proofs.PROOF_EXPIRED


def test_proof_from_the_future_is_rejected():
    proof = issue_proof("A1001", "c", T + 3600, secret=KEY)
    assert check_proof(proof, "c", T, secret=KEY).problem == proofs.PROOF_INVALID


def test_lock_after_three_failures_for_30_minutes():
    state = LockState()
    for _ in range(2):
        state = record_failure(state, T)
        assert not state.locked(T)
    state = record_failure(state, T)
    assert state.locked(T) and state.locked(T + 1799) and not state.locked(T + 1800)
    stored = issue_lock(state, "c", secret=KEY)
    assert read_lock(stored, "c", T + 60, secret=KEY) == state
    assert read_lock(stored, "c", T + 1800, secret=KEY) == LockState()   # ran out: fresh attempts


@pytest.mark.parametrize("value", ["v1:0:0:" + "0" * 64, "garbage", 7])
def test_unsigned_lock_values_count_as_locked(value):
    assert read_lock(value, "c", T, secret=KEY).locked(T)


def test_lock_from_another_conversation_counts_as_locked():
    stored = issue_lock(LockState(failures=1), "other", secret=KEY)
    assert read_lock(stored, "c", T, secret=KEY).locked(T)


def test_resolve_prefers_a_valid_token_and_reports_rejected_ones():
    proof = issue_proof("A1001", "c", T, secret=KEY)

    def ok(token):
        return "A1007"

    def bad(token):
        raise ValueError("tampered")

    assert resolve({"token": "t"}, proof, "c", T + 1, secret=KEY, verify_token=ok).account_id == "A1007"
    by_proof = resolve({"token": "t"}, proof, "c", T + 1, secret=KEY, verify_token=bad)
    assert by_proof.account_id == "A1001" and by_proof.source == customer.CHAT and by_proof.proof != proof
    anonymous = resolve({"token": "t"}, None, "c", T + 1, secret=KEY, verify_token=bad)
    assert anonymous.account_id is None and anonymous.problem == customer.TOKEN_REJECTED
    assert resolve({}, None, "c", T, secret=KEY).problem is None


def test_user_message_times():
    events = [{"event": "user", "timestamp": 2.0}, {"event": "bot", "timestamp": 3.0}, {"event": "user", "timestamp": 1.0}]
    assert customer.user_message_times(events) == [1.0, 2.0]


def test_lock_registry_keeps_and_forgets():
    registry = locks.LockRegistry()
    locked = LockState(failures=3, locked_until=T + 1800)
    registry.put("c", locked, T)
    assert registry.get("c", T + 60) == locked and registry.get("other", T) == LockState()
    assert registry.get("c", T + 1800) == LockState()
    registry.put("c", LockState(failures=1), T)
    assert registry.get("c", T + 60).failures == 1
    assert registry.get("c", T + 31 * 60) == LockState()
    registry.put("c", LockState(failures=1), T)
    registry.put("c", LockState(), T)
    assert registry.get("c", T) == LockState()


def test_stricter():
    assert locks.stricter(LockState(failures=1), LockState(failures=2)).failures == 2
    assert locks.stricter(LockState(failures=3, locked_until=T), LockState(failures=1)).locked_until == T

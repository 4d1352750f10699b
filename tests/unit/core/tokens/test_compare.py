from tokendesk.core.tokens.compare import Change, diff_claims


def test_diff_reports_added_removed_and_changed_in_order():
    before = {"sub": "u", "exp": 100, "scope": "a b", "sid": "s1"}
    after = {"sub": "u", "exp": 200, "scope": "a", "jti": "j2"}
    changes = diff_claims(before, after)
    assert [(c.name, c.change) for c in changes] == [
        ("exp", Change.CHANGED), ("scope", Change.CHANGED), ("sid", Change.REMOVED),
        ("jti", Change.ADDED)]


def test_equal_structures_with_other_key_order_are_the_same():
    changes = diff_claims({"a": {"x": 1, "y": 2}}, {"a": {"y": 2, "x": 1}}, include_same=True)
    assert changes[0].change is Change.SAME


def test_missing_sides():
    assert [c.change for c in diff_claims(None, {"a": 1})] == [Change.ADDED]
    assert diff_claims(None, None) == []

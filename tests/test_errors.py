from swarmfi import errors


def test_every_error_has_a_hint_and_an_exit_code():
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.SwarmfiError)
    ]
    assert len(classes) >= 10
    for cls in classes:
        err = cls("x") if cls is not errors.RefusalError else cls("ambiguous", "x")
        assert err.hint
        assert err.exit_code > 0


def test_exit_codes_by_blame():
    assert errors.UserInputError("x").exit_code == 2
    assert errors.RefusalError("invalid", "x").exit_code == 2
    assert errors.PolicyError("x").exit_code == 3
    assert errors.SimulationError("x").exit_code == 4
    assert errors.ChainProviderError("x").exit_code == 5
    assert errors.BugError("x").exit_code == 70


def test_one_line_joins_message_and_hint():
    err = errors.StateError("state file /tmp/s.json is corrupt", "run `swarmfi devnet reset`")
    assert err.one_line() == "state file /tmp/s.json is corrupt. run `swarmfi devnet reset`."
    assert "\n" not in err.one_line()


def test_refusal_keeps_kind():
    err = errors.RefusalError("ambiguous", "which token?")
    assert err.kind == "ambiguous"
    assert isinstance(err, errors.UserInputError)

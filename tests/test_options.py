"""The one home of the answer modes and the filters every shell uses (rag/options.py)."""

from __future__ import annotations

import pytest

from rag.errors import BadInput
from rag.options import MODES, Filters, check_date, check_mode, parse_filters, uses_model


def test_modes_and_how_auto_resolves():
    assert MODES == ("auto", "extractive", "llm")
    assert [uses_model(m, True) for m in MODES] == [True, False, True]
    assert [uses_model(m, False) for m in MODES] == [False, False, True]  # llm fails over, said so, downstream
    with pytest.raises(BadInput, match="use auto, extractive or llm"):
        check_mode("magic")


def test_dates_are_real_days_written_one_way():
    assert check_date(" 2024-02-29 ", "since") == "2024-02-29"
    assert check_date("", "since") is None and check_date(None) is None
    with pytest.raises(BadInput, match="invalid since date '2023-02-29': no such day"):
        check_date("2023-02-29", "since")
    for bad in ("2024-1-01", "last week", "20240101", "2024-01-01T00:00"):
        with pytest.raises(BadInput, match="YYYY-MM-DD"):
            check_date(bad)


def test_filters_parsed_once_for_every_shell():
    assert parse_filters(" 2024-01-01 ", "", " 004_ ") == Filters("2024-01-01", None, "004_")
    assert not parse_filters("", None, "  ").active
    with pytest.raises(BadInput, match="invalid 'to' date"):
        parse_filters(None, "soon", None, names=("'from'", "'to'"))

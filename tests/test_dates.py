"""Date phrases resolved against a publication date (pure logic)."""

from __future__ import annotations

from rag.reports.dates import find_dates, same_time


def one(sentence: str, published: str | None):  # noqa: ANN201
    refs = find_dates(sentence, published)
    assert len(refs) == 1, refs
    return refs[0]


def test_absolute_dates_at_the_precision_given():
    r = one("Musk has been in touch with Putin since late 2022, the report says.", "2024-10-25")
    assert (r.phrase, r.iso, r.qualifier) == ("since late 2022", "2022", "late")
    assert one("However, by October 2022, he sought funding.", None).iso == "2022-10"
    assert one("The deal was signed on 3 March 2005 in London.", None).iso == "2005-03-03"
    assert one("Shares fell on March 3, 2005, after the results.", None).iso == "2005-03-03"
    assert one("Profits rose in 2004 to $1.2bn.", None).iso == "2004"


def test_relative_phrases_use_the_publication_date():
    assert one("In June this year, the department disclosed a deal.", "2024-10-25").iso == "2024-06"
    assert one("He spoke to officials in October last year.", "2024-10-25").iso == "2023-10"
    assert one("Sales fell last year.", "2005-02-10").iso == "2004"
    assert one("The report on Monday said so.", "2024-10-25").iso == "2024-10-21"  # a Friday
    assert one("Sales dropped in December.", "2005-02-10").iso == "2004-12"
    r = one("His only conversation with Putin was 18 months prior.", "2024-10-25")
    assert (r.iso, r.qualifier) == ("2023-04", "at latest") and "publication date" in r.note
    assert one("The firm was founded two years ago.", "2005-02-10").iso == "2003"


def test_without_a_publication_date_the_year_is_unknown_not_guessed():
    r = one("In June this year, the Department of Defence disclosed an agreement.", None)
    assert r.iso is None and r.phrase == "In June this year"
    assert "no publication date" in r.note and "year" in r.note
    assert one("according to a report on Monday in the New Yorker", None).iso is None
    assert one("It happened in late 2023.", None).iso == "2023"  # absolute: no publication date needed


def test_not_dates():
    assert find_dates("He may sell 2,000 shares for $2010m, up 2005%.", "2005-01-01") == []
    assert find_dates("Musk said he may resign.", "2024-10-25") == []


def test_same_time_and_sort_order():
    assert same_time("Around the same time, he tweeted a peace plan.") == "Around the same time"
    assert same_time("He tweeted a peace plan.") is None
    refs = [one(s, "2024-10-25") for s in ("It came in late 2023.", "By October 2022 he asked.",
                                           "Since late 2022 they talked.", "In early 2023 it ended.")]
    assert [r.phrase for r in sorted(refs, key=lambda r: r.sort_key())] == [
        "By October 2022", "Since late 2022", "In early 2023", "in late 2023"]


def test_decades_are_not_years():
    r = one("WorldCom became the darling of late 1990s investors.", None)
    assert (r.iso, r.qualifier) == ("1990", "late 1990s")
    assert r.sort_key() > one("It was founded in 1995.", None).sort_key()


def test_ranges_stay_ranges_and_a_moved_date_is_not_one():
    r = one("Entries were made between 2000 and 2002 to conceal costs.", None)
    assert (r.phrase, r.iso, r.until) == ("between 2000 and 2002", "2000", "2002")
    r = one("Fiat could sell GM the rest between January 2004 and July 2009.", None)
    assert (r.iso, r.until) == ("2004-01", "2009-07")
    assert (one("It may float in either 2006 or 2007.", None).until, one("The 2003-04 season.", None).until) == (
        "2007", "2004")
    refs = find_dates("It was forced to push back its break-even target from 2005 to 2006.", None)
    assert [(r.iso, r.until) for r in refs] == [("2005", None), ("2006", None)]

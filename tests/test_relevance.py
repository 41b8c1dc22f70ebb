"""Pure logic of rag/reports/relevance.py: when two sentences give different values for one fact, and when not."""

from __future__ import annotations

from rag.reports.relevance import Topic, quantities, relevance, value_conflict

CASES = [  # (a, b, similarity, the pairs of differing values it may name (a's first) or None)
    ("The Russian government put Yuganskneftegas up for sale after hitting Yukos with a $27bn (£14bn) bill for back "
     "taxes and fines.", "Yukos has been presented with a $27.5bn (£13bn) tax demand by the Russian authorities.",
     0.78, {("$27bn", "$27.5bn"), ("£14bn", "£13bn")}),  # both currencies differ
    ("WorldCom had been overstating its accounts by $11bn (£8.5bn).", "WorldCom collapsed following the discovery "
     "of an $11bn (£5.7bn) accounting fraud at the firm.", 0.62, {("£8.5bn", "£5.7bn")}),  # not the $11bn
    # agreement: a rounding, a bound, the same value, different subjects or years
    ("Magnier and McManus own 29% of United.", "Magnier and McManus own 28.9% of United.", 0.9, None),
    ("Yukos owed more than $27bn in back taxes.", "Yukos owed $27.5bn in back taxes.", 0.9, None),
    ("Shares in Umbro were up 1.76% at 115.5 pence.", "Shares in Wimpey were up 6% at 458.5p.", 0.7, None),
    ("Barclays profits rose 20% in 2003.", "Barclays profits rose 18% in 2004.", 0.8, None),
    ("Milburn said the economy would take centre stage.", "The election will be fought on the economy.", 0.7, None),
]


def test_value_conflicts_both_ways():
    for a, b, sim, want in CASES:
        got = value_conflict(a, b, sim)
        assert (got is None) == (want is None), (a, b, got)
        if want:  # the differing values themselves, the first sentence's first
            assert got in want, (a, b, got)


def test_quantities_know_money_shares_and_counts_but_not_years():
    kinds = {q.kind for q in quantities("In 2004 Yukos paid $9.3bn (£5bn) for 76% of Yugansk, 38,000 people said.")}
    assert kinds == {"$", "£", "%", "people"}


def test_relevance_rewards_the_topics_terms_and_its_article():
    t = Topic("Yukos tax bill", {"yukos": 5.0, "tax": 2.0, "bill": 2.0})
    on = relevance(t, "Yukos faces a $27bn tax bill.", 0.6, "Yukos", 0.7)
    off = relevance(t, "Gordon Brown was elected in 1983.", 0.2, "Profile: Gordon Brown", 0.3)
    assert on > off + 0.3

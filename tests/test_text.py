from rag.text import normalize, sentence_spans, terms


def test_sentences_split_on_terminal_punctuation_and_lines():
    text = "Mr Musk spoke to Putin. He later denied it!\nHeading here\n“Quote ends.” Next one?"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Mr Musk spoke to Putin.", "He later denied it!", "Heading here", "“Quote ends.”", "Next one?"]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "The U.S. official met Dr. Smith and J. K. Rowling. Then they left."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "The U.S. official met Dr. Smith and J. K. Rowling.", "Then they left."]


def test_spans_are_offsets_into_the_text():
    text = "  One sentence here.   Two sentences here.  "
    for a, b in sentence_spans(text, 2):
        assert text[a:b].strip() == text[a:b] and text[a:b]


def test_terms_drop_stopwords_and_fold_quotes():
    assert terms("Musk’s contacts with the Kremlin") == ["musk", "contact", "kremlin"]
    assert normalize("“pro-Ukraine”  it’s") == '"pro-Ukraine" it\'s'


# Each case: the text and the sentences it must split into (both ways: ends after amounts, none inside
# abbreviations, titles, initials or "No. 10").
SPLIT_CASES = [
    ("Glazer's bid was valuing the club at £800m. Magnier and McManus own 28.9%.",
     ["Glazer's bid was valuing the club at £800m.", "Magnier and McManus own 28.9%."]),
    ("Yukos owes $27.5bn. Its sale raised $9.4bn.", ["Yukos owes $27.5bn.", "Its sale raised $9.4bn."]),
    ("Profits rose to €1.2bn. Sales fell 5%. Shares rose 3p. Then they fell.",
     ["Profits rose to €1.2bn.", "Sales fell 5%.", "Shares rose 3p.", "Then they fell."]),
    ("The deal was worth 300m. The firm said so.", ["The deal was worth 300m.", "The firm said so."]),
    ("Mr Blair met Mrs. Jones at No. 10 Downing Street. They talked.",
     ["Mr Blair met Mrs. Jones at No. 10 Downing Street.", "They talked."]),
    ("The U.S. forces left Iraq. The U.K. Government agreed.",
     ["The U.S. forces left Iraq.", "The U.K. Government agreed."]),
    ("He lives at No. 10. No one else does.", ["He lives at No. 10.", "No one else does."]),
    ("The answer was no. Then he left.", ["The answer was no.", "Then he left."]),
    ("J. K. Rowling met Dr. Smith. St. Albans won.", ["J. K. Rowling met Dr. Smith.", "St. Albans won."]),
    ("Apple Inc. Chief Steve Jobs spoke. It was 5 p.m. then.", ["Apple Inc. Chief Steve Jobs spoke.",
                                                              "It was 5 p.m. then."]),
]


def test_sentence_split_table():
    for text, want in SPLIT_CASES:
        assert [text[a:b] for a, b in sentence_spans(text)] == want, text

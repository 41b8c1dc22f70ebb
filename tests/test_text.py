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

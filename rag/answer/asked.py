"""What a question asks for, and the typed spans a sentence holds that could be the asked value.

``asked(question)`` gives the expected answer type (money, percent, number, date, person, organisation, place,
reason, manner, yes/no, or other) and the focus: the words of the wh-phrase's head ("how much *profit*", "which
*company*") or, without one, the question's other content words. ``spans(sentence)`` finds typed spans by
pattern (amounts, percentages, counts, dates, capitalised names classified by their cues, cause and manner
phrases). ``type_features`` tells whether a sentence holds a span of the asked type that the question did not
already give, and how close it is to the words of the question: the near-miss signal ("How much did Yukos pay?"
beside a sentence on Yukos that states no amount). Rules only, no model: fast enough for every candidate sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.text import STOPWORDS, normalize, terms

TYPES = ("other", "money", "percent", "number", "date", "person", "organisation", "place", "reason", "manner",
         "yesno")

# The span kinds that can answer each question type ("name": a capitalised name of unknown kind).
ACCEPTS = {
    "money": {"money"},
    "percent": {"percent"},
    "number": {"number", "money", "percent"},
    "date": {"date"},
    "person": {"person", "name"},
    "organisation": {"organisation", "name"},
    "place": {"place", "name"},
    "reason": {"reason"},
    "manner": {"manner"},
}

_AUX = (r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must|shall|"
        r"isn't|aren't|wasn't|weren't|don't|doesn't|didn't|hasn't|haven't|won't)")
_PERSON_NOUNS = (r"(?:person|man|woman|men|women|player|players|minister|official|officials|chief|boss|executive|"
                 r"singer|actor|actress|star|director|author|writer|artist|politician|leader|manager|coach|"
                 r"striker|chairman|founder|presenter|judge|spokesman|spokeswoman|president|chancellor|"
                 r"secretary|mp|footballer|athlete|winner|captain|comedian|band member|musician|designer|"
                 r"economist|analyst|lawyer|rapper|producer|host|champion|rival|opponent|boxer|golfer|"
                 r"batsman|bowler|referee|candidate|member|founder|governor|mayor|king|queen|prince|pope)")
_ORG_NOUNS = (r"(?:company|companies|firm|firms|group|bank|banks|carrier|airline|airlines|club|clubs|team|teams|"
              r"side|newspaper|paper|magazine|channel|network|broadcaster|studio|label|party|parties|union|"
              r"organisation|organization|agency|body|regulator|government|ministry|department|court|university|"
              r"school|charity|retailer|chain|brand|maker|manufacturer|operator|publisher|insurer|lender|"
              r"investor|rival|supermarket|store|giant|watchdog|band|website|site|exchange|board|council)")
_PLACE_NOUNS = (r"(?:country|countries|city|cities|town|towns|nation|nations|state|states|region|regions|"
                r"capital|continent|island|venue|stadium|ground|place|area|county|province|market|markets)")
_DATE_NOUNS = r"(?:year|years|date|day|month|time|season|decade|century|era|week)"
_MONEY_CUE = re.compile(r"\b(?:pay|paid|pays|cost|costs|costing|spend|spent|price|priced|raise|raised|worth|fee|"
                        r"fees|damages|money|debt|debts|salary|wage|wages|fine|fined|budget|revenue|revenues|"
                        r"profit|profits|loss|losses|sales|turnover|bid|sum|save|saved|invest|invested|"
                        r"investment|earn|earned|earnings|income|valued|value|deal|fund|funding|compensation|"
                        r"bonus|tax|bill|award|awarded|offer|offered|charge|charged|bill|loan)\b", re.I)
_PERCENT_CUE = re.compile(r"\b(?:rate|percentage|per cent|percent|proportion|share|growth|inflation|"
                          r"unemployment|stake)\b", re.I)


@dataclass(frozen=True)
class Asked:
    """What a question asks for."""

    kind: str  # one of TYPES
    focus: frozenset[str]  # the terms whose value is asked (stems, as rag.text.terms gives them)
    terms: frozenset[str]  # every content term of the question
    text: str  # the question, normalised and lower-cased: what "not in the question" is checked against


@lru_cache(maxsize=4096)
def asked(question: str) -> Asked:
    """The expected answer type of ``question`` and its focus."""
    q = normalize(question)
    low = q.lower().strip()
    kind, head = _kind_and_head(low)
    all_terms = frozenset(terms(q))
    focus = frozenset(terms(head)) & all_terms if head else frozenset()
    if not focus:
        focus = frozenset(t for t in all_terms if t not in _name_terms(q)) or all_terms
    return Asked(kind, focus, all_terms, low)


def _kind_and_head(low: str) -> tuple[str, str]:
    """The answer type and the words naming the asked thing (the wh-phrase's head), from the lower-cased question."""
    low = re.sub(r"^(?:and|but|so|then|also|tell me|do you know|please)\b[, ]*", "", low)
    # A wh-word later in the question ("In 2004, how much ...", "The firm was sold to whom?") counts too.
    m = re.search(r"\b(how much|how many|how long|how old|how far|how big|how large|how high|how often|how fast|"
                  r"how quickly|how tall|how heavy|how deep|how wide|how close|"
                  r"how|what|which|who|whom|whose|when|where|why)\b(.*)", low)
    if not m:
        return ("yesno" if re.match(_AUX + r"\b", low) else "other"), ""
    wh, rest = m.group(1), m.group(2)
    # The head: the words after the wh-word up to the first auxiliary or verb-like word.
    head_m = re.match(r"\s*((?:[\w'-]+\s+){0,3}?[\w'-]+?)\s+(?:" + _AUX + r"|of|in|for|to|on|at|by|from|that)\b",
                      rest)
    head = head_m.group(1) if head_m else ""
    if wh == "how much":
        if re.search(r"\b(?:rise|rose|risen|fall|fell|fallen|grow|grew|grown|increase|increased|drop|dropped|"
                     r"decline|declined|jump|jumped|slump|slumped|climb|climbed|shrink|shrank|gain|gained)\b", rest):
            return "number", head
        if _PERCENT_CUE.search(rest) and not _MONEY_CUE.search(rest):
            return "percent", head
        return ("money" if _MONEY_CUE.search(rest) or re.search(r"\b(?:pounds|dollars|euros)\b", rest)
                else "number"), head
    if wh.startswith("how "):
        return ("date" if wh == "how long" and re.search(r"\b(?:ago|since)\b", rest) else "number"), head
    if wh == "when":
        return "date", ""
    if wh == "where":
        return "place", ""
    if wh == "why":
        return "reason", ""
    if wh in ("who", "whom", "whose"):
        return "person", ""
    if wh == "how":
        # "How did they get in?" asks for a manner; "How did he describe it?" for what was said (no type).
        if re.match(r"\s+(?:did|does|do|was|were|is|are|has|have|had|will|would|can|could)\b", rest) and not \
                re.search(r"\b(?:describ\w*|say|said|call\w*|react\w*|respond\w*|feel|felt|view\w*|see|saw|"
                          r"explain\w*|characteri[sz]\w*|justif\w*|defend\w*|answer\w*|comment\w*)\b", rest):
            return "manner", ""
        return "other", head
    # what / which + a noun phrase
    if wh == "what" and _what_is(rest) == "reason":
        return "reason", ""
    # "What was the final score?": the noun phrase after the copula names the asked thing.
    rest = re.sub(r"^\s+(?:is|are|was|were|will be|has been|have been)\s+(?:the|a|an)\s+", " ", rest)
    words = re.findall(r"[\w'-]+", rest.split(",")[0])[:6]
    if not words or re.fullmatch(_AUX, words[0]):
        return _what_is(rest), ""
    # The head: the first word of the noun phrase (up to an auxiliary or preposition) that names a kind of value.
    phrase_words = []
    for w in words:
        if re.fullmatch(_AUX + r"|of|in|for|to|on|at|by|from|that|did|does|with|about", w):
            break
        phrase_words.append(w)
    for w in phrase_words:
        kind = _noun_kind(w)
        if kind:
            return kind, w
    return "other", " ".join(phrase_words)


_NOUN_KINDS = (
    ("percent", r"percentage|per|percent|proportion|rate|share"),
    ("money", r"price|amount|sum|fee|fees|cost|costs|salary|fine|value|bid|budget|compensation|pay|allowance|"
              r"windfall|payout|bonus|wage|wages|debt|profit|profits|revenue|revenues|loss|losses"),
    ("number", r"number|total|size|age|speed|score|margin|tally|height|distance|weight|capacity|"
               r"population|attendance|rank|ranking|position|place(?= in)"),
    ("date", _DATE_NOUNS[3:-1] + r"|deadline|hour|period"),
    ("reason", r"reason|reasons|cause|causes|motive|grounds|explanation|purpose"),
    ("manner", r"way|method|means|technique"),
    ("person", _PERSON_NOUNS[3:-1] + r"|businessman|businesswoman|tycoon|agent|psychologist|sculptor|goalkeeper|"
               r"researcher|figure|scientist|entrepreneur|billionaire|investor|journalist|\w+ist|\w+ian"),
    ("organisation", _ORG_NOUNS[3:-1] + r"|magazine|newspaper|paper|broadcaster|business"),
    ("place", _PLACE_NOUNS[3:-1] + r"|hotel|club(?=s? ground)"),
)


def _noun_kind(word: str) -> str | None:
    for kind, pattern in _NOUN_KINDS:
        if re.fullmatch(r"(?:" + pattern + r")", word):
            return kind
    return None


def _what_is(rest: str) -> str:
    """'What caused ...', 'What led to ...' ask for a reason; other 'what + verb' questions fix no type."""
    if re.match(r"\s+(?:caused|causes|led|leads|prompted|triggered|sparked|drove|forced|made)\b", rest):
        return "reason"
    return "other"


# -- spans ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str


_NUM = r"\d+(?:[,.]\d+)*"
_SCALE = r"(?:thousand|million|billion|trillion|bn|mn|m|k|tn)"
_CUR_WORD = (r"(?:euros?|dollars?|pounds?|sterling|yen|yuan|rupees?|pesos?|francs?|roubles?|rubles?|cents?|pence|"
             r"p|dinars?|rand|won|krona|kronor|shekels?)")
_WORDNUM = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
            r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
            r"thousand|million|billion|dozen|half|a third|a quarter|dozens|hundreds|thousands|millions|billions|"
            r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|single|double|twice|treble)")
_MONEY_RE = re.compile(
    rf"(?:US|A|C|HK|NZ)?[$£€¥]\s?{_NUM}(?:\s?{_SCALE}\b)?|{_NUM}\s?(?:{_SCALE}\s?)?{_CUR_WORD}\b|"
    rf"\b(?:{_WORDNUM}\s+)?(?:million|billion|thousand)\s+{_CUR_WORD}\b", re.I)
_PERCENT_RE = re.compile(rf"{_NUM}\s?(?:%|per\s?cent\b|percent\b|percentage points?\b|points?\b)|"
                         rf"\b{_WORDNUM}\s+(?:per\s?cent|percent)\b", re.I)
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
_DATE_RE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{4}})?\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|"
    rf"\b(?:January|February|March|April|June|July|August|September|October|November|December)\b|"
    r"\b(?:in|since|until|by|from|of|before|after|early|late|mid)[\s-]+(?:the\s+)?(?:1[5-9]\d\d|20\d\d)s?\b|"
    r"\b(?:1[89]\d\d|20\d\d)s?\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
    r"\b(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b|\byesterday\b|\btoday\b|"
    r"\btomorrow\b|\b(?:last|next|this|earlier this|later this|the previous|the following)\s+"
    r"(?:year|month|week|season|decade|century|spring|summer|autumn|winter|weekend)\b|"
    r"\b(?:\w+|\d+)\s+(?:years?|months?|weeks?|days?|decades?)\s+(?:ago|earlier|later|before)\b|"
    r"\b(?:in|during|by)\s+(?:the\s+)?(?:spring|summer|autumn|winter|christmas|new year)\b|"
    r"\b(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|\w+teenth|\w+tieth)\s+century\b", re.I)
_NUMBER_RE = re.compile(rf"(?<![\w.]){_NUM}(?:\s?{_SCALE}\b)?|\b{_WORDNUM}\b", re.I)
_REASON_RE = re.compile(
    r"\b(?:because(?: of)?|due to|owing to|as a result of|thanks to|on the grounds that|in order to|so that|"
    r"so as to|in protest at|in response to|blamed (?:on|for)?|the reason|reasons? (?:for|was|is|being)|caused by|"
    r"led to|leading to|resulted in|resulting in|result of|prompted by|sparked by|triggered by|driven by|"
    r"fuelled by|fueled by|after (?:it|he|she|they|the|a|an|his|her|their)\b|amid|following|since (?:it|he|she|they"
    r"|the)|as (?:it|he|she|they|the) (?:was|were|had|is|are|has|have)|to (?:avoid|prevent|help|cut|boost|"
    r"reduce|protect|stop|ensure|allow|meet|fund|pay)|because|for fear|fears? (?:of|that)|concerns? (?:over|about|"
    r"that)|worried|said it was|saying)\b", re.I)
_MANNER_RE = re.compile(
    r"\bby\s+(?:\w+ing|using|means|way)\b|\busing\b|\bthrough\b|\bvia\b|\bwith the help of\b|\bby hand\b|"
    r"\bby (?:phone|email|e-mail|post|text|letter|internet|satellite|cable|air|road|rail|sea|car|train|plane)\b|"
    r"\bthanks to\b|\bwith (?:a|an|the)\b|\b\w+ly\b", re.I)

_ORG_SUFFIX = frozenset("""inc corp corporation ltd plc group bank airlines airways motors holdings association
    federation union council commission committee party ministry department agency authority university college
    institute fc club company co records studios pictures network times news post journal foundation
    organisation organization office court parliament congress senate exchange fund board service services
    industries international systems communications energy oil petroleum telecom entertainment media games
    united city rovers athletic wanderers albion county academy society trust league assembly reserve
    government police army navy""".split())
_PERSON_TITLES = frozenset("""mr mrs ms miss dr sir lord lady dame president prime minister chancellor secretary
    chief executive coach manager striker singer actor actress director spokesman spokeswoman professor prof
    judge king queen prince princess pope senator sen governor mayor chairman boss captain star player
    general gen rev father brother sister uncle wife husband son daughter""".split())
_PLACES = frozenset(x.lower() for x in """Afghanistan Albania Algeria Argentina Armenia Australia Austria
    Azerbaijan Bahrain Bangladesh Belarus Belgium Bolivia Bosnia Brazil Britain Bulgaria Burma Cambodia Cameroon
    Canada Chile China Colombia Congo Croatia Cuba Cyprus Czech Denmark Ecuador Egypt England Estonia Ethiopia
    Europe Finland France Georgia Germany Ghana Greece Guatemala Haiti Holland Honduras Hungary Iceland India
    Indonesia Iran Iraq Ireland Israel Italy Jamaica Japan Jordan Kazakhstan Kenya Korea Kosovo Kuwait Latvia
    Lebanon Liberia Libya Lithuania Luxembourg Macedonia Malawi Malaysia Mali Malta Mexico Moldova Mongolia
    Montenegro Morocco Mozambique Namibia Nepal Netherlands Nicaragua Niger Nigeria Norway Oman Pakistan
    Palestine Panama Paraguay Peru Philippines Poland Portugal Qatar Romania Russia Rwanda Scotland Senegal
    Serbia Singapore Slovakia Slovenia Somalia Spain Sudan Sweden Switzerland Syria Taiwan Tanzania Thailand
    Tunisia Turkey Uganda Ukraine Uruguay Uzbekistan Venezuela Vietnam Wales Yemen Zambia Zimbabwe Africa Asia
    America Antarctica Arctic Caribbean Scandinavia Balkans Gulf UK US USA EU Hollywood London Paris Berlin
    Madrid Rome Milan Moscow Tokyo Beijing Shanghai Delhi Mumbai Bombay Sydney Melbourne Toronto Chicago Boston
    Washington York Angeles Francisco Dublin Edinburgh Glasgow Cardiff Belfast Manchester Liverpool Leeds
    Birmingham Bristol Newcastle Sheffield Brussels Amsterdam Vienna Geneva Zurich Stockholm Oslo Copenhagen
    Helsinki Athens Istanbul Cairo Baghdad Tehran Jerusalem Kabul Islamabad Karachi Bangkok Seoul Jakarta
    Manila Singapore Johannesburg Lagos Nairobi Mexico Lima Santiago Aires Rio Sao Paulo Havana Kiev Kyiv
    Warsaw Prague Budapest Bucharest Lisbon Barcelona Munich Frankfurt Hamburg Texas California Florida Ohio
    Michigan Seattle Dallas Houston Atlanta Miami Detroit Vegas Wembley Wimbledon Cornwall Devon Kent Yorkshire
    Lancashire Surrey Essex Oxford Cambridge Brighton Southampton Nottingham Leicester Coventry Hong Kong
    Dubai Athens Turin Lyon Marseille Nice Monaco Valencia Seville Porto Auckland Wellington Ontario Quebec
    Vancouver Montreal""".split())
_NAME_RE = re.compile(r"(?:[A-Z][\w'’&.-]*[A-Za-z0-9]|[A-Z])(?:\s+(?:of|de|du|van|von|der|al|the|and|&)?\s*"
                      r"(?:[A-Z][\w'’&.-]*[A-Za-z0-9]))*")
_NOT_NAME = STOPWORDS | frozenset("""however meanwhile also although though while despite overall previously
    later earlier instead still yet thus therefore hence finally first second third then now today yesterday
    according reportedly but and the a an it he she they we i this that these those there if in on at by for
    from with after before during since until as when where who what which why how mr mrs ms dr sir""".split())


@lru_cache(maxsize=8192)
def spans(sentence: str) -> tuple[Span, ...]:
    """Typed spans of ``sentence`` (offsets into its normalised text), in order; a span already read as money,
    a percentage or a date is not also a bare number."""
    s = normalize(sentence)
    out: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, a: int, b: int, exclusive: bool = True) -> None:
        if exclusive and any(a < y and x < b for x, y in taken):
            return
        out.append(Span(kind, a, b, s[a:b]))
        if exclusive:
            taken.append((a, b))

    for kind, rx in (("money", _MONEY_RE), ("percent", _PERCENT_RE), ("date", _DATE_RE)):
        for m in rx.finditer(s):
            if kind == "date" and m.group(0) == "May":
                continue
            add(kind, m.start(), m.end())
    for m in _NAME_RE.finditer(s):
        a, b = m.start(), m.end()
        lead = re.match(r"(?:(?:The|A|An|In|On|At|For|But|And|As|If|When|While|After|Before)\s+)+", s[a:b])
        if lead and lead.end() < b - a:
            a += lead.end()  # "The BBC" at a sentence's start: the name is "BBC"
        kind = _name_kind(s, a, b)
        if kind:
            add(kind, a, b)
    for m in _NUMBER_RE.finditer(s):
        add("number", m.start(), m.end())
    for m in _REASON_RE.finditer(s):
        add("reason", m.start(), min(len(s), m.end() + 40), exclusive=False)
    for m in _MANNER_RE.finditer(s):
        if m.group(0).lower().endswith("ly") and m.group(0).lower() in _NOT_MANNER_LY:
            continue
        add("manner", m.start(), m.end(), exclusive=False)
    out.sort(key=lambda x: x.start)
    return tuple(out)


_NOT_MANNER_LY = frozenset("""only early really likely family july italy reply supply apply rely daily weekly
    monthly yearly quarterly fly ally belly july holy italy july lily sally billy emily kelly molly nearly
    mostly largely recently currently previously reportedly originally initially finally eventually already
    widely highly fully partly mainly merely simply nearly roughly likely unlikely""".split())


def _name_kind(s: str, a: int, b: int) -> str | None:
    """person, organisation, place or name (unknown kind) for the capitalised words ``s[a:b]``, or None."""
    text = s[a:b]
    words = text.replace("’", "'").split()
    low = [w.lower().strip(".'").removesuffix("'s") for w in words]
    sentence_start = a == 0 or s[:a].rstrip().endswith((".", '"', ":", "(", "-"))
    if len(words) == 1 and (low[0] in _NOT_NAME or len(low[0]) < 2):
        return None
    if sentence_start and len(words) == 1 and low[0] not in _PLACES and not words[0].isupper():
        return None  # "Shares fell": a capital only because the sentence starts there
    if (len(words) > 1 and any(w in _ORG_SUFFIX for w in low)) or (len(words) == 1 and words[0].isupper() and
                                                    len(words[0]) >= 2 and low[0] not in _PLACES):
        return "organisation"
    if all(w in _PLACES for w in low if w not in ("the", "of", "new", "south", "north", "east", "west")):
        return "place"
    before = s[max(0, a - 30):a].lower().split()
    if before and before[-1].strip(".,") in _PERSON_TITLES:
        return "person"
    after = s[b:b + 12].lower()
    if re.match(r"\s*(?:,\s*(?:who|aged|\d+)|said|says|told|added|\(\d+\))", after):
        return "person"
    if len(words) in (2, 3) and all(w[0].isupper() and not w.isupper() for w in words):
        return "person"
    return "name"


@lru_cache(maxsize=4096)
def _name_terms(text: str) -> frozenset[str]:
    s = normalize(text)
    out = set()
    for m in _NAME_RE.finditer(s):
        if _name_kind(s, m.start(), m.end()):
            out.update(terms(m.group(0)))
    return frozenset(out)


# -- features ------------------------------------------------------------------------------------------------------
TYPE_FEATURES = ("ask_type", "span_new", "span_n", "span_dist", "span_focus_dist", "focus_sent", "span_any",
                 "span_first")
FAR = 40.0  # tokens: "no span near the question's words"
_TOKEN = re.compile(r"[\w$£€%'’.-]+")


@lru_cache(maxsize=65536)
def _word_terms(word: str) -> frozenset[str]:
    return frozenset(terms(word))


def _in_question(span: Span, a: Asked) -> bool:
    t = span.text.lower().strip(" .,")
    if t and t in a.text:
        return True
    ts = set(terms(span.text))
    return bool(ts) and ts <= a.terms and span.kind not in ("reason", "manner")


def new_spans(a: Asked, sentence: str) -> list[Span]:
    """The spans of ``sentence`` of a kind the question asks for that the question does not itself give."""
    ok = ACCEPTS.get(a.kind)
    if not ok:
        return []
    return [sp for sp in spans(sentence) if sp.kind in ok and not _in_question(sp, a)]


def type_features(a: Asked, sentence: str) -> tuple[float, ...]:
    """One row of ``TYPE_FEATURES`` for a sentence: the asked type; whether it holds a new span of that type,
    how many; the distance in tokens from the nearest such span to the nearest question term and to the nearest
    focus term (FAR when none); the share of the focus in the sentence; whether it holds any span of any kind the
    question lacks; and whether the sentence's first typed span is of the asked kind."""
    s = normalize(sentence)
    toks = [(m.start(), m.end(), _word_terms(m.group(0))) for m in _TOKEN.finditer(s)]
    q_pos = [i for i, (_, _, ts) in enumerate(toks) if ts & a.terms]
    f_pos = [i for i, (_, _, ts) in enumerate(toks) if ts & a.focus]
    st = {t for *_, ts in toks for t in ts}
    focus_share = len(a.focus & st) / len(a.focus) if a.focus else 1.0
    kind = float(TYPES.index(a.kind))
    all_spans = spans(sentence)
    any_new = float(any(not _in_question(sp, a) for sp in all_spans if sp.kind not in ("reason", "manner")))
    if a.kind not in ACCEPTS:
        return (kind, -1.0, 0.0, -1.0, -1.0, focus_share, any_new, -1.0)
    found = new_spans(a, sentence)
    if not found:
        return (kind, 0.0, 0.0, FAR, FAR, focus_share, any_new, 0.0)

    def token_range(sp: Span) -> tuple[int, int]:
        idx = [i for i, (x, y, _) in enumerate(toks) if x < sp.end and sp.start < y]
        return (idx[0], idx[-1]) if idx else (0, 0)

    def dist(pos: list[int]) -> float:
        if not pos:
            return FAR
        best = FAR
        for sp in found:
            lo, hi = token_range(sp)
            best = min(best, *(float(max(lo - p, p - hi, 0)) for p in pos))
        return best

    first = next((sp for sp in all_spans if sp.kind not in ("reason", "manner") and not _in_question(sp, a)), None)
    first_ok = float(first is not None and first.kind in ACCEPTS[a.kind])
    return (kind, 1.0, float(min(len(found), 5)), dist(q_pos), dist(f_pos), focus_share, any_new, first_ok)

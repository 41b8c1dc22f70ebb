"""Grounding checks over the seeds (real model, real index) and the CLI's `rag check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from rag.app.cli import main
from rag.reports.check import split_claims
from rag.reports.report_types import CheckReport, ClaimResult

# Ten claims about the seeds, mostly paraphrased: 5 faithful, 3 with a changed date, figure or name, 2 the
# articles do not contain.
CLAIMS = [
    ("The Wall Street Journal reported that Putin asked Musk not to activate Starlink over Taiwan, as a favour "
     "to Xi Jinping.", "supported"),
    ("Musk's SpaceX holds Pentagon contracts worth $3.6 billion.", "supported"),
    ("Musk gave Ukraine 15,000 Starlink terminals before asking the Pentagon to pay for the service.", "supported"),
    ("Kahl recalled telling Musk that cutting off the service would not end the war.", "supported"),
    ("Musk has put at least $75 million into a super PAC that supports Trump.", "supported"),
    ("The request to keep Starlink switched off over Taiwan reportedly came in late 2021.", "contradicted"),
    ("SpaceX spent around $50 million on free Starlink services for Ukraine.", "contradicted"),
    ("Kremlin spokesperson Maria Zakharova said the only communication between Musk and Putin was about space and "
     "future technologies.", "contradicted"),
    ("Tesla plans to build a new battery factory in Poland next year.", "not_found"),
    ("Musk met Xi Jinping in Beijing to discuss satellite launches.", "not_found"),
]
TEXT = " ".join(c for c, _ in CLAIMS)


@pytest.fixture(scope="module")
def report(seeds_engine) -> CheckReport:  # noqa: ANN001
    return seeds_engine.check(TEXT)


def test_labels_at_least_nine_of_ten(report: CheckReport):
    assert [c.text for c in report.claims] == [c for c, _ in CLAIMS]  # one claim per sentence, in order
    wrong = [(c.text, c.label, want) for c, (_, want) in zip(report.claims, CLAIMS, strict=True) if c.label != want]
    print(f"check: {10 - len(wrong)}/10 labelled correctly; wrong: {wrong}")
    assert len(wrong) <= 1, wrong


def test_evidence_is_exact_and_reasons_name_the_difference(seeds_engine, report: CheckReport):  # noqa: ANN001
    for c in report.claims:
        if c.label == "not_found":
            assert c.evidence is None
            continue
        e = c.evidence
        assert e is not None and seeds_engine.canonical_text(e.source)[e.start:e.end] == e.quote
    labels = {c.text: c for c in report.claims}
    assert "2023" in labels[CLAIMS[5][0]].reason and "2023" in labels[CLAIMS[5][0]].evidence.quote
    assert "$80 million" in labels[CLAIMS[6][0]].evidence.quote
    # 5 of the 10 claims are supported and at most one label is wrong (test_labels_at_least_nine_of_ten)
    assert report.supported_share in (0.4, 0.5, 0.6)
    assert report.to_dict()["supported_share"] == round(report.supported_share, 4)


def test_supported_share_counts_only_supported_claims():
    def claim(label: str) -> ClaimResult:
        return ClaimResult("x.", label, None)

    report = CheckReport([claim("supported"), claim("contradicted"), claim("supported"), claim("not_found")])
    assert report.supported_share == 0.5 and not report.passed
    assert report.to_dict()["supported_share"] == 0.5
    assert report.to_dict()["counts"] == {"supported": 2, "contradicted": 1, "not_found": 1}
    assert report.summary() == "2 of 4 claims supported (50%); 1 contradicted, 1 not found"
    thirds = CheckReport([claim("supported"), claim("not_found"), claim("not_found")])
    assert thirds.to_dict()["supported_share"] == 0.3333
    assert CheckReport([claim("supported")]).passed and CheckReport([claim("supported")]).supported_share == 1.0
    assert CheckReport([]).supported_share == 0.0


def test_split_claims_keeps_offsets_and_drops_markers():
    text = "Heading\n- Musk spoke to Putin [1]. He denied it later [2, 3].\n"
    claims = split_claims(text)
    assert [c.text for c in claims] == ["Musk spoke to Putin.", "He denied it later."]
    assert text[claims[0].start:claims[0].end].startswith("Musk spoke to Putin")


def test_check_cli_json_exit_codes_and_stdin(seeds_engine, tmp_path: Path, capsys, monkeypatch):  # noqa: ANN001
    monkeypatch.chdir(ROOT)
    idx = ["--index", str(seeds_engine.settings.index_dir)]
    draft = tmp_path / "draft.txt"
    draft.write_text("Musk has put at least $75 million into a super PAC that supports Trump.\n"
                     "SpaceX spent around $50 million on free Starlink services for Ukraine.\n", encoding="utf-8")
    assert main([*idx, "check", str(draft), "--json"]) == 1  # a claim is contradicted: a script can gate on it
    obj = json.loads(capsys.readouterr().out)
    assert [c["label"] for c in obj["claims"]] == ["supported", "contradicted"] and obj["supported_share"] == 0.5
    assert set(obj["claims"][0]) >= {"text", "label", "evidence"}
    assert set(obj["claims"][0]["evidence"]) == {"source", "start", "end", "quote"}
    p = subprocess.run([sys.executable, "-m", "rag.app.cli", *idx, "check", "-"], capture_output=True, text=True,
                       input="Musk has put at least $75 million into a super PAC that supports Trump.\n", cwd=ROOT,
                       timeout=300)
    assert p.returncode == 0 and "1 of 1 claims supported" in p.stdout, p.stderr


def test_check_bad_input_is_one_line(seeds_engine, tmp_path: Path):  # noqa: ANN001
    idx = ["--index", str(seeds_engine.settings.index_dir)]
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01\x02PNG")
    (tmp_path / "empty.txt").write_text("  \n")
    for name, words in (("missing.txt", "no such file"), ("bin.dat", "binary"), ("empty.txt", "empty")):
        p = subprocess.run([sys.executable, "-m", "rag.app.cli", *idx, "check", str(tmp_path / name)],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
        lines = p.stderr.strip().splitlines()
        assert p.returncode != 0 and len(lines) == 1 and words in lines[0] and "Traceback" not in p.stderr


def test_check_reads_a_draft_in_a_legacy_encoding(seeds_engine, tmp_path: Path, capsys, monkeypatch):  # noqa: ANN001
    """A draft saved as cp1252 (a Windows editor's default) is checked as the text it is, not refused."""
    monkeypatch.chdir(ROOT)
    draft = tmp_path / "draft.txt"
    draft.write_bytes("Musk has put at least $75 million into a super PAC that supports Trump.\n"
                      "Caf\u00e9 owners in Z\u00fcrich were \u201cnot asked\u201d.\n".encode("cp1252"))
    main(["--index", str(seeds_engine.settings.index_dir), "check", str(draft), "--json"])
    claims = json.loads(capsys.readouterr().out)["claims"]
    assert claims[0]["label"] == "supported"
    assert claims[1]["text"] == "Caf\u00e9 owners in Z\u00fcrich were \u201cnot asked\u201d."

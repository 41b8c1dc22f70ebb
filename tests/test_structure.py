"""The shape of the package: no import cycles (imports inside functions and TYPE_CHECKING blocks count: a cycle
hidden that way is still a cycle of design), no module using another module's private names, and every module
with its own test file or a named test that covers it."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "rag"
# The layers, bottom first: a module imports only from its own layer or those below ("" is rag/'s own modules:
# errors, settings, text, paths).
LAYERS = ["", "ingest", "store", "answer", "reports", "evaluation", "app"]
TESTS = ROOT / "tests"
# Modules without a test file of their own, and the test that covers each.
COVERED_BY = {
    "rag.evaluation.entail_data": "test_entail.py::test_training_pairs_keep_the_held_out_fold_out",
    "rag.evaluation.entail_train": "test_entail.py::test_the_committed_model_is_small_with_dev_thresholds",
    "rag.app.cli_parser": "test_cli.py::test_unknown_flag_and_bad_values",
    "rag.app.api_docs": "test_api.py::test_openapi_docs_list_the_routes",
    "rag.evaluation.baseline": "test_cli.py::test_eval_reports_retrieval_beside_the_baseline",
    "rag.reports.brief.assembly": "test_brief.py::test_brief_cli_json_and_markdown_file",
    "rag.reports.brief.conflicts": "test_brief.py::test_a_value_conflicts_sides_follow_relevance_not_memory",
    "rag.reports.brief.evidence": "test_briefings_bbc.py::test_stands_alone",
    "rag.reports.brief.people": "test_brief.py::test_seeds_people_summary_facts_and_open_questions",
    "rag.reports.brief.questions": "test_brief.py::test_seeds_people_summary_facts_and_open_questions",
    "rag.reports.brief.summary": "test_brief.py::test_seeds_people_summary_facts_and_open_questions",
    "rag.reports.brief.timeline": "test_brief.py::test_seeds_timeline_resolves_dates_and_says_when_the_year_is_unknown",
    "rag.reports.brief.tuning": "test_brief.py::test_a_value_conflicts_sides_follow_relevance_not_memory",
    "rag.reports.brief.verification": "test_brief.py::test_statements_their_citations_do_not_verify_are_dropped",
    "rag.reports.brief_llm": "test_brief.py::test_llm_summary_shows_only_verified_sentences",
    "rag.reports.markdown": "test_ui_reports.py::test_briefing_markdown_sections",
    "rag.reports.report_types": "test_brief.py::test_brief_cli_json_and_markdown_file",
    "rag.store.catalog": "test_ingest.py::test_editing_one_file_re_embeds_only_it",
    "rag.store.doctor": "test_health.py::test_a_damaged_store_is_one_line_naming_the_file_and_the_remedy",
    "rag.app.engine": "test_concurrency.py::test_library_is_safe_to_share_between_threads",
    "rag.evaluation.evaluate": "test_cli.py::test_eval_rejects_a_bad_question_file",
    "rag.answer.facts": "test_verify.py::test_quotes_names_and_negation",
    "rag.store.index": "test_health.py::test_a_damaged_store_is_one_line_naming_the_file_and_the_remedy",
    "rag.answer.judge_features": "test_judge.py::test_committed_judge_is_small_loads_fast_and_matches_the_features",
    "rag.app.judge_train": "test_judge.py::test_training_separates_held_out_answers_from_near_misses",
    "rag.store.lexical": "test_health.py::test_deleted_bm25_files_are_named_and_rebuilt_by_ingest",
    "rag.answer.markers": "test_generate.py::test_markers_single_list_adjacent_and_after_the_full_stop",
    "rag.ingest.onnx_model": "test_embed.py",
    "rag.paths": "test_cli.py::test_file_names_with_control_characters_are_shown_escaped",
    "rag.answer.questions": "test_bad_input.py::test_control_characters_are_stripped_from_questions",
    "rag.answer.results": "test_answer.py::test_seeds_dev_answers_hold_the_invariant",
    "rag.app.ui_cards": "test_ui.py::test_passage_window_snaps_to_words",
    "rag.app.ui_search": "test_ui.py::test_search_results_mark_the_query_terms_and_escape_the_article",
    "rag.answer.extractive": "test_answer.py::test_seeds_dev_answers_hold_the_invariant",
    "rag.answer.question_kinds": "test_answer_types.py::test_answer_type",
    "rag.reports.check": "test_check.py::test_evidence_is_exact_and_reasons_name_the_difference",
    "rag.store.ingestion": "test_ingest.py::test_ingest_twice_adds_nothing",
    "rag.app.uploads": "test_ui.py",
    "rag.store.vectors": "test_faults.py::test_chroma_server_stopped_mid_session_then_back",
}


def modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        rel = f.relative_to(ROOT).with_suffix("")
        out[".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)] = f
    return out


def imports(name: str, f: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in the file."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")[: None if f.name == "__init__.py" else -1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            out |= {base} | {f"{base}.{a.name}" for a in node.names}
    # An import of a package's own __init__ from inside it is a re-export, not a design cycle.
    return {t for t in out if t in known and t != name and not name.startswith(t + ".")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_hidden_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_the_package():
    mods = modules()
    graph = {n: imports(n, f, set(mods)) for n, f in mods.items()}
    assert len(graph) > 40
    assert cycles(graph) == []


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else ""


def test_layers_import_only_downward():
    mods = modules()
    # The top folders are the layers (a layer may hold a package of its own: rag/reports/brief/).
    top = {f.relative_to(PACKAGE).parts[0] for f in mods.values() if f.parent != PACKAGE}
    assert top - {"models"} == set(LAYERS[1:])
    rank = {name: LAYERS.index(layer(name)) for name in mods}
    upward = [f"{name} -> {target}" for name, f in sorted(mods.items())
              for target in sorted(imports(name, f, set(mods))) if rank[target] > rank[name]]
    assert upward == []


def private_uses(f: Path) -> list[str]:
    """``other._name`` and ``from module import _name`` in a file, where ``_name`` is not defined in that file
    (``self._x`` and a module's own privates are its business)."""
    tree = ast.parse(f.read_text(encoding="utf-8"))
    own = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    own |= {t.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) for t in [n]}
    own |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)}
    own |= {n.target.id for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rag"):
            out += [f"{f.name}:{node.lineno} imports {a.name}" for a in node.names if a.name.startswith("_")]
        elif (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
              and node.attr not in own and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
            out.append(f"{f.name}:{node.lineno} uses {ast.unparse(node)}")
    return out


def test_private_use_finder(tmp_path: Path):
    probe = tmp_path / "_private_probe.py"  # not in the source tree: a failed run leaves nothing behind there
    probe.write_text("from rag.chat import _hidden\nx = engine._ask(1)\nclass A:\n    _own = 1\n    def f(self):\n"
                     "        return self._own, A._own\n", encoding="utf-8")
    assert private_uses(probe) == ["_private_probe.py:1 imports _hidden", "_private_probe.py:2 uses engine._ask"]


def test_no_module_uses_another_modules_private_names():
    found = [u for f in sorted(PACKAGE.rglob("*.py")) for u in private_uses(f)]
    assert found == []


def test_every_module_has_its_own_test_file_or_a_named_test():
    missing = []
    for name, f in sorted(modules().items()):
        if f.name == "__init__.py" or (TESTS / f"test_{f.stem}.py").exists():
            continue
        where = COVERED_BY.get(name)
        if where is None:
            missing.append(name)
            continue
        file, _, test = where.partition("::")
        text = (TESTS / file).read_text(encoding="utf-8") if (TESTS / file).exists() else ""
        if not text or (test and f"def {test}(" not in text):
            missing.append(f"{name} ({where} does not exist)")
    assert missing == []
    assert set(COVERED_BY) <= set(modules()), "COVERED_BY names a module that is gone"


def test_developers_map_names_every_module():
    """DEVELOPERS.md's map of the code matches the folders: every module is named there, and nothing gone is."""
    text = (ROOT / "DEVELOPERS.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(rag/[\w/]+\.py)`", text.split("## Map of the code", 1)[1]))
    files = {str(f.relative_to(ROOT)) for f in PACKAGE.rglob("*.py") if f.name != "__init__.py"}
    assert files - named == set(), "modules missing from DEVELOPERS.md's map"
    assert named - files == set(), "DEVELOPERS.md names modules that do not exist"

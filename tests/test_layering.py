"""Imports go down the layers only (STYLE.md section 4): checked on the source with ast."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "pcaptls"

# module (or package prefix) -> pcaptls modules/packages it may import. Most specific prefix wins.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "capture": {"errors", "model", "capture"},
    "tcp": {"errors", "model", "tcp"},
    "tls": {"errors", "model", "tls"},
    "enrich": {"errors", "model", "enrich"},
    "results": {"errors", "model", "tls", "enrich"},
    "session": {"errors", "model", "tls", "enrich", "results"},
    "dnsflow": {"errors", "enrich"},
    "pipeline": {"errors", "model", "capture", "tcp", "tls", "enrich", "session", "dnsflow", "results"},
    "report": {"errors", "model", "tls", "enrich", "results", "report"},
    "parallel": {"pipeline", "enrich", "capture"},
    "batch": {"errors", "model", "capture", "results", "pipeline", "parallel", "report", "enrich", "batch"},
    "sink": {"errors"},
    "cli": {"*"},
    "__init__": {"*"},
    "__main__": {"cli"},
}
# third-party packages only some layers may use
THIRD_PARTY = {"dpkt": {"capture"}, "click": {"cli"}, "tabulate": {"report"}, "scapy": set()}


def _layer(module: str) -> str:
    return module.split(".")[0]


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            if node.module == "pcaptls":
                names += [f"pcaptls.{a.name}" for a in node.names]
    return names


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_imports_follow_the_layers(module: str, path: Path) -> None:
    layer = _layer(module)
    allowed = ALLOWED[layer]
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "pcaptls":
            inner = name.split(".")[1] if "." in name else ""
            if inner in ("", "__version__"):
                continue
            assert "*" in allowed or inner in allowed, f"{module} imports {name}"
        elif top in THIRD_PARTY:
            assert "*" in allowed or layer in THIRD_PARTY[top], f"{module} imports {top}"


def test_every_module_says_what_it_owns() -> None:
    for module, path in _modules():
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        if path.name == "__init__.py" and module != "":
            continue
        if module in ("", "__main__"):
            continue
        assert "Owns:" in doc and "Imports:" in doc, f"{module} docstring lacks Owns:/Imports:"

"""What the services call on each port, read from their source (no import of the services needed).

A parameter annotated with a port (``repository: OrderRepository``, ``x: Marketing | None``,
``printer: Callable[[], PrinterAccount]``) is followed into the function's body and, for ``__init__``,
into the ``self._name`` it is stored in; every ``name.member`` / ``self._name.member`` /
``self._name().member`` is one use of ``member`` on that port.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "layers" / "shared" / "python" / "diancan" / "services"


def _port_of(annotation: ast.expr | None, ports: set[str]) -> str | None:
    """The port an annotation names, through ``| None``, ``Optional`` and ``Callable[[], Port]``."""
    if annotation is None:
        return None
    named = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)} & ports
    return next(iter(named)) if len(named) == 1 else None


def _member_uses(body: ast.AST, holders: dict[str, str], *, on_self: bool) -> list[tuple[str, str]]:
    uses = []
    for node in ast.walk(body):
        if not isinstance(node, ast.Attribute):
            continue
        target = node.value.func if isinstance(node.value, ast.Call) else node.value  # self._printer().x
        if on_self:
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == "self" and target.attr in holders):
                uses.append((holders[target.attr], node.attr))
        elif isinstance(target, ast.Name) and target.id in holders:
            uses.append((holders[target.id], node.attr))
    return uses


def port_uses(ports: set[str]) -> dict[str, dict[str, set[str]]]:
    """{port: {member: {service module, ...}}} over every module of diancan/services but ports.py."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(SERVICES.glob("*.py")):
        if path.name == "ports.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            params = {a.arg: _port_of(a.annotation, ports)
                      for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}
            params = {name: port for name, port in params.items() if port}
            for port, member in _member_uses(function, params, on_self=False):
                found[port][member].add(path.stem)
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
            if init is None:
                continue
            params = {a.arg: _port_of(a.annotation, ports) for a in [*init.args.args, *init.args.kwonlyargs]}
            holders = {}
            for assign in (n for n in ast.walk(init) if isinstance(n, ast.Assign)):
                for target in assign.targets:
                    pairs = (zip(target.elts, assign.value.elts, strict=False)
                             if isinstance(target, ast.Tuple) and isinstance(assign.value, ast.Tuple)
                             else [(target, assign.value)])
                    for name, value in pairs:
                        if (isinstance(name, ast.Attribute) and isinstance(value, ast.Name)
                                and params.get(value.id)):
                            holders[name.attr] = params[value.id]
            for port, member in _member_uses(cls, holders, on_self=True):
                found[port][member].add(path.stem)
    return found

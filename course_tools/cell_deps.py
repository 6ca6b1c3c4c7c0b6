"""Which cells of a notebook a given cell needs: a name-based backward slice over its code cells.

The browser test (``tests/browser/test_widgets_in_browser.py``) uses it to run, in JupyterLab, only
the cells that build the slider panels and the cells those need, instead of every training cell a
second time (nbval already runs every cell of every notebook in ``make test``).

A cell *needs* an earlier cell when it reads a module-level name that the earlier cell binds last
(assignment, ``import``, ``def``/``class``, ``for``/``with`` targets, ``:=``) or *changes in place*:
``d[k] = v``, ``obj.attr = v``, ``x += 1`` and a statement ``obj.method(...)`` count as binding
``d``/``obj``/``x`` (a module's attributes excepted, e.g. ``plt.rcParams[...] = ...``). Names read
inside a function body count for the cell that defines the function, because a slider calls it
later. The slice is closed under this relation. What it cannot see: state changed behind a call
(``train()`` that fits a global model); such a cell is left out, so the slider then works on an
untrained model, which is enough to show that it redraws. A cell tagged ``browser`` is always kept.

Standard library only (``IPython`` is used when present, to read ``%magics`` and ``!shell`` lines).

Examples
--------
>>> cells = ["import numpy as np", "x = np.ones(3)", "slow = sum(range(10**6))", "y = 2 * x", "print(y)"]
>>> needed_cells(cells, targets=[4])
[0, 1, 3, 4]
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

__all__ = ["CellNames", "cell_names", "needed_cells"]


@dataclass
class CellNames:
    """The module-level names one cell reads before binding them (``uses``), binds, imports, changes in place."""

    uses: set = field(default_factory=set)
    binds: set = field(default_factory=set)
    imports: set = field(default_factory=set)
    changes: set = field(default_factory=set)
    parsed: bool = True


def _python_source(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython is installed with the course
        return source
    return TransformerManager().transform_cell(source)


def _target_names(node):
    """Names a target binds (``a``, ``a, (b, *c)``); the base name of ``a[i]``/``a.b`` as changed."""
    bound, changed = [], []
    if isinstance(node, ast.Name):
        bound.append(node.id)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            b, c = _target_names(element)
            bound += b
            changed += c
    elif isinstance(node, ast.Starred):
        return _target_names(node.value)
    elif isinstance(node, (ast.Subscript, ast.Attribute)):
        base = node.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            changed.append(base.id)
    return bound, changed


def _local_names(function) -> set:
    """Names local to a function or lambda (its parameters and what it binds, unless declared global)."""
    args = function.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    if isinstance(function, ast.Lambda):
        return names
    declared_global = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_global |= set(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not function:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names - declared_global


class _Reader(ast.NodeVisitor):
    """Walks one cell in execution order, recording reads of names not yet bound in the cell."""

    def __init__(self):
        self.names = CellNames()
        self.deferred = set()  # names read inside function bodies (read when the function is called)

    # -- reads and binds
    def read(self, name):
        if name not in self.names.binds:
            self.names.uses.add(name)

    def bind(self, name):
        self.names.binds.add(name)

    def change(self, name):
        """An in-place change of ``name``'s object (a read too); it binds unless ``name`` is a module."""
        self.read(name)
        self.names.changes.add(name)

    def bind_target(self, target):
        for node in ast.walk(target):  # indices and attribute bases are read
            if isinstance(node, (ast.Subscript, ast.Attribute)):
                self.visit(node.value)
                if isinstance(node, ast.Subscript):
                    self.visit(node.slice)
        bound, changed = _target_names(target)
        for name in changed:
            self.change(name)
        for name in bound:
            self.bind(name)

    # -- expressions
    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.read(node.id)
        else:
            self.bind(node.id)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.bind(node.target.id)

    def _comprehension(self, node, parts):
        local = set()
        for generator in node.generators:
            local |= set(_target_names(generator.target)[0])
        reads = {n.id for part in parts for n in ast.walk(part)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        reads |= {n.id for g in node.generators for n in ast.walk(g.iter) if isinstance(n, ast.Name)}
        reads |= {n.id for g in node.generators for cond in g.ifs for n in ast.walk(cond) if isinstance(n, ast.Name)}
        for name in sorted(reads - local):
            self.read(name)

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    def visit_Lambda(self, node):
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)
        self._defer(node, [node.body])

    def _defer(self, function, body):
        local = _local_names(function)
        for part in body:
            for n in ast.walk(part):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local:
                    self.deferred.add(n.id)
        for n in ast.walk(function):  # `global x; x = ...` inside binds x when called
            if isinstance(n, ast.Global):
                self.names.binds |= set(n.names)

    # -- statements
    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)
        self._defer(node, node.body)
        self.bind(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        for expr in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expr)
        local = set()
        for statement in node.body:
            for n in ast.walk(statement):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    local.add(n.id)
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                local.add(statement.name)
        for statement in node.body:
            for n in ast.walk(statement):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local:
                    self.deferred.add(n.id)
        self.bind(node.name)

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.names.imports.add(name)
            self.bind(name)

    visit_ImportFrom = visit_Import

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.bind_target(target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
            self.bind_target(node.target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.change(node.target.id)
        else:
            self.bind_target(node.target)

    def visit_Delete(self, node):
        for target in node.targets:
            self.bind_target(target)

    def visit_For(self, node):
        self.visit(node.iter)
        self.bind_target(node.target)
        for statement in node.body + node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars)
        for statement in node.body:
            self.visit(statement)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node):
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name)
        for statement in node.body:
            self.visit(statement)

    def visit_Expr(self, node):
        # `obj.method(...)` as a statement: assume it changes obj (append, fit, update, ...)
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            base = call.func.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            self.generic_visit(node)
            if isinstance(base, ast.Name):
                self.change(base.id)
            return
        self.generic_visit(node)


def cell_names(source: str) -> CellNames:
    """The module-level names a code cell reads (before binding them), binds and imports.

    A cell that does not parse (after IPython's ``%``/``!`` syntax is translated) is returned
    with ``parsed=False``; :func:`needed_cells` then keeps it and everything before it.

    Examples
    --------
    >>> names = cell_names("def f(a):\\n    return a * scale\\nfor k in keys:\\n    table[k] = f(k)")
    >>> sorted(names.uses), sorted(names.binds), sorted(names.changes)
    (['keys', 'scale', 'table'], ['f', 'k'], ['table'])
    """
    try:
        tree = ast.parse(_python_source(source))
    except SyntaxError:
        return CellNames(parsed=False)
    reader = _Reader()
    for statement in tree.body:
        reader.visit(statement)
    names = reader.names
    names.uses |= reader.deferred - names.binds
    return names


def _binders(names, name, index):
    """The cells before ``index`` that ``name`` comes from: the last cell binding it, and the
    cells after that one changing its object in place (none if it was bound by ``import``:
    ``plt.rcParams[...] = ...`` or ``np.random.seed(0)`` do not make a cell a source of ``plt``)."""
    found = []
    for earlier in range(index - 1, -1, -1):
        cell = names[earlier]
        if not cell.parsed:
            return found + [earlier]
        if name in cell.binds:
            return [earlier] if name in cell.imports else found + [earlier]
        if name in cell.changes:
            found.append(earlier)
    return found


def needed_cells(sources, targets, always=()):
    """Indices of the cells that ``targets`` need (themselves included), in order.

    Parameters
    ----------
    sources : sequence of str
        The code cells' sources, in notebook order.
    targets : iterable of int
        Indices (into ``sources``) of the cells that must run, e.g. the cells that build sliders.
    always : iterable of int
        Indices kept whatever the names say (the setup cell, cells tagged ``browser``); what they
        need is kept too.

    Returns
    -------
    list of int
        Sorted indices. A cell that does not parse keeps every earlier cell.
    """
    names = [cell_names(source) for source in sources]
    wanted = sorted(set(targets) | set(always))
    for index in wanted:
        if not 0 <= index < len(sources):
            raise ValueError(f"cell index {index} out of range for {len(sources)} code cells")
    keep, todo = set(), list(wanted)
    while todo:
        index = todo.pop()
        if index in keep:
            continue
        keep.add(index)
        if not names[index].parsed:
            todo.extend(range(index))
            continue
        for name in names[index].uses:
            # the last cell before `index` that binds `name` or changes its object in place (if
            # that one reads it too, as in x = f(x) or d[k] = v, its own turn finds the one before)
            todo.extend(_binders(names, name, index))
    return sorted(keep)

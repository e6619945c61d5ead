"""Runs rewrite_target.py as pytest runs a test module whose asserts it
rewrites: compiled under its own file name from a rewritten tree, each
function given a statement more (its locals and bytecode grow, its first
line and parameters stay).  Box.grow must still be selected by its
qualified name (3.8-3.10 keep none: memline compiles the file again and
finds the code there).

    python rewritten.py"""
import ast
import os
import types

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rewrite_target.py")


class AddLocal(ast.NodeTransformer):
    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        probe = ast.parse("_rewritten = None").body[0]
        node.body.insert(0, ast.copy_location(probe, node.body[0]))
        return node


with open(PATH) as f:
    tree = AddLocal().visit(ast.parse(f.read(), PATH))
mod = types.ModuleType("rewrite_target")
mod.__file__ = PATH
exec(compile(ast.fix_missing_locations(tree), PATH, "exec"), mod.__dict__)
print(mod.Box().grow(3_000_000), len(mod.grow(1000, scale=2)))

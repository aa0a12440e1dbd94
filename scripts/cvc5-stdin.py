#!/usr/bin/env python3
"""Run cvc5 (PyPI package `cvc5`, Python bindings) on an SMT-LIB2 script read from stdin and
print the answer of each (check-sat): an external solver for `keyward --solver smtlib:...`
on machines without a cvc5 binary. Install: pip install cvc5 (or set PYTHONPATH to a --target
folder). Usage: keyward prove P.toml K.json --solver 'smtlib:python3 scripts/cvc5-stdin.py'"""
import sys

import cvc5


def main():
    text = sys.stdin.read()
    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    solver.setOption("produce-models", "false")
    solver.setOption("strings-exp", "true")
    sm = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(solver, sm)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "stdin")
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        out = cmd.invoke(solver, sm)
        if out and out.strip():
            print(out.strip(), flush=True)


if __name__ == "__main__":
    main()

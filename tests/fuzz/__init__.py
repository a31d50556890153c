"""The fuzz harness (docs/fuzzing.md). Owns: nothing itself; its modules are listed below.
Imports: nothing.

    mutate.py    byte mutations with offsets biased to record and header starts, compression
    archives.py  tar/tar.gz/tar.xz/tar.bz2/zip archives of several members, zip flag and method damage
    cases.py     the seeded corpus and one deterministic input per (seed, index)
    targets.py   the contracts: inspect_file, run_batch (in memory and to a folder), the CLI renderers
    sandbox.py   one case per forked child, with a time budget and a peak-RSS bound
    run.py       ``python3 -m tests.fuzz.run``: cases in, outcomes, failing inputs and a summary out
    test_slice.py  the short deterministic slice the default ``python3 -m pytest`` runs
"""

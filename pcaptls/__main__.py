"""python -m pcaptls -> cli.main(). Owns: nothing else. Imports: cli."""
from pcaptls.cli import main

main()

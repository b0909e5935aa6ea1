"""`python -m linkgraph` runs the command line."""

from linkgraph.cli import run

run()

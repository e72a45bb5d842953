"""``python -m statedata`` runs the command line."""

from statedata.cli import main

main()

"""`python -m vpc_remediator`: the command line."""

from .cli.main import main_exit

main_exit()

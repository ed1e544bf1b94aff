"""`python -m vpc_remediator`: the command line."""

from .cli import main_exit

main_exit()

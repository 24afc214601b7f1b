"""``python -m sim`` runs the same app as ``supplysim``."""

from sim.cli import main

if __name__ == "__main__":
    main()

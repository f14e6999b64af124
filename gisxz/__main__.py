"""``python -m gisxz`` runs the command line."""

from gisxz.cli.main import main

if __name__ == "__main__":
    main()

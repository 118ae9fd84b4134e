"""Run the habitatmap CLI from a checkout: ``python cli.py --help``."""
from habitatmap.cli import app

if __name__ == "__main__":
    app()

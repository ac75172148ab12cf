"""Import and export of cases (being moved here from ippcase/importing.py and services.py)."""

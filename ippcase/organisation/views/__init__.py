"""The pages of the administration area: the organisation (structure.py) and staff (staff.py).
Thin: permission, form, service or selector, render."""

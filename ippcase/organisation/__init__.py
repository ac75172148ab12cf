"""The administration area (issue 14): regions, PDUs and teams, and staff (invite, roles, team,
unlock, deactivate). Administrators administer everything; a local administrator the PDU of their
own team (its teams and the staff in them). docs/permissions.md."""

"""The database backend of geo_indi: Django's PostGIS backend whose connections never wait forever (base.py)."""

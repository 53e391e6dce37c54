"""The GraphQL API (graphene 2, as in Saleor): schema in schema.py, HTTP view in view.py."""

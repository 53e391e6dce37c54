"""Read models shared by the GraphQL and REST APIs: filters, sorting, pagination, overviews."""

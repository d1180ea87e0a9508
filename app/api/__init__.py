"""The JSON API (/api/v1): the same catalogue, cart and checkout operations as the HTML shop."""

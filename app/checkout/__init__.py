"""Guest checkout: contact, shipping address, shipping method, payment, order placement."""

"""Foreign exchange: providers, validated and cached rates, conversion."""

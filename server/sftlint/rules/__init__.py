"""Rule families: each module declares its rules (with docs) and the checks reporting them."""

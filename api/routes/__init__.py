"""HTTP routers: each parses input, calls one use case, returns a schema."""

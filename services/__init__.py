"""The use cases, framework-free: every entrypoint (the JSON API, the pages, the command line,
the worker) calls these with an actor, and they answer with typed results or service errors."""

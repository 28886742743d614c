"""The HTTP API, the composition root and the `marac` command line. The only package that
imports the web framework."""

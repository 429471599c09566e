"""Stand-alone simulators of the external services SnowOps talks to."""

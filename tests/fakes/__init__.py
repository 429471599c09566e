"""Local stand-ins for the services SnowOps talks to, for tests."""

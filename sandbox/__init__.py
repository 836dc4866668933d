"""Local stand-ins for Flowroute and Slack used by the demo console, the tests and the benchmarks."""

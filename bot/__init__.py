"""The Rasa-side package: everything loaded into the Rasa server process.

Channels (credentials.yml), the tracker store, cache, redaction and sealing (endpoints*.yml),
the NLU components (config.yml), the action-failure and handoff-notice hooks and the measured
patches of rasa_speedups. See the README's layout table."""

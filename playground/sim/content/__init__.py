"""What simulated models say: prose answers (`answers`), short facts
(`facts`), judges (`judging`), classifiers (`labels`), prompt analysis
(`prompt`, `sections`), the odds of slipping (`odds`), logprobs, the paced
generation plan (`generation`) and deterministic embeddings. Pure: no I/O
beyond reading the packaged data tables (`tables`)."""

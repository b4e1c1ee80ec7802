"""Requests as they really are: image parts (`images`), tools and tool
results (`tools`), JSON mode and JSON Schema answers (`schema_values`,
`regex_sample`), what each model accepts (`capabilities`), and the plan of
what a model answers to all of that (`output`). The neutral types both wire
protocols parse into are in `types`."""

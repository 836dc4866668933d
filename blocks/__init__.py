"""Pure Block Kit builders and text formats: data in, blocks out."""

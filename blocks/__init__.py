"""Pure Block Kit builders (`kit`) and the text formats (`text`): data in, blocks out."""

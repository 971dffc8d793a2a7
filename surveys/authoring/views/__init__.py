"""The authoring pages, by what they act on: surveys, versions and questions (helpers in `common`)."""

"""Survey authoring under /manage/: surveys, versions and their questions (issue 4)."""

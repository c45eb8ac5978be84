"""Starting, watching and stopping the servers under test, and what each one's API looks like."""

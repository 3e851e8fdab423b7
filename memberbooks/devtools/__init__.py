"""Developer tools: the `emulator` command that serves the offline QuickBooks beside the app."""

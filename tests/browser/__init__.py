"""Real-browser tests: Playwright drives a headless Chromium against the live server."""

"""Qt-free speech: the speaker interface and a worker thread that owns the TTS engine."""

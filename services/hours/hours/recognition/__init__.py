"""Hours that a partner province certified and we recognise (000 art. 22), and the certified records the
certificates service puts on a person's certificate (000 art. 14–15). Internal: machine clients only."""

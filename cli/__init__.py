"""The ``peft-why`` command line (click), thin over the library."""

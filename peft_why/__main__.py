"""``python -m peft_why`` is the ``peft-why`` command."""

from peft_why.cli.entry import main

if __name__ == "__main__":
    main()

"""``python -m peft_why`` is the ``peft-why`` command."""

from peft_why.cli.main import main

if __name__ == "__main__":
    main()

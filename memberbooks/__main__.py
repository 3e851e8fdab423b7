"""`python -m memberbooks` is the same as the `memberbooks` console command."""

from memberbooks.cli import main

if __name__ == "__main__":
    main()

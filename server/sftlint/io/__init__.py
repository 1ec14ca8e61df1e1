"""Reading datasets: files to rows, the locating JSON parser, positions, row formats."""

from crossforge.cli import main

main()

from swarmfi.cli import main

main()

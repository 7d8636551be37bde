from psa.simulator.cli import main

main()

"""python -m openseal"""

from openseal.interfaces.cli.app import main

main()

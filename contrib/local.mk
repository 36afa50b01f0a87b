# contrib: fragment of the top Makefile.am

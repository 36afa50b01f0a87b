# man: fragment of the top Makefile.am

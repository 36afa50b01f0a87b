# conf: fragment of the top Makefile.am

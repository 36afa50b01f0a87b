# modules: fragment of the top Makefile.am

# t/fuzz: fragment of the top Makefile.am

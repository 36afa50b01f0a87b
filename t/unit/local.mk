# t/unit: fragment of the top Makefile.am

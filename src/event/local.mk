# src/event: fragment of the top Makefile.am

# src/http: fragment of the top Makefile.am

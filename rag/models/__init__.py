"""The learned judge's committed models (package data; rebuilt by `make judge`)."""

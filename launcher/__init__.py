"""The local run (`python -m launcher`, what `make run` does): one command starts the whole product
on embedded defaults - the Temporal dev server, a mail sink, the worker and the web app - and
stops all of it again on Ctrl-C."""

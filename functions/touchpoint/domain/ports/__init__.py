"""What the use cases need from the outside world, one module per concern; the adapters
implement these protocols. Only interfaces live here: the data and errors they speak of are
the domain's own modules."""

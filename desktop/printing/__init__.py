"""Kitchen tickets: printer addresses, the ticket layout, the durable print queue and its worker."""

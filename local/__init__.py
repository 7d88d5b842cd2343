"""The local stack: moto in server mode, a function-URL gateway, queue pump, scheduler and simulators."""

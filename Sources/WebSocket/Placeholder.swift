// WebSocket: placeholder, replaced by the real module.

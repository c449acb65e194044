// HTTP: placeholder, replaced by the real module.

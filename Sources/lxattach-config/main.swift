print("lxattach-config: not yet")

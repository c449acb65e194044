print("lxattach: not yet")

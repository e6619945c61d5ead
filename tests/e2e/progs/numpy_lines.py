"""numpy's arrays on known lines: their data comes from numpy's C code
(calloc for zeros, malloc for the rest), called by the line that asks for
the array.  Prints the true sizes as JSON (bytes per marker)."""
import json

import numpy as np


def work():
    z = np.zeros(10_000_000)                    # L:zeros
    o = np.ones((2_000, 1_000))                 # L:ones
    s = z[:5_000_000] + 1.0                     # L:add
    c = np.concatenate([o.ravel(), o.ravel()])  # L:concat
    del z                                       # L:delz
    t = o.T.copy()                              # L:copy
    return s.nbytes + c.nbytes + t.nbytes


n = work()
print(json.dumps({"zeros": 80_000_000, "ones": 16_000_000, "add": 40_000_000,
                  "concat": 32_000_000, "delz": -80_000_000, "copy": 16_000_000}))
print(n)

"""Memory runs out before the first call of a selected function: memline
must not raise into the program (3.13 raised MemoryError at the def line,
outside its try) nor garble stderr."""
hold = []
try:
    while True:
        hold.append(bytearray(1 << 16))
except MemoryError:
    pass
try:
    while True:
        hold.append(bytearray(64))
except MemoryError:
    pass
def f():
    try:
        x = bytearray(1 << 20)
        return "allocated"
    except MemoryError:
        return "MemoryError inside f"
r = f()
del hold
print(r)

"""Functions with the same name in different places, for selectors."""


class Alpha:
    def method(self):
        x = [1, 2, 3]
        return len(x)

    @staticmethod
    def stat():
        return 1


class Beta:
    def method(self):
        return 2


def method():
    return 3


def outer():
    def inner():
        return 4
    return inner()


def work_one():
    return 5


def work_two():
    return 6


class Outer:
    class Inner:
        def method(self):
            return 7


print(Alpha().method(), Alpha.stat(), Beta().method(), method(), outer(), work_one(), work_two(),
      Outer.Inner().method())

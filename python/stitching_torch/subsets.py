"""The engine's seeded, class-balanced subsets (src/GpuRunner/Engine/Data/SubsetSelector.cs), index for index, so that
`--test-limit N` here picks the test images a sweep with `--test-limit N` was scored on.

The engine shuffles with .NET's `new Random(seed)`, which for an explicit seed is the legacy Knuth subtractive generator
(Numerical Recipes' ran3; dotnet/runtime Random.Net5CompatImpl.cs, CompatPrng), ported here.
"""

_INT_MAX = 2**31 - 1
_MSEED = 161803398


class DotNetRandom:
    """`new System.Random(seed)` of .NET (any version since .NET Core 1.0 with a seed): Next(max) only."""

    def __init__(self, seed):
        seeds = [0] * 56
        mj = _MSEED - (_INT_MAX if seed == -2**31 else abs(seed))
        seeds[55] = mj
        mk, ii = 1, 0
        for _ in range(1, 55):
            ii += 21
            if ii >= 55:
                ii -= 55
            seeds[ii] = mk
            mk = mj - mk
            if mk < 0:
                mk += _INT_MAX
            mj = seeds[ii]
        for _ in range(1, 5):
            for i in range(1, 56):
                n = i + 30
                if n >= 55:
                    n -= 55
                seeds[i] -= seeds[1 + n]
                if seeds[i] < 0:
                    seeds[i] += _INT_MAX
        self._seeds, self._inext, self._inextp = seeds, 0, 21

    def _sample(self):
        inext = self._inext + 1 if self._inext + 1 < 56 else 1
        inextp = self._inextp + 1 if self._inextp + 1 < 56 else 1
        value = self._seeds[inext] - self._seeds[inextp]
        if value == _INT_MAX:
            value -= 1
        if value < 0:
            value += _INT_MAX
        self._seeds[inext], self._inext, self._inextp = value, inext, inextp
        return value * (1.0 / _INT_MAX)

    def next(self, max_value):
        return int(self._sample() * max_value)


def balanced_order(labels, seed):
    """Every index, shuffled by `seed` (Fisher-Yates from the end), then interleaved class by class (one of class 0, one of 1, ...)."""
    order = list(range(len(labels)))
    random = DotNetRandom(seed)
    for i in range(len(order) - 1, 0, -1):
        j = random.next(i + 1)
        order[i], order[j] = order[j], order[i]
    by_class = {}
    for i in order:
        by_class.setdefault(int(labels[i]), []).append(i)
    groups = [by_class[k] for k in sorted(by_class)]
    return [g[r] for r in range(max(map(len, groups), default=0)) for g in groups if r < len(g)]


def select(labels, limit=None, seed=0):
    """Up to `limit` indices (None: all), class-balanced, ascending: the engine's --train-limit / --test-limit subset."""
    return sorted(balanced_order(labels, seed)[:len(labels) if limit is None else limit])

#!/usr/bin/env python3
"""Write a small synthetic OCCSCAN1 scan file for testing the race harnesses.

Sensor near the centre of a 4 m x 4 m x 4 m box room (walls at +-2 m, floor z=0,
ceiling z=4); each frame samples points uniformly on the walls as seen from the
sensor. Stdlib only.

Usage: make_test_scan.py OUT.bin [--points 20000] [--frames 3] [--res 0.05]
                         [--max-range 3.0] [--queries 1000] [--rays 1000]
                         [--unlimited-rays 0.0] [--seed 1]
"""
import argparse
import math
import random
import struct

HALF = 2.0          # walls at x,y = +-2
ZMIN, ZMAX = 0.0, 4.0


def wall_hit(o, d):
    """First intersection of ray o + t d (t > 0) with the inside of the box."""
    best = math.inf
    for axis, lo, hi in ((0, -HALF, HALF), (1, -HALF, HALF), (2, ZMIN, ZMAX)):
        if d[axis] > 0:
            best = min(best, (hi - o[axis]) / d[axis])
        elif d[axis] < 0:
            best = min(best, (lo - o[axis]) / d[axis])
    return tuple(o[i] + best * d[i] for i in range(3)), best


def unit(rng):
    while True:
        v = [rng.gauss(0, 1) for _ in range(3)]
        n = math.sqrt(sum(c * c for c in v))
        if n > 1e-9:
            return tuple(c / n for c in v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--points", type=int, default=20000, help="total points over all frames")
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--res", type=float, default=0.05)
    ap.add_argument("--max-range", type=float, default=3.0)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--rays", type=int, default=1000)
    ap.add_argument("--unlimited-rays", type=float, default=0.0,
                    help="fraction of rays written with maxRange 0 (= unlimited; through wall gaps these "
                         "run to the edge of OctoMap's key space, ~1.6 km at 0.05 m)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)

    out = bytearray()
    out += b"OCCSCAN1"
    out += struct.pack("<Idd", 1, a.res, a.max_range)
    out += struct.pack("<I", a.frames)
    per = [a.points // a.frames + (1 if i < a.points % a.frames else 0) for i in range(a.frames)]
    origins = []
    for f in range(a.frames):
        # sensor wanders a little around the room centre (z = 1.5 m)
        o = (0.1 * f - 0.05, -0.07 * f + 0.03, 1.5 + 0.02 * f)
        origins.append(o)
        out += struct.pack("<fffI", *o, per[f])
        for _ in range(per[f]):
            p, _t = wall_hit(o, unit(rng))
            out += struct.pack("<fff", *p)

    # query points: uniform in a box slightly larger than the room (hits free, occupied and unknown)
    out += struct.pack("<I", a.queries)
    for _ in range(a.queries):
        out += struct.pack("<fff", rng.uniform(-2.3, 2.3), rng.uniform(-2.3, 2.3), rng.uniform(-0.3, 4.3))

    # rays from the first sensor origin in random directions, maxRange = file maxRange
    # (optionally a fraction with maxRange 0 = unlimited)
    out += struct.pack("<I", a.rays)
    o = origins[0]
    for i in range(a.rays):
        d = unit(rng)
        mr = 0.0 if rng.random() < a.unlimited_rays else a.max_range
        out += struct.pack("<fffffff", *o, *d, mr)

    with open(a.out, "wb") as fh:
        fh.write(out)
    print(f"wrote {a.out}: {a.frames} frames, {a.points} points, {a.queries} queries, {a.rays} rays, "
          f"res {a.res}, maxRange {a.max_range}")


if __name__ == "__main__":
    main()

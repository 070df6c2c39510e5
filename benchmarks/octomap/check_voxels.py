#!/usr/bin/env python3
"""Sanity-check an octomap_race result against its scan file (stdlib only).

Usage: check_voxels.py SCAN.bin OUT_PREFIX

Reads OUT_PREFIX.json and OUT_PREFIX.voxels.bin, checks the voxel file is sorted,
unique and consistent with the JSON counts, and re-derives the lookup results
(found / occupied) from the voxel file using OctoMap's key convention
index = floor(double(float32 coord) * (1.0 / resolution)). For the synthetic box
room of make_test_scan.py it also reports where the occupied voxels lie.
"""
import json
import math
import struct
import sys
from collections import Counter


def read_scan(path):
    b = open(path, "rb").read()
    assert b[:8] == b"OCCSCAN1", "bad scan magic"
    ver, res, max_range, nframes = struct.unpack_from("<IddI", b, 8)
    off = 8 + 4 + 8 + 8 + 4
    frames = []
    for _ in range(nframes):
        ox, oy, oz, n = struct.unpack_from("<fffI", b, off)
        off += 16
        pts = list(struct.iter_unpack("<fff", b[off:off + 12 * n]))
        off += 12 * n
        frames.append(((ox, oy, oz), pts))
    (nq,) = struct.unpack_from("<I", b, off)
    off += 4
    queries = list(struct.iter_unpack("<fff", b[off:off + 12 * nq]))
    off += 12 * nq
    (nr,) = struct.unpack_from("<I", b, off)
    off += 4
    rays = list(struct.iter_unpack("<fffffff", b[off:off + 28 * nr]))
    return res, max_range, frames, queries, rays


def read_voxels(path):
    b = open(path, "rb").read()
    assert b[:8] == b"OCCVOX01", "bad voxel magic"
    (n,) = struct.unpack_from("<Q", b, 8)
    assert len(b) == 16 + 13 * n, "voxel file size mismatch"
    return [(x, y, z, s) for x, y, z, s in struct.iter_unpack("<iiiB", b[16:])]


def main():
    scan_path, prefix = sys.argv[1], sys.argv[2]
    res, max_range, frames, queries, rays = read_scan(scan_path)
    meta = json.load(open(prefix + ".json"))
    vox = read_voxels(prefix + ".voxels.bin")
    ok = True

    def check(cond, msg):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + msg)
        ok &= bool(cond)

    keys = [(x, y, z) for x, y, z, _ in vox]
    check(keys == sorted(keys) and len(set(keys)) == len(keys), "voxels sorted by (x,y,z) and unique")
    states = Counter(s for *_, s in vox)
    check(set(states) <= {1, 2}, f"states only 1/2: {dict(states)}")
    m = meta["map_full"]
    check(states[1] == m["free_voxels"] and states[2] == m["occupied_voxels"],
          f"counts match JSON (free {states[1]}, occupied {states[2]})")

    inv = 1.0 / res
    idx = lambda c: math.floor(c * inv)  # c is already a float32 value widened to double
    check(idx(struct.unpack("<f", struct.pack("<f", 0.01))[0]) == 0 and
          idx(struct.unpack("<f", struct.pack("<f", -0.01))[0]) == -1, "index convention: 0.01 -> 0, -0.01 -> -1")

    state = {(x, y, z): s for x, y, z, s in vox}
    found = occ = 0
    for q in queries:
        s = state.get(tuple(idx(c) for c in q))
        found += s is not None
        occ += s == 2
    check(found == meta["lookup"]["found"] and occ == meta["lookup"]["occupied"],
          f"lookups re-derived from voxel file: found {found}, occupied {occ} "
          f"(harness: {meta['lookup']['found']}, {meta['lookup']['occupied']})")

    # Box-room geometry (make_test_scan.py): walls at x,y = +-2, floor 0, ceiling 4.
    def wall_dist(x, y, z):
        cx, cy, cz = (x + 0.5) * res, (y + 0.5) * res, (z + 0.5) * res
        return min(2 - abs(cx), 2 - abs(cy), cz, 4 - cz)

    occ_d = [wall_dist(x, y, z) for x, y, z, s in vox if s == 2]
    free_d = [wall_dist(x, y, z) for x, y, z, s in vox if s == 1]
    if occ_d:
        near = sum(abs(d) <= res for d in occ_d)
        print(f"info occupied voxels within one voxel of a wall plane: {near}/{len(occ_d)}")
        check(near == len(occ_d), "all occupied voxels lie on the walls (box-room scan only)")
    if free_d:
        inside = sum(d > 0 for d in free_d)
        print(f"info free voxels with centre inside the room: {inside}/{len(free_d)}")
    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

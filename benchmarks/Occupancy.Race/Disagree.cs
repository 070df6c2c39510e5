using System.Globalization;
using System.Numerics;
using Occupancy.Simulation;

namespace Occupancy.Race;

/// <summary>
/// `disagree SCAN OCTOMAP_PREFIX exact|discretized [N]`: integrates a scan file with one thread and lists the voxels on
/// which our map and OctoMap's (the harness's voxel file) disagree, by kind, with the first N of them and the rays that
/// pass nearest to each (to the endpoint voxels' centres in the discretized mode, clipped at the range as OctoMap
/// clips them), so that a disagreement can be traced to the ray and the arithmetic that produced it. With
/// DISAGREE_EXPORT=PATH it also writes the points of the rays near the first listed voxel as a scan file of their own,
/// for OctoMap's harness to build alone.
/// </summary>
internal static class Disagree
{
    public static int Run(string scanPath, string octomapPrefix, string mode, int show)
    {
        ScanFile scans = ScanFile.Read(scanPath);
        PointCloudMode pointMode = mode == "exact" ? PointCloudMode.Exact : PointCloudMode.Discretized;
        Dictionary<(int, int, int), byte> peer = VoxelFile.Read(octomapPrefix + (mode == "exact" ? ".voxels.bin" : ".discretized.voxels.bin"));
        float maxRange = scans.MaxRange > 0 ? (float)scans.MaxRange : float.PositiveInfinity;
        OccupancyMap map = Program.PrepareClouds(scans, maxRange, pointMode, 1)();
        var kinds = new Dictionary<string, int>();
        var listed = new List<(VoxelKey Key, string Kind)>();
        void Add(VoxelKey key, string kind)
        {
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            if (listed.Count < show)
            {
                listed.Add((key, kind));
            }
        }

        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            byte ours = v.State == VoxelState.Occupied ? (byte)2 : (byte)1;
            if (!peer.TryGetValue((v.Key.X, v.Key.Y, v.Key.Z), out byte theirs))
            {
                Add(v.Key, ours == 2 ? "ours occupied, OctoMap unknown" : "ours free, OctoMap unknown");
            }
            else if (theirs != ours)
            {
                Add(v.Key, ours == 2 ? "ours occupied, OctoMap free" : "ours free, OctoMap occupied");
            }
        }

        foreach (((int x, int y, int z), byte theirs) in peer)
        {
            var key = new VoxelKey(x, y, z);
            if (map.GetState(key) == VoxelState.Unknown)
            {
                Add(key, theirs == 2 ? "ours unknown, OctoMap occupied" : "ours unknown, OctoMap free");
            }
        }

        Console.WriteLine($"{scanPath} ({mode}): {map.CountVoxels().Known} known voxels ours, {peer.Count} OctoMap's");
        foreach ((string kind, int count) in kinds.OrderByDescending(k => k.Value))
        {
            Console.WriteLine($"  {count,8}  {kind}");
        }

        double res = scans.Resolution;
        if (Environment.GetEnvironmentVariable("DISAGREE_EXPORT") is { } exportPath && listed.Count > 0)
        {
            // The raw points whose endpoint voxel's centre ray passes the first listed voxel, as a scan file of their own.
            Vector3 c = map.CenterOf(listed[0].Key);
            (Vector3 o, Vector3[] all) = scans.Frames[0];
            Vector3[] picked = all.Where(q => float.IsFinite(q.X) && float.IsFinite(q.Y) && float.IsFinite(q.Z)).Where(q =>
            {
                Vector3 e = mode == "exact" ? q : map.CenterOf(map.KeyOf(q));
                Vector3 u = Vector3.Normalize(e - o);
                float t = Vector3.Dot(c - o, u);
                return t > 0 && (c - (o + (u * t))).Length() < res;
            }).ToArray();
            var one = new ScanFile { Resolution = scans.Resolution, MaxRange = scans.MaxRange };
            one.Frames.Add((o, picked));
            one.Write(exportPath);
            Console.WriteLine($"wrote {picked.Length} points to {exportPath}");
        }

        foreach ((VoxelKey key, string kind) in listed)
        {
            Vector3 centre = map.CenterOf(key);
            Console.WriteLine($"{key} centre {centre} {kind}");
            foreach ((Vector3 origin, Vector3[] raw) in scans.Frames)
            {
                // The discretized mode casts to endpoint voxels' centres, clipped at the range as OctoMap clips them.
                IEnumerable<Vector3> points = pointMode == PointCloudMode.Exact ? raw : raw.Where(p => float.IsFinite(p.X) && float.IsFinite(p.Y) && float.IsFinite(p.Z)).Select(p => map.CenterOf(map.KeyOf(p))).Distinct();
                var near = new List<(double Distance, double Along, Vector3 Point)>();
                foreach (Vector3 target in points)
                {
                    Vector3 p = target;
                    float reach = (p - origin).Length();
                    if (reach > maxRange)
                    {
                        Vector3 along = p - origin;
                        float norm = MathF.Sqrt((along.X * along.X) + (along.Y * along.Y) + (along.Z * along.Z));
                        p = origin + (along / norm * maxRange);
                    }

                    Vector3 d = p - origin;
                    float length = d.Length();
                    Vector3 u = d / length;
                    float t = Vector3.Dot(centre - origin, u);
                    if (t < 0 || t > length + res)
                    {
                        continue;
                    }

                    double distance = (centre - (origin + (u * t))).Length();
                    if (distance < res)
                    {
                        near.Add((distance, t / length, p));
                    }
                }

                foreach ((double distance, double along, Vector3 p) in near.OrderBy(n => n.Distance).Take(3))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ray to ({p.X:R}, {p.Y:R}, {p.Z:R}) from {origin}: {distance / res:F3} voxels from the centre, at {along:F4} of its length (length {(p - origin).Length():F2} m)"));
                }
            }
        }

        return 0;
    }
}

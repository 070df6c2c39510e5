using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Occupancy;

/// <summary>
/// Occupancy flow: a velocity for the map's occupied voxels, estimated from consecutive frames by following clusters of
/// young occupied voxels, and occupancy forecasts made by moving the map along that flow. World frame, metres, z up;
/// seconds; metres per second.
/// </summary>
/// <remarks>
/// <para>
/// Method (a model-free tracker in the tradition of motion-based detection and tracking in 3D LiDAR scans, e.g. Dewan,
/// Caselitz, Tipaldi and Burgard, ICRA 2016, with the constant-velocity tracks of AB3DMOT, Weng et al., IROS 2020):
/// each frame's returns are binned into the map's voxels. A voxel starts a <em>streak</em> when it is hit while the map
/// holds it free (something arrived in space seen empty); it stays <em>young</em> for <see cref="YoungAge"/> seconds of
/// its streak. Static structure is old (the map has held it occupied for longer), and it stays old while something hides
/// it, because the map keeps it occupied. Young hit voxels are grouped into 26-connected clusters; each cluster of at
/// least <see cref="MinClusterVoxels"/> voxels is matched to the nearest track predicted to the frame's time (within
/// <see cref="Gate"/>) if registration agrees (the integer voxel shift under which most of the cluster lands on the
/// track's last voxels, refined to a fraction of a voxel along each axis by the voxels at the cluster's edges along it,
/// since inside a face sliding along itself the returns do not move), joins a moving track whose predicted box it lies
/// in (the object seen apart, across a gap between cameras; the box reaches two metres further along the motion for a
/// vehicle, not for a walker, whose track would take another walker coming into view ahead of it), or starts a track.
/// A smaller cluster, of at least <see cref="KeepVoxels"/>, only keeps alive a moving track that no bigger cluster
/// matched, coasting at its velocity (a walker far away seen in fewer voxels for a few frames). An established track
/// keeps its prediction along axes the overlap cannot tell (a face sliding along itself) and when it seems to have
/// slowed to less than half its speed within a frame, from two voxels a frame or more (a face cut at both ends by the
/// edges of the view looks still; no car brakes so hard). Along an axis a track has never measured (every registration
/// tied there) it takes no motion. A young track whose cluster grows or shrinks fourfold in a frame (a car coming into
/// range, cut by it) restarts its fit. A cluster joins a moving track by its box only near the track's own boxes, not
/// near parts joined before. A track's velocity is the least-squares slope of its accumulated displacement over the
/// last <see cref="Window"/> seconds. Voxels of a cluster of a moving track, and the map's occupied voxels within the
/// track's box (this frame's and its boxes of the last three frames moved along its velocity, and for a vehicle seen
/// end-on, at most 11 voxels deep along its motion, its boxes of the last seven frames where they were: its earlier
/// hits, which it now hides; widened by <see cref="BoxMargin"/> voxels across and one up), take its velocity, and so
/// does the voxel layer under a track at most 6 voxels across (widened by one voxel: the ground's voxels a walker's
/// feet share); every other voxel has none.
/// </para>
/// <para>
/// Call <see cref="Observe"/> with a frame's returns <em>before</em> integrating that frame into the map: the streaks
/// are read from what the map held before the frame.
/// </para>
/// <para>Threads: not thread-safe; use one estimator from the thread that writes its map, between integrations.</para>
/// </remarks>
public sealed class FlowEstimator
{
    private const int HistoryCapacity = 64;
    private const int BoxHistory = 8;

    private readonly OccupancyMap _map;
    private readonly Dictionary<VoxelKey, PointSum> _frame = [];
    private readonly Dictionary<VoxelKey, double> _since = [];
    private readonly Dictionary<VoxelKey, int> _clusterOf = [];
    private readonly List<VoxelKey> _young = [];
    private readonly List<VoxelKey> _members = [];
    private readonly List<VoxelKey> _stale = [];
    private readonly Queue<VoxelKey> _queue = new();
    private readonly List<Cluster> _clusters = [];
    private readonly List<Track> _tracks = [];
    private readonly List<(float Distance, int Cluster, int Track)> _pairs = [];
    private readonly Comparison<(float Distance, int Cluster, int Track)> _byBigThenNearest;
    private readonly List<FlowTrack> _published = [];
    private int[] _trackOfCluster = [];
    private int[] _remap = [];
    private double _time = double.NegativeInfinity;
    private int _nextId = 1;

    /// <summary>Creates an estimator for a map.</summary>
    /// <param name="map">The map the frames are integrated into.</param>
    /// <param name="youngAge">Seconds a voxel's streak stays young; positive (default 1.5).</param>
    /// <param name="window">Seconds of a track's history its velocity is fitted over; positive (default 1).</param>
    /// <param name="minClusterVoxels">Voxels a cluster needs to start a track (a third of it keeps a moving track alive); at least 1 (default 15).</param>
    /// <param name="gate">Metres between a track's predicted centroid and a cluster's beyond which they do not match; positive (default 3).</param>
    /// <param name="minSpeed">Speed a track needs to count as moving, metres per second; not negative (default 0.4).</param>
    /// <param name="minFrames">Frames a track needs to count as moving; at least 2 (default 2).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range; the message names it and its value.</exception>
    public FlowEstimator(OccupancyMap map, double youngAge = 1.5, double window = 1.0, int minClusterVoxels = 15, double gate = 3.0, double minSpeed = 0.4, int minFrames = 2)
    {
        ArgumentNullException.ThrowIfNull(map);
        ThrowHelper.ThrowIfNotPositiveFinite(youngAge, nameof(youngAge));
        ThrowHelper.ThrowIfNotPositiveFinite(window, nameof(window));
        ThrowHelper.ThrowIfNotPositiveFinite(gate, nameof(gate));
        if (minClusterVoxels < 1)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(minClusterVoxels), minClusterVoxels, string.Create(CultureInfo.InvariantCulture, $"minClusterVoxels must be at least 1, but was {minClusterVoxels}."));
        }

        if (!(minSpeed >= 0 && double.IsFinite(minSpeed)))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(minSpeed), minSpeed, string.Create(CultureInfo.InvariantCulture, $"minSpeed must be finite and not negative, but was {minSpeed}."));
        }

        if (minFrames < 2)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(minFrames), minFrames, string.Create(CultureInfo.InvariantCulture, $"minFrames must be at least 2, but was {minFrames}."));
        }

        _map = map;
        _byBigThenNearest = (a, b) =>
        {
            bool smallA = _clusters[a.Cluster].Voxels < MinClusterVoxels, smallB = _clusters[b.Cluster].Voxels < MinClusterVoxels;
            return smallA != smallB ? smallA.CompareTo(smallB) : a.Distance.CompareTo(b.Distance);
        };
        YoungAge = youngAge;
        Window = window;
        MinClusterVoxels = minClusterVoxels;
        Gate = gate;
        MinSpeed = minSpeed;
        MinFrames = minFrames;
    }

    /// <summary>Voxels by which a moving track's box is widened across (in x and y) when voxels take its velocity: 2.</summary>
    public const int BoxMargin = 2;

    // A track's own boxes of its last frames, moved along its velocity, make the box its velocity goes to: parts seen
    // a few frames ago (a car's front, seen as it came) that the present view does not show.
    private const int ExtentFrames = 3;

    // A vehicle's box at most this many voxels deep along its motion is of its front or back seen end-on (2.2 m at the
    // street's 0.2 m: half a car's length).
    private const int EndOnDepth = 11;

    // Tracks at most this many voxels across (x and y) stand on the ground (a walker's feet); wider ones (vehicles) clear it.
    private const int StandingSize = 6;

    // A young track whose cluster grows or shrinks by more than this factor in a frame was seen in part.
    private const int GrowthFactor = 4;

    // Frames a track counts as young for that rule.
    private const int YoungFrames = 5;

    /// <summary>Seconds a voxel's streak stays young.</summary>
    public double YoungAge { get; }

    /// <summary>Seconds of a track's history its velocity is fitted over.</summary>
    public double Window { get; }

    /// <summary>Voxels a cluster needs to start a track.</summary>
    public int MinClusterVoxels { get; }

    /// <summary>
    /// Voxels a cluster needs to keep a moving track alive: a third of <see cref="MinClusterVoxels"/>, at least 1. Such a
    /// cluster is matched only to a moving track no bigger cluster matched, and the track coasts at its velocity.
    /// </summary>
    public int KeepVoxels => Math.Max(1, MinClusterVoxels / 3);

    /// <summary>Metres between a track's predicted centroid and a cluster's beyond which they do not match.</summary>
    public double Gate { get; }

    /// <summary>Speed a track needs to count as moving, metres per second.</summary>
    public double MinSpeed { get; }

    /// <summary>Frames a track needs to count as moving.</summary>
    public int MinFrames { get; }

    /// <summary>Timestamp of the last frame observed, seconds; negative infinity before the first.</summary>
    public double Time => _time;

    /// <summary>Returns skipped so far: non-finite points and points outside the map's index range.</summary>
    public long NoReturns { get; private set; }

    /// <summary>Voxels the last frame hit.</summary>
    public int FrameVoxels => _frame.Count;

    /// <summary>Young voxels of the last frame.</summary>
    public int YoungVoxels => _young.Count;

    /// <summary>The tracks seen in the last frame. The list is reused by the next frame: copy what you keep.</summary>
    public IReadOnlyList<FlowTrack> Tracks => _published;

    /// <summary>
    /// Takes one frame's returns (the points where rays ended on a surface, world frame) and updates the tracks. Call it
    /// before integrating the same frame into the map.
    /// </summary>
    /// <param name="points">Returns, world frame, metres; non-finite ones are counted in <see cref="NoReturns"/> and skipped.</param>
    /// <param name="timestamp">Seconds; finite and later than the previous frame's.</param>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp is not finite or not later than the previous one.</exception>
    public void Observe(ReadOnlySpan<Vector3> points, double timestamp)
    {
        if (!double.IsFinite(timestamp) || timestamp <= _time)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(timestamp), timestamp, string.Create(CultureInfo.InvariantCulture, $"timestamp must be finite and later than the previous frame's ({_time}), but was {timestamp}."));
        }

        _time = timestamp;
        BinReturns(points);
        FindYoung(timestamp);
        FindClusters();
        Associate(timestamp);
        Publish(timestamp);
    }

    /// <summary>
    /// The velocity of a voxel at the last frame: a moving track's when the voxel is in its cluster or in its box (this
    /// frame's, and its boxes of the last three frames moved along its velocity: parts seen as it came; for a vehicle
    /// seen end-on also its boxes of the last seven frames where they were: its earlier hits, now hidden inside it),
    /// widened by <see cref="BoxMargin"/> voxels across and one voxel up (a roof seen at a grazing angle lies above the
    /// returns that made the cluster). The box is not widened down, where the ground is, except under a track at most 6 voxels
    /// across (a walker, whose feet share the ground's voxels; vehicles clear the ground): there the layer under its
    /// box, widened by one voxel, takes its velocity too. False, with zero, for every other voxel.
    /// </summary>
    /// <param name="key">The voxel.</param>
    /// <param name="velocity">Metres per second; zero when false is returned.</param>
    public bool TryGetVelocity(VoxelKey key, out Vector3 velocity)
    {
        if (_clusterOf.TryGetValue(key, out int c) && c >= 0 && _trackOfCluster[c] >= 0)
        {
            Track t = _tracks[_trackOfCluster[c]];
            if (t.IsMoving)
            {
                velocity = t.Velocity;
                return true;
            }
        }

        foreach (Track t in _tracks)
        {
            if (!t.IsMoving || t.LastSeen != _time)
            {
                continue;
            }

            if (key.Z >= t.ExtentMin.Z && key.Z <= t.ExtentMax.Z + 1
                && key.X >= t.ExtentMin.X - BoxMargin && key.X <= t.ExtentMax.X + BoxMargin && key.Y >= t.ExtentMin.Y - BoxMargin && key.Y <= t.ExtentMax.Y + BoxMargin)
            {
                velocity = t.Velocity;
                return true;
            }

            // The voxel layer under a standing track's box, widened by a voxel: the ground's voxels its feet share.
            if (key.Z == t.Min.Z - 1 && Math.Max(t.Max.X - t.Min.X, t.Max.Y - t.Min.Y) < StandingSize
                && key.X >= t.Min.X - 1 && key.X <= t.Max.X + 1 && key.Y >= t.Min.Y - 1 && key.Y <= t.Max.Y + 1)
            {
                velocity = t.Velocity;
                return true;
            }
        }

        velocity = Vector3.Zero;
        return false;
    }

    /// <summary>
    /// An occupancy forecast: every voxel the map holds occupied, with its probability of occupancy, moved by its
    /// velocity times <paramref name="horizon"/> (voxels without a velocity stay). Where several land in one voxel the
    /// highest probability is kept. A horizon of zero gives the static forecast: the map as it is.
    /// </summary>
    /// <param name="horizon">Seconds ahead of the last frame; finite and not negative.</param>
    /// <param name="occupancy">Cleared, then receives each forecast voxel's probability of occupancy.</param>
    /// <returns>The number of voxels that moved.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The horizon is negative or not finite.</exception>
    public int Forecast(double horizon, Dictionary<VoxelKey, float> occupancy)
    {
        ArgumentNullException.ThrowIfNull(occupancy);
        if (!(horizon >= 0 && double.IsFinite(horizon)))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(horizon), horizon, string.Create(CultureInfo.InvariantCulture, $"horizon must be finite and not negative, but was {horizon}."));
        }

        occupancy.Clear();
        double scale = horizon / _map.Resolution;
        int moved = 0;
        foreach (VoxelInfo voxel in _map.EnumerateVoxels(VoxelState.Occupied))
        {
            float p = 1f / (1f + MathF.Exp(-voxel.LogOdds));
            VoxelKey target = voxel.Key;
            if (horizon > 0 && TryGetVelocity(voxel.Key, out Vector3 v))
            {
                target = voxel.Key.Offset((int)Math.Round(v.X * scale), (int)Math.Round(v.Y * scale), (int)Math.Round(v.Z * scale));
                if (!OccupancyMap.IsInRange(target))
                {
                    continue;
                }

                moved++;
            }

            ref float slot = ref CollectionsMarshal.GetValueRefOrAddDefault(occupancy, target, out bool exists);
            slot = exists ? MathF.Max(slot, p) : p;
        }

        return moved;
    }

    private void BinReturns(ReadOnlySpan<Vector3> points)
    {
        _frame.Clear();
        long skipped = 0;
        foreach (Vector3 p in points)
        {
            if (!_map.TryGetKey(p, out VoxelKey key))
            {
                skipped++; // not finite, or outside the index range
                continue;
            }

            ref PointSum sum = ref CollectionsMarshal.GetValueRefOrAddDefault(_frame, key, out _);
            sum.Sum += p;
            sum.Count++;
        }

        NoReturns += skipped;
    }

    private void FindYoung(double now)
    {
        _young.Clear();
        foreach (VoxelKey key in _frame.Keys)
        {
            // Seen free before this frame: something arrived; a streak starts. (A first sighting, of a surface never
            // seen or forgotten, starts none: it is taken for static until something moves into seen free space.)
            if (_map.GetLogOdds(key) < 0)
            {
                _since[key] = now;
                _young.Add(key);
            }
            else if (_since.TryGetValue(key, out double since) && now - since <= YoungAge)
            {
                _young.Add(key);
            }
        }

        // Streaks past their youth are forgotten: a voxel with no streak that the map holds occupied is old.
        _stale.Clear();
        foreach (KeyValuePair<VoxelKey, double> entry in _since)
        {
            if (now - entry.Value > YoungAge)
            {
                _stale.Add(entry.Key);
            }
        }

        foreach (VoxelKey key in _stale)
        {
            _since.Remove(key);
        }
    }

    private void FindClusters()
    {
        _clusterOf.Clear();
        _clusters.Clear();
        _members.Clear();
        foreach (VoxelKey key in _young)
        {
            _clusterOf[key] = -1;
        }

        foreach (VoxelKey seed in _young)
        {
            if (_clusterOf[seed] >= 0)
            {
                continue;
            }

            int index = _clusters.Count;
            var cluster = new Cluster { Min = seed, Max = seed, Start = _members.Count };
            _clusterOf[seed] = index;
            _queue.Enqueue(seed);
            while (_queue.TryDequeue(out VoxelKey key))
            {
                PointSum s = _frame[key];
                cluster.Sum += s.Sum / s.Count;
                _members.Add(key);
                cluster.Voxels++;
                cluster.Min = new VoxelKey(Math.Min(cluster.Min.X, key.X), Math.Min(cluster.Min.Y, key.Y), Math.Min(cluster.Min.Z, key.Z));
                cluster.Max = new VoxelKey(Math.Max(cluster.Max.X, key.X), Math.Max(cluster.Max.Y, key.Y), Math.Max(cluster.Max.Z, key.Z));
                for (int dz = -1; dz <= 1; dz++)
                {
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            VoxelKey n = key.Offset(dx, dy, dz);
                            ref int label = ref CollectionsMarshal.GetValueRefOrNullRef(_clusterOf, n);
                            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref label) && label < 0)
                            {
                                label = index;
                                _queue.Enqueue(n);
                            }
                        }
                    }
                }
            }

            _clusters.Add(cluster);
        }
    }

    private void Associate(double now)
    {
        if (_trackOfCluster.Length < _clusters.Count)
        {
            _trackOfCluster = new int[Math.Max(_clusters.Count, _trackOfCluster.Length * 2)];
        }

        Array.Fill(_trackOfCluster, -1, 0, _clusters.Count);
        _pairs.Clear();
        for (int c = 0; c < _clusters.Count; c++)
        {
            if (_clusters[c].Voxels < KeepVoxels)
            {
                continue;
            }

            Vector3 centroid = _clusters[c].Centroid;
            for (int t = 0; t < _tracks.Count; t++)
            {
                Track track = _tracks[t];
                Vector3 predicted = track.Centroid + (track.Velocity * (float)(now - track.LastSeen));
                float d = Vector3.Distance(centroid, predicted);
                if (d <= Gate)
                {
                    _pairs.Add((d, c, t));
                }
            }
        }

        // Clusters big enough to start a track are matched first, nearest first; a small one only keeps a moving track
        // that no big one matched alive (a walker far away, seen in fewer voxels for a few frames).
        _pairs.Sort(_byBigThenNearest);
        foreach ((float _, int c, int t) in _pairs)
        {
            if (_trackOfCluster[c] >= 0 || _tracks[t].LastSeen == now || (_clusters[c].Voxels < MinClusterVoxels && !_tracks[t].IsMoving)
                || !TryRegister(_tracks[t], _clusters[c], now, out Vector3 displacement, out int tied))
            {
                continue;
            }

            Track matched = _tracks[t];
            bool seenInPart = false;
            if (_clusters[c].Voxels >= MinClusterVoxels)
            {
                matched.Measured |= ~tied & 7;

                // A young track whose cluster grew or shrank several times over was seen in part (a car coming into
                // range, cut by it): its displacements so far measured what came into view, not its motion.
                seenInPart = matched.Frames < YoungFrames && (_clusters[c].Voxels > GrowthFactor * matched.Voxels || GrowthFactor * _clusters[c].Voxels < matched.Voxels);
            }

            if (_clusters[c].Voxels < MinClusterVoxels)
            {
                // A small cluster keeps its track alive, coasting: too few voxels to measure a displacement by.
                displacement = matched.Velocity * (float)(now - matched.LastSeen);
            }
            else if (matched.Frames >= MinFrames + 2)
            {
                // An established track that seems to have slowed to less than half its speed within a frame (from two
                // voxels a frame or more) is not believed: no car brakes so hard, while a face cut at both ends by the
                // edges of the view looks still. The track coasts at its velocity. Below two voxels a frame (a walker)
                // a whole voxel of quantization would make a frame look stopped: believing only the faster frames
                // there made a walker's track speed up without end.
                var predicted = matched.Velocity * (float)(now - matched.LastSeen);
                if (predicted.Length() >= 2 * _map.Resolution && Vector3.Dot(displacement, predicted) < 0.5f * predicted.LengthSquared())
                {
                    displacement = predicted;
                }
            }

            _trackOfCluster[c] = t;
            if (seenInPart)
            {
                matched.Restart();
            }

            matched.Add(now, _clusters[c], displacement, Window, MinFrames, MinSpeed);
            KeepPoints(_tracks[t], _clusters[c]);
        }

        for (int c = 0; c < _clusters.Count; c++)
        {
            if (_trackOfCluster[c] < 0 && _clusters[c].Voxels >= MinClusterVoxels)
            {
                // A cluster inside a moving track's predicted box (widened by half a metre, and for a vehicle two more
                // along the motion, where a car reaches past its part seen) is a part of its object seen apart (the
                // object crosses a gap between cameras, or its visible part changed at once): it joins the track, which
                // coasts at its velocity if this cluster is all it has. A walker reaches no further than its box: two
                // metres ahead of one is another walker coming into view.
                int owner = -1;
                float nearest = float.MaxValue;
                for (int t = 0; t < _tracks.Count; t++)
                {
                    Track candidate = _tracks[t];
                    if (candidate.IsMoving && candidate.Frames >= MinFrames && candidate.PredictedBoxMeets(_clusters[c], now, _map.Resolution, 0.5, candidate.IsStanding ? 0.0 : 2.0))
                    {
                        float d = Vector3.Distance(_clusters[c].Centroid, candidate.PredictCentroid(now));
                        if (d < nearest)
                        {
                            (owner, nearest) = (t, d);
                        }
                    }
                }

                if (owner >= 0)
                {
                    Track found = _tracks[owner];
                    if (found.LastSeen == now)
                    {
                        found.Attach(_clusters[c]);
                    }
                    else
                    {
                        found.Add(now, _clusters[c], found.Velocity * (float)(now - found.LastSeen), Window, MinFrames, MinSpeed);
                        KeepPoints(found, _clusters[c]);
                    }

                    _trackOfCluster[c] = owner;
                    continue;
                }

                var track = new Track(_nextId++);
                track.Add(now, _clusters[c], Vector3.Zero, Window, MinFrames, MinSpeed);
                KeepPoints(track, _clusters[c]);
                _trackOfCluster[c] = _tracks.Count;
                _tracks.Add(track);
            }
        }

        // Tracks not seen for half a window are dropped (indices of the clusters' tracks are remapped).
        if (_remap.Length < _tracks.Count)
        {
            _remap = new int[Math.Max(_tracks.Count, _remap.Length * 2)];
        }

        int kept = 0;
        for (int t = 0; t < _tracks.Count; t++)
        {
            if (now - _tracks[t].LastSeen <= Window / 2)
            {
                _remap[t] = kept;
                _tracks[kept++] = _tracks[t];
            }
            else
            {
                _remap[t] = -1;
            }
        }

        if (kept < _tracks.Count)
        {
            _tracks.RemoveRange(kept, _tracks.Count - kept);
            for (int c = 0; c < _clusters.Count; c++)
            {
                if (_trackOfCluster[c] >= 0)
                {
                    _trackOfCluster[c] = _remap[_trackOfCluster[c]];
                }
            }
        }
    }

    // The cluster's displacement since the track's last frame: the integer voxel shift (searched around the prediction
    // and around the centroids' difference) under which most of the cluster's voxels land on the track's last voxels,
    // refined by the mean offset of each voxel's mean return to the nearest last mean. False when fewer than half
    // overlap (the cluster is another object).
    // The axes (bits x 1, y 2, z 4) it could not tell are returned in tied.
    private bool TryRegister(Track track, in Cluster cluster, double now, out Vector3 displacement, out int tied)
    {
        float r = (float)_map.Resolution;
        // Integer shifts in two windows: around the prediction (the track's velocity) and around the centroids' difference (right for compact objects whatever the prediction).
        Vector3 moved = cluster.Centroid - track.Centroid;
        Vector3 guess = track.Frames >= 2 ? track.Velocity * (float)(now - track.LastSeen) : moved;
        var around = new VoxelKey((int)MathF.Round(guess.X / r), (int)MathF.Round(guess.Y / r), (int)MathF.Round(guess.Z / r));
        const int Reach = 3, Side = (2 * Reach) + 1, PerWindow = Side * Side * 3;
        Span<int> scores = stackalloc int[2 * PerWindow];
        Span<VoxelKey> shifts = stackalloc VoxelKey[2 * PerWindow];
        int best = 0, n = 0;
        for (int w = 0; w < 2; w++)
        {
            VoxelKey centre = w == 0 ? around : new VoxelKey((int)MathF.Round(moved.X / r), (int)MathF.Round(moved.Y / r), (int)MathF.Round(moved.Z / r));
            for (int dz = -1; dz <= 1; dz++)
            {
                for (int dy = -Reach; dy <= Reach; dy++)
                {
                    for (int dx = -Reach; dx <= Reach; dx++)
                    {
                        VoxelKey o = centre.Offset(dx, dy, dz);
                        int score = 0;
                        for (int i = cluster.Start; i < cluster.Start + cluster.Voxels; i++)
                        {
                            score += track.Points.ContainsKey(_members[i].Offset(-o.X, -o.Y, -o.Z)) ? 1 : 0;
                        }

                        shifts[n] = o;
                        scores[n++] = score;
                        best = Math.Max(best, score);
                    }
                }
            }
        }

        // The best overlap; between nearly equal ones the shift nearest the prediction. Where the nearly equal shifts
        // differ along an axis (a face sliding along itself, or cut by the edge of the view, overlaps itself under
        // many shifts), the overlap says nothing along that axis: an established track keeps its prediction there.
        int sx = 0, sy = 0, sz = 0, bestSpread = int.MaxValue, nearlyBest = best - Math.Max(1, best / 50);
        VoxelKey low = new(int.MaxValue, int.MaxValue, int.MaxValue), high = new(int.MinValue, int.MinValue, int.MinValue);
        for (int i = 0; i < n; i++)
        {
            if (scores[i] < nearlyBest)
            {
                continue;
            }

            VoxelKey o = shifts[i];
            low = new VoxelKey(Math.Min(low.X, o.X), Math.Min(low.Y, o.Y), Math.Min(low.Z, o.Z));
            high = new VoxelKey(Math.Max(high.X, o.X), Math.Max(high.Y, o.Y), Math.Max(high.Z, o.Z));
            int spread = ((o.X - around.X) * (o.X - around.X)) + ((o.Y - around.Y) * (o.Y - around.Y)) + ((o.Z - around.Z) * (o.Z - around.Z));
            if (spread < bestSpread)
            {
                (sx, sy, sz, bestSpread) = (o.X, o.Y, o.Z, spread);
            }
        }

        if (best < 0.5 * Math.Min(cluster.Voxels, track.Points.Count))
        {
            displacement = default;
            tied = 7;
            return false;
        }

        // The fraction of a voxel, axis by axis: the mean offset of each voxel's mean return to the nearest last mean,
        // over the voxels at the cluster's edge along that axis (a neighbour along it is not in the cluster). Inside a
        // face sliding along itself the returns lie where they lay (the camera's rays cut the face at the same
        // points), so their offsets are zero whatever the motion; only the face's ends move with it (the aperture
        // problem). Averaged over every voxel, a car's side pulled its fraction of a voxel toward zero: a car at
        // 6.5 m/s fitted at 6.15 with depth noise.
        var shift = new Vector3(sx * r, sy * r, sz * r);
        Vector3 offsets = Vector3.Zero, edges = Vector3.Zero;
        for (int i = cluster.Start; i < cluster.Start + cluster.Voxels; i++)
        {
            VoxelKey key = _members[i];
            PointSum s = _frame[key];
            Vector3 q = (s.Sum / s.Count) - shift;
            VoxelKey at = key.Offset(-sx, -sy, -sz);
            float nearest = r * r;
            Vector3 offset = default;
            bool found = false;
            for (int dz = -1; dz <= 1; dz++)
            {
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if (track.Points.TryGetValue(at.Offset(dx, dy, dz), out Vector3 p) && Vector3.DistanceSquared(q, p) < nearest)
                        {
                            nearest = Vector3.DistanceSquared(q, p);
                            offset = q - p;
                            found = true;
                        }
                    }
                }
            }

            if (found)
            {
                int own = _clusterOf[key];
                var edge = new Vector3(
                    EdgeAlong(key, 1, 0, 0, own) ? 1 : 0,
                    EdgeAlong(key, 0, 1, 0, own) ? 1 : 0,
                    EdgeAlong(key, 0, 0, 1, own) ? 1 : 0);
                offsets += offset * edge;
                edges += edge;
            }
        }

        Vector3 fraction = new(edges.X > 0 ? offsets.X / edges.X : 0, edges.Y > 0 ? offsets.Y / edges.Y : 0, edges.Z > 0 ? offsets.Z / edges.Z : 0);

        // Along a tied axis the overlap measured nothing: a track that has measured that axis before keeps its
        // prediction; one that never has (the first frames of an object seen as a face) takes no motion along it.
        displacement = shift + fraction;
        tied = (high.X > low.X ? 1 : 0) | (high.Y > low.Y ? 2 : 0) | (high.Z > low.Z ? 4 : 0);
        bool predicted = track.Frames >= 2;
        displacement = new Vector3(
            (tied & 1) == 0 ? displacement.X : predicted && (track.Measured & 1) != 0 ? guess.X : 0,
            (tied & 2) == 0 ? displacement.Y : predicted && (track.Measured & 2) != 0 ? guess.Y : 0,
            (tied & 4) == 0 ? displacement.Z : predicted && (track.Measured & 4) != 0 ? guess.Z : 0);
        return true;
    }

    // True when the voxel is at its cluster's edge along an axis: a neighbour along it is not in the same cluster.
    private bool EdgeAlong(VoxelKey key, int dx, int dy, int dz, int cluster) =>
        !(_clusterOf.TryGetValue(key.Offset(dx, dy, dz), out int ahead) && ahead == cluster
            && _clusterOf.TryGetValue(key.Offset(-dx, -dy, -dz), out int behind) && behind == cluster);

    private void KeepPoints(Track track, in Cluster cluster)
    {
        track.Points.Clear();
        AddPoints(track, cluster);
    }

    private void AddPoints(Track track, in Cluster cluster)
    {
        for (int i = cluster.Start; i < cluster.Start + cluster.Voxels; i++)
        {
            PointSum s = _frame[_members[i]];
            track.Points[_members[i]] = s.Sum / s.Count;
        }
    }

    private void Publish(double now)
    {
        _published.Clear();
        foreach (Track t in _tracks)
        {
            if (t.LastSeen == now)
            {
                t.ComputeExtent(now, _map.Resolution, ExtentFrames);

                _published.Add(new FlowTrack(t.Id, t.Centroid, t.Velocity, t.Voxels, t.Frames, t.FirstSeen, t.LastSeen, t.IsMoving));
            }
        }
    }

    private struct PointSum
    {
        public Vector3 Sum;
        public int Count;
    }

    private struct Cluster
    {
        public Vector3 Sum;
        public int Start;
        public int Voxels;
        public VoxelKey Min;
        public VoxelKey Max;

        public readonly Vector3 Centroid => Sum / Voxels;
    }

    private sealed class Track(int id)
    {
        private readonly double[] _times = new double[HistoryCapacity];
        private readonly Vector3[] _positions = new Vector3[HistoryCapacity];
        private int _start;
        private int _count;
        private Vector3 _previousCentroid;
        private VoxelKey _previousMin;
        private VoxelKey _previousMax;
        private VoxelKey _ownMin;
        private VoxelKey _ownMax;
        private readonly double[] _boxTimes = new double[BoxHistory];
        private readonly VoxelKey[] _boxMins = new VoxelKey[BoxHistory];
        private readonly VoxelKey[] _boxMaxs = new VoxelKey[BoxHistory];
        private int _boxNext; // the ring's next slot
        private int _boxCount; // boxes in the ring, at most BoxHistory
        private double _previousSeen = double.NegativeInfinity;
        private int _widest; // the most voxels across (x or y) of its own boxes

        public int Id { get; } = id;

        // The cluster's voxels at the last frame, with their mean returns.
        public Dictionary<VoxelKey, Vector3> Points { get; } = [];

        public Vector3 Centroid { get; private set; }

        // Accumulated displacement since the first frame: the series the velocity is fitted to.
        public Vector3 Position { get; private set; }

        public Vector3 Velocity { get; private set; }

        public int Voxels { get; private set; }

        public int Frames { get; private set; }

        public double FirstSeen { get; private set; } = double.NaN;

        public double LastSeen { get; private set; } = double.NegativeInfinity;

        public VoxelKey Min { get; private set; }

        public VoxelKey Max { get; private set; }

        public bool IsMoving { get; private set; }

        // Its own boxes were never StandingSize voxels across (x and y) or more: a walker, not a vehicle (a car seen
        // as a sliver for a frame is still a car).
        public bool IsStanding => _widest < StandingSize;

        // The axes (bits x 1, y 2, z 4) a registration of this track has measured (not tied).
        public int Measured { get; set; }

        // The box its velocity goes to: this frame's box (its clusters) and its own boxes of the last frames, moved
        // along its velocity to now.
        public VoxelKey ExtentMin { get; private set; }

        public VoxelKey ExtentMax { get; private set; }

        public void ComputeExtent(double now, double resolution, int frames)
        {
            VoxelKey lo = Min, hi = Max;
            for (int i = 1; i <= frames && i < _boxCount; i++)
            {
                int k = (_boxNext - 1 - i + (2 * BoxHistory)) % BoxHistory;
                Vector3 shift = Velocity * (float)((now - _boxTimes[k]) / resolution);
                Cover(ref lo, ref hi, k, new VoxelKey((int)MathF.Round(shift.X), (int)MathF.Round(shift.Y), (int)MathF.Round(shift.Z)));
            }

            // A vehicle seen end-on (its box at most EndOnDepth voxels deep along its motion: a car's front or back)
            // hides its own earlier hits: the voxels where its front was a few frames ago, which the map still holds
            // occupied, are inside it now. Its own boxes of its last frames, where they were, take its velocity too.
            // (Seen from the side, a car's box is its length deep, and behind it the map clears what it left.)
            bool alongX = MathF.Abs(Velocity.X) >= MathF.Abs(Velocity.Y);
            if (!IsStanding && (alongX ? Max.X - Min.X : Max.Y - Min.Y) < EndOnDepth)
            {
                for (int i = 1; i < BoxHistory && i < _boxCount; i++)
                {
                    Cover(ref lo, ref hi, (_boxNext - 1 - i + (2 * BoxHistory)) % BoxHistory, default);
                }
            }

            ExtentMin = lo;
            ExtentMax = hi;
        }

        // Grows a box to cover the own box in ring slot k, moved by the offset (voxels).
        private void Cover(ref VoxelKey lo, ref VoxelKey hi, int k, VoxelKey offset)
        {
            lo = new VoxelKey(Math.Min(lo.X, _boxMins[k].X + offset.X), Math.Min(lo.Y, _boxMins[k].Y + offset.Y), Math.Min(lo.Z, _boxMins[k].Z + offset.Z));
            hi = new VoxelKey(Math.Max(hi.X, _boxMaxs[k].X + offset.X), Math.Max(hi.Y, _boxMaxs[k].Y + offset.Y), Math.Max(hi.Z, _boxMaxs[k].Z + offset.Z));
        }

        // Forgets the history its velocity is fitted to, as if first seen now.
        public void Restart()
        {
            _start = 0;
            _count = 0;
            Frames = 0;
            Measured = 0;
        }

        // Where the centroid is expected at a time, at the track's velocity. The last centroid and time before this
        // frame are kept for tracks updated in this frame.
        public Vector3 PredictCentroid(double now) => LastSeen < now
            ? Centroid + (Velocity * (float)(now - LastSeen))
            : _previousCentroid + (Velocity * (float)(now - _previousSeen));

        // True when the cluster's box meets the track's box predicted to the time (its last box moved by its velocity;
        // for a track seen in this frame, this frame's box and the one before, moved), widened.
        public bool PredictedBoxMeets(in Cluster cluster, double now, double resolution, double across, double along)
        {
            // Along the motion the object may reach a car's length past what was seen of it.
            Vector3 direction = Velocity.Length() > 0 ? Vector3.Abs(Vector3.Normalize(Velocity)) : Vector3.Zero;
            Vector3 pad = new Vector3((float)across) + (direction * (float)along);
            // Its own boxes (the clusters it was registered with), not those grown by the parts joined to it: a part
            // joined once (a person crossing behind a car) would otherwise keep meeting the box it grew, frame after
            // frame, as the car drives away.
            return LastSeen < now
                ? Meets(cluster, _ownMin, _ownMax, Velocity * (float)(now - LastSeen), resolution, pad)
                : Meets(cluster, _ownMin, _ownMax, Vector3.Zero, resolution, pad)
                    || (Frames > 1 && Meets(cluster, _previousMin, _previousMax, Velocity * (float)(now - _previousSeen), resolution, pad));
        }

        private static bool Meets(in Cluster cluster, VoxelKey min, VoxelKey max, Vector3 shift, double resolution, Vector3 pad)
        {
            float r = (float)resolution;
            Vector3 p = pad;
            Vector3 lo = (new Vector3(min.X, min.Y, min.Z) * r) + shift - p, hi = (new Vector3(max.X + 1, max.Y + 1, max.Z + 1) * r) + shift + p;
            Vector3 clo = new Vector3(cluster.Min.X, cluster.Min.Y, cluster.Min.Z) * r, chi = new Vector3(cluster.Max.X + 1, cluster.Max.Y + 1, cluster.Max.Z + 1) * r;
            return clo.X <= hi.X && chi.X >= lo.X && clo.Y <= hi.Y && chi.Y >= lo.Y && clo.Z <= hi.Z && chi.Z >= lo.Z;
        }

        // A second cluster of the object in the same frame: the box and centroid cover both.
        public void Attach(in Cluster cluster)
        {
            Centroid = ((Centroid * Voxels) + cluster.Sum) / (Voxels + cluster.Voxels);
            Voxels += cluster.Voxels;
            Min = new VoxelKey(Math.Min(Min.X, cluster.Min.X), Math.Min(Min.Y, cluster.Min.Y), Math.Min(Min.Z, cluster.Min.Z));
            Max = new VoxelKey(Math.Max(Max.X, cluster.Max.X), Math.Max(Max.Y, cluster.Max.Y), Math.Max(Max.Z, cluster.Max.Z));
        }

        public void Add(double now, in Cluster cluster, Vector3 displacement, double window, int minFrames, double minSpeed)
        {
            if (Frames == 0)
            {
                FirstSeen = now;
            }

            _previousCentroid = Centroid;
            _previousSeen = LastSeen;
            _previousMin = _ownMin;
            _previousMax = _ownMax;
            Centroid = cluster.Centroid;
            Position += displacement;
            Voxels = cluster.Voxels;
            Min = cluster.Min;
            Max = cluster.Max;
            _ownMin = cluster.Min;
            _ownMax = cluster.Max;
            _widest = Math.Max(_widest, Math.Max(cluster.Max.X - cluster.Min.X, cluster.Max.Y - cluster.Min.Y));
            _boxTimes[_boxNext] = now;
            _boxMins[_boxNext] = cluster.Min;
            _boxMaxs[_boxNext] = cluster.Max;
            _boxNext = (_boxNext + 1) % BoxHistory;
            _boxCount = Math.Min(_boxCount + 1, BoxHistory);
            LastSeen = now;
            Frames++;

            // History: the samples within the window (at least the newest two), oldest first, in a ring.
            if (_count == HistoryCapacity)
            {
                _start = (_start + 1) % HistoryCapacity;
                _count--;
            }

            int slot = (_start + _count) % HistoryCapacity;
            _times[slot] = now;
            _positions[slot] = Position;
            _count++;
            while (_count > 2 && now - _times[_start] > window)
            {
                _start = (_start + 1) % HistoryCapacity;
                _count--;
            }

            Velocity = _count < 2 ? Vector3.Zero : FitSlope();
            IsMoving = Frames >= minFrames && Velocity.Length() >= minSpeed;
        }

        // Least-squares slope of position over time (times taken relative to the newest sample).
        private Vector3 FitSlope()
        {
            double tMean = 0;
            Vector3 pMean = Vector3.Zero;
            double newest = _times[(_start + _count - 1) % HistoryCapacity];
            for (int i = 0; i < _count; i++)
            {
                int k = (_start + i) % HistoryCapacity;
                tMean += _times[k] - newest;
                pMean += _positions[k];
            }

            tMean /= _count;
            pMean /= _count;
            double stt = 0;
            Vector3 stp = Vector3.Zero;
            for (int i = 0; i < _count; i++)
            {
                int k = (_start + i) % HistoryCapacity;
                double dt = _times[k] - newest - tMean;
                stt += dt * dt;
                stp += (_positions[k] - pMean) * (float)dt;
            }

            return stt > 0 ? stp / (float)stt : Vector3.Zero;
        }
    }
}

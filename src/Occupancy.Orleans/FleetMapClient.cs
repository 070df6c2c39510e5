using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using Occupancy.Fleet;
using Orleans;

namespace Occupancy.Orleans;

/// <summary>
/// An agent's or a reader's view of the fleet's map on an Orleans cluster: pushes deltas to the regions they touch
/// (retrying until each region acknowledges), and reads points, rays and local maps back.
/// </summary>
/// <remarks>
/// <para>Exactly once: a push returns only when every region it touched acknowledged (merged and persisted) its part;
/// a part tried again after a failure is skipped by its region if the first try was merged. Push an agent's deltas
/// one push at a time, in order (the regions' rule of rising sequence numbers needs it).</para>
/// <para>Coordinates: world frame, z up (ROS REP-103), metres.</para>
/// <para>Threads: safe to share; pushes of different agents may run at once.</para>
/// </remarks>
public sealed class FleetMapClient
{
    private readonly IGrainFactory _grains;
    private readonly OccupancyMap _geometry;

    /// <summary>A client of a cluster.</summary>
    /// <param name="grains">The cluster's grain factory (an <c>IClusterClient</c>, or a grain's own).</param>
    /// <param name="options">Resolution, regions and retries.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (named in the message).</exception>
    public FleetMapClient(IGrainFactory grains, FleetMapOptions options)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        FleetRegions.CheckShift(options.RegionShift);
        if (options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxAttempts, string.Create(CultureInfo.InvariantCulture, $"options.MaxAttempts must be at least 1, but was {options.MaxAttempts}."));
        }

        if (options.RetryDelay < TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RetryDelay, "options.RetryDelay must be non-negative and at most options.MaxRetryDelay.");
        }

        _grains = grains;
        Options = options;
        _geometry = new OccupancyMap(options.Resolution, options.SensorModel); // keys and key ranges only; holds nothing
    }

    /// <summary>The options.</summary>
    public FleetMapOptions Options { get; }

    /// <summary>The region grain that owns a brick.</summary>
    /// <param name="brick">The brick.</param>
    public IMapRegionGrain RegionOf(BrickKey brick)
    {
        (int x, int y, int z) = FleetRegions.RegionOf(brick, Options.RegionShift);
        return _grains.GetGrain<IMapRegionGrain>(FleetRegions.KeyOf(x, y, z));
    }

    /// <summary>
    /// Pushes deltas of one agent (in its order): each split by region, each region's parts in one call, the regions
    /// called at once; returns when every region acknowledged.
    /// </summary>
    /// <param name="deltas">The deltas, of the options' resolution.</param>
    /// <param name="cancellationToken">Stops retrying (a part already sent may have been merged).</param>
    /// <exception cref="ArgumentNullException"><paramref name="deltas"/> or one of them is null.</exception>
    /// <exception cref="ArgumentException">A delta's resolution differs from the options'.</exception>
    /// <exception cref="Exception">A region's call failed <see cref="FleetMapOptions.MaxAttempts"/> times: its last failure
    /// (a malformed or mismatched delta is not tried again: <see cref="InvalidDataException"/>, <see cref="ArgumentException"/>).</exception>
    public async Task<PushReceipt> PushAsync(IReadOnlyList<MapDelta> deltas, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var parts = new Dictionary<long, List<byte[]>>();
        long bytes = 0;
        foreach (MapDelta delta in deltas)
        {
            ArgumentNullException.ThrowIfNull(delta, nameof(deltas));
            if (delta.Resolution != Options.Resolution)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{delta} has resolution {delta.Resolution} m, but the fleet's is {Options.Resolution} m."), nameof(deltas));
            }

            foreach ((long region, MapDelta part) in delta.Partition(b => RegionKey(b)))
            {
                if (!parts.TryGetValue(region, out List<byte[]>? list))
                {
                    parts.Add(region, list = []);
                }

                byte[] encoded = part.ToBytes();
                bytes += encoded.Length;
                list.Add(encoded);
            }
        }

        var calls = new List<Task<(MergeReceipt Receipt, int Retries)>>(parts.Count);
        foreach ((long region, List<byte[]> list) in parts)
        {
            calls.Add(MergeWithRetriesAsync(_grains.GetGrain<IMapRegionGrain>(region), [.. list], cancellationToken));
        }

        (MergeReceipt Receipt, int Retries)[] done = await Task.WhenAll(calls).ConfigureAwait(false);
        int applied = 0, skipped = 0, bricks = 0, retries = 0;
        foreach ((MergeReceipt r, int tries) in done)
        {
            applied += r.Applied;
            skipped += r.Skipped;
            bricks += r.Bricks;
            retries += tries;
        }

        return new PushReceipt(parts.Count, applied, skipped, bricks, retries, bytes);
    }

    /// <summary>The fleet's evidence in the regions that meet a box (whole regions).</summary>
    /// <param name="box">World frame, metres.</param>
    /// <param name="cancellationToken">Stops waiting (the calls run on).</param>
    public async Task<EvidenceMap> ReadEvidenceAsync(Aabb box, CancellationToken cancellationToken = default)
    {
        var reads = new List<Task<byte[]?>>();
        foreach (long region in RegionsOf(box))
        {
            reads.Add(_grains.GetGrain<IMapRegionGrain>(region).ReadAsync());
        }

        byte[]?[] all = await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);
        var evidence = new EvidenceMap(Options.Resolution);
        foreach (byte[]? bytes in all)
        {
            if (bytes is not null)
            {
                evidence.Add(EvidenceMap.Parse(bytes));
            }
        }

        return evidence;
    }

    /// <summary>A local map of the fleet's evidence: the bricks that meet a box, each voxel's sum clamped once to the options' sensor model.</summary>
    /// <param name="box">World frame, metres (around an agent's pose, say).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<OccupancyMap> AssembleAsync(Aabb box, CancellationToken cancellationToken = default) =>
        (await ReadEvidenceAsync(box, cancellationToken).ConfigureAwait(false)).ToMap(_geometry.SensorModel, box);

    /// <summary>
    /// The local map around an agent's pose: the fleet's bricks within <paramref name="radius"/> of its position on
    /// every axis (a cube, world-aligned), clamped once to the options' sensor model.
    /// </summary>
    /// <param name="pose">The agent's pose (world frame); its position is the cube's centre.</param>
    /// <param name="radius">Half the cube's edge, metres; finite and positive.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="radius"/> is not finite and positive.</exception>
    public Task<OccupancyMap> AssembleAroundAsync(Pose3 pose, float radius, CancellationToken cancellationToken = default)
    {
        if (!(radius > 0 && float.IsFinite(radius)))
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "radius must be finite and positive.");
        }

        var half = new Vector3(radius);
        return AssembleAsync(new Aabb(pose.Position - half, pose.Position + half), cancellationToken);
    }

    /// <summary>The state of the voxel holding a point in the fleet's map (one region call).</summary>
    /// <param name="point">World frame, metres.</param>
    public async Task<VoxelState> GetStateAsync(Vector3 point)
    {
        if (!_geometry.TryGetKey(point, out VoxelKey key))
        {
            return VoxelState.Unknown;
        }

        float logOdds = await RegionOf(BrickKey.Of(key)).GetLogOddsAsync(key.X, key.Y, key.Z).ConfigureAwait(false);
        return _geometry.SensorModel.Classify(logOdds);
    }

    /// <summary>Casts a ray through the fleet's map (the regions around the segment are read, then cast locally).</summary>
    /// <param name="origin">World frame, metres.</param>
    /// <param name="direction">World frame; need not be unit length.</param>
    /// <param name="maxDistance">Metres, finite and positive.</param>
    /// <param name="unknown">What unknown voxels do to the ray.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDistance"/> is not finite and positive.</exception>
    public async Task<RayCastResult> CastRayAsync(Vector3 origin, Vector3 direction, float maxDistance, UnknownPolicy unknown, CancellationToken cancellationToken = default)
    {
        if (!(maxDistance > 0 && float.IsFinite(maxDistance)))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance, "maxDistance must be finite and positive.");
        }

        Vector3 end = origin + (Vector3.Normalize(direction) * maxDistance);
        var box = new Aabb(Vector3.Min(origin, end), Vector3.Max(origin, end));
        OccupancyMap local = await AssembleAsync(box, cancellationToken).ConfigureAwait(false);
        return local.CastRay(origin, direction, maxDistance, unknown);
    }

    private long RegionKey(BrickKey brick)
    {
        int s = Options.RegionShift;
        return FleetRegions.KeyOf(brick.X >> s, brick.Y >> s, brick.Z >> s);
    }

    private List<long> RegionsOf(Aabb box)
    {
        (VoxelKey lo, VoxelKey hi) = _geometry.KeyRangeOf(box);
        int s = Options.RegionShift + 3;
        var regions = new List<long>();
        for (int z = lo.Z >> s; z <= hi.Z >> s; z++)
        {
            for (int y = lo.Y >> s; y <= hi.Y >> s; y++)
            {
                for (int x = lo.X >> s; x <= hi.X >> s; x++)
                {
                    regions.Add(FleetRegions.KeyOf(x, y, z));
                }
            }
        }

        return regions;
    }

    private async Task<(MergeReceipt Receipt, int Retries)> MergeWithRetriesAsync(IMapRegionGrain region, byte[][] deltas, CancellationToken cancellationToken)
    {
        TimeSpan delay = Options.RetryDelay;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return (await region.MergeAsync(deltas).ConfigureAwait(false), attempt);
            }
            catch (Exception e) when (e is not (InvalidDataException or ArgumentException) && attempt + 1 < Options.MaxAttempts)
            {
                // The silo holding the region died, the call timed out, the storage refused the write: try again.
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Options.MaxRetryDelay.Ticks));
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;

namespace Occupancy.Fleet;

/// <summary>
/// The log-odds evidence of many maps summed: what a fleet's maps merge into. Each voxel holds the sum of every
/// contribution in fixed point (<see cref="Scale"/> units per log-odds unit, integers) and whether any contributor
/// knows it; a read converts the sum to log-odds and clamps it once, to the sensor model the reader names.
/// </summary>
/// <remarks>
/// <para><b>Semantics.</b> Adding maps A and B gives, for every voxel either knows, q(A) + q(B), where q(l) =
/// round(l · 2^16) (log-odds beyond ±127 clamped first). Integer sums are exact, so any order and grouping of adds
/// and merges (maps, other evidence maps, deltas) gives the same bits. Against one map that integrated every
/// agent's scans: log-odds updates add, so the two agree wherever no clamp was reached, up to the fixed point's
/// 2^-17 rounding per contribution; where the single map hit its clamp (OctoMap's 3.5 and -2) it stopped counting
/// and the merge did not, so the merge is more certain there (and may even differ in sign: evidence the single
/// map's clamp cut off still counts in the merge). Sums wrap past ±32,767 log-odds (9,000 agents at the 3.5 clamp on one voxel).</para>
/// <para>Coordinates are the maps' voxel keys (world frame, z up, metres through <see cref="Resolution"/>).</para>
/// <para>Threads: one writer at a time, and no reader beside a writer; readers alone may share it.</para>
/// </remarks>
public sealed partial class EvidenceMap
{
    /// <summary>Fixed-point units per log-odds unit: 2^16.</summary>
    public const int Scale = 1 << 16;

    /// <summary>
    /// Bricks per storage chunk: growth copies no evidence, and a chunk (64 bricks, 132 KiB) lives on the large object
    /// heap, where the collector does not copy it (chunks of 16 bricks made merging into a new map 1.6 times slower).
    /// </summary>
    private const int ChunkShift = 6;
    private const int ChunkBricks = 1 << ChunkShift;

    private readonly Dictionary<long, int> _index = [];
    private readonly KernelSet _kernels;
    private long[] _keys = new long[ChunkBricks];
    private int[][] _sums = [];
    private ulong[][] _known = [];
    private int _count;

    /// <summary>Creates an empty evidence map.</summary>
    /// <param name="resolution">Voxel edge, metres (<see cref="OccupancyMap.MinResolution"/> to <see cref="OccupancyMap.MaxResolution"/>); every map added must have it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resolution"/> is not finite or outside the map's range.</exception>
    public EvidenceMap(double resolution)
        : this(resolution, KernelSet.Best)
    {
    }

    internal EvidenceMap(double resolution, KernelSet kernels)
    {
        if (!(resolution >= OccupancyMap.MinResolution && resolution <= OccupancyMap.MaxResolution))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(resolution), resolution, string.Create(CultureInfo.InvariantCulture, $"resolution must be between {OccupancyMap.MinResolution} and {OccupancyMap.MaxResolution} metres, but was {resolution}."));
        }

        Resolution = resolution;
        _kernels = kernels;
    }

    /// <summary>Voxel edge, metres.</summary>
    public double Resolution { get; }

    /// <summary>Bricks holding evidence (8×8×8 voxels each).</summary>
    public int BrickCount => _count;

    /// <summary>Bytes the evidence takes: 2,120 a brick (512 sums, the known mask, the key) and the brick index.</summary>
    public long MemoryBytes => ((long)_keys.Length * sizeof(long)) + ((long)((_count + ChunkBricks - 1) >> ChunkShift) * ChunkBricks * ((VoxelKey.BrickVoxels * sizeof(int)) + (VoxelKey.BrickWords * sizeof(ulong)))) + ((long)_index.Count * 24);

    /// <summary>The bricks that hold evidence, in no particular order.</summary>
    public IEnumerable<BrickKey> Bricks
    {
        get
        {
            for (int i = 0; i < _count; i++)
            {
                (int x, int y, int z) = VoxelKey.UnpackBrick(_keys[i]);
                yield return new BrickKey(x, y, z);
            }
        }
    }

    /// <summary>Adds a map's evidence: every voxel it knows, its log-odds in fixed point.</summary>
    /// <param name="map">The map; writers on it wait while it is read.</param>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ArgumentException">The map's resolution differs from <see cref="Resolution"/>.</exception>
    public void Add(OccupancyMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        CheckResolution(map.Resolution, nameof(map));
        Span<int> sums = stackalloc int[VoxelKey.BrickVoxels];
        Span<ulong> known = stackalloc ulong[VoxelKey.BrickWords];
        KernelWidth width = _kernels.Merge;
        using OccupancyMap.WriteScope write = map.BeginWrite();
        int slots = map.SlotCapacity;
        for (int slot = 0; slot < slots; slot++)
        {
            if (!map.TryReadBrick(slot, out float[] slab, out long packed, out _))
            {
                continue;
            }

            MergeKernel.Quantize(slab.AsSpan(OccupancyMap.CellStart(slot), VoxelKey.BrickVoxels), sums, known, width);
            if (!IsEmpty(known))
            {
                int b = GetOrAdd(packed);
                MergeKernel.Accumulate(sums, known, SumsOf(b), KnownOf(b), width);
            }
        }
    }

    /// <summary>Adds another evidence map's evidence (a merge); <paramref name="other"/> is not changed.</summary>
    /// <param name="other">Evidence of the same resolution; may be this map (doubles every sum).</param>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentException">The resolutions differ.</exception>
    public void Add(EvidenceMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckResolution(other.Resolution, nameof(other));
        KernelWidth width = _kernels.Merge;
        int n = other._count;
        for (int i = 0; i < n; i++)
        {
            int b = GetOrAdd(other._keys[i]);
            MergeKernel.Accumulate(other.SumsOf(i), other.KnownOf(i), SumsOf(b), KnownOf(b), width);
        }
    }

    /// <summary>
    /// Adds a delta's increments. The map does not remember deltas: applying one twice adds it twice (a fleet's
    /// region keeps each agent's last sequence number and skips what it has seen; see <see cref="MapDelta"/>).
    /// </summary>
    /// <param name="delta">A delta of the same resolution.</param>
    /// <exception cref="ArgumentNullException"><paramref name="delta"/> is null.</exception>
    /// <exception cref="ArgumentException">The resolutions differ.</exception>
    public void Apply(MapDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        CheckResolution(delta.Resolution, nameof(delta));
        KernelWidth width = _kernels.Merge;
        for (int i = 0; i < delta.BrickCount; i++)
        {
            int b = GetOrAdd(delta.PackedKey(i));
            MergeKernel.Accumulate(delta.IncrementsOf(i), delta.KnownOf(i), SumsOf(b), KnownOf(b), width);
        }
    }

    /// <summary>The summed log-odds of a voxel, not clamped (the sum · 2^-16); false when no contributor knows it.</summary>
    /// <param name="key">The voxel.</param>
    /// <param name="logOdds">The summed log-odds, or 0.</param>
    public bool TryGetLogOdds(VoxelKey key, out float logOdds)
    {
        logOdds = 0;
        if (!OccupancyMap.IsInRange(key) || !_index.TryGetValue(VoxelKey.PackBrick(key.BrickX, key.BrickY, key.BrickZ), out int b))
        {
            return false;
        }

        int i = key.LocalIndex;
        if ((KnownOf(b)[i >> 6] & (1UL << (i & 63))) == 0)
        {
            return false;
        }

        logOdds = SumsOf(b)[i] * (1f / Scale);
        return true;
    }

    /// <summary>
    /// The merged map: each known voxel's summed log-odds clamped once to <paramref name="sensorModel"/>'s clamps,
    /// bricks that meet <paramref name="region"/> only (all when null).
    /// </summary>
    /// <param name="sensorModel">The sensor model of the map made (its clamps and occupancy threshold); the default model when null.</param>
    /// <param name="region">World frame, metres: the box whose bricks to take; everything when null.</param>
    public OccupancyMap ToMap(SensorModel? sensorModel = null, Aabb? region = null)
    {
        var map = new OccupancyMap(Resolution, sensorModel, _kernels);
        SensorModel model = map.SensorModel;
        (BrickKey lo, BrickKey hi) = region is Aabb box ? BrickRange(map, box) : (default, default);
        Span<float> voxels = stackalloc float[VoxelKey.BrickVoxels];
        using OccupancyMap.WriteScope write = map.BeginWrite();
        for (int i = 0; i < _count; i++)
        {
            (int x, int y, int z) = VoxelKey.UnpackBrick(_keys[i]);
            if (region is not null && (x < lo.X || x > hi.X || y < lo.Y || y > hi.Y || z < lo.Z || z > hi.Z))
            {
                continue;
            }

            MergeKernel.Dequantize(SumsOf(i), KnownOf(i), model.ClampMinLogOdds, model.ClampMaxLogOdds, voxels, _kernels.Merge);
            map.AdoptBrick(x, y, z, voxels);
        }

        return map;
    }

    /// <summary>Whether two evidence maps hold the same bricks with the same sums and known voxels, bit for bit.</summary>
    /// <param name="other">The other map (null is never equal).</param>
    public bool ContentEquals(EvidenceMap? other)
    {
        if (other is null || other.Resolution != Resolution || other._count != _count)
        {
            return false;
        }

        for (int i = 0; i < _count; i++)
        {
            if (!other._index.TryGetValue(_keys[i], out int j) ||
                !SumsOf(i).SequenceEqual(other.SumsOf(j)) || !KnownOf(i).SequenceEqual(other.KnownOf(j)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A copy of the evidence (to merge into while this one stays as it is): whole chunks copied, nothing merged brick by brick.</summary>
    public EvidenceMap Clone()
    {
        var copy = new EvidenceMap(Resolution, _kernels);
        copy._keys = (long[])_keys.Clone();
        int chunks = (_count + ChunkBricks - 1) >> ChunkShift;
        copy._sums = new int[Math.Max(4, chunks)][];
        copy._known = new ulong[copy._sums.Length][];
        for (int c = 0; c < chunks; c++)
        {
            // Every element is copied over: no need for the runtime to zero the new chunk first.
            copy._sums[c] = GC.AllocateUninitializedArray<int>(ChunkBricks * VoxelKey.BrickVoxels);
            _sums[c].CopyTo(copy._sums[c], 0);
            copy._known[c] = (ulong[])_known[c].Clone();
        }

        foreach ((long key, int b) in _index)
        {
            copy._index.Add(key, b);
        }

        copy._count = _count;
        return copy;
    }

    /// <summary>Removes every brick.</summary>
    public void Clear()
    {
        _index.Clear();
        _count = 0;
    }

    internal Span<int> SumsOf(int brick) => _sums[brick >> ChunkShift].AsSpan((brick & (ChunkBricks - 1)) * VoxelKey.BrickVoxels, VoxelKey.BrickVoxels);

    internal Span<ulong> KnownOf(int brick) => _known[brick >> ChunkShift].AsSpan((brick & (ChunkBricks - 1)) * VoxelKey.BrickWords, VoxelKey.BrickWords);

    internal long PackedKey(int brick) => _keys[brick];

    /// <summary>The brick's index, or -1.</summary>
    internal int Find(long packed) => _index.TryGetValue(packed, out int b) ? b : -1;

    /// <summary>The brick's index; a new brick (no evidence, nothing known) when it had none.</summary>
    internal int GetOrAdd(long packed)
    {
        if (_index.TryGetValue(packed, out int b))
        {
            return b;
        }

        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, checked(_keys.Length * 2));
        }

        b = _count++;
        int chunk = b >> ChunkShift;
        if (chunk == _sums.Length || _sums[chunk] is null)
        {
            if (chunk == _sums.Length)
            {
                Array.Resize(ref _sums, Math.Max(4, _sums.Length * 2));
                Array.Resize(ref _known, _sums.Length);
            }

            // A new chunk comes zeroed: nothing to clear.
            _sums[chunk] = new int[ChunkBricks * VoxelKey.BrickVoxels];
            _known[chunk] = new ulong[ChunkBricks * VoxelKey.BrickWords];
        }
        else
        {
            SumsOf(b).Clear();
            KnownOf(b).Clear();
        }

        _keys[b] = packed;
        _index.Add(packed, b);
        return b;
    }

    /// <summary>Removes a brick (the last one takes its index).</summary>
    internal void Remove(long packed)
    {
        if (!_index.Remove(packed, out int b))
        {
            return;
        }

        int last = --_count;
        if (b != last)
        {
            _keys[b] = _keys[last];
            SumsOf(last).CopyTo(SumsOf(b));
            KnownOf(last).CopyTo(KnownOf(b));
            _index[_keys[b]] = b;
        }
    }

    internal static bool IsEmpty(ReadOnlySpan<ulong> known)
    {
        foreach (ulong w in known)
        {
            if (w != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static (BrickKey Lo, BrickKey Hi) BrickRange(OccupancyMap map, Aabb box)
    {
        (VoxelKey lo, VoxelKey hi) = map.KeyRangeOf(box);
        return (BrickKey.Of(lo), BrickKey.Of(hi));
    }

    private void CheckResolution(double resolution, string parameter)
    {
        if (resolution != Resolution)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{parameter} has resolution {resolution} m, but this evidence map's is {Resolution} m."), parameter);
        }
    }
}

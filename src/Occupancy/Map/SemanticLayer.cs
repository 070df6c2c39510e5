using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy;

/// <summary>
/// Semantic classes carried beside an <see cref="OccupancyMap"/>: each voxel that labelled measurements ended in holds
/// the class most of them agreed on, kept as a streaming majority vote (Boyer–Moore: a vote for the held class raises its
/// count, any other lowers it, and at zero the newcomer takes the voxel), so a voxel costs two bytes whatever the number
/// of classes. Classes are <see cref="SemanticClass"/> values: the named ones, or any id from 1 to 255 cast to it;
/// <see cref="SemanticClass.Unlabelled"/> (0) means "no label" (sky, or a pixel the segmentation left out) and the
/// image and point-cloud overloads cast no vote for it. Threads: every call takes the layer's lock, so calls from
/// several threads take turns (a labelled image's votes as one). Labelled depth images vote through
/// <c>SemanticLayerIntegration.Integrate</c> (an extension method: <c>layer.Integrate(depth, labels, intrinsics, cameraPose, maxRange)</c>). Voxel keys and resolution are the map's; world frame metres, z up.
/// </summary>
public sealed class SemanticLayer
{
    private readonly Dictionary<VoxelKey, ushort> _votes = []; // class << 8 | count; guarded by SyncRoot

    /// <summary>Creates an empty layer for a map.</summary>
    /// <param name="map">The map whose voxels are labelled.</param>
    public SemanticLayer(OccupancyMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        Map = map;
    }

    /// <summary>The map whose voxels are labelled.</summary>
    public OccupancyMap Map { get; }

    /// <summary>Number of labelled voxels.</summary>
    public int Count
    {
        get
        {
            lock (SyncRoot)
            {
                return _votes.Count;
            }
        }
    }

    /// <summary>Every read and vote takes this lock: calls from several threads take turns.</summary>
    internal object SyncRoot => _votes;

    /// <summary>The class held by a voxel, or null when no labelled measurement ended in it.</summary>
    /// <param name="key">A map voxel.</param>
    public SemanticClass? ClassOf(VoxelKey key)
    {
        lock (SyncRoot)
        {
            return _votes.TryGetValue(key, out ushort v) ? (SemanticClass)(v >> 8) : null;
        }
    }

    /// <summary>
    /// The class of a voxel, or where no labelled measurement ended in it (the projective update also marks voxels
    /// near a surface that no pixel's point fell in) the class of the nearest labelled neighbour: the 6 face neighbours
    /// first, then the 12 edge and the 8 corner neighbours. Null when none of them is labelled either.
    /// </summary>
    /// <param name="key">A map voxel.</param>
    public SemanticClass? ClassNear(VoxelKey key)
    {
        lock (SyncRoot)
        {
            return ClassNearLocked(key);
        }
    }

    private SemanticClass? ClassNearLocked(VoxelKey key)
    {
        if (_votes.TryGetValue(key, out ushort own))
        {
            return (SemanticClass)(own >> 8);
        }

        for (int ring = 1; ring <= 3; ring++)
        {
            for (int dz = -1; dz <= 1; dz++)
            {
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if (Math.Abs(dx) + Math.Abs(dy) + Math.Abs(dz) == ring && _votes.TryGetValue(new VoxelKey(key.X + dx, key.Y + dy, key.Z + dz), out ushort v))
                        {
                            return (SemanticClass)(v >> 8);
                        }
                    }
                }
            }
        }

        return null;
    }

    /// <summary>Adds one vote for a class at a voxel.</summary>
    /// <param name="key">A map voxel.</param>
    /// <param name="label">The class.</param>
    public void Vote(VoxelKey key, SemanticClass label)
    {
        lock (SyncRoot)
        {
            VoteLocked(key, label);
        }
    }

    /// <summary>One vote; the caller holds <see cref="SyncRoot"/>.</summary>
    internal void VoteLocked(VoxelKey key, SemanticClass label)
    {
        ref ushort v = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_votes, key, out bool exists);
        int held = v >> 8, count = v & 0xFF;
        if (!exists || count == 0)
        {
            v = (ushort)(((int)label << 8) | 1);
        }
        else if (held == (int)label)
        {
            v = (ushort)((held << 8) | Math.Min(count + 1, 255));
        }
        else
        {
            v = (ushort)((held << 8) | (count - 1));
        }
    }

    /// <summary>Every labelled voxel with its packed vote (class &lt;&lt; 8 | count), for saving; takes the lock.</summary>
    internal KeyValuePair<VoxelKey, ushort>[] SnapshotVotes()
    {
        lock (SyncRoot)
        {
            var all = new KeyValuePair<VoxelKey, ushort>[_votes.Count];
            int n = 0;
            foreach (KeyValuePair<VoxelKey, ushort> kv in _votes)
            {
                all[n++] = kv;
            }

            return all;
        }
    }

    /// <summary>Restores one packed vote as saved; false when the voxel already holds one. For loading.</summary>
    internal bool TryRestoreVote(VoxelKey key, ushort packed)
    {
        lock (SyncRoot)
        {
            return _votes.TryAdd(key, packed);
        }
    }

    /// <summary>Votes with a labelled point cloud: each point votes its label at the voxel it lies in.</summary>
    /// <param name="points">World points, metres; non-finite ones are skipped.</param>
    /// <param name="labels">One class per point; <see cref="SemanticClass.Unlabelled"/> casts no vote.</param>
    /// <returns>The number of votes cast.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public int Integrate(ReadOnlySpan<Vector3> points, ReadOnlySpan<SemanticClass> labels)
    {
        if (labels.Length != points.Length)
        {
            ThrowHelper.BufferSize(nameof(labels), labels.Length, points.Length, "one label per point");
        }

        int votes = 0;
        lock (SyncRoot)
        {
            for (int i = 0; i < points.Length; i++)
            {
                Vector3 p = points[i];
                if (labels[i] != 0 && float.IsFinite(p.X) && float.IsFinite(p.Y) && float.IsFinite(p.Z) && Map.TryGetKey(p, out VoxelKey key))
                {
                    VoteLocked(key, labels[i]);
                    votes++;
                }
            }
        }

        return votes;
    }

    /// <summary>Forgets every label.</summary>
    public void Clear()
    {
        lock (SyncRoot)
        {
            _votes.Clear();
        }
    }
}
